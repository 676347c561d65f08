using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Mindstack.Platform.Access;
using Mindstack.Platform.Http;
using Mindstack.Platform.Limits;

namespace Mindstack.MindPeeker.Billing;

internal sealed record PurchaseCreditsRequest(string? CreditPackage, string? PaymentMethodId, int? Quantity);

/// <summary>The query of <c>GET /billing/history</c>: a window and an optional date range.</summary>
internal sealed class HistoryParameters
{
    public string? Limit { get; init; }

    public string? Offset { get; init; }

    [FromQuery(Name = "start_date")]
    public string? StartDate { get; init; }

    [FromQuery(Name = "end_date")]
    public string? EndDate { get; init; }
}

/// <summary>Billing's routes: the overview, buying credits, the history (the rules are <see cref="BillingService"/>'s).</summary>
internal static class BillingEndpoints
{
    public const string PurchaseType = "credit_purchase";
    public const string GrantType = "monthly_credits";

    public static void Map(RouteGroupBuilder api)
    {
        var billing = api.MapGroup("/billing");
        billing.MapGet("", GetAsync).WithSummary("Plan, this month's credits and usage, payment method and next billing date")
            .ProducesEnvelope<BillingOverviewView>();
        billing.MapPost("/credits/purchase", PurchaseAsync).WithSummary("Buy a credit package (basic_100, professional_500, enterprise_5000)").Idempotent()
            .ProducesEnvelope<PurchaseView>();
        billing.MapGet("/history", HistoryAsync).WithSummary("Billing transactions, newest first, with paging and a date range")
            .ProducesEnvelope<BillingHistoryView>();
    }

    private static async Task<IResult> GetAsync(Caller caller, BillingService billing, MindPeekerDialect dialect, CancellationToken cancellationToken) =>
        dialect.Ok(await billing.OverviewAsync(caller.AccountId, cancellationToken));

    private static async Task<IResult> PurchaseAsync(Caller caller, Body<PurchaseCreditsRequest> body, BillingService billing, MindPeekerDialect dialect,
        CancellationToken cancellationToken)
    {
        var receipt = await billing.PurchaseAsync(caller, body.Value, cancellationToken);
        return dialect.Ok(new PurchaseView(receipt.Purchase.Id, receipt.Purchase.Credits, Dollars(receipt.Purchase.AmountCents), "USD", "completed",
            receipt.NewBalance), "Credits purchased successfully");
    }

    private static async Task<IResult> HistoryAsync(Caller caller, [AsParameters] HistoryParameters query, BillingService billing,
        MindPeekerDialect dialect, CancellationToken cancellationToken)
    {
        var page = await billing.HistoryAsync(caller.AccountId, query, cancellationToken);
        var window = page.Window;
        return dialect.Ok(new BillingHistoryView(
            page.Transactions.Select(p => new TransactionView(p.Id, p.Type, Dollars(p.AmountCents), p.Currency, p.Credits, p.Status, p.CreatedAt, p.Description)),
            new HistoryPaginationView(page.Total, window.Limit, window.Offset, window.Offset + page.Transactions.Count < page.Total)));
    }

    /// <summary>Cents as dollars for the wire (149.99).</summary>
    public static decimal Dollars(long cents) => cents / 100m;
}
