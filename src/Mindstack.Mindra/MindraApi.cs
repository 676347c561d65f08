using Mindstack.Platform.Access;
using Mindstack.Platform.Accounts;
using Mindstack.Platform.Http;
using Mindstack.Platform.Limits;

namespace Mindstack.Mindra;

/// <summary>
/// Every fact of the Mindra API the platform works from, in one place: its name and mount, its
/// one way in (<c>Authorization: Bearer mk_…</c>, <c>mk_test_…</c> for the sandbox), its key
/// format and permissions, its tiers and their limits. <c>AddMindra</c> registers it.
/// </summary>
public static class MindraApi
{
    internal const string Name = "mindra";

    internal const string BasePath = "/mindra";

    /// <summary>
    /// The document's tiers, developer first (what any other tier name reads as), each a minute
    /// and a day window. They share one policy name, so an account that changes tier keeps its
    /// counts. Enterprise is "custom": its numbers are agreed per deployment
    /// (<see cref="MindraOptions.EnterpriseRequestsPerMinute"/>), read when a request is limited.
    /// </summary>
    internal static ApiTiers Tiers { get; } = new(
        new ApiTier(MindraTiers.Developer, TierLimits(100, 10_000)),
        new ApiTier(MindraTiers.Business, TierLimits(500, 100_000)),
        new ApiTier(MindraTiers.Enterprise, EnterpriseLimits(new MindraOptions())));

    /// <summary>The enterprise tier's limits with the numbers agreed in <paramref name="options"/>.</summary>
    internal static RateLimitPolicy EnterpriseLimits(MindraOptions options) =>
        TierLimits(options.EnterpriseRequestsPerMinute, options.EnterpriseRequestsPerDay);

    private static RateLimitPolicy TierLimits(int perMinute, int perDay) =>
        new(Name + ".tier", RateLimitWindow.PerMinute(perMinute), RateLimitWindow.PerDay(perDay));

    /// <summary><c>mk_</c> + 32 lowercase hex; sandbox <c>mk_test_</c> + 32 hex; the document's named scopes.</summary>
    internal static ApiKeyFormat KeyFormat { get; } = new(Name, "mk_", 16, "mk_test_") { AllowedPermissions = MindraPermissions.All };

    /// <summary>Only <c>Authorization: Bearer mk_…</c> / <c>mk_test_…</c>: the document's one way in.</summary>
    internal static ApiCredentials Credentials { get; } = new(Name, [new BearerApiKeyScheme(KeyFormat)]);

    /// <summary>The accounts keys belong to (made by the operator; the API itself is used with keys).</summary>
    internal static AuthPolicy Accounts { get; } = new() { Audience = Name, DisplayName = "Mindra", DefaultTier = Tiers.Default.Name };

    public static ApiDefinition Definition { get; } = new()
    {
        Name = Name,
        BasePath = BasePath,
        Dialect = typeof(MindraDialect),
        Credentials = Credentials,
        Accounts = Accounts,
        Tiers = Tiers,
    };
}

/// <summary>Mindra's permissions, as keys hold them.</summary>
internal static class MindraPermissions
{
    public const string Orchestrate = "orchestrate";
    public const string AgentsRead = "agents:read";
    public const string AgentsWrite = "agents:write";
    public const string ExecutionsRead = "executions:read";
    public const string WalletRead = "wallet:read";
    public const string WalletWrite = "wallet:write";
    public const string ApiKeysWrite = "api-keys:write";

    public static readonly IReadOnlyList<string> All =
        [Orchestrate, AgentsRead, AgentsWrite, ExecutionsRead, WalletRead, WalletWrite, ApiKeysWrite];
}

/// <summary>
/// The document's tier names. An account's platform tier may be anything an operator set
/// (accounts made by the CLI start as <c>free</c>); <see cref="MindraApi.Tiers"/> reads it.
/// </summary>
internal static class MindraTiers
{
    public const string Developer = "developer";
    public const string Business = "business";
    public const string Enterprise = "enterprise";
}
