namespace Mindstack.Mindra.Auth;

/// <summary>
/// The document's tiers. An account's platform tier may be anything an operator set (accounts made
/// by the CLI start as <c>free</c>); Mindra reads anything but business or enterprise as developer.
/// </summary>
internal static class MindraTiers
{
    public const string Developer = "developer";
    public const string Business = "business";
    public const string Enterprise = "enterprise";

    /// <summary>The Mindra tier an account's platform tier stands for.</summary>
    public static string Name(string? tier) => tier?.ToLowerInvariant() switch
    {
        Business => Business,
        Enterprise => Enterprise,
        _ => Developer,
    };
}
