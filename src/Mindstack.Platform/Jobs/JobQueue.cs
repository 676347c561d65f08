using Mindstack.Platform.Observability;
using Mindstack.Platform.Storage;

namespace Mindstack.Platform.Jobs;

/// <summary>When and how a job runs.</summary>
public sealed record JobOptions
{
    /// <summary>Not before this UTC time (default: now).</summary>
    public DateTime? RunAt { get; init; }

    /// <summary>Not before now plus this (ignored when <see cref="RunAt"/> is set).</summary>
    public TimeSpan? Delay { get; init; }

    /// <summary>Higher runs first among due jobs (default 0).</summary>
    public int Priority { get; init; }

    /// <summary>Overrides the handler's <see cref="JobHandlerOptions.MaxAttempts"/>.</summary>
    public int? MaxAttempts { get; init; }
}

/// <summary>
/// Enqueues durable jobs <b>in the caller's transaction</b>: the job row is added to the scoped
/// <see cref="MindstackDbContext"/> and is written by the caller's next <c>SaveChanges</c> (inside
/// the caller's transaction, if one is open), together with the change that caused it. Nothing is
/// queued if the caller never saves or rolls back. Scoped.
/// </summary>
public interface IJobQueue
{
    /// <summary>Adds a job for a registered handler; returns the job id (<c>job_…</c>).</summary>
    string Enqueue<THandler>(object? payload = null, JobOptions? options = null) where THandler : IJobHandler;

    /// <summary>Adds a job by its registered type name; returns the job id.</summary>
    string Enqueue(string type, object? payload = null, JobOptions? options = null);
}

internal sealed class JobQueue(
    MindstackDbContext db,
    JobHandlerRegistry registry,
    IIdGenerator ids,
    TimeProvider clock,
    WorkSignals signals) : IJobQueue
{
    public string Enqueue<THandler>(object? payload = null, JobOptions? options = null) where THandler : IJobHandler =>
        Enqueue(registry.ForHandler(typeof(THandler)).Name, payload, options);

    public string Enqueue(string type, object? payload = null, JobOptions? options = null)
    {
        var registration = registry.Find(type)
            ?? throw new InvalidOperationException($"No job handler is registered for type '{type}'.");
        var now = clock.GetUtcNow().UtcDateTime;
        var runAt = options?.RunAt is { } at ? at.ToUniversalTime()
            : options?.Delay is { } delay ? now + delay
            : now;
        var job = new QueuedJob
        {
            Id = ids.New("job"),
            Type = registration.Name,
            Payload = JobJson.Serialize(payload),
            State = JobState.Pending,
            Priority = options?.Priority ?? 0,
            RunAt = runAt,
            MaxAttempts = Math.Max(1, options?.MaxAttempts ?? registration.Options.MaxAttempts),
            CreatedAt = now,
            Traceparent = MindstackTelemetry.CurrentTraceparent(),
        };
        db.Add(job);
        signals.Mark(db, NewWork.Jobs);
        return job.Id;
    }
}
