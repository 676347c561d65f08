namespace Mindstack.Platform.Jobs;

/// <summary>Where a job is in its life.</summary>
public enum JobState
{
    /// <summary>Waiting for its run-at time and a free worker.</summary>
    Pending,
    /// <summary>Claimed by a node, whose lease is current.</summary>
    Running,
    /// <summary>Its handler finished.</summary>
    Done,
    /// <summary>Its last attempt failed (or it failed permanently); kept with its last error.</summary>
    Dead,
}

/// <summary>The text each state is stored as (raw SQL in <see cref="JobStore"/> uses the same words).</summary>
internal static class JobStates
{
    public const string Pending = "pending";
    public const string Running = "running";
    public const string Done = "done";
    public const string Dead = "dead";

    public static string ToText(JobState state) => state switch
    {
        JobState.Pending => Pending,
        JobState.Running => Running,
        JobState.Done => Done,
        JobState.Dead => Dead,
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, null),
    };

    public static JobState Parse(string text) => text switch
    {
        Pending => JobState.Pending,
        Running => JobState.Running,
        Done => JobState.Done,
        Dead => JobState.Dead,
        _ => throw new ArgumentOutOfRangeException(nameof(text), text, null),
    };
}

/// <summary>One row of <c>jobs_queue</c>.</summary>
internal sealed class QueuedJob
{
    public required string Id { get; set; }
    public required string Type { get; set; }
    public required string Payload { get; set; }
    public JobState State { get; set; }
    /// <summary>Higher runs first among jobs that are due.</summary>
    public int Priority { get; set; }
    public DateTime RunAt { get; set; }
    /// <summary>How many times it has been started (a claim counts; a shutdown hand-back does not).</summary>
    public int Attempts { get; set; }
    public int MaxAttempts { get; set; }
    public string? LastError { get; set; }
    /// <summary>The node holding the lease while running; after that, the node that last ran it.</summary>
    public string? LeaseOwner { get; set; }
    public DateTime? LeaseExpiresAt { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? StartedAt { get; set; }
    public DateTime? CompletedAt { get; set; }
    /// <summary>The recurring schedule that enqueued it, and for which due time (unique together).</summary>
    public string? ScheduleName { get; set; }
    public DateTime? ScheduledFor { get; set; }
    /// <summary>The W3C trace context it was enqueued under (its run joins that trace); null outside any trace.</summary>
    public string? Traceparent { get; set; }
}

/// <summary>One row of <c>jobs_schedules</c>: a recurring job by cron expression.</summary>
internal sealed class JobSchedule
{
    public required string Name { get; set; }
    public required string Cron { get; set; }
    public required string Type { get; set; }
    public required string Payload { get; set; }
    public int Priority { get; set; }
    public DateTime NextRunAt { get; set; }
    public DateTime? LastRunAt { get; set; }
    public bool Active { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

/// <summary>One row of <c>jobs_leases</c>: a named lease one node holds at a time (the event dispatcher's, say).</summary>
internal sealed class NamedLease
{
    public required string Name { get; set; }
    public required string Owner { get; set; }
    public DateTime ExpiresAt { get; set; }
}
