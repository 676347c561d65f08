namespace Mindstack.Platform.Limits;

/// <summary>
/// Every API's documented limits, in one place for the modules to pick from. The tiers of one
/// API share a policy name, so the counts of an account that changes tier carry over.
/// </summary>
public static class RateLimitPolicies
{
    /// <summary>MindPeeker: per account tier, a minute and a day window at once.</summary>
    public static class MindPeeker
    {
        public static RateLimitPolicy Basic { get; } =
            new("mindpeeker.tier", RateLimitWindow.PerMinute(100), RateLimitWindow.PerDay(1_000));

        public static RateLimitPolicy Professional { get; } =
            new("mindpeeker.tier", RateLimitWindow.PerMinute(1_000), RateLimitWindow.PerDay(10_000));

        public static RateLimitPolicy Enterprise { get; } =
            new("mindpeeker.tier", RateLimitWindow.PerMinute(10_000), RateLimitWindow.PerDay(100_000));

        /// <summary><c>basic</c>, <c>professional</c> or <c>enterprise</c> (any case); anything else is basic.</summary>
        public static RateLimitPolicy ForTier(string? tier) => tier?.ToLowerInvariant() switch
        {
            "professional" => Professional,
            "enterprise" => Enterprise,
            _ => Basic,
        };
    }

    /// <summary>Mindra: per tier, a minute and a day window; enterprise limits are agreed per customer.</summary>
    public static class Mindra
    {
        public static RateLimitPolicy Developer { get; } =
            new("mindra.tier", RateLimitWindow.PerMinute(100), RateLimitWindow.PerDay(10_000));

        public static RateLimitPolicy Business { get; } =
            new("mindra.tier", RateLimitWindow.PerMinute(500), RateLimitWindow.PerDay(100_000));

        /// <summary>The document's "custom" enterprise tier, with the agreed numbers.</summary>
        public static RateLimitPolicy Enterprise(int perMinute, int perDay) =>
            new("mindra.tier", RateLimitWindow.PerMinute(perMinute), RateLimitWindow.PerDay(perDay));

        /// <summary><c>developer</c> or <c>business</c> (any case); anything else is developer.</summary>
        public static RateLimitPolicy ForTier(string? tier) =>
            string.Equals(tier, "business", StringComparison.OrdinalIgnoreCase) ? Business : Developer;
    }

    /// <summary>MindSwarm: its section "Rate Limits", plus per-app developer keys.</summary>
    public static class MindSwarm
    {
        /// <summary>Every API request: 5,000 per 15 minutes.</summary>
        public static RateLimitPolicy General { get; } = new("mindswarm.general", RateLimitWindow.PerMinutes(15, 5_000));

        /// <summary>The <c>/api/auth/*</c> endpoints: 100 per 15 minutes.</summary>
        public static RateLimitPolicy Auth { get; } = new("mindswarm.auth", RateLimitWindow.PerMinutes(15, 100));

        /// <summary>
        /// Failed logins: 10 per 15 minutes, successful ones not counted. Use it through
        /// <see cref="IRateLimiter"/>: <c>PeekAsync</c> before checking the password, <c>AcquireAsync</c>
        /// after a failure.
        /// </summary>
        public static RateLimitPolicy FailedLogin { get; } = new("mindswarm.failed-login",
            [RateLimitWindow.PerMinutes(15, 10)], "Too many failed login attempts, please try again later.");

        /// <summary>2FA attempts: 5 per 5 minutes.</summary>
        public static RateLimitPolicy TwoFactor { get; } = new("mindswarm.2fa", RateLimitWindow.PerMinutes(5, 5));

        /// <summary><c>GET /api/auth/challenge</c>: 10 per minute.</summary>
        public static RateLimitPolicy Challenge { get; } = new("mindswarm.challenge", RateLimitWindow.PerMinute(10));

        /// <summary><c>GET /api/auth/check-availability</c>: 20 per minute.</summary>
        public static RateLimitPolicy Availability { get; } = new("mindswarm.availability", RateLimitWindow.PerMinute(20));

        /// <summary>A developer app's key with its own limits (the document's default: 60 per minute, 10,000 per day).</summary>
        public static RateLimitPolicy AppKey(int perMinute = 60, int perDay = 10_000) =>
            new("mindswarm.app-key", RateLimitWindow.PerMinute(perMinute), RateLimitWindow.PerDay(perDay));

        /// <summary>The default developer-key limits.</summary>
        public static RateLimitPolicy AppKeyDefault { get; } = AppKey();
    }

    /// <summary>MindMesh: one class per kind of endpoint, each per minute.</summary>
    public static class MindMesh
    {
        public static RateLimitPolicy Auth { get; } = new("mindmesh.auth", RateLimitWindow.PerMinute(5));

        public static RateLimitPolicy Read { get; } = new("mindmesh.read", RateLimitWindow.PerMinute(100));

        public static RateLimitPolicy Write { get; } = new("mindmesh.write", RateLimitWindow.PerMinute(20));

        public static RateLimitPolicy Ai { get; } = new("mindmesh.ai", RateLimitWindow.PerMinute(10));
    }

    /// <summary>
    /// PluginMind: the original backend's defaults, a bucket per client address (300 per minute)
    /// and one per signed-in user (60 per minute). The original refilled token buckets with a
    /// burst allowance (600 and 120); fixed windows admit at most the same per-minute rate.
    /// </summary>
    public static class PluginMind
    {
        public static RateLimitPolicy PerAddress { get; } = new("pluginmind.address", RateLimitWindow.PerMinute(300));

        public static RateLimitPolicy PerUser { get; } = new("pluginmind.user", RateLimitWindow.PerMinute(60));
    }
}
