using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Mindstack.MindPeeker.Sessions;
using Mindstack.MindPeeker.Usage;
using Mindstack.MindPeeker.Users;
using Mindstack.Platform.Access;
using Mindstack.Platform.Accounts;
using Mindstack.Platform.Billing;
using Mindstack.Platform.Events;
using Mindstack.Platform.Http;
using Mindstack.Platform.Limits;
using Mindstack.Platform.Storage;

namespace Mindstack.MindPeeker.Billing;

internal sealed record PurchaseCreditsRequest(string? CreditPackage, string? PaymentMethodId, int? Quantity);

/// <summary>
/// Billing: the plan and this month's credits (included, purchased, held, used, refunded,
/// remaining — held + used + refunded = charged), usage by month, the card on file; credit
/// packages bought through the platform's payment provider; the transaction history.
/// </summary>
internal static class BillingEndpoints
{
    public const string PurchaseType = "credit_purchase";
    public const string GrantType = "monthly_credits";

    public static void Map(RouteGroupBuilder api)
    {
        var billing = api.MapGroup("/billing");
        billing.MapGet("", GetAsync).WithSummary("Plan, this month's credits and usage, payment method and next billing date");
        billing.MapPost("/credits/purchase", PurchaseAsync).WithSummary("Buy a credit package (basic_100, professional_500, enterprise_5000)").Idempotent();
        billing.MapGet("/history", HistoryAsync).WithSummary("Billing transactions, newest first, with paging and a date range");
    }

    private static DateTime MonthStart(DateTime at) => new(at.Year, at.Month, 1, 0, 0, 0, DateTimeKind.Utc);

    private static async Task<IResult> GetAsync(Caller caller, IAccountService accounts, MindPeekerCredits credits, ICreditLedger ledger,
        IPayments payments, ApiCallCounter apiCalls, MindstackDbContext db, TimeProvider clock, MindPeekerDialect dialect, CancellationToken cancellationToken)
    {
        var account = await accounts.FindAsync(caller.AccountId, cancellationToken) ?? throw Problem.NotFound("User not found", "NOT_FOUND");
        await credits.EnsureMonthlyGrantAsync(account.Id, account.Tier, cancellationToken);
        var tier = Tier.Of(account.Tier);
        var now = clock.GetUtcNow().UtcDateTime;
        var month = MonthStart(now);
        var lastMonth = month.AddMonths(-1);

        var sessions = await db.Set<PeekSession>().AsNoTracking()
            .Where(s => s.AccountId == account.Id && s.CreatedAt >= lastMonth)
            .Select(s => new { s.CreatedAt, s.Status, s.CreditsRequired, s.CreditsUsed, s.CreditsRefunded, Bytes = s.Cue.Length + s.MetadataJson.Length + (s.ResultsJson == null ? 0 : s.ResultsJson.Length) })
            .ToListAsync(cancellationToken);
        var thisMonth = sessions.Where(s => s.CreatedAt >= month).ToList();
        var purchased = await db.Set<CreditPurchase>().AsNoTracking()
            .Where(p => p.AccountId == account.Id && p.Type == PurchaseType && p.Status == "completed" && p.CreatedAt >= month)
            .SumAsync(p => p.Credits, cancellationToken);
        var balance = await ledger.GetBalanceAsync(account.Id, MindPeekerCredits.Currency, cancellationToken);
        var card = (await payments.ListAsync(account.Id, 20, cancellationToken)).FirstOrDefault(p => p.Status == "succeeded" && p.CardLast4 is not null);
        // The card on file is the last one that paid; its expiry is the provider's to tell.
        var cardDetails = card is null ? null : await payments.DescribePaymentMethodAsync(card.PaymentMethodId, cancellationToken);

        // Flushed counts from every node, plus this node's not yet flushed (this request included).
        var monthKeys = new[] { ApiCallCounter.MonthOf(month), ApiCallCounter.MonthOf(lastMonth) };
        var calls = await db.Set<UsageMonth>().AsNoTracking()
            .Where(u => u.AccountId == account.Id && monthKeys.Contains(u.Month))
            .ToDictionaryAsync(u => u.Month, u => u.ApiCalls, cancellationToken);

        object Usage(DateTime from, DateTime to)
        {
            var window = sessions.Where(s => s.CreatedAt >= from && s.CreatedAt < to).ToList();
            var key = ApiCallCounter.MonthOf(from);
            return new
            {
                Sessions = window.Count,
                ApiCalls = calls.GetValueOrDefault(key) + apiCalls.Pending(account.Id, key),
                CreditsUsed = window.Sum(s => s.CreditsUsed ?? 0),
                StorageGb = Math.Round(window.Sum(s => (double)s.Bytes) / 1_000_000_000, 6),
            };
        }

        return dialect.Ok(new
        {
            Tier = tier.Name,
            MonthlyFee = tier.MonthlyFeeDollars,
            Currency = "USD",
            Credits = new
            {
                Included = tier.IncludedCredits,
                Purchased = purchased,
                Charged = thisMonth.Sum(s => s.CreditsRequired),
                Held = thisMonth.Where(s => s.Status is SessionStatus.Pending or SessionStatus.Processing).Sum(s => s.CreditsRequired),
                Used = thisMonth.Sum(s => s.CreditsUsed ?? 0),
                Refunded = thisMonth.Sum(s => s.CreditsRefunded),
                Remaining = balance.Available,
                ResetDate = MindPeekerCredits.NextReset(now),
            },
            Usage = new
            {
                CurrentMonth = Usage(month, month.AddMonths(1)),
                LastMonth = Usage(lastMonth, month),
            },
            PaymentMethod = card is null ? null : new
            {
                Type = "card",
                Brand = card.CardBrand,
                LastFour = card.CardLast4,
                Expiry = cardDetails?.Expiry,
            },
            NextBillingDate = MindPeekerCredits.NextReset(now),
            CreditPackages = CreditPackage.All.Select(p => new { p.Id, p.Credits, Price = Dollars(p.PriceCents), Currency = "USD", p.Description }),
        });
    }

