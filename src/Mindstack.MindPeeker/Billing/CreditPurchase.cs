namespace Mindstack.MindPeeker.Billing;

/// <summary>One billing transaction as the billing history shows it (a credit purchase or a monthly subscription grant).</summary>
internal sealed class CreditPurchase
{
    public required string Id { get; set; }
    public required string AccountId { get; set; }
    public required string Type { get; set; }
    public required string Package { get; set; }
    public long Credits { get; set; }
    /// <summary>The price in cents (the wire shows dollars).</summary>
    public long AmountCents { get; set; }
    public required string Currency { get; set; }
    public required string Status { get; set; }
    public required string Description { get; set; }
    public string? PaymentId { get; set; }
    public DateTime CreatedAt { get; set; }
}
