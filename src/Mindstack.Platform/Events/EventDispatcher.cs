using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Mindstack.Platform.Jobs;
using Mindstack.Platform.Observability;
using Mindstack.Platform.Storage;

namespace Mindstack.Platform.Events;

/// <summary>
/// Drains the outbox to every <see cref="IEventSubscriber"/>. One node dispatches at a time (it
/// holds the <c>events.dispatcher</c> lease; another takes over when that node stops renewing it),
/// and it offers events in outbox order, a batch per transaction, so each aggregate's events arrive
/// in the order they were written. A failed event is rolled back alone (the batch runs again with a
/// savepoint per event), retried with backoff and holds back only its own aggregate; after
/// <see cref="MaxAttempts"/> it is marked failed. Runs on nodes with workers.
/// Since an event is marked dispatched in the transaction that commits its subscribers' changes, a
/// crash before that commit leaves it pending, and the next dispatcher offers it again.
/// </summary>
internal sealed class EventDispatcher(
    IServiceScopeFactory scopes,
    JobsSettings settings,
    WorkSignals signals,
    TimeProvider clock,
    ILogger<EventDispatcher> logger) : BackgroundService
{
    public const string LeaseName = "events.dispatcher";
    public const int MaxAttempts = 10;
    private const int BatchSize = 200;

    /// <summary>
    /// After a batch that found fewer events than it could take, the next look waits this long, so
    /// that under a steady stream (posts arriving a few a millisecond) a batch takes the events of a
    /// couple of milliseconds instead of one or two: its fixed cost (the pending read, the marking,
    /// the commit, one subscriptions query, one backplane round trip) is shared. An event arriving
    /// after a quiet spell is still offered at once.
    /// </summary>
    private static readonly TimeSpan Linger = TimeSpan.FromMilliseconds(2);

    // Read at every look: compiled once per model, so a look builds and hashes no LINQ tree.
    private static readonly CompiledQuery<Func<MindstackDbContext, IAsyncEnumerable<OutboxEvent>>> PendingEvents = new(() =>
        EF.CompileAsyncQuery((MindstackDbContext db) => db.Set<OutboxEvent>().AsNoTracking()
            .Where(e => e.State == OutboxStates.Pending)
            .OrderBy(e => e.Sequence)
            .Take(BatchSize)));
    private DateTime _leaseRenewedAt = DateTime.MinValue;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (settings.Workers <= 0)
        {
            return;
        }
        await Task.Yield();
        var leading = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            var wake = signals.Events.Next();
            var handled = 0;
            try
            {
                // A held lease is renewed once a sixth of its length has passed, not at every
                // wake-up (one more write transaction per batch); a batch stops at a third.
                leading = (leading && LeaseAge < settings.RenewEvery / 2) || await RenewLeaseAsync(stoppingToken);
                if (leading)
                {
                    handled = await DispatchBatchAsync(stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception exception)
            {
                logger.LogWarning(exception, "Event dispatch failed; retrying after the idle delay");
            }
            if (handled is > 0 and < BatchSize)
            {
                try
                {
                    await Task.Delay(Linger, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
            else if (handled == 0)
            {
                try
                {
                    // Only the leader is woken by new events (from any node); the others look for
                    // the lease at the poll interval rather than try to take it at every event.
                    if (leading)
                    {
                        await WakeUp.WaitAsync(wake, settings.IdleDelay, stoppingToken);
                    }
                    else
                    {
                        await Task.Delay(settings.IdleDelay, stoppingToken);
                    }
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
        if (leading)
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<ClusterLease>().ReleaseAsync(LeaseName, settings.NodeId, CancellationToken.None);
            }
            catch (Exception exception)
            {
                logger.LogDebug(exception, "Releasing the dispatcher lease failed; it will expire");
            }
        }
    }

    /// <summary>How long ago the lease was last taken or renewed, on the clock its expiry is written with.</summary>
    private TimeSpan LeaseAge => clock.GetUtcNow().UtcDateTime - _leaseRenewedAt;

    private async Task<bool> RenewLeaseAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var held = await scope.ServiceProvider.GetRequiredService<ClusterLease>()
            .TryAcquireAsync(LeaseName, settings.NodeId, settings.Lease, cancellationToken);
        _leaseRenewedAt = held ? clock.GetUtcNow().UtcDateTime : DateTime.MinValue;
        return held;
    }

    /// <summary>
    /// Offers the next batch of pending events in one transaction: a failing event is rolled back
    /// alone (its failure recorded, its aggregate held back) while the others commit together,
    /// marked dispatched with their subscribers' changes. One commit for many events, instead of
    /// one each. Returns how many it handled (dispatched or failed).
    /// </summary>
    /// <remarks>
    /// Most batches fail no event, so a batch first runs without a savepoint per event. When an
    /// event throws, that whole transaction is rolled back (nothing reached clients: the realtime
    /// forwarder publishes at the batch's end) and the batch runs again with a savepoint per event,
    /// recording the known failure without offering that event twice. The events before it are
    /// offered again, which subscribers allow (<see cref="IEventSubscriber"/>: at least once).
    /// </remarks>
    private async Task<int> DispatchBatchAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MindstackDbContext>();
        var pending = new List<OutboxEvent>();
        await foreach (var row in PendingEvents.For(db)(db).WithCancellation(cancellationToken))
        {
            pending.Add(row);
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var waiting = new HashSet<(string, string)>();
        var due = new List<OutboxEvent>();
        foreach (var row in pending)
        {
            var aggregate = (row.AggregateType, row.AggregateId);
            if (waiting.Contains(aggregate) || row.NextAttemptAt > now)
            {
                // An earlier event of this aggregate is waiting for a retry: keep the order.
                waiting.Add(aggregate);
                continue;
            }
            due.Add(row);
        }
        if (due.Count == 0)
        {
            // A batch whose events all wait takes no write lock.
            return 0;
        }
        var batch = new Batch(db, due, [.. due.Select(TryToDomainEvent)], [.. scope.ServiceProvider.GetServices<IEventSubscriber>()]);
        var outcome = await RunAsync(batch, knownFailure: null, cancellationToken);
        if (outcome.Failure is { } failure)
        {
            outcome = await RunAsync(batch, failure, cancellationToken);
        }
        return outcome.Handled;
    }

    /// <summary>The due rows and their events (null where a row does not parse: it fails when offered).</summary>
    private sealed record Batch(MindstackDbContext Db, List<OutboxEvent> Rows, List<DomainEvent?> Events, List<IEventSubscriber> Subscribers);

    /// <summary>
    /// Runs the batch in one transaction. Without <paramref name="knownFailure"/> it takes no
    /// savepoints and, at the first event that throws, rolls everything back and returns that
    /// failure (nothing handled); with it, each event runs inside a savepoint of its own.
    /// </summary>
    private async Task<(int Handled, (long Sequence, Exception Error)? Failure)> RunAsync(Batch batch,
        (long Sequence, Exception Error)? knownFailure, CancellationToken cancellationToken)
    {
        var db = batch.Db;
        var careful = knownFailure is not null;
        var batchSubscribers = batch.Subscribers.OfType<IEventBatchSubscriber>().ToList();
        var heldBack = new HashSet<(string, string)>();
        var dispatched = new List<long>();
        var failed = new List<(OutboxEvent Row, Exception Error)>();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        foreach (var subscriber in batchSubscribers)
        {
            await subscriber.BeginBatchAsync([.. batch.Events.OfType<DomainEvent>()], cancellationToken);
        }
        for (var i = 0; i < batch.Rows.Count; i++)
        {
            var row = batch.Rows[i];
            var aggregate = (row.AggregateType, row.AggregateId);
            if (heldBack.Contains(aggregate))
            {
                continue;
            }
            if (LeaseAge > settings.RenewEvery)
            {
                // The lease is renewed between batches (never from another connection while this
                // transaction holds SQLite's write lock): commit what is done, then renew.
                break;
            }
            if (knownFailure is { } known && known.Sequence == row.Sequence)
            {
                // It failed in the pass that was rolled back: recorded as that attempt, not offered again.
                failed.Add((row, known.Error));
                heldBack.Add(aggregate);
                continue;
            }
            if (careful)
            {
                await transaction.CreateSavepointAsync(EventSavepoint, cancellationToken);
            }
            try
            {
                await HandleAsync(db, row, batch.Events[i] ?? ToDomainEvent(row), batch.Subscribers, cancellationToken);
                if (careful)
                {
                    await transaction.ReleaseSavepointAsync(EventSavepoint, cancellationToken);
                }
                dispatched.Add(row.Sequence);
            }
            catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
            {
                if (!careful)
                {
                    await transaction.RollbackAsync(CancellationToken.None);
                    return (0, (row.Sequence, exception));
                }
                await transaction.RollbackToSavepointAsync(EventSavepoint, CancellationToken.None);
                failed.Add((row, exception));
                heldBack.Add(aggregate);
            }
            finally
            {
                // Saved rows need no tracking; unsaved ones of a failed event are discarded.
                db.ChangeTracker.Clear();
            }
        }
        if (dispatched.Count + failed.Count == 0)
        {
            return (0, null);
        }
        var now = clock.GetUtcNow().UtcDateTime;
        if (dispatched.Count > 0)
        {
            var marked = await db.Set<OutboxEvent>()
                .Where(e => dispatched.Contains(e.Sequence) && e.State == OutboxStates.Pending)
                .ExecuteUpdateAsync(u => u
                    .SetProperty(e => e.State, OutboxStates.Dispatched)
                    .SetProperty(e => e.DispatchedAt, now)
                    .SetProperty(e => e.Attempts, e => e.Attempts + 1), cancellationToken);
            if (marked != dispatched.Count)
            {
                // Another dispatcher (this node's lease had lapsed) took some of them: offer the rest
                // again once the lease is this node's (renewed at the next look).
                await transaction.RollbackAsync(CancellationToken.None);
                _leaseRenewedAt = DateTime.MinValue;
                return (dispatched.Count + failed.Count, null);
            }
        }
        // Inside the transaction, before it commits: a batch subscriber that fails here (the
        // realtime backplane is down) rolls the whole batch back, and it is offered again.
        foreach (var subscriber in batchSubscribers)
        {
            await subscriber.CompleteBatchAsync(dispatched, cancellationToken);
        }
        foreach (var (row, error) in failed)
        {
            await RecordFailureAsync(db, row, error, now);
        }
        await transaction.CommitAsync(cancellationToken);
        foreach (var (row, error) in failed)
        {
            LogFailure(row, error);
        }
        return (dispatched.Count + failed.Count, null);
    }

    private static async Task HandleAsync(MindstackDbContext db, OutboxEvent row, DomainEvent domainEvent,
        List<IEventSubscriber> subscribers, CancellationToken cancellationToken)
    {
        // Subscribers (the webhook fan-out's delivery jobs) join the trace the event was published under.
        using (var activity = MindstackTelemetry.StartChildOf(MindstackTelemetry.Events, "events.dispatch", row.Traceparent))
        {
            if (activity is { IsAllDataRequested: true })
            {
                activity.SetTag("mindstack.event.id", row.Id);
                activity.SetTag("mindstack.event.type", row.Type);
            }
            foreach (var subscriber in subscribers)
            {
                await subscriber.HandleAsync(domainEvent, cancellationToken);
            }
        }
        await db.SaveChangesAsync(cancellationToken);
    }

    private const string EventSavepoint = "mindstack_event";

    private static Task RecordFailureAsync(MindstackDbContext db, OutboxEvent row, Exception exception, DateTime now)
    {
        var attempts = row.Attempts + 1;
        var giveUp = attempts >= MaxAttempts;
        var retryAt = now + RetryDelay(attempts);
        var error = JobStore.Truncate($"{exception.GetType().Name}: {exception.Message}", 4000);
        return db.Set<OutboxEvent>()
            .Where(e => e.Sequence == row.Sequence && e.State == OutboxStates.Pending)
            .ExecuteUpdateAsync(u => u
                .SetProperty(e => e.State, giveUp ? OutboxStates.Failed : OutboxStates.Pending)
                .SetProperty(e => e.Attempts, attempts)
                .SetProperty(e => e.NextAttemptAt, giveUp ? null : retryAt)
                .SetProperty(e => e.LastError, error), CancellationToken.None);
    }

    private void LogFailure(OutboxEvent row, Exception exception)
    {
        var attempts = row.Attempts + 1;
        if (attempts >= MaxAttempts)
        {
            logger.LogError(exception, "Event {EventId} ({Type}) failed dispatch {Attempts} times and was given up", row.Id, row.Type, attempts);
        }
        else
        {
            logger.LogWarning(exception, "Dispatching event {EventId} ({Type}) failed (attempt {Attempts}); retrying in {Delay} s",
                row.Id, row.Type, attempts, RetryDelay(attempts).TotalSeconds);
        }
    }

    private static TimeSpan RetryDelay(int attempts) => TimeSpan.FromSeconds(Math.Min(300, Math.Pow(2, attempts)));

    private static DomainEvent? TryToDomainEvent(OutboxEvent row)
    {
        try
        {
            return ToDomainEvent(row);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    internal static DomainEvent ToDomainEvent(OutboxEvent row)
    {
        using var document = JsonDocument.Parse(row.Data);
        return new DomainEvent(row.Id, row.Sequence, row.Type, row.Api, row.AccountId, row.AggregateType, row.AggregateId,
            document.RootElement.Clone(), row.OccurredAt)
        {
            Channels = OutboxChannels.Read(row.Channels),
        };
    }
}

/// <summary>Outbox depth by state, for <c>/metrics/prometheus</c>.</summary>
internal sealed class EventsMetrics(MindstackDbContext db) : IMetricsSource
{
    public async Task WriteAsync(StringBuilder output, CancellationToken cancellationToken)
    {
        var counts = await db.Set<OutboxEvent>().GroupBy(e => e.State)
            .Select(g => new { State = g.Key, Count = g.Count() })
            .ToDictionaryAsync(g => g.State, g => g.Count, cancellationToken);
        output.AppendLine("# HELP mindstack_events_outbox Domain events in the outbox, by state.");
        output.AppendLine("# TYPE mindstack_events_outbox gauge");
        foreach (var state in new[] { OutboxStates.Pending, OutboxStates.Dispatched, OutboxStates.Failed })
        {
            output.Append(CultureInfo.InvariantCulture, $"mindstack_events_outbox{{state=\"{state}\"}} {counts.GetValueOrDefault(state)}\n");
        }
    }
}

/// <summary>Hourly: deletes dispatched events older than the retention (failed ones stay).</summary>
internal sealed class EventsHousekeeping(MindstackDbContext db, JobsSettings settings, TimeProvider clock) : IJobHandler
{
    public const string Name = "events.housekeeping";

    public async Task ExecuteAsync(JobContext job, CancellationToken cancellationToken)
    {
        var before = clock.GetUtcNow().UtcDateTime - settings.Retention;
        await db.Set<OutboxEvent>()
            .Where(e => e.State == OutboxStates.Dispatched && e.DispatchedAt < before)
            .ExecuteDeleteAsync(cancellationToken);
    }
}
