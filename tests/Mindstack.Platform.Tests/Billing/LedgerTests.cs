using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Mindstack.Platform.Billing;
using Mindstack.Platform.Http;
using Mindstack.Platform.Storage;
using Mindstack.Platform.Tests.Jobs;

namespace Mindstack.Platform.Tests.Billing;

/// <summary>A server for ledger tests (no background workers needed).</summary>
public class BillingFactory : WorkFactory
{
    public BillingFactory()
        : base(null, null, 0)
    {
    }

    public Task<T> LedgerAsync<T>(Func<ICreditLedger, Task<T>> work) =>
        InScopeAsync(sp => work(sp.GetRequiredService<ICreditLedger>()));

    public Task<LedgerBalance> BalanceAsync(string owner, string currency = "credits") =>
        LedgerAsync(l => l.GetBalanceAsync(owner, currency));

    /// <summary>The sum of every entry in a currency: zero, whatever happened.</summary>
    internal Task<long> AllEntriesAsync(string currency) =>
        InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<MindstackDbContext>();
            var accounts = await db.Set<LedgerAccountRow>().Where(a => a.Currency == currency).Select(a => a.Id).ToListAsync();
            return await db.Set<LedgerEntryRow>().Where(e => accounts.Contains(e.AccountId)).SumAsync(e => e.Amount);
        });
}

public sealed class LedgerTests(BillingFactory factory) : IClassFixture<BillingFactory>
{
    private static string Owner() => "acct_" + Guid.NewGuid().ToString("N")[..12];

    private static string Ref() => "ref_" + Guid.NewGuid().ToString("N");

