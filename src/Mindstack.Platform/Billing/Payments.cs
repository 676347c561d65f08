using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Mindstack.Platform.Http;
using Mindstack.Platform.Storage;

namespace Mindstack.Platform.Billing;

/// <summary>A charge to ask a payment provider for; amounts are minor units (cents).</summary>
public sealed record PaymentCharge(string OwnerId, long Amount, string Currency, string PaymentMethodId, string IdempotencyKey, string? Description);

/// <summary>What the provider said. A decline is an outcome, not an exception.</summary>
public sealed record PaymentOutcome(bool Succeeded, string? ProviderPaymentId, string? CardBrand, string? CardLast4, string? FailureCode, string? FailureMessage);

/// <summary>
/// A card processor. The built-in one is <c>sandbox</c>; a real one is registered as another
/// implementation and chosen with <c>Mindstack:Billing:PaymentProvider</c>. Implementations raise a
/// validation <see cref="Problem"/> for a payment method they cannot read and return declines as outcomes.
/// </summary>
public interface IPaymentProvider
{
    string Name { get; }

    Task<PaymentOutcome> ChargeAsync(PaymentCharge charge, CancellationToken cancellationToken);

    /// <summary>
    /// The payment method as the provider knows it (a card's brand, last four digits and expiry), or
    /// null when it does not know the id. Providers that cannot look one up keep this default.
    /// </summary>
    Task<PaymentMethodDetails?> DescribePaymentMethodAsync(string paymentMethodId, CancellationToken cancellationToken) =>
        Task.FromResult<PaymentMethodDetails?>(null);
}

/// <summary>A payment method as its provider describes it: no secrets, only what may be shown to its owner.</summary>
public sealed record PaymentMethodDetails(string Id, string Type, string? CardBrand, string? CardLast4, int? ExpiryMonth, int? ExpiryYear)
{
    /// <summary>The card's expiry as <c>MM/YY</c> (e.g. <c>12/34</c>); null when the provider reports none.</summary>
    public string? Expiry => ExpiryMonth is { } month && ExpiryYear is { } year ? $"{month:00}/{year % 100:00}" : null;
}

/// <summary>
/// The default provider, for development and tests: no money moves. Test payment method ids:
/// <c>pm_card_visa</c>, <c>pm_card_mastercard</c>, <c>pm_card_amex</c> succeed;
/// <c>pm_card_declined</c>, <c>pm_card_chargeDeclined</c> and
/// <c>pm_card_chargeDeclinedInsufficientFunds</c> are declined; anything else is not a sandbox
/// payment method (a validation problem on <c>payment_method_id</c>). Like Stripe's test cards,
/// every sandbox card expires <c>12/34</c>.
/// </summary>
internal sealed class SandboxPaymentProvider(IIdGenerator ids) : IPaymentProvider
{
    public const string ProviderName = "sandbox";

    public string Name => ProviderName;

    public Task<PaymentOutcome> ChargeAsync(PaymentCharge charge, CancellationToken cancellationToken) =>
        Task.FromResult(charge.PaymentMethodId switch
        {
            "pm_card_visa" => Paid("visa", "4242"),
            "pm_card_mastercard" => Paid("mastercard", "4444"),
            "pm_card_amex" => Paid("amex", "8431"),
            "pm_card_declined" or "pm_card_chargeDeclined" =>
                new PaymentOutcome(false, null, "visa", "0002", "card_declined", "Your card was declined."),
            "pm_card_chargeDeclinedInsufficientFunds" =>
                new PaymentOutcome(false, null, "visa", "9995", "insufficient_funds", "Your card has insufficient funds."),
            _ => throw Problem.Invalid("payment_method_id",
                $"'{charge.PaymentMethodId}' is not a sandbox payment method; use pm_card_visa (succeeds) or pm_card_declined (declined)"),
        });

    private PaymentOutcome Paid(string brand, string last4) => new(true, ids.New("sandbox_pay"), brand, last4, null, null);

    public Task<PaymentMethodDetails?> DescribePaymentMethodAsync(string paymentMethodId, CancellationToken cancellationToken) =>
        Task.FromResult(paymentMethodId switch
        {
            "pm_card_visa" => Card(paymentMethodId, "visa", "4242"),
            "pm_card_mastercard" => Card(paymentMethodId, "mastercard", "4444"),
            "pm_card_amex" => Card(paymentMethodId, "amex", "8431"),
            "pm_card_declined" or "pm_card_chargeDeclined" => Card(paymentMethodId, "visa", "0002"),
            "pm_card_chargeDeclinedInsufficientFunds" => Card(paymentMethodId, "visa", "9995"),
            _ => null,
        });

