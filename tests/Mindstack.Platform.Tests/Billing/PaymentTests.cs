using Microsoft.Extensions.DependencyInjection;
using Mindstack.Platform.Billing;
using Mindstack.Platform.Http;

namespace Mindstack.Platform.Tests.Billing;

public sealed class PaymentTests(BillingFactory factory) : IClassFixture<BillingFactory>
{
    private static string Owner() => "acct_" + Guid.NewGuid().ToString("N")[..12];

    private Task<T> PaymentsAsync<T>(Func<IPayments, Task<T>> work) =>
        factory.InScopeAsync(sp => work(sp.GetRequiredService<IPayments>()));

    [Fact]
    public async Task Purchase_SandboxVisa_CreditsTheOwnerOnceAndRecordsThePayment()
    {
        var owner = Owner();
        var request = new PurchaseRequest(owner, "credits", 500, 14999, "usd", "pm_card_visa", "purchase_" + Guid.NewGuid().ToString("N"))
        {
            Description = "Professional 500 Credit Package",
        };
        var result = await PaymentsAsync(p => p.PurchaseAsync(request));
        Assert.False(result.Replayed);
        Assert.Equal("sandbox", result.Payment.Provider);
        Assert.Equal("succeeded", result.Payment.Status);
        Assert.Equal(("visa", "4242"), (result.Payment.CardBrand, result.Payment.CardLast4));
        Assert.Equal(14999, result.Payment.Amount);
        Assert.Equal(LedgerMovementKind.Purchase, result.Movement.Kind);
        Assert.Equal(500, result.Movement.BalanceAfter);

        var again = await PaymentsAsync(p => p.PurchaseAsync(request));
        Assert.True(again.Replayed);
        Assert.Equal(result.Payment.Id, again.Payment.Id);
        Assert.Equal(result.Movement.Id, again.Movement.Id);
        Assert.Equal(500, (await factory.BalanceAsync(owner)).Available);
        Assert.Single(await PaymentsAsync(p => p.ListAsync(owner)));
    }

    [Fact]
    public async Task Purchase_WalletTopUp_CreditsTheMoneyCurrency()
    {
        var owner = Owner();
        var result = await PaymentsAsync(p => p.PurchaseAsync(new PurchaseRequest(owner, "usd_cents", 2500, 2500, "usd", "pm_card_mastercard", "topup_" + owner)));
        Assert.Equal(2500, (await factory.BalanceAsync(owner, "usd_cents")).Available);
        Assert.Equal("mastercard", result.Payment.CardBrand);
    }

    [Theory]
    [InlineData("pm_card_declined", "Your card was declined.")]
    [InlineData("pm_card_chargeDeclinedInsufficientFunds", "Your card has insufficient funds.")]
    public async Task Purchase_DeclinedCard_CardDeclinedProblemAndNoCredits(string card, string message)
    {
        var owner = Owner();
        var reference = "purchase_" + Guid.NewGuid().ToString("N");
        var problem = await Assert.ThrowsAsync<Problem>(() =>
            PaymentsAsync(p => p.PurchaseAsync(new PurchaseRequest(owner, "credits", 100, 2999, "usd", card, reference))));
        Assert.Equal(ProblemKind.PaymentRequired, problem.Kind);
        Assert.Equal("CARD_DECLINED", problem.Code);
        Assert.Equal(402, problem.Status);
        Assert.Equal(message, problem.Message);
        Assert.Equal(0, (await factory.BalanceAsync(owner)).Available);
        var declined = Assert.Single(await PaymentsAsync(p => p.ListAsync(owner)));
        Assert.Equal("declined", declined.Status);

        // The same purchase may then go through with another card.
        var paid = await PaymentsAsync(p => p.PurchaseAsync(new PurchaseRequest(owner, "credits", 100, 2999, "usd", "pm_card_visa", reference)));
        Assert.Equal(100, paid.Movement.BalanceAfter);
    }

    [Fact]
    public async Task Purchase_NotASandboxPaymentMethod_ValidationProblem()
    {
        var problem = await Assert.ThrowsAsync<Problem>(() =>
            PaymentsAsync(p => p.PurchaseAsync(new PurchaseRequest(Owner(), "credits", 100, 2999, "usd", "pm_123456789", "r_" + Guid.NewGuid().ToString("N")))));
        Assert.Equal(ProblemKind.Validation, problem.Kind);
        Assert.Equal("payment_method_id", Assert.Single(problem.Errors!).Field);
    }
}

/// <summary>A server configured for a card processor it has no implementation of.</summary>
public sealed class UnimplementedProviderFactory : BillingFactory
{
    public UnimplementedProviderFactory() => WithSetting("Mindstack:Billing:PaymentProvider", "stripe");
}

public sealed class UnimplementedProviderTests(UnimplementedProviderFactory factory) : IClassFixture<UnimplementedProviderFactory>
{
    [Fact]
    public async Task Purchase_ConfiguredProviderNotImplemented_UnavailableNeverFaked()
    {
        var owner = "acct_" + Guid.NewGuid().ToString("N")[..12];
        var problem = await Assert.ThrowsAsync<Problem>(() => factory.InScopeAsync(sp => sp.GetRequiredService<IPayments>()
            .PurchaseAsync(new PurchaseRequest(owner, "credits", 100, 2999, "usd", "pm_card_visa", "r_" + owner))));
        Assert.Equal(ProblemKind.Unavailable, problem.Kind);
        Assert.Equal("PAYMENT_PROVIDER_UNAVAILABLE", problem.Code);
        Assert.Contains("stripe", problem.Message, StringComparison.Ordinal);
        Assert.Equal(0, (await factory.BalanceAsync(owner)).Available);
    }
}
