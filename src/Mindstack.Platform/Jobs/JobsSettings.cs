using Microsoft.Extensions.Options;

namespace Mindstack.Platform.Jobs;

/// <summary>
/// How this node takes part in the job queue, bound from <c>Mindstack:Jobs:*</c> and validated at
/// start: <c>Workers</c> (default 2: how many jobs run at once on this node; 0 = this node only
/// serves HTTP and runs no background work), <c>BatchSize</c> (default 32: the most jobs claimed,
/// and marked done, in one round trip),
/// <c>Lease</c> (default 30 s: how long a claimed job stays with its node without a renewal),
/// <c>PollInterval</c> (default 1 s: the idle delay between looks at the queue), <c>NodeId</c>
/// (default host-pid-random), <c>Retention</c> (default 7 days: finished jobs and dispatched events
/// are deleted after this) and <c>MaxRetryDelay</c> (default none: caps every handler's backoff).
/// The older numeric keys <c>LeaseSeconds</c>, <c>PollMilliseconds</c> and <c>RetainDays</c> are
/// still read and win over the durations.
/// </summary>
public sealed class JobsSettings
{
    public const string Section = "Mindstack:Jobs";

    public int Workers { get; set; } = 2;

    /// <summary>
    /// The most jobs one claim takes (never more than free workers, so no claimed job waits) and
    /// one completion statement marks done.
    /// </summary>
    public int BatchSize { get; set; } = 32;

    public TimeSpan Lease { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    public string NodeId { get; set; } = DefaultNodeId();

    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// The longest a failed job waits for its next attempt, whatever its handler's backoff says
    /// (null: the handler's backoff as it is). Tests set it small so failures retry at once.
    /// </summary>
    public TimeSpan? MaxRetryDelay { get; set; }

    /// <summary>The older spelling of <see cref="Lease"/>, in seconds.</summary>
    public double? LeaseSeconds { get; set; }

    /// <summary>The older spelling of <see cref="PollInterval"/>, in milliseconds.</summary>
    public double? PollMilliseconds { get; set; }

    /// <summary>The older spelling of <see cref="Retention"/>, in days.</summary>
    public double? RetainDays { get; set; }

    /// <summary>The idle delay between looks at the queue.</summary>
    public TimeSpan IdleDelay => PollInterval;

    /// <summary>How often a running job's lease is renewed: a third of its length.</summary>
    public TimeSpan RenewEvery => Lease / 3;

    /// <summary>The delay before the next attempt: the handler's backoff, at most <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan RetryDelay(TimeSpan backoff) => MaxRetryDelay is { } cap && backoff > cap ? cap : backoff;

    /// <summary>Applies the older numeric keys, which win when given.</summary>
    internal void ApplyNumericKeys()
    {
        if (LeaseSeconds is { } lease)
        {
            Lease = TimeSpan.FromSeconds(lease);
        }
        if (PollMilliseconds is { } poll)
        {
            PollInterval = TimeSpan.FromMilliseconds(poll);
        }
        if (RetainDays is { } days)
        {
            Retention = TimeSpan.FromDays(days);
        }
    }

    private static string DefaultNodeId() =>
        $"{Environment.MachineName}-{Environment.ProcessId}-{Random.Shared.Next(0x10000):x4}";
}

/// <summary>Refuses a start with a bad <c>Mindstack:Jobs:*</c> value, naming the setting.</summary>
internal sealed class JobsSettingsValidator : IValidateOptions<JobsSettings>
{
    public ValidateOptionsResult Validate(string? name, JobsSettings settings)
    {
        var failures = new List<string>();
        const string at = JobsSettings.Section + ":";
        if (settings.Workers < 0)
        {
            failures.Add($"{at}Workers must be 0 or more");
        }
        if (settings.BatchSize is < 1 or > 500)
        {
            failures.Add($"{at}BatchSize must be between 1 and 500");
        }
        if (settings.Lease < TimeSpan.FromSeconds(1))
        {
            failures.Add(settings.LeaseSeconds is null ? $"{at}Lease must be at least 00:00:01" : $"{at}LeaseSeconds must be at least 1");
        }
        if (settings.PollInterval < TimeSpan.FromMilliseconds(10))
        {
            failures.Add(settings.PollMilliseconds is null ? $"{at}PollInterval must be at least 00:00:00.010" : $"{at}PollMilliseconds must be at least 10");
        }
        if (settings.Retention < TimeSpan.Zero)
        {
            failures.Add(settings.RetainDays is null ? $"{at}Retention must not be negative" : $"{at}RetainDays must be 0 or more");
        }
        if (settings.MaxRetryDelay is { } cap && cap < TimeSpan.Zero)
        {
            failures.Add($"{at}MaxRetryDelay must not be negative");
        }
        if (string.IsNullOrWhiteSpace(settings.NodeId))
        {
            failures.Add($"{at}NodeId must not be empty");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
