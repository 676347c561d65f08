using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Mindstack.Platform.Http;
using Mindstack.Platform.Observability;
using Mindstack.Platform.Storage;

namespace Mindstack.Platform.Jobs;

/// <summary>How many jobs of a type are in a state.</summary>
public sealed record JobCount(string Type, JobState State, int Count);

/// <summary>One job, as an operator sees it.</summary>
public sealed record JobSummary(
    string Id,
    string Type,
    JobState State,
    int Attempts,
    int MaxAttempts,
    DateTime RunAt,
    DateTime CreatedAt,
    DateTime? CompletedAt,
    string? LeaseOwner,
    string? LastError);

/// <summary>What operators see and do with the queue (the <c>jobs</c> CLI command, metrics). Scoped.</summary>
public sealed class JobAdmin(MindstackDbContext db, TimeProvider clock)
{
    public async Task<IReadOnlyList<JobCount>> CountsAsync(CancellationToken cancellationToken = default)
    {
        var rows = await db.Set<QueuedJob>()
            .GroupBy(j => new { j.Type, j.State })
            .Select(g => new { g.Key.Type, g.Key.State, Count = g.Count() })
            .ToListAsync(cancellationToken);
        return rows.Select(r => new JobCount(r.Type, r.State, r.Count))
            .OrderBy(c => c.Type, StringComparer.Ordinal).ThenBy(c => c.State).ToList();
    }

    /// <summary>Dead jobs, most recently dead first, with their last error.</summary>
    public async Task<IReadOnlyList<JobSummary>> DeadAsync(int limit = 50, CancellationToken cancellationToken = default) =>
        (await db.Set<QueuedJob>().AsNoTracking()
            .Where(j => j.State == JobState.Dead)
            .OrderByDescending(j => j.CompletedAt).ThenByDescending(j => j.Id)
            .Take(Math.Clamp(limit, 1, 1000))
            .ToListAsync(cancellationToken))
        .Select(Summary).ToList();

    public async Task<JobSummary?> FindAsync(string id, CancellationToken cancellationToken = default) =>
        await db.Set<QueuedJob>().AsNoTracking().SingleOrDefaultAsync(j => j.Id == id, cancellationToken) is { } job ? Summary(job) : null;

    /// <summary>
    /// Runs a dead (or waiting) job again now, with a fresh set of attempts. A job that is running
    /// or done is a <see cref="ProblemKind.Conflict"/>; an unknown id is <see cref="ProblemKind.NotFound"/>.
    /// Returns the job as the retry left it (pending, no attempts), even if a worker has taken it since.
    /// </summary>
    public async Task<JobSummary> RetryAsync(string id, CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var updated = await db.Set<QueuedJob>()
            .Where(j => j.Id == id && (j.State == JobState.Dead || j.State == JobState.Pending))
            .ExecuteUpdateAsync(u => u
                .SetProperty(j => j.State, JobState.Pending)
                .SetProperty(j => j.Attempts, 0)
                .SetProperty(j => j.RunAt, now)
                .SetProperty(j => j.CompletedAt, (DateTime?)null)
                .SetProperty(j => j.LeaseExpiresAt, (DateTime?)null), cancellationToken);
        var job = await FindAsync(id, cancellationToken) ?? throw Problem.NotFound($"No job '{id}'");
        if (updated != 1)
        {
            throw Problem.Conflict($"Job '{id}' is {JobStates.ToText(job.State)}; only dead or pending jobs can be retried");
        }
        // A worker may already have taken it between the update and the read: answer with the job
        // as the retry left it, which is what the operator asked for.
        return job with { State = JobState.Pending, Attempts = 0, RunAt = now, CompletedAt = null, LeaseOwner = null };
    }

    /// <summary>
    /// Deletes a dead job for good (an operator gave up on it). Any other state is a
    /// <see cref="ProblemKind.Conflict"/>; an unknown id is <see cref="ProblemKind.NotFound"/>.
    /// </summary>
    public async Task DiscardAsync(string id, CancellationToken cancellationToken = default)
    {
        var deleted = await db.Set<QueuedJob>().Where(j => j.Id == id && j.State == JobState.Dead).ExecuteDeleteAsync(cancellationToken);
        if (deleted == 1)
        {
            return;
        }
        var job = await FindAsync(id, cancellationToken) ?? throw Problem.NotFound($"No job '{id}'");
        throw Problem.Conflict($"Job '{id}' is {JobStates.ToText(job.State)}; only dead jobs can be discarded");
    }

    private static JobSummary Summary(QueuedJob j) =>
        new(j.Id, j.Type, j.State, j.Attempts, j.MaxAttempts, j.RunAt, j.CreatedAt, j.CompletedAt, j.LeaseOwner, j.LastError);
}

/// <summary>Queue depth by state and type, and the newest dead jobs with their last error, for <c>/metrics/prometheus</c>.</summary>
internal sealed class JobsMetrics(JobAdmin admin) : IMetricsSource
{
    private const int DeadShown = 20;

    public async Task WriteAsync(StringBuilder output, CancellationToken cancellationToken)
    {
        var counts = await admin.CountsAsync(cancellationToken);
        output.AppendLine("# HELP mindstack_jobs Jobs in the queue, by state and type.");
        output.AppendLine("# TYPE mindstack_jobs gauge");
        foreach (var state in Enum.GetValues<JobState>())
        {
            // Every state appears, so an empty queue reads as zeros rather than as missing series.
            var total = counts.Where(c => c.State == state).Sum(c => c.Count);
            output.Append(CultureInfo.InvariantCulture, $"mindstack_jobs{{state=\"{JobStates.ToText(state)}\",type=\"\"}} {total}\n");
            foreach (var count in counts.Where(c => c.State == state))
            {
                output.Append(CultureInfo.InvariantCulture,
                    $"mindstack_jobs{{state=\"{JobStates.ToText(state)}\",type=\"{Label(count.Type)}\"}} {count.Count}\n");
            }
        }
        output.AppendLine($"# HELP mindstack_jobs_dead_attempts The {DeadShown} newest dead jobs with their last error; the value is their attempts.");
        output.AppendLine("# TYPE mindstack_jobs_dead_attempts gauge");
        foreach (var job in await admin.DeadAsync(DeadShown, cancellationToken))
        {
            var error = job.LastError is { Length: > 200 } text ? text[..200] + "…" : job.LastError ?? "";
            output.Append(CultureInfo.InvariantCulture,
                $"mindstack_jobs_dead_attempts{{id=\"{Label(job.Id)}\",type=\"{Label(job.Type)}\",error=\"{Label(error)}\"}} {job.Attempts}\n");
        }
    }

    /// <summary>Escapes a Prometheus label value.</summary>
    internal static string Label(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal)
            .Replace("\"", "\\\"", StringComparison.Ordinal)
            .Replace("\n", "\\n", StringComparison.Ordinal)
            .Replace("\r", "", StringComparison.Ordinal);
}
