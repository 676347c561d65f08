namespace Mindstack.MindPeeker;

/// <summary>A MindPeeker plan: its monthly fee, the credits it includes each month.</summary>
internal sealed record Tier(string Name, long MonthlyFeeDollars, long IncludedCredits)
{
    public const string Basic = "basic";
    public const string Professional = "professional";
    public const string Enterprise = "enterprise";

    public static readonly IReadOnlyList<Tier> All =
    [
        new(Basic, 0, 100),
        new(Professional, 299, 1_000),
        new(Enterprise, 2_499, 10_000),
    ];

    public static bool IsKnown(string? name) => All.Any(t => t.Name == name);

    /// <summary>The tier an account's tier name stands for, as <see cref="MindPeekerApi.Tiers"/> reads it (anything unknown is basic).</summary>
    public static Tier Of(string? name) => All.First(t => t.Name == MindPeekerApi.Tiers.Of(name).Name);
}

/// <summary>A credit package sold through the payment provider.</summary>
internal sealed record CreditPackage(string Id, long Credits, long PriceCents, string Description)
{
    public static readonly IReadOnlyList<CreditPackage> All =
    [
        new("basic_100", 100, 39_99, "Basic 100 Credit Package"),
        new("professional_500", 500, 149_99, "Professional 500 Credit Package"),
        new("enterprise_5000", 5_000, 1_299_99, "Enterprise 5000 Credit Package"),
    ];

    public static CreditPackage? Find(string? id) => All.FirstOrDefault(p => p.Id == id);
}
