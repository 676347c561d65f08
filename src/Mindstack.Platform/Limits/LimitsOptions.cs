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

/// <summary>Rate limits and idempotency, bound from <c>Mindstack:Limits</c>.</summary>
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
