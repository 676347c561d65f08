using Microsoft.EntityFrameworkCore;
using Mindstack.MindPeeker.Sessions;
using Mindstack.MindPeeker.Usage;
using Mindstack.Platform.Access;
using Mindstack.Platform.Accounts;
using Mindstack.Platform.Billing;
using Mindstack.Platform.Events;
using Mindstack.Platform.Http;
using Mindstack.Platform.Storage;

namespace Mindstack.MindPeeker.Billing;

/// <summary>A completed purchase: its history row and the balance after it.</summary>
internal sealed record PurchaseReceipt(CreditPurchase Purchase, long NewBalance);

/// <summary>One page of the billing history.</summary>
internal sealed record BillingHistoryPage(IReadOnlyList<CreditPurchase> Transactions, int Total, OffsetRequest Window);

/// <summary>
/// Billing: the plan and this month's credits (included, purchased, held, used, refunded,
/// remaining — held + used + refunded = charged), usage by month, the card on file; credit
/// packages bought through the platform's payment provider; the transaction history.
/// </summary>
internal sealed class BillingService(
    IAccountService accounts,
    MindPeekerCredits credits,
    ICreditLedger ledger,
    IPayments payments,
    ApiCallCounter apiCalls,
    IEventOutbox events,
    MindstackDbContext db,
    IIdGenerator ids,
    TimeProvider clock,
    MindPeekerDialect dialect)
{
    private static DateTime MonthStart(DateTime at) => new(at.Year, at.Month, 1, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>The billing overview as <c>GET /billing</c> answers it.</summary>
    public async Task<BillingOverviewView> OverviewAsync(string accountId, CancellationToken cancellationToken)
    {
        var account = await accounts.FindAsync(accountId, cancellationToken) ?? throw Problem.NotFound("User not found", "NOT_FOUND");
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
            .Where(p => p.AccountId == account.Id && p.Type == BillingEndpoints.PurchaseType && p.Status == "completed" && p.CreatedAt >= month)
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

        BillingUsageMonthView Usage(DateTime from, DateTime to)
        {
            var window = sessions.Where(s => s.CreatedAt >= from && s.CreatedAt < to).ToList();
            var key = ApiCallCounter.MonthOf(from);
            return new BillingUsageMonthView(
                window.Count,
                calls.GetValueOrDefault(key) + apiCalls.Pending(account.Id, key),
                window.Sum(s => s.CreditsUsed ?? 0),
                Math.Round(window.Sum(s => (double)s.Bytes) / 1_000_000_000, 6));
        }

        return new BillingOverviewView(
            tier.Name,
            tier.MonthlyFeeDollars,
            "USD",
            new BillingCreditsView(
                tier.IncludedCredits,
                purchased,
                thisMonth.Sum(s => s.CreditsRequired),
                thisMonth.Where(s => s.Status is SessionStatus.Pending or SessionStatus.Processing).Sum(s => s.CreditsRequired),
                thisMonth.Sum(s => s.CreditsUsed ?? 0),
                thisMonth.Sum(s => s.CreditsRefunded),
                balance.Available,
                MindPeekerCredits.NextReset(now)),
            new BillingUsageView(Usage(month, month.AddMonths(1)), Usage(lastMonth, month)),
            card is null ? null : new PaymentMethodView("card", card.CardBrand, card.CardLast4, cardDetails?.Expiry),
            MindPeekerCredits.NextReset(now),
            CreditPackage.All.Select(p => new CreditPackageView(p.Id, p.Credits, BillingEndpoints.Dollars(p.PriceCents), "USD", p.Description)));
    }

    /// <summary>Buys a credit package; a declined payment stays in the history and is raised.</summary>
    public async Task<PurchaseReceipt> PurchaseAsync(Caller caller, PurchaseCreditsRequest request, CancellationToken cancellationToken)
    {
        var validation = new Validation();
        var package = string.IsNullOrWhiteSpace(request.CreditPackage) ? null : CreditPackage.Find(request.CreditPackage);
        if (string.IsNullOrWhiteSpace(request.CreditPackage))
        {
            validation.Missing("credit_package");
        }
        else if (package is null)
        {
            validation.InvalidValue("credit_package", "One of " + string.Join(", ", CreditPackage.All.Select(p => p.Id)));
        }
        if (string.IsNullOrWhiteSpace(request.PaymentMethodId))
        {
            validation.Missing("payment_method_id");
        }
        var quantity = request.Quantity ?? 1;
        if (quantity is < 1 or > 100)
        {
            validation.InvalidValue("quantity", "Between 1 and 100");
        }
        validation.ThrowFirstIfInvalid();
        await credits.EnsureMonthlyGrantAsync(caller.AccountId, caller.Tier, cancellationToken);
        var transactionId = ids.New("txn");
        var row = new CreditPurchase
        {
            Id = transactionId,
            AccountId = caller.AccountId,
            Type = BillingEndpoints.PurchaseType,
            Package = package!.Id,
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
                request.PaymentMethodId!, $"mindpeeker:purchase:{transactionId}")
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
                CreditPackage = package!.Id,
                Quantity = quantity,
                CreditsPurchased = row.Credits,
                Amount = BillingEndpoints.Dollars(row.AmountCents),
                Currency = "USD",
                NewBalance = balance.Available,
            },
        });
        await db.SaveChangesAsync(cancellationToken);
        return new PurchaseReceipt(row, balance.Available);
    }

    /// <summary>Billing transactions in the window and date range (<c>end_date</c> inclusive when it names a day), newest first.</summary>
    public async Task<BillingHistoryPage> HistoryAsync(string accountId, HistoryParameters parameters, CancellationToken cancellationToken)
    {
        var window = Query.Offsets(parameters.Limit, parameters.Offset, defaultLimit: 20, maxLimit: 100);
        var from = Query.Date(parameters.StartDate, "start_date");
        var to = Query.Date(parameters.EndDate, "end_date", endOfDay: true);
        if (from is not null && to is not null && from > to)
        {
            throw SessionRules.InvalidValue("start_date", "Must not be after end_date");
        }
        var query = db.Set<CreditPurchase>().AsNoTracking().Where(p => p.AccountId == accountId);
        if (from is { } f)
        {
            query = query.Where(p => p.CreatedAt >= f);
        }
        if (to is { } t)
        {
            query = query.Where(p => p.CreatedAt <= t);
        }
        var total = await query.CountAsync(cancellationToken);
        var page = await query.OrderByDescending(p => p.CreatedAt).ThenByDescending(p => p.Id).Skip(window.Offset).Take(window.Limit)
            .ToListAsync(cancellationToken);
        return new BillingHistoryPage(page, total, window);
    }
}