    private static PaymentMethodDetails Card(string id, string brand, string last4) => new(id, "card", brand, last4, 12, 2034);
}

/// <summary>A payment as recorded.</summary>
public sealed record PaymentRecord(
    string Id,
    string OwnerId,
    string Provider,
    string? ProviderPaymentId,
    string PaymentMethodId,
    long Amount,
    string Currency,
    string Status,
    string? CardBrand,
    string? CardLast4,
    string? FailureMessage,
    DateTime CreatedAt);

/// <summary>
/// Buying <see cref="Amount"/> of <see cref="Currency"/> (credits, or a wallet's <c>usd_cents</c>)
/// for <see cref="PriceAmount"/> of <see cref="PriceCurrency"/> (minor units, e.g. <c>usd</c> cents),
/// charged to <see cref="PaymentMethodId"/>. <see cref="Reference"/> makes it idempotent.
/// </summary>
public sealed record PurchaseRequest(
    string OwnerId,
    string Currency,
    long Amount,
    long PriceAmount,
    string PriceCurrency,
    string PaymentMethodId,
    string Reference)
{
    public string? Description { get; init; }
}

public sealed record PurchaseResult(PaymentRecord Payment, LedgerMovement Movement, bool Replayed);

/// <summary>
/// Purchases through the configured payment provider: the provider is charged first, then the
/// payment and the ledger's purchase movement are written in one transaction. A repeated reference
/// returns the original purchase without charging again. A decline is a
/// <see cref="ProblemKind.PaymentRequired"/> problem with code <c>CARD_DECLINED</c> (402); a
/// configured provider this server has no implementation of is <see cref="ProblemKind.Unavailable"/>
/// (<c>PAYMENT_PROVIDER_UNAVAILABLE</c>) — never faked. Scoped.
/// </summary>
public interface IPayments
{
    /// <summary>The configured provider's name (<c>sandbox</c> by default).</summary>
    string ProviderName { get; }

    Task<PurchaseResult> PurchaseAsync(PurchaseRequest request, CancellationToken cancellationToken = default);

    /// <summary>An owner's payments, newest first (declined ones included).</summary>
    Task<IReadOnlyList<PaymentRecord>> ListAsync(string ownerId, int limit = 50, CancellationToken cancellationToken = default);

    /// <summary>
    /// A payment method as the configured provider describes it (brand, last four, expiry), or null
    /// when the provider does not know it or cannot describe payment methods.
    /// </summary>
    Task<PaymentMethodDetails?> DescribePaymentMethodAsync(string paymentMethodId, CancellationToken cancellationToken = default);
}

