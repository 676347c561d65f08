using Mindstack.Platform.Access;
using Mindstack.Platform.Accounts;
using Mindstack.Platform.Http;
using Mindstack.Platform.Limits;
using Mindstack.PluginMind.Auth;

namespace Mindstack.PluginMind;

/// <summary>
/// Every fact of the PluginMind API the platform works from, in one place: its name and mount,
/// its one credential (the <c>pm_session</c> cookie), its account rules, its subscription tiers and
/// its rate limits. <c>AddPluginMind</c> registers it. (Its tiers are monthly query quotas, whose
/// sizes are set in <see cref="PluginMindOptions"/>, not rate limits.)
/// </summary>
public static class PluginMindApi
{
    internal const string Name = "pluginmind";

    internal const string BasePath = "/pluginmind";

    /// <summary>
    /// The subscription tiers (<c>subscription_tier</c> in <c>/me</c> and <c>/me/usage</c>), each a
    /// monthly query quota (<see cref="PluginMindOptions.TierQueryLimits"/>); the first is the default
    /// (declared before the policies below, which read it as static fields initialise in order).
    /// </summary>
    internal static IReadOnlyList<string> SubscriptionTiers { get; } = ["free", "pro", "enterprise"];

    /// <summary>The <c>pm_session</c> cookie (a platform session's access token).</summary>
    internal static ApiCredentials Credentials { get; } = new(Name, [new TokenCookieScheme(PluginMindSession.CookieName)]);

    /// <summary>The 24-hour <c>pm_session</c> cookie token, free tier.</summary>
    internal static AuthPolicy Accounts { get; } = new()
    {
        Audience = Name,
        DisplayName = "PluginMind",
        AccessTokenLifetime = TimeSpan.FromHours(24),
        RefreshTokenLifetime = TimeSpan.FromHours(24),
        DefaultTier = SubscriptionTiers[0],
    };

    /// <summary>
    /// The original backend's defaults: a bucket per client address (300 per minute) and one per
    /// signed-in user (60 per minute). The original refilled token buckets with a burst allowance
    /// (600 and 120); fixed windows admit at most the same per-minute rate.
    /// </summary>
    internal static class Limits
    {
        public static RateLimitPolicy PerAddress { get; } = new(Name + ".address", RateLimitWindow.PerMinute(300));

        public static RateLimitPolicy PerUser { get; } = new(Name + ".user", RateLimitWindow.PerMinute(60));
    }

    public static ApiDefinition Definition { get; } = new()
    {
        Name = Name,
        BasePath = BasePath,
        Dialect = typeof(PluginMindDialect),
        Credentials = Credentials,
        Accounts = Accounts,
        PlanTiers = SubscriptionTiers,
        RateLimits = [Limits.PerAddress, Limits.PerUser],
    };
}
