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
/// and it offers events in outbox order, one transaction each, so each aggregate's events arrive in
/// the order they were written. A failed event is retried with backoff and holds back only its own
/// aggregate; after <see cref="MaxAttempts"/> it is marked failed. Runs on nodes with workers.
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
                leading = await RenewLeaseAsync(stoppingToken);
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
            if (handled == 0)
            {
                try
                {
                    await WakeUp.WaitAsync(wake, settings.IdleDelay, stoppingToken);
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

    private async Task<bool> RenewLeaseAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var held = await scope.ServiceProvider.GetRequiredService<ClusterLease>()
            .TryAcquireAsync(LeaseName, settings.NodeId, settings.Lease, cancellationToken);
        _leaseRenewedAt = held ? DateTime.UtcNow : DateTime.MinValue;
        return held;
    }

    /// <summary>Offers the next batch of pending events; returns how many it handled (dispatched or failed).</summary>
    private async Task<int> DispatchBatchAsync(CancellationToken cancellationToken)
    {
        List<OutboxEvent> pending;
        await using (var scope = scopes.CreateAsyncScope())
        {
            pending = await scope.ServiceProvider.GetRequiredService<MindstackDbContext>().Set<OutboxEvent>().AsNoTracking()
                .Where(e => e.State == OutboxStates.Pending)
                .OrderBy(e => e.Sequence)
                .Take(BatchSize)
                .ToListAsync(cancellationToken);
        }
        var heldBack = new HashSet<(string, string)>();
        var handled = 0;
        foreach (var row in pending)
        {
            var aggregate = (row.AggregateType, row.AggregateId);
            var now = clock.GetUtcNow().UtcDateTime;
            if (heldBack.Contains(aggregate) || row.NextAttemptAt > now)
            {
                // An earlier event of this aggregate is waiting for a retry: keep the order.
                heldBack.Add(aggregate);
                continue;
            }
            if (DateTime.UtcNow - _leaseRenewedAt > settings.RenewEvery && !await RenewLeaseAsync(cancellationToken))
            {
                return handled;
            }
            if (!await DispatchAsync(row, cancellationToken))
            {
                heldBack.Add(aggregate);
            }
            handled++;
        }
        return handled;
    }

    private async Task<bool> DispatchAsync(OutboxEvent row, CancellationToken cancellationToken)
    {
        var domainEvent = ToDomainEvent(row);
        // Subscribers (the webhook fan-out's delivery jobs) join the trace the event was published under.
        using var activity = MindstackTelemetry.StartChildOf(MindstackTelemetry.Events, "events.dispatch", row.Traceparent);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("mindstack.event.id", row.Id);
            activity.SetTag("mindstack.event.type", row.Type);
        }
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<MindstackDbContext>();
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            foreach (var subscriber in scope.ServiceProvider.GetServices<IEventSubscriber>())
            {
                await subscriber.HandleAsync(domainEvent, cancellationToken);
            }
            await db.SaveChangesAsync(cancellationToken);
            var now = clock.GetUtcNow().UtcDateTime;
            var marked = await db.Set<OutboxEvent>()
                .Where(e => e.Sequence == row.Sequence && e.State == OutboxStates.Pending)
                .ExecuteUpdateAsync(u => u
                    .SetProperty(e => e.State, OutboxStates.Dispatched)
                    .SetProperty(e => e.DispatchedAt, now)
                    .SetProperty(e => e.Attempts, row.Attempts + 1), cancellationToken);
            if (marked == 1)
            {
                await transaction.CommitAsync(cancellationToken);
            }
            else
            {
                await transaction.RollbackAsync(cancellationToken);
            }
            return true;
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
        {
            await RecordFailureAsync(row, exception);
            return false;
        }
    }

    private async Task RecordFailureAsync(OutboxEvent row, Exception exception)
    {
        var attempts = row.Attempts + 1;
        var now = clock.GetUtcNow().UtcDateTime;
        var giveUp = attempts >= MaxAttempts;
        var retryAt = now + TimeSpan.FromSeconds(Math.Min(300, Math.Pow(2, attempts)));
        var error = JobStore.Truncate($"{exception.GetType().Name}: {exception.Message}", 4000);
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<MindstackDbContext>().Set<OutboxEvent>()
                .Where(e => e.Sequence == row.Sequence && e.State == OutboxStates.Pending)
                .ExecuteUpdateAsync(u => u
                    .SetProperty(e => e.State, giveUp ? OutboxStates.Failed : OutboxStates.Pending)
                    .SetProperty(e => e.Attempts, attempts)
                    .SetProperty(e => e.NextAttemptAt, giveUp ? null : retryAt)
                    .SetProperty(e => e.LastError, error), CancellationToken.None);
        }
        catch (Exception storeFailure)
        {
            logger.LogError(storeFailure, "Recording the failed dispatch of event {EventId} failed", row.Id);
        }
        if (giveUp)
        {
            logger.LogError(exception, "Event {EventId} ({Type}) failed dispatch {Attempts} times and was given up", row.Id, row.Type, attempts);
        }
        else
        {
            logger.LogWarning(exception, "Dispatching event {EventId} ({Type}) failed (attempt {Attempts}); retrying at {RetryAt:O}", row.Id, row.Type, attempts, retryAt);
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
