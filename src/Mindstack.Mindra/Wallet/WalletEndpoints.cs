using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Mindstack.Mindra.Auth;
using Mindstack.Platform.Access;
using Mindstack.Platform.Accounts;
using Mindstack.Platform.Billing;
using Mindstack.Platform.Http;
using Mindstack.Platform.Limits;
using Mindstack.Platform.Storage;

namespace Mindstack.Mindra.Wallet;

internal sealed record WalletView(
    string Id,
    string Type,
    decimal Balance,
    decimal Held,
    string Currency,
    string? BlockchainAddress,
    string? BlockchainNetwork,
    bool IsActive,
    bool Sandbox,
    DateTime CreatedAt);

internal sealed record WalletsView(IReadOnlyList<WalletView> Wallets);

internal sealed record CryptoAddressView(string Address, string Network, string Currency, string Type);

internal sealed record TopUpRequest
{
    public decimal? Amount { get; init; }
    public string? PaymentMethod { get; init; }
    public string? PaymentMethodId { get; init; }
}

internal sealed record TopUpView(string TransactionId, decimal Amount, string Currency, string Status, decimal NewBalance, DateTime CreatedAt)
{
    public string? PaymentId { get; init; }
}

internal sealed record TransactionView(
    string Id,
    string Type,
    decimal Amount,
    string Currency,
    decimal BalanceAfter,
    string Status,
    string? Description,
    string Reference,
    DateTime CreatedAt);

internal static class WalletEndpoints
{
    public const decimal MinTopUp = 10;
    public const decimal MaxTopUp = 10_000;

    public static void Map(RouteGroupBuilder v1)
    {
        v1.MapGet("/wallet", Get).RequirePermission(MindraPermissions.WalletRead)
            .WithName("MindraWallet").WithSummary("The account's wallets (a USD FIAT wallet)").ProducesEnvelope<WalletsView>();
        v1.MapPost("/wallet/topup", TopUp).RequirePermission(MindraPermissions.WalletWrite).Idempotent(MindraCallers.Scope)
            .WithName("MindraTopUp").WithSummary("Top up the USD wallet (10 to 10,000) through the payment provider")
            .ProducesEnvelope<TopUpView>();
        v1.MapGet("/wallet/crypto/address", CryptoAddress).RequirePermission(MindraPermissions.WalletRead)
            .WithName("MindraCryptoAddress").WithSummary("The crypto deposit address (503 when none is configured)")
            .ProducesEnvelope<CryptoAddressView>();
        v1.MapGet("/wallet/transactions", Transactions).RequirePermission(MindraPermissions.WalletRead)
            .WithName("MindraTransactions").WithSummary("Wallet transactions, newest first; page, limit, startDate, endDate")
            .ProducesPage<TransactionView>()
            .WithDescription("One entry per change of the spendable balance: amount signed (in positive, out negative), balanceAfter the balance right after it. An agent run's price is one CHARGE once charged, HOLD/PENDING while running, HOLD/RELEASED when given back (with its RELEASE entry).");
    }

    private static async Task<IResult> Get(Caller caller, ICreditLedger ledger, IAccountService accounts, MindraDialect dialect,
        TimeProvider clock, CancellationToken ct)
    {
        var owner = WalletAccount.Owner(caller.AccountId, caller.Sandbox);
        var balance = await ledger.GetBalanceAsync(owner, WalletAccount.LedgerCurrency, ct);
        // A wallet (live or sandbox) exists from the account's creation: a fixed instant, used or not.
        var created = (await accounts.FindAsync(caller.AccountId, ct))?.CreatedAt ?? clock.GetUtcNow().UtcDateTime;
        return dialect.Ok(new WalletsView(
        [
            new WalletView("wal_" + (caller.Sandbox ? "test_" : "") + caller.AccountId, "FIAT", WalletAccount.Dollars(balance.Available),
                WalletAccount.Dollars(balance.Held), WalletAccount.Currency, null, null, true, caller.Sandbox, created),
        ]));
    }

