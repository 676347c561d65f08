using Mindstack.Platform.Access;
using Mindstack.Platform.Accounts;
using Mindstack.Platform.Http;
using Mindstack.Platform.Limits;

namespace Mindstack.MindSwarm;

/// <summary>
/// Every fact of the MindSwarm API the platform works from, in one place: its name and mount,
/// its credentials (a bearer JWT, or a developer app's <c>X-API-Key: msk_…</c> with the
/// document's path denylist and read/write permissions), its account rules and its rate limits
/// (section 22). <c>AddMindSwarm</c> registers it.
/// </summary>
public static class MindSwarmApi
{
    internal const string Name = "mindswarm";

    internal const string BasePath = "/mindswarm";

    /// <summary>Developer app keys: <c>msk_</c> + 48 lowercase hex; <c>read</c>/<c>write</c>.</summary>
    internal static ApiKeyFormat KeyFormat { get; } = new(Name, "msk_", 24) { AllowedPermissions = ["read", "write"] };

    /// <summary>
    /// Keys are refused on account-sensitive paths (JWT only there, <c>API_KEY_FORBIDDEN_ON_PATH</c>),
    /// and need <c>read</c> for GET/HEAD and <c>write</c> for the rest. Paths as the document writes them
    /// (its <c>/api/ai/api-keys/*</c> is where section 10 serves provider keys, <c>/api/ai/keys</c>).
    /// </summary>
    internal static ApiKeyPathRules KeyRules { get; } = new(
        ["/api/auth/*", "/api/developer/*", "/api/admin/*", "/api/users/settings", "/api/data-export/*", "/api/ai/api-keys/*",
            "/api/ai/keys/*"],
        EnforceReadWrite: true);

    /// <summary>A bearer JWT (<c>Authorization: Bearer</c>) or a developer app key (<c>X-API-Key: msk_…</c>).</summary>
    internal static ApiCredentials Credentials { get; } =
        new(Name, [new BearerTokenScheme(), new ApiKeyHeaderScheme("X-API-Key", KeyFormat)], KeyRules);

    /// <summary>
    /// 15-minute access and 7-day refresh tokens, 3 sessions, a reused refresh token ends every
    /// session; passwords of 10+ characters with an uppercase letter, a lowercase letter and a
    /// digit; usernames of 3–20 letters, digits and underscores; 10 failed sign-ins per 15 minutes.
    /// </summary>
    internal static AuthPolicy Accounts { get; } = new()
    {
        Audience = Name,
        DisplayName = "MindSwarm",
        AccessTokenLifetime = TimeSpan.FromMinutes(15),
        RefreshTokenLifetime = TimeSpan.FromDays(7),
        MaxSessions = 3,
        ReuseRevokesAllSessions = true,
        Password = new PasswordPolicy(10, RequireUpper: true, RequireLower: true, RequireDigit: true),
        Username = new UsernamePolicy(3, 20),
        FailedLogins = new LoginThrottle(10, TimeSpan.FromMinutes(15)),
        DefaultTier = "free",
    };

    /// <summary>The document's section 22 "Rate Limits", announced with <c>RateLimit-*</c> headers (see the Dialect).</summary>
    internal static class Limits
    {
        /// <summary>Every API request: 5,000 per 15 minutes.</summary>
        public static RateLimitPolicy General { get; } = new(Name + ".general", RateLimitWindow.PerMinutes(15, 5_000));

        /// <summary>The <c>/api/auth/*</c> endpoints: 100 per 15 minutes.</summary>
        public static RateLimitPolicy Auth { get; } = new(Name + ".auth", RateLimitWindow.PerMinutes(15, 100));

        /// <summary>
        /// Failed logins: 10 per 15 minutes, successful ones not counted. Use it through
        /// <see cref="IRateLimiter"/>: <c>PeekAsync</c> before checking the password, <c>AcquireAsync</c>
        /// after a failure.
        /// </summary>
        public static RateLimitPolicy FailedLogin { get; } = new(Name + ".failed-login",
            [RateLimitWindow.PerMinutes(15, 10)], "Too many failed login attempts, please try again later.");

        /// <summary>2FA attempts: 5 per 5 minutes.</summary>
        public static RateLimitPolicy TwoFactor { get; } = new(Name + ".2fa", RateLimitWindow.PerMinutes(5, 5));

        /// <summary><c>GET /api/auth/challenge</c>: 10 per minute.</summary>
        public static RateLimitPolicy Challenge { get; } = new(Name + ".challenge", RateLimitWindow.PerMinute(10));

        /// <summary><c>GET /api/auth/check-availability</c>: 20 per minute.</summary>
        public static RateLimitPolicy Availability { get; } = new(Name + ".availability", RateLimitWindow.PerMinute(20));

        /// <summary>A developer app's key with its own limits (the document's default: 60 per minute, 10,000 per day).</summary>
        public static RateLimitPolicy AppKey(int perMinute = 60, int perDay = 10_000) =>
            new(Name + ".app-key", RateLimitWindow.PerMinute(perMinute), RateLimitWindow.PerDay(perDay));

        /// <summary>The default developer-key limits.</summary>
        public static RateLimitPolicy AppKeyDefault { get; } = AppKey();
    }

    public static ApiDefinition Definition { get; } = new()
    {
        Name = Name,
        BasePath = BasePath,
        Dialect = typeof(MindSwarmDialect),
        Credentials = Credentials,
        Accounts = Accounts,
        RateLimits = [Limits.General, Limits.Auth, Limits.FailedLogin, Limits.TwoFactor, Limits.Challenge, Limits.Availability, Limits.AppKeyDefault],
    };
}
