using Mindstack.Platform.Access;
using Mindstack.Platform.Accounts;
using Mindstack.Platform.Limits;

namespace Mindstack.Platform.Http;

/// <summary>
/// Every fact of one API the platform works from, declared by the API's module in one file
/// (<c>src/Mindstack.&lt;Api&gt;/&lt;Api&gt;Api.cs</c>) and registered with
/// <see cref="ApiHostingExtensions.AddApi"/>. The platform resolves credentials, key formats,
/// permissions, tiers and rate-limit policies from what modules registered (<see cref="ApiRegistry"/>)
/// and names no API itself; a new API is a new module and one definition.
/// </summary>
public sealed record ApiDefinition
{
    /// <summary>
    /// The API's lowercase name: the audience of its tokens, the API its keys, sessions and
    /// webhooks belong to, its OpenAPI document (<c>/openapi/{name}.json</c>), its own port
    /// (<c>Mindstack:Apis:{name}:Port</c>) and the prefix of its rate-limit policy names.
    /// </summary>
    public required string Name { get; init; }

    /// <summary>Where the API is mounted on the main port, unless the host mounts it elsewhere.</summary>
    public required string BasePath { get; init; }

    /// <summary>Its <see cref="Http.Dialect"/> (how it speaks); <c>AddApi</c> registers it as a singleton.</summary>
    public required Type Dialect { get; init; }

    /// <summary>
    /// The credentials its routes read (a bearer JWT of its audience, an API key header or bearer
    /// key of its format, a cookie), tried in order; none by default. A route group may read
    /// others with <c>WithCredentials</c>.
    /// </summary>
    public ApiCredentials Credentials { get; init; } = ApiCredentials.None;

    /// <summary>The rules of its accounts and sessions (token lifetimes, passwords, default tier); null when it has none.</summary>
    public AuthPolicy? Accounts { get; init; }

    /// <summary>The account tiers it knows, each with its rate-limit policy; null when it has none.</summary>
    public ApiTiers? Tiers { get; init; }

    /// <summary>
    /// Tier names whose meaning the module applies itself (monthly quotas, features) and which carry
    /// no rate limit of their own, unlike <see cref="Tiers"/>; empty when it has none.
    /// </summary>
    public IReadOnlyList<string> PlanTiers { get; init; } = [];

    /// <summary>
    /// The tier names an account may hold for this API: its <see cref="Tiers"/>, the default tier
    /// of its <see cref="Accounts"/> and its <see cref="PlanTiers"/>.
    /// </summary>
    public IReadOnlyList<string> DeclaredTiers =>
        [.. (Tiers?.All.Select(t => t.Name) ?? []).Concat(Accounts is { } accounts ? [accounts.DefaultTier] : []).Concat(PlanTiers)
            .Distinct(StringComparer.OrdinalIgnoreCase)];

    /// <summary>Its other rate-limit policies (per kind of endpoint, per address, per user…).</summary>
    public IReadOnlyList<RateLimitPolicy> RateLimits { get; init; } = [];

    /// <summary>The format of its API keys (from its credentials); null when it takes no keys.</summary>
    public ApiKeyFormat? KeyFormat => Credentials.KeyFormat;

    /// <summary>The permissions its keys may hold; empty when it takes no keys or any permission goes.</summary>
    public IReadOnlyList<string> Permissions => KeyFormat?.AllowedPermissions ?? [];

    /// <summary>Every rate-limit policy it declares: its tiers' and its others.</summary>
    public IEnumerable<RateLimitPolicy> AllRateLimits => (Tiers?.All.Select(t => t.Limits) ?? []).Concat(RateLimits);

    /// <summary>
    /// Throws when the facts disagree with the name (another API's audience or key format), or a
    /// policy name is outside the API's namespace (counters are kept per policy name, so two APIs
    /// must never share one).
    /// </summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Name) || !Name.All(c => c is >= 'a' and <= 'z' or >= '0' and <= '9' or '-'))
        {
            throw new InvalidOperationException($"API name '{Name}' must be lowercase letters, digits or '-'.");
        }
        if (!BasePath.StartsWith('/'))
        {
            throw new InvalidOperationException($"API {Name}: base path '{BasePath}' must start with '/'.");
        }
        if (!typeof(Http.Dialect).IsAssignableFrom(Dialect) || Dialect.IsAbstract)
        {
            throw new InvalidOperationException($"API {Name}: {Dialect.FullName} is not a concrete Dialect.");
        }
        if (Credentials.Schemes.Count > 0 && Credentials.Audience != Name)
        {
            throw new InvalidOperationException($"API {Name}: its credentials read the audience '{Credentials.Audience}'.");
        }
        if (Credentials.KeyFormats.FirstOrDefault(f => f.Api != Name) is { } foreign)
        {
            throw new InvalidOperationException($"API {Name}: its credentials read keys of '{foreign.Api}'.");
        }
        if (Accounts is not null && Accounts.Audience != Name)
        {
            throw new InvalidOperationException($"API {Name}: its account policy is for '{Accounts.Audience}'.");
        }
        if (AllRateLimits.FirstOrDefault(p => !p.Name.StartsWith(Name + ".", StringComparison.Ordinal)) is { } outside)
        {
            throw new InvalidOperationException($"API {Name}: rate-limit policy '{outside.Name}' is not named '{Name}.…'.");
        }
    }
}

/// <summary>One account tier of an API and the rate limit its callers get.</summary>
public sealed record ApiTier(string Name, RateLimitPolicy Limits);

/// <summary>
/// An API's tiers, the first being its default. The one place an account's tier name is read
/// for that API: <see cref="Of"/> matches it ignoring case, and anything else (a tier another
/// API gave the account, none at all) reads as the default.
/// </summary>
public sealed class ApiTiers
{
    public ApiTiers(params IReadOnlyList<ApiTier> tiers)
    {
        if (tiers.Count == 0)
        {
            throw new ArgumentException("An API with tiers has at least one.", nameof(tiers));
        }
        if (tiers.Select(t => t.Name.ToLowerInvariant()).Distinct().Count() != tiers.Count)
        {
            throw new ArgumentException("Tier names are unique, ignoring case.", nameof(tiers));
        }
        All = tiers;
    }

    public IReadOnlyList<ApiTier> All { get; }

    /// <summary>The tier new accounts get and unknown tier names read as.</summary>
    public ApiTier Default => All[0];

    /// <summary>The tier an account's tier name stands for in this API.</summary>
    public ApiTier Of(string? accountTier) =>
        All.FirstOrDefault(t => string.Equals(t.Name, accountTier, StringComparison.OrdinalIgnoreCase)) ?? Default;
}
