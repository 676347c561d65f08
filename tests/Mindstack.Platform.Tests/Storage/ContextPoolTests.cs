using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Mindstack.Platform.Jobs;
using Mindstack.Platform.Storage;

namespace Mindstack.Platform.Tests.Storage;

/// <summary>
/// Contexts are pooled: what one unit of work leaves on its context for a commit that never came
/// (caller changes to publish, job and event wakes) is gone when the next request leases the same instance.
/// </summary>
public sealed class ContextPoolTests
{
    [Fact]
    public async Task Lease_PreviousTransactionDisposedWithoutCommit_NothingPendingCarriedOver()
    {
        using var factory = new PlatformFactory();
        MindstackDbContext first;
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            first = scope.ServiceProvider.GetRequiredService<MindstackDbContext>();
            await using var transaction = await first.Database.BeginTransactionAsync();
            // What the caller-change interceptor and the job queue note for the commit.
            first.ChangedCallers = ["acc_left_behind"];
            scope.ServiceProvider.GetRequiredService<WorkSignals>().Mark(first, NewWork.Jobs | NewWork.Events);
            // Neither committed nor rolled back: the transaction and the scope are disposed.
        }

        await LeaseAgainAsync(factory, first, again =>
        {
            Assert.Null(again.ChangedCallers);
            Assert.Equal(NewWork.None, again.PendingWork);
            Assert.Null(again.Database.CurrentTransaction);
            Assert.Empty(again.ChangeTracker.Entries());
        });
    }

    [Fact]
    public async Task Lease_PreviousUnitOfWorkTrackedChanges_NextLeaseStartsEmpty()
    {
        using var factory = new PlatformFactory();
        MindstackDbContext first;
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            first = scope.ServiceProvider.GetRequiredService<MindstackDbContext>();
            first.ChangeTracker.QueryTrackingBehavior = QueryTrackingBehavior.NoTracking;
            first.Add(new Mindstack.Platform.Accounts.Account { Id = "acc_unsaved", Email = "unsaved@example.com", NormalizedEmail = "UNSAVED@EXAMPLE.COM" });
        }

        await LeaseAgainAsync(factory, first, again =>
        {
            Assert.False(again.ChangeTracker.HasChanges());
            Assert.Equal(QueryTrackingBehavior.TrackAll, again.ChangeTracker.QueryTrackingBehavior);
        });
    }

    // The pool hands instances back in the order they were returned (and background services lease
    // too): hold leases until the instance comes round again.
    private static async Task LeaseAgainAsync(PlatformFactory factory, MindstackDbContext wanted, Action<MindstackDbContext> check)
    {
        var held = new List<AsyncServiceScope>();
        try
        {
            for (var i = 0; i < 500; i++)
            {
                var scope = factory.Services.CreateAsyncScope();
                held.Add(scope);
                var db = scope.ServiceProvider.GetRequiredService<MindstackDbContext>();
                if (ReferenceEquals(db, wanted))
                {
                    // Checked while leased: disposing the scope resets it again.
                    check(db);
                    return;
                }
                if (i % 50 == 49)
                {
                    await Task.Delay(20);
                }
            }
            throw new Xunit.Sdk.XunitException("The pooled context never came back: contexts are not pooled.");
        }
        finally
        {
            foreach (var scope in held)
            {
                await scope.DisposeAsync();
            }
        }
    }
}