    [Fact]
    public async Task GrantThenCharge_BalanceIsTheSumOfBalancedEntries()
    {
        var owner = Owner();
        var grant = await factory.LedgerAsync(l => l.GrantAsync(owner, "credits", 100, Ref(), "welcome credits"));
        var charge = await factory.LedgerAsync(l => l.ChargeAsync(owner, "credits", 30, Ref(), "session"));
        Assert.Equal(LedgerMovementKind.Grant, grant.Kind);
        Assert.Equal(100, grant.BalanceAfter);
        Assert.Equal(70, charge.BalanceAfter);
        Assert.StartsWith("txn_", charge.Id, StringComparison.Ordinal);
        Assert.Equal(new LedgerBalance(owner, "credits", 70, 0), await factory.BalanceAsync(owner));
        Assert.Equal(new LedgerBalance(owner, "usd_cents", 0, 0), await factory.BalanceAsync(owner, "usd_cents"));

        await factory.InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<MindstackDbContext>();
            foreach (var id in new[] { grant.Id, charge.Id })
            {
                var entries = await db.Set<LedgerEntryRow>().Where(e => e.MovementId == id).Select(e => e.Amount).ToListAsync();
                Assert.Equal(2, entries.Count);
                Assert.Equal(0, entries.Sum());
            }
        });
        Assert.Equal(0, await factory.AllEntriesAsync("credits"));
    }

    [Fact]
    public async Task Charge_MoreThanAvailable_PaymentRequiredAndNothingWritten()
    {
        var owner = Owner();
        await factory.LedgerAsync(l => l.GrantAsync(owner, "credits", 5, Ref()));
        var reference = Ref();
        var problem = await Assert.ThrowsAsync<Problem>(() => factory.LedgerAsync(l => l.ChargeAsync(owner, "credits", 10, reference)));
        Assert.Equal(ProblemKind.PaymentRequired, problem.Kind);
        Assert.Equal("Insufficient credits: 10 required, 5 available", problem.Message);
        Assert.Equal("{\"required\":10,\"available\":5,\"currency\":\"credits\"}", System.Text.Json.JsonSerializer.Serialize(problem.Details));
        Assert.Equal(5, (await factory.BalanceAsync(owner)).Available);
        Assert.Null(await factory.LedgerAsync(l => l.FindByReferenceAsync(reference)));
    }

    [Fact]
    public async Task Movement_SameReferenceTwice_AppliesOnceAndReturnsTheOriginal()
    {
        var owner = Owner();
        await factory.LedgerAsync(l => l.GrantAsync(owner, "credits", 100, Ref()));
        var reference = Ref();
        var first = await factory.LedgerAsync(l => l.ChargeAsync(owner, "credits", 10, reference));
        var again = await factory.LedgerAsync(l => l.ChargeAsync(owner, "credits", 10, reference));
        Assert.False(first.Replayed);
        Assert.True(again.Replayed);
        Assert.Equal(first.Id, again.Id);
        Assert.Equal(90, again.BalanceAfter);
        Assert.Equal(90, (await factory.BalanceAsync(owner)).Available);

        var different = await Assert.ThrowsAsync<Problem>(() => factory.LedgerAsync(l => l.ChargeAsync(owner, "credits", 11, reference)));
        Assert.Equal(ProblemKind.Conflict, different.Kind);
    }

    [Fact]
    public async Task Charge_ConcurrentCharges_NeverOverdraw()
    {
        var owner = Owner();
        await factory.LedgerAsync(l => l.GrantAsync(owner, "credits", 100, Ref()));
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 25).Select(async _ =>
        {
            try
            {
                await factory.LedgerAsync(l => l.ChargeAsync(owner, "credits", 10, Ref()));
                return "charged";
            }
            catch (Problem problem) when (problem.Kind == ProblemKind.PaymentRequired)
            {
                return "refused";
            }
        }));
        Assert.Equal(10, outcomes.Count(o => o == "charged"));
        Assert.Equal(15, outcomes.Count(o => o == "refused"));
        Assert.Equal(0, (await factory.BalanceAsync(owner)).Available);
        var history = await factory.LedgerAsync(l => l.GetHistoryAsync(new LedgerHistoryQuery(owner) { Kinds = [LedgerMovementKind.Charge], Limit = 100 }));
        Assert.Equal(10, history.Total);
        Assert.All(history.Items, m => Assert.True(m.BalanceAfter >= 0));
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (long)(i * 10)), history.Items.Select(m => m.BalanceAfter).Order());
    }

    [Fact]
    public async Task Charge_ConcurrentRetriesOfOneReference_ApplyOnce()
    {
        var owner = Owner();
        await factory.LedgerAsync(l => l.GrantAsync(owner, "credits", 100, Ref()));
        var reference = Ref();
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => factory.LedgerAsync(l => l.ChargeAsync(owner, "credits", 30, reference))));
        Assert.Single(results.Select(r => r.Id).Distinct());
        Assert.Equal(1, results.Count(r => !r.Replayed));
        Assert.Equal(70, (await factory.BalanceAsync(owner)).Available);
    }

    [Fact]
    public async Task Hold_SettledForLess_RestReleasedAndEverythingAddsUp()
    {
        var owner = Owner();
        await factory.LedgerAsync(l => l.GrantAsync(owner, "credits", 100, Ref()));
        var hold = await factory.LedgerAsync(l => l.HoldAsync(owner, "credits", 40, Ref(), "execution exec_1"));
        Assert.Equal(new LedgerBalance(owner, "credits", 60, 40), await factory.BalanceAsync(owner));

        var settleRef = Ref();
        var settled = await factory.LedgerAsync(l => l.SettleAsync(hold.Id, 25, settleRef));
        Assert.Equal(LedgerMovementKind.Settle, settled.Settle.Kind);
        Assert.Equal(25, settled.Settle.Amount);
        Assert.Equal(15, settled.Release!.Amount);
        Assert.Equal(hold.Id, settled.Release.RelatedMovementId);
        Assert.Equal(75, settled.Settle.BalanceAfter);
        Assert.Equal(new LedgerBalance(owner, "credits", 75, 0), await factory.BalanceAsync(owner));
        // held + settled + released add up: 40 = 25 + 15, and 100 = 75 available + 25 spent.
        Assert.Equal(hold.Amount, settled.Settle.Amount + settled.Release.Amount);
        Assert.Equal(0, await factory.AllEntriesAsync("credits"));

        var replay = await factory.LedgerAsync(l => l.SettleAsync(hold.Id, 25, settleRef));
        Assert.True(replay.Settle.Replayed);
        Assert.Equal(settled.Settle.Id, replay.Settle.Id);
        Assert.Equal(settled.Release.Id, replay.Release!.Id);

        var twice = await Assert.ThrowsAsync<Problem>(() => factory.LedgerAsync(l => l.SettleAsync(hold.Id, 5, Ref())));
        Assert.Equal(ProblemKind.Conflict, twice.Kind);
        var release = await Assert.ThrowsAsync<Problem>(() => factory.LedgerAsync(l => l.ReleaseAsync(hold.Id, Ref())));
        Assert.Equal(ProblemKind.Conflict, release.Kind);
        Assert.Equal(new LedgerBalance(owner, "credits", 75, 0), await factory.BalanceAsync(owner));
    }

    [Fact]
    public async Task GetClosings_HoldsOpenSettledReleased_ClosingMovementOfEachClosedOne()
    {
        var owner = Owner();
        await factory.LedgerAsync(l => l.GrantAsync(owner, "credits", 100, Ref()));
        var open = await factory.LedgerAsync(l => l.HoldAsync(owner, "credits", 10, Ref()));
        var settled = await factory.LedgerAsync(l => l.HoldAsync(owner, "credits", 20, Ref()));
        var released = await factory.LedgerAsync(l => l.HoldAsync(owner, "credits", 30, Ref()));
        var settle = await factory.LedgerAsync(l => l.SettleAsync(settled.Id, 15, Ref()));
        var release = await factory.LedgerAsync(l => l.ReleaseAsync(released.Id, Ref()));

        var closings = await factory.LedgerAsync(l => l.GetClosingsAsync([open.Id, settled.Id, released.Id, "mov_unknown"]));
        Assert.Equal(2, closings.Count);
        Assert.False(closings.ContainsKey(open.Id));
        Assert.Equal((LedgerMovementKind.Settle, settle.Settle.Id), (closings[settled.Id].Kind, closings[settled.Id].Id));
        Assert.Equal((LedgerMovementKind.Release, release.Id), (closings[released.Id].Kind, closings[released.Id].Id));
        Assert.Empty(await factory.LedgerAsync(l => l.GetClosingsAsync([])));
    }

    [Fact]
    public async Task Hold_ReleasedOrSettledInFullOrForNothing_BalancesFollow()
    {
        var owner = Owner();
        await factory.LedgerAsync(l => l.GrantAsync(owner, "credits", 100, Ref()));
        var released = await factory.LedgerAsync(l => l.HoldAsync(owner, "credits", 30, Ref()));
        var release = await factory.LedgerAsync(l => l.ReleaseAsync(released.Id, Ref()));
        Assert.Equal(LedgerMovementKind.Release, release.Kind);
        Assert.Equal(new LedgerBalance(owner, "credits", 100, 0), await factory.BalanceAsync(owner));

        var full = await factory.LedgerAsync(l => l.HoldAsync(owner, "credits", 20, Ref()));
        var all = await factory.LedgerAsync(l => l.SettleAsync(full.Id, 20, Ref()));
        Assert.Null(all.Release);

        var nothing = await factory.LedgerAsync(l => l.HoldAsync(owner, "credits", 10, Ref()));
        var none = await factory.LedgerAsync(l => l.SettleAsync(nothing.Id, 0, Ref()));
        Assert.Equal(LedgerMovementKind.Release, none.Settle.Kind);
        Assert.Equal(10, none.Settle.Amount);
        Assert.Equal(new LedgerBalance(owner, "credits", 80, 0), await factory.BalanceAsync(owner));

        var tooMuch = await factory.LedgerAsync(l => l.HoldAsync(owner, "credits", 10, Ref()));
        var over = await Assert.ThrowsAsync<Problem>(() => factory.LedgerAsync(l => l.SettleAsync(tooMuch.Id, 11, Ref())));
        Assert.Equal(ProblemKind.Validation, over.Kind);
        var broke = await Assert.ThrowsAsync<Problem>(() => factory.LedgerAsync(l => l.HoldAsync(owner, "credits", 71, Ref())));
        Assert.Equal(ProblemKind.PaymentRequired, broke.Kind);
        Assert.Equal(0, await factory.AllEntriesAsync("credits"));
    }

    [Fact]
    public async Task Refund_PartsOfACharge_NeverMoreThanCharged()
    {
        var owner = Owner();
        await factory.LedgerAsync(l => l.GrantAsync(owner, "credits", 100, Ref()));
        var charge = await factory.LedgerAsync(l => l.ChargeAsync(owner, "credits", 50, Ref()));
        var first = await factory.LedgerAsync(l => l.RefundAsync(charge.Id, 20, Ref(), "partial"));
        Assert.Equal(70, first.BalanceAfter);
        Assert.Equal(charge.Id, first.RelatedMovementId);
        var tooMuch = await Assert.ThrowsAsync<Problem>(() => factory.LedgerAsync(l => l.RefundAsync(charge.Id, 31, Ref())));
        Assert.Equal(ProblemKind.Conflict, tooMuch.Kind);
        await factory.LedgerAsync(l => l.RefundAsync(charge.Id, 30, Ref()));
        Assert.Equal(100, (await factory.BalanceAsync(owner)).Available);

        var grant = (await factory.LedgerAsync(l => l.GetHistoryAsync(new LedgerHistoryQuery(owner) { Kinds = [LedgerMovementKind.Grant] }))).Items[0];
        var notACharge = await Assert.ThrowsAsync<Problem>(() => factory.LedgerAsync(l => l.RefundAsync(grant.Id, 1, Ref())));
        Assert.Equal(ProblemKind.Conflict, notACharge.Kind);
    }

    [Fact]
    public async Task Charge_InTheCallersRolledBackTransaction_LeavesNoTrace()
    {
        var owner = Owner();
        await factory.LedgerAsync(l => l.GrantAsync(owner, "credits", 50, Ref()));
        var reference = Ref();
        await factory.InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<MindstackDbContext>();
            await using var transaction = await db.Database.BeginTransactionAsync();
            var charge = await sp.GetRequiredService<ICreditLedger>().ChargeAsync(owner, "credits", 20, reference);
            Assert.Equal(30, charge.BalanceAfter);
            await transaction.RollbackAsync();
        });
        Assert.Equal(50, (await factory.BalanceAsync(owner)).Available);
        Assert.Null(await factory.LedgerAsync(l => l.FindByReferenceAsync(reference)));
    }

    [Fact]
    public async Task History_PagedNewestFirst_WithinADateRange()
    {
        var owner = Owner();
        var start = factory.Clock.GetUtcNow().UtcDateTime;
        for (var day = 0; day < 5; day++)
        {
            await factory.LedgerAsync(l => l.GrantAsync(owner, "credits", day + 1, Ref()));
            factory.Clock.Advance(TimeSpan.FromDays(1));
        }
        await factory.LedgerAsync(l => l.GrantAsync(owner, "usd_cents", 999, Ref()));

        var page = await factory.LedgerAsync(l => l.GetHistoryAsync(new LedgerHistoryQuery(owner) { Currency = "credits", Offset = 1, Limit = 2 }));
        Assert.Equal(5, page.Total);
        Assert.Equal([4L, 3L], page.Items.Select(m => m.Amount));

        var ranged = await factory.LedgerAsync(l => l.GetHistoryAsync(new LedgerHistoryQuery(owner)
        {
            Currency = "credits",
            From = start.AddDays(1),
            To = start.AddDays(3),
        }));
        Assert.Equal([3L, 2L], ranged.Items.Select(m => m.Amount));
        Assert.Equal(2, ranged.Total);

        var all = await factory.LedgerAsync(l => l.GetHistoryAsync(new LedgerHistoryQuery(owner)));
        Assert.Equal(6, all.Total);
    }

    [Theory]
    [InlineData("", "credits", 1, "owner_id")]
    [InlineData("acct_1", "Credits", 1, "currency")]
    [InlineData("acct_1", "credits", 0, "amount")]
    [InlineData("acct_1", "credits", -5, "amount")]
    [InlineData("system", "credits", 1, "owner_id")]
    public async Task Grant_InvalidArguments_AreValidationProblems(string owner, string currency, long amount, string field)
    {
        var problem = await Assert.ThrowsAsync<Problem>(() => factory.LedgerAsync(l => l.GrantAsync(owner, currency, amount, Ref())));
        Assert.Equal(ProblemKind.Validation, problem.Kind);
        Assert.Equal(field, Assert.Single(problem.Errors!).Field);
    }
}
