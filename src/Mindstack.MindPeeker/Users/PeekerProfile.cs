namespace Mindstack.MindPeeker.Users;

/// <summary>MindPeeker's part of an account: preferences, consent and the monthly credit grant marker.</summary>
internal sealed class PeekerProfile
{
    public required string AccountId { get; set; }
    public bool Notifications { get; set; } = true;
    public string Theme { get; set; } = "light";
    public string Language { get; set; } = "en";
    public bool MarketingConsent { get; set; }
    /// <summary>The last month (<c>yyyy-MM</c>) whose included credits were granted.</summary>
    public string? LastCreditGrantMonth { get; set; }
    /// <summary>The tier whose included credits that month's grants add up to (null: granted before this was kept).</summary>
    public string? LastCreditGrantTier { get; set; }
    public DateTime CreatedAt { get; set; }
}
