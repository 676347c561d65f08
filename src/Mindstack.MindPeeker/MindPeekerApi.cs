using Mindstack.Platform.Access;
using Mindstack.Platform.Accounts;
using Mindstack.Platform.Http;
using Mindstack.Platform.Limits;

namespace Mindstack.MindPeeker;

/// <summary>
/// Every fact of the MindPeeker API the platform works from, in one place: its name and mount,
/// its credentials (a bearer JWT or <c>X-API-Key: mpk_…</c>), its key format, its tiers and their
/// limits, its account rules. <c>AddMindPeeker</c> registers it.
/// </summary>
public static class MindPeekerApi
{
    internal const string Name = "mindpeeker";

    internal const string BasePath = "/mindpeeker/v1";

    /// <summary>
    /// The document's tiers, basic first (what any other tier name reads as), each a minute and a
    /// day window at once. They share one policy name, so an account that changes tier keeps its
    /// counts. Fees and included credits are in <see cref="Tier"/>.
    /// </summary>
    internal static ApiTiers Tiers { get; } = new(
        new ApiTier(Tier.Basic, TierLimits(100, 1_000)),
        new ApiTier(Tier.Professional, TierLimits(1_000, 10_000)),
        new ApiTier(Tier.Enterprise, TierLimits(10_000, 100_000)));

    /// <summary><c>X-API-Key</c> keys: <c>mpk_</c> + 40 lowercase hex, <c>read</c>/<c>write</c>.</summary>
    internal static ApiKeyFormat KeyFormat { get; } = new(Name, "mpk_", 20) { AllowedPermissions = ["read", "write"] };

    /// <summary>A bearer JWT of audience <c>mindpeeker</c>, or <c>X-API-Key: mpk_…</c>.</summary>
    internal static ApiCredentials Credentials { get; } = new(Name, [new BearerTokenScheme(), new ApiKeyHeaderScheme("X-API-Key", KeyFormat)]);

    /// <summary>24-hour access tokens (<c>expires_in: 86400</c>), 30-day refresh tokens, basic tier.</summary>
    internal static AuthPolicy Accounts { get; } = new()
    {
        Audience = Name,
        DisplayName = "MindPeeker",
        AccessTokenLifetime = TimeSpan.FromHours(24),
        RefreshTokenLifetime = TimeSpan.FromDays(30),
        DefaultTier = Tiers.Default.Name,
    };

    public static ApiDefinition Definition { get; } = new()
    {
        Name = Name,
        BasePath = BasePath,
        Dialect = typeof(MindPeekerDialect),
        Credentials = Credentials,
        Accounts = Accounts,
        Tiers = Tiers,
    };

    private static RateLimitPolicy TierLimits(int perMinute, int perDay) =>
        new(Name + ".tier", RateLimitWindow.PerMinute(perMinute), RateLimitWindow.PerDay(perDay));
}
