using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Mindstack.Platform.Http;
using Mindstack.Platform.Storage;

namespace Mindstack.Platform.Jobs;

/// <summary>A recurring schedule as stored.</summary>
public sealed record JobScheduleInfo(string Name, string Cron, string Type, bool Active, DateTime NextRunAt, DateTime? LastRunAt);

/// <summary>
/// Recurring jobs by cron expression, one row per name. Whichever node sees a schedule due first
/// enqueues its job; the due time is claimed with a conditional update and the job row is unique
/// per (schedule, due time), so every due time is enqueued exactly once across nodes. A node that
/// was down for several due times enqueues one job and moves on (no catch-up burst). Scoped.
/// Schedules known in code are registered with <see cref="JobsExtensions.AddRecurringJob{THandler}"/>;
/// this is for ones made at run time (automations, say).
/// </summary>
public interface IJobSchedules
{
    /// <summary>Creates or replaces a schedule; a changed cron expression restarts its timing.</summary>
    Task<JobScheduleInfo> SetAsync<THandler>(string name, string cron, object? payload = null, CancellationToken cancellationToken = default)
        where THandler : IJobHandler;

    Task<JobScheduleInfo> SetAsync(string name, string cron, string type, object? payload = null, CancellationToken cancellationToken = default);

    /// <summary>Pauses or resumes a schedule; false if there is none by that name.</summary>
    Task<bool> SetActiveAsync(string name, bool active, CancellationToken cancellationToken = default);

    /// <summary>Deletes a schedule (jobs it already enqueued stay); false if there was none.</summary>
    Task<bool> RemoveAsync(string name, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<JobScheduleInfo>> ListAsync(CancellationToken cancellationToken = default);
}

internal sealed class JobSchedules(
    MindstackDbContext db,
    JobHandlerRegistry registry,
    IIdGenerator ids,
    TimeProvider clock,
    WorkSignals signals,
    ILogger<JobSchedules> logger) : IJobSchedules
{
    public Task<JobScheduleInfo> SetAsync<THandler>(string name, string cron, object? payload = null, CancellationToken cancellationToken = default)
        where THandler : IJobHandler =>
        SetAsync(name, cron, registry.ForHandler(typeof(THandler)).Name, payload, cancellationToken);

    public async Task<JobScheduleInfo> SetAsync(string name, string cron, string type, object? payload = null, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Length > 200)
        {
            throw Problem.Invalid("name", "A schedule needs a name of at most 200 characters");
        }
        var registration = registry.Find(type) ?? throw new InvalidOperationException($"No job handler is registered for type '{type}'.");
        await UpsertAsync(new RecurringJobRegistration(name, CronSchedule.Parse(cron).Text, registration.Name, JobJson.Serialize(payload), 0), cancellationToken);
        var row = await db.Set<JobSchedule>().AsNoTracking().SingleAsync(s => s.Name == name, cancellationToken);
        return Info(row);
    }

    public async Task<bool> SetActiveAsync(string name, bool active, CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var row = await db.Set<JobSchedule>().SingleOrDefaultAsync(s => s.Name == name, cancellationToken);
        if (row is null)
        {
            return false;
        }
        if (active && !row.Active && CronSchedule.Parse(row.Cron).NextAfter(now) is { } next)
        {
            // A resumed schedule starts from now, not from where it was paused.
            row.NextRunAt = next;
        }
        row.Active = active;
        row.UpdatedAt = now;
        await db.SaveChangesAsync(cancellationToken);
        return true;
    }

    public async Task<bool> RemoveAsync(string name, CancellationToken cancellationToken = default) =>
        await db.Set<JobSchedule>().Where(s => s.Name == name).ExecuteDeleteAsync(cancellationToken) > 0;

    public async Task<IReadOnlyList<JobScheduleInfo>> ListAsync(CancellationToken cancellationToken = default) =>
        (await db.Set<JobSchedule>().AsNoTracking().OrderBy(s => s.Name).ToListAsync(cancellationToken)).Select(Info).ToList();

    /// <summary>Inserts or updates a schedule row in one statement, safe when nodes start together.</summary>
    internal async Task UpsertAsync(RecurringJobRegistration schedule, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var next = CronSchedule.Parse(schedule.Cron).NextAfter(now)
            ?? throw Problem.Invalid("cron", $"'{schedule.Cron}' is never due after now");
        await db.Database.ExecuteSqlAsync(
            $"""
            INSERT INTO jobs_schedules (name, cron, type, payload, priority, next_run_at, last_run_at, active, created_at, updated_at)
            VALUES ({schedule.Name}, {schedule.Cron}, {schedule.Type}, {schedule.Payload}, {schedule.Priority}, {next}, NULL, {true}, {now}, {now})
            ON CONFLICT (name) DO UPDATE SET
                type = excluded.type,
                payload = excluded.payload,
                priority = excluded.priority,
                next_run_at = CASE WHEN jobs_schedules.cron = excluded.cron THEN jobs_schedules.next_run_at ELSE excluded.next_run_at END,
                cron = excluded.cron,
                updated_at = excluded.updated_at
            """,
            cancellationToken);
    }

    /// <summary>Enqueues one job for every due schedule this node can run; returns how many it enqueued.</summary>
    internal async Task<int> EnqueueDueAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var types = registry.Names;
        var due = await db.Set<JobSchedule>().AsNoTracking()
            .Where(s => s.Active && s.NextRunAt <= now && types.Contains(s.Type))
            .ToListAsync(cancellationToken);
        var enqueued = 0;
        foreach (var schedule in due)
        {
            if (!CronSchedule.TryParse(schedule.Cron, out var cron))
            {
                logger.LogError("Schedule {Schedule} has an unreadable cron expression '{Cron}'; pausing it", schedule.Name, schedule.Cron);
                await db.Set<JobSchedule>().Where(s => s.Name == schedule.Name)
                    .ExecuteUpdateAsync(u => u.SetProperty(s => s.Active, false), cancellationToken);
                continue;
            }
            var dueAt = schedule.NextRunAt;
            // A schedule never due again (a cron with a year in the past) is paused where it stands.
            var next = cron!.NextAfter(now > dueAt ? now : dueAt);
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var claimed = await db.Set<JobSchedule>()
                .Where(s => s.Name == schedule.Name && s.NextRunAt == dueAt)
                .ExecuteUpdateAsync(u => u
                    .SetProperty(s => s.NextRunAt, next ?? dueAt)
                    .SetProperty(s => s.Active, next != null)
                    .SetProperty(s => s.LastRunAt, dueAt)
                    .SetProperty(s => s.UpdatedAt, now), cancellationToken);
            if (claimed == 1)
            {
                var registration = registry.Find(schedule.Type)!;
                db.Add(new QueuedJob
                {
                    Id = ids.New("job"),
                    Type = schedule.Type,
                    Payload = schedule.Payload,
                    State = JobState.Pending,
                    Priority = schedule.Priority,
                    RunAt = now,
                    MaxAttempts = registration.Options.MaxAttempts,
                    CreatedAt = now,
                    ScheduleName = schedule.Name,
                    ScheduledFor = dueAt,
                });
                await db.SaveChangesAsync(cancellationToken);
                enqueued++;
            }
            await transaction.CommitAsync(cancellationToken);
            db.ChangeTracker.Clear();
        }
        if (enqueued > 0)
        {
            signals.Jobs.Pulse();
        }
        return enqueued;
    }

    private static JobScheduleInfo Info(JobSchedule row) =>
        new(row.Name, row.Cron, row.Type, row.Active, row.NextRunAt, row.LastRunAt);
}