    private static async Task<IResult> PurchaseAsync(Caller caller, Body<PurchaseCreditsRequest> body, IPayments payments, ICreditLedger ledger,
        MindPeekerCredits credits, IEventOutbox events, MindstackDbContext db, IIdGenerator ids, TimeProvider clock, MindPeekerDialect dialect,
        CancellationToken cancellationToken)
    {
        var request = body.Value;
        if (string.IsNullOrWhiteSpace(request.CreditPackage))
        {
            throw SessionRules.Missing("credit_package");
        }
        var package = CreditPackage.Find(request.CreditPackage)
            ?? throw SessionRules.InvalidValue("credit_package", "One of " + string.Join(", ", CreditPackage.All.Select(p => p.Id)));
        if (string.IsNullOrWhiteSpace(request.PaymentMethodId))
        {
            throw SessionRules.Missing("payment_method_id");
        }
        var quantity = request.Quantity ?? 1;
        if (quantity is < 1 or > 100)
        {
            throw SessionRules.InvalidValue("quantity", "Between 1 and 100");
        }
        await credits.EnsureMonthlyGrantAsync(caller.AccountId, caller.Tier, cancellationToken);
        var transactionId = ids.New("txn");
        var row = new CreditPurchase
        {
            Id = transactionId,
            AccountId = caller.AccountId,
            Type = PurchaseType,
            Package = package.Id,
            Credits = package.Credits * quantity,
            AmountCents = package.PriceCents * quantity,
            Currency = "USD",
            Status = "completed",
            Description = quantity == 1 ? package.Description : $"{package.Description} x {quantity}",
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        PurchaseResult result;
        try
        {
            result = await payments.PurchaseAsync(new PurchaseRequest(caller.AccountId, MindPeekerCredits.Currency, row.Credits, row.AmountCents, "usd",
                request.PaymentMethodId, $"mindpeeker:purchase:{transactionId}")
            { Description = row.Description }, cancellationToken);
        }
        catch (Problem problem) when (problem.Kind == ProblemKind.PaymentRequired)
        {
            // The declined attempt stays in the history.
            db.ChangeTracker.Clear();
            row.Status = "failed";
            db.Add(row);
            await db.SaveChangesAsync(CancellationToken.None);
            throw;
        }
        row.PaymentId = result.Payment.Id;
        db.Add(row);
        var balance = await ledger.GetBalanceAsync(caller.AccountId, MindPeekerCredits.Currency, cancellationToken);
        events.Publish(new NewEvent(SessionEvents.PaymentSucceeded, "transaction", transactionId)
        {
            AccountId = caller.AccountId,
            Api = dialect.Name,
            Json = dialect.Json,
            Data = new
            {
                TransactionId = transactionId,
                CreditPackage = package.Id,
                Quantity = quantity,
                CreditsPurchased = row.Credits,
                Amount = Dollars(row.AmountCents),
                Currency = "USD",
                NewBalance = balance.Available,
            },
        });
        await db.SaveChangesAsync(cancellationToken);
        return dialect.Ok(new
        {
            TransactionId = transactionId,
            CreditsPurchased = row.Credits,
            Amount = Dollars(row.AmountCents),
            Currency = "USD",
            PaymentStatus = "completed",
            NewBalance = balance.Available,
        }, "Credits purchased successfully");
    }

    private static async Task<IResult> HistoryAsync(Caller caller, string? limit, string? offset, [FromQuery(Name = "start_date")] string? startDate,
        [FromQuery(Name = "end_date")] string? endDate, MindstackDbContext db, MindPeekerDialect dialect, CancellationToken cancellationToken)
    {
        var take = SessionRules.QueryInt(limit, "limit", 20, 1, 100, "Between 1 and 100");
        var skip = SessionRules.QueryInt(offset, "offset", 0, 0, int.MaxValue, "Zero or more");
        var from = StatsRange.ParseDate(startDate, "start_date", endOfDay: false);
        var to = StatsRange.ParseDate(endDate, "end_date", endOfDay: true);
        if (from is not null && to is not null && from > to)
        {
            throw SessionRules.InvalidValue("start_date", "Must not be after end_date");
        }
        var query = db.Set<CreditPurchase>().AsNoTracking().Where(p => p.AccountId == caller.AccountId);
        if (from is { } f)
        {
            query = query.Where(p => p.CreatedAt >= f);
        }
        if (to is { } t)
        {
            query = query.Where(p => p.CreatedAt <= t);
        }
        var total = await query.CountAsync(cancellationToken);
        var page = await query.OrderByDescending(p => p.CreatedAt).ThenByDescending(p => p.Id).Skip(skip).Take(take).ToListAsync(cancellationToken);
        return dialect.Ok(new
        {
            Transactions = page.Select(p => new
            {
                p.Id,
                p.Type,
                Amount = Dollars(p.AmountCents),
                p.Currency,
                p.Credits,
                p.Status,
                p.CreatedAt,
                p.Description,
            }),
            Pagination = new { Total = total, Limit = take, Offset = skip, HasMore = skip + page.Count < total },
        });
    }

    /// <summary>Cents as dollars for the wire (149.99).</summary>
    public static decimal Dollars(long cents) => cents / 100m;
}
