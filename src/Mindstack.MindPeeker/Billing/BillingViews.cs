namespace Mindstack.MindPeeker.Billing;

internal sealed record BillingCreditsView(long Included, long Purchased, long Charged, long Held, long Used, long Refunded, long Remaining,
    DateTime ResetDate);

internal sealed record BillingUsageMonthView(int Sessions, long ApiCalls, long CreditsUsed, double StorageGb);

internal sealed record BillingUsageView(BillingUsageMonthView CurrentMonth, BillingUsageMonthView LastMonth);

internal sealed record PaymentMethodView(string Type, string? Brand, string? LastFour, string? Expiry);

internal sealed record CreditPackageView(string Id, long Credits, decimal Price, string Currency, string Description);

/// <summary><c>GET /billing</c>: plan, this month's credits and usage, payment method and next billing date.</summary>
internal sealed record BillingOverviewView(string Tier, long MonthlyFee, string Currency, BillingCreditsView Credits, BillingUsageView Usage,
    PaymentMethodView? PaymentMethod, DateTime NextBillingDate, IEnumerable<CreditPackageView> CreditPackages);

/// <summary><c>POST /billing/credits/purchase</c>: the completed purchase and the new balance.</summary>
internal sealed record PurchaseView(string TransactionId, long CreditsPurchased, decimal Amount, string Currency, string PaymentStatus, long NewBalance);

internal sealed record TransactionView(string Id, string Type, decimal Amount, string Currency, long Credits, string Status, DateTime CreatedAt,
    string Description);

internal sealed record HistoryPaginationView(int Total, int Limit, int Offset, bool HasMore);

/// <summary><c>GET /billing/history</c>: a page of transactions, newest first.</summary>
internal sealed record BillingHistoryView(IEnumerable<TransactionView> Transactions, HistoryPaginationView Pagination);