internal sealed class Payments(
    MindstackDbContext db,
    ICreditLedger ledger,
    IEnumerable<IPaymentProvider> providers,
    BillingSettings settings,
    IIdGenerator ids,
    TimeProvider clock) : IPayments
{
    public string ProviderName => settings.PaymentProvider;

    public async Task<PurchaseResult> PurchaseAsync(PurchaseRequest request, CancellationToken cancellationToken = default)
    {
        if (request.Amount <= 0 || request.PriceAmount < 0)
        {
            throw Problem.Invalid("amount", "A purchase needs a positive amount and a price that is not negative");
        }
        if (string.IsNullOrWhiteSpace(request.PaymentMethodId))
        {
            throw Problem.Invalid("payment_method_id", "A payment method is required");
        }
        if (await ReplayAsync(request.Reference, cancellationToken) is { } replay)
        {
            return replay;
        }
        var provider = providers.FirstOrDefault(p => string.Equals(p.Name, settings.PaymentProvider, StringComparison.OrdinalIgnoreCase))
            ?? throw Problem.Unavailable($"Payment provider '{settings.PaymentProvider}' is not available on this server", "PAYMENT_PROVIDER_UNAVAILABLE");
        var outcome = await provider.ChargeAsync(
            new PaymentCharge(request.OwnerId, request.PriceAmount, request.PriceCurrency, request.PaymentMethodId, request.Reference, request.Description),
            cancellationToken);
        var payment = new PaymentRow
        {
            Id = ids.New("pay"),
            OwnerId = request.OwnerId,
            Provider = provider.Name,
            ProviderPaymentId = outcome.ProviderPaymentId,
            PaymentMethodId = request.PaymentMethodId,
            Amount = request.PriceAmount,
            Currency = request.PriceCurrency,
            Status = outcome.Succeeded ? "succeeded" : "declined",
            FailureCode = outcome.FailureCode,
            FailureMessage = outcome.FailureMessage,
            CardBrand = outcome.CardBrand,
            CardLast4 = outcome.CardLast4,
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        if (!outcome.Succeeded)
        {
            // Recorded without the reference, so the same purchase can be tried again with another card.
            db.Add(payment);
            await db.SaveChangesAsync(cancellationToken);
            throw new Problem(ProblemKind.PaymentRequired, outcome.FailureMessage ?? "The payment was declined", "CARD_DECLINED", 402,
                new { decline_code = outcome.FailureCode, payment_id = payment.Id });
        }
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        try
        {
            var movement = await ledger.PurchaseAsync(request.OwnerId, request.Currency, request.Amount, request.Reference, request.Description, cancellationToken);
            payment.Reference = request.Reference;
            payment.MovementId = movement.Id;
            db.Add(payment);
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return new PurchaseResult(View(payment), movement, movement.Replayed);
        }
        catch (DbUpdateException)
        {
            // A concurrent purchase with the same reference won; return it.
            await transaction.RollbackAsync(CancellationToken.None);
            db.ChangeTracker.Clear();
            return await ReplayAsync(request.Reference, cancellationToken) ?? throw Problem.Conflict($"Reference '{request.Reference}' is in use");
        }
    }

    public async Task<IReadOnlyList<PaymentRecord>> ListAsync(string ownerId, int limit = 50, CancellationToken cancellationToken = default) =>
        (await db.Set<PaymentRow>().AsNoTracking().Where(p => p.OwnerId == ownerId)
            .OrderByDescending(p => p.CreatedAt).ThenByDescending(p => p.Id)
            .Take(Math.Clamp(limit, 1, 500)).ToListAsync(cancellationToken))
        .Select(View).ToList();

    public Task<PaymentMethodDetails?> DescribePaymentMethodAsync(string paymentMethodId, CancellationToken cancellationToken = default) =>
        providers.FirstOrDefault(p => string.Equals(p.Name, settings.PaymentProvider, StringComparison.OrdinalIgnoreCase)) is { } provider
            ? provider.DescribePaymentMethodAsync(paymentMethodId, cancellationToken)
            : Task.FromResult<PaymentMethodDetails?>(null);

    private async Task<PurchaseResult?> ReplayAsync(string reference, CancellationToken cancellationToken)
    {
        var payment = await db.Set<PaymentRow>().AsNoTracking().SingleOrDefaultAsync(p => p.Reference == reference, cancellationToken);
        if (payment?.MovementId is not { } movementId)
        {
            return null;
        }
        var movement = await ledger.FindAsync(movementId, cancellationToken);
        return new PurchaseResult(View(payment), movement! with { Replayed = true }, true);
    }

    private static PaymentRecord View(PaymentRow p) =>
        new(p.Id, p.OwnerId, p.Provider, p.ProviderPaymentId, p.PaymentMethodId, p.Amount, p.Currency, p.Status, p.CardBrand, p.CardLast4,
            p.FailureMessage, p.CreatedAt);
}

/// <summary><c>Mindstack:Billing:PaymentProvider</c> (default <c>sandbox</c>), bound and validated at start.</summary>
public sealed class BillingSettings
{
    public const string Section = "Mindstack:Billing";

    public string PaymentProvider { get; set; } = SandboxPaymentProvider.ProviderName;
}

/// <summary>Refuses an empty <c>Mindstack:Billing:PaymentProvider</c>, naming it.</summary>
internal sealed class BillingSettingsValidator : IValidateOptions<BillingSettings>
{
    public ValidateOptionsResult Validate(string? name, BillingSettings settings) =>
        string.IsNullOrWhiteSpace(settings.PaymentProvider)
            ? ValidateOptionsResult.Fail($"{BillingSettings.Section}:PaymentProvider must name a payment provider (e.g. {SandboxPaymentProvider.ProviderName})")
            : ValidateOptionsResult.Success;
}
