using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Mindstack.Platform.Storage;

namespace Mindstack.Platform.Jobs;

/// <summary>
/// A wake-up many loops can wait on: <see cref="Pulse"/> releases everyone waiting at that moment.
/// A loop takes <see cref="Next"/> before it looks for work, so a pulse between the look and the
/// wait is not lost.
/// </summary>
internal sealed class WakeUp
{
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Next() => Volatile.Read(ref _next).Task;

    public void Pulse() =>
        Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    /// <summary>Waits for <paramref name="next"/> or the idle delay, whichever comes first.</summary>
    public static async Task WaitAsync(Task next, TimeSpan idle, CancellationToken cancellationToken)
    {
        try
        {
            await next.WaitAsync(idle, cancellationToken);
        }
        catch (TimeoutException)
        {
        }
    }
}

/// <summary>What kind of new work a transaction carries.</summary>
[Flags]
internal enum NewWork
{
    None = 0,
    Jobs = 1,
    Events = 2,
}

/// <summary>
/// Local wake-ups for the job workers and the event dispatcher: a context that enqueued jobs or
/// events pulses them once its changes are committed (after SaveChanges outside a transaction, or
/// after the caller's transaction commits), so work made on this node starts without waiting for
/// the next poll. Other nodes learn of new jobs and events through <see cref="JobsNotifier"/> (PostgreSQL).
/// </summary>
internal sealed class WorkSignals(JobsNotifier notifier) : SaveChangesInterceptor, IDbTransactionInterceptor
{
    public WakeUp Jobs { get; } = new();

    public WakeUp Events { get; } = new();

    /// <summary>Notes that <paramref name="context"/> has new work to announce at its next commit.</summary>
    public void Mark(MindstackDbContext context, NewWork work) => context.PendingWork |= work;

    public override int SavedChanges(SaveChangesCompletedEventData eventData, int result)
    {
        AfterSave(eventData.Context);
        return result;
    }

    public override ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        AfterSave(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData) => Announce(eventData.Context);

    public Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Announce(eventData.Context);
        return Task.CompletedTask;
    }

    public void TransactionRolledBack(DbTransaction transaction, TransactionEndEventData eventData) => Forget(eventData.Context);

    public Task TransactionRolledBackAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Forget(eventData.Context);
        return Task.CompletedTask;
    }

    private void AfterSave(DbContext? context)
    {
        // Inside the caller's own transaction nothing is visible yet: wait for its commit.
        if (context is not null && context.Database.CurrentTransaction is null)
        {
            Announce(context);
        }
    }

    private void Announce(DbContext? context)
    {
        var work = Take(context);
        if (work.HasFlag(NewWork.Jobs))
        {
            Jobs.Pulse();
        }
        if (work.HasFlag(NewWork.Events))
        {
            Events.Pulse();
        }
        notifier.Request(work);
    }

    private void Forget(DbContext? context) => Take(context);

    // The work is kept on the context (a context serves one unit of work at a time), and dropped
    // when it is disposed: a pooled context starts its next lease with none.
    private static NewWork Take(DbContext? context)
    {
        if (context is not MindstackDbContext mindstack)
        {
            return NewWork.None;
        }
        var work = mindstack.PendingWork;
        mindstack.PendingWork = NewWork.None;
        return work;
    }
}
