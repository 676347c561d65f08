using Microsoft.Extensions.Options;
using Mindstack.Platform.Storage;

namespace Mindstack.Platform.Limits;

/// <summary>Where rate-limit counters are kept.</summary>
public enum RateLimitStore
{
    /// <summary>In memory on SQLite (one node), in the database on PostgreSQL (many nodes).</summary>
    Auto,
    /// <summary>In this process's memory: limits hold per node.</summary>
    Memory,
    /// <summary>In the database (PostgreSQL only): limits hold across nodes.</summary>
    Database,
}

/// <summary>Rate limits and idempotency, bound from <c>Mindstack:Limits</c> and validated at start.</summary>
public sealed class LimitsOptions
{
    public const string Section = "Mindstack:Limits";

    /// <summary>False turns every <c>.RateLimit(…)</c> filter off (no counting, no headers).</summary>
    public bool RateLimitsEnabled { get; set; } = true;

    public RateLimitStore RateLimitStore { get; set; } = RateLimitStore.Auto;

    /// <summary>How long a key's stored response is replayed (the documents promise 24 hours).</summary>
    public TimeSpan IdempotencyRetention { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How long a retry waits for a first request with its key that is still running before 409.</summary>
    public TimeSpan IdempotencyWait { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>After this, a first request still marked running is presumed lost (its node died) and a retry may run.</summary>
    public TimeSpan IdempotencyLease { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How often expired idempotency keys and ended rate-limit windows are deleted.</summary>
    public TimeSpan PurgeInterval { get; set; } = TimeSpan.FromMinutes(10);
}

/// <summary>Refuses a start with a bad <c>Mindstack:Limits:*</c> value, naming the setting.</summary>
internal sealed class LimitsOptionsValidator(DatabaseSettings database) : IValidateOptions<LimitsOptions>
{
    public ValidateOptionsResult Validate(string? name, LimitsOptions options)
    {
        var failures = new List<string>();
        const string at = LimitsOptions.Section + ":";
        if (options.RateLimitStore == RateLimitStore.Database && database.Provider != DatabaseProvider.Postgres)
        {
            failures.Add($"{at}RateLimitStore=Database needs PostgreSQL; SQLite is one node and counts in memory");
        }
        if (!Enum.IsDefined(options.RateLimitStore))
        {
            failures.Add($"{at}RateLimitStore must be Auto, Memory or Database");
        }
        if (options.IdempotencyRetention <= TimeSpan.Zero)
        {
            failures.Add($"{at}IdempotencyRetention must be more than zero");
        }
        if (options.IdempotencyWait < TimeSpan.Zero)
        {
            failures.Add($"{at}IdempotencyWait must not be negative");
        }
        if (options.IdempotencyLease <= TimeSpan.Zero)
        {
            failures.Add($"{at}IdempotencyLease must be more than zero");
        }
        if (options.PurgeInterval <= TimeSpan.Zero)
        {
            failures.Add($"{at}PurgeInterval must be more than zero");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