    private static async Task<IResult> TopUp(Body<TopUpRequest> body, Caller caller, IPayments payments, ICreditLedger ledger, IIdGenerator ids,
        MindraDialect dialect, CancellationToken ct)
    {
        var request = body.Value;
        var validation = new Validation();
        long cents = 0;
        if (request.Amount is not { } amount || amount < MinTopUp || amount > MaxTopUp || WalletAccount.Cents(amount) is not { } c)
        {
            validation.Add("amount", "amount must be a USD amount from 10 to 10,000 with at most 2 decimals");
        }
        else
        {
            cents = c;
        }
        var method = request.PaymentMethod?.Trim().ToLowerInvariant() ?? "card";
        if (method is not ("card" or "stripe"))
        {
            validation.Add("paymentMethod", "paymentMethod must be card");
        }
        if (string.IsNullOrWhiteSpace(request.PaymentMethodId))
        {
            validation.Add("paymentMethodId", "paymentMethodId is required (sandbox: pm_card_visa)");
        }
        validation.ThrowIfInvalid();
        var owner = WalletAccount.Owner(caller.AccountId, caller.Sandbox);
        PurchaseResult result;
        try
        {
            result = await payments.PurchaseAsync(new PurchaseRequest(owner, WalletAccount.LedgerCurrency, cents, cents, "usd",
                request.PaymentMethodId!.Trim(), ids.New("topup"))
            { Description = $"Wallet top-up {WalletAccount.Describe(cents)}" }, ct);
        }
        catch (Problem problem) when (problem.Kind is ProblemKind.Validation or ProblemKind.BadRequest)
        {
            // The provider names its fields its own way; Mindra's is paymentMethodId.
            throw Problem.Invalid("paymentMethodId", problem.Message);
        }
        catch (Problem problem) when (problem.Kind == ProblemKind.PaymentRequired)
        {
            // A declined card: the document's 402 code, not the provider's own, and nothing is credited.
            throw new Problem(ProblemKind.PaymentRequired, "Payment declined: " + problem.Message,
                details: $"The wallet was not topped up; try another paymentMethodId ({problem.Code ?? "declined"}).");
        }
        return dialect.Ok(new TopUpView(result.Movement.Id, WalletAccount.Dollars(cents), WalletAccount.Currency, "COMPLETED",
            WalletAccount.Dollars(result.Movement.BalanceAfter), result.Movement.CreatedAt)
        { PaymentId = result.Payment.Id });
    }

    private static IResult CryptoAddress(Caller caller, IOptions<MindraOptions> options, MindraDialect dialect)
    {
        var settings = options.Value;
        if (string.IsNullOrWhiteSpace(settings.CryptoDepositAddress))
        {
            throw Problem.Unavailable("Crypto deposits are not available on this server: no deposit address is configured");
        }
        return dialect.Ok(new CryptoAddressView(settings.CryptoDepositAddress, settings.CryptoNetwork, settings.CryptoCurrency, "CRYPTO"));
    }

    /// <summary>Every kind but a hold's settlement, which the hold's own entry stands for (as its CHARGE).</summary>
    private static readonly LedgerMovementKind[] Listed =
    [
        LedgerMovementKind.Grant, LedgerMovementKind.Purchase, LedgerMovementKind.Charge, LedgerMovementKind.Hold,
        LedgerMovementKind.Release, LedgerMovementKind.Refund,
    ];

    /// <summary>
    /// One entry per change of the spendable balance, signed (money in positive, out negative), with
    /// the balance right after it, so reading oldest first each balanceAfter is the one before plus
    /// the amount. An agent's price set aside is one entry: CHARGE once the agent ran and was
    /// charged, HOLD/PENDING while it is still running, HOLD/RELEASED when it was given back (and the
    /// RELEASE that gave it back is its own, positive entry).
    /// </summary>
    private static async Task<IResult> Transactions(HttpRequest request, Caller caller, ICreditLedger ledger, MindraDialect dialect, CancellationToken ct)
    {
        var paging = Query.Pages(request, defaultLimit: 20, maxLimit: 100);
        var owner = WalletAccount.Owner(caller.AccountId, caller.Sandbox);
        var page = await ledger.GetHistoryAsync(new LedgerHistoryQuery(owner)
        {
            Currency = WalletAccount.LedgerCurrency,
            From = Query.Date(request.Query["startDate"], "startDate", endOfDay: false),
            To = Query.Date(request.Query["endDate"], "endDate", endOfDay: true),
            Kinds = Listed,
            Offset = paging.Offset,
            Limit = paging.Limit,
        }, ct);
        var closings = await ledger.GetClosingsAsync(
            page.Items.Where(m => m.Kind == LedgerMovementKind.Hold).Select(m => m.Id).ToList(), ct);
        var items = page.Items.Select(m => View(m, closings.GetValueOrDefault(m.Id))).ToList();
        return dialect.Page(items, paging, page.Total);
    }

    private static TransactionView View(LedgerMovement movement, LedgerMovement? closing)
    {
        var (type, status, sign) = movement.Kind switch
        {
            LedgerMovementKind.Purchase => ("TOPUP", "COMPLETED", 1),
            LedgerMovementKind.Grant => ("CREDIT", "COMPLETED", 1),
            LedgerMovementKind.Refund => ("REFUND", "COMPLETED", 1),
            LedgerMovementKind.Release => ("RELEASE", "COMPLETED", 1),
            LedgerMovementKind.Charge => ("CHARGE", "COMPLETED", -1),
            LedgerMovementKind.Hold => closing?.Kind switch
            {
                LedgerMovementKind.Settle => ("CHARGE", "COMPLETED", -1),
                LedgerMovementKind.Release => ("HOLD", "RELEASED", -1),
                _ => ("HOLD", "PENDING", -1),
            },
            _ => (movement.Kind.ToString().ToUpperInvariant(), "COMPLETED", -1),
        };
        return new TransactionView(movement.Id, type, sign * WalletAccount.Dollars(movement.Amount), WalletAccount.Currency,
            WalletAccount.Dollars(movement.BalanceAfter), status, movement.Description, movement.Reference, movement.CreatedAt);
    }
}
