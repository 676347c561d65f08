using Mindstack.Platform.Events;

namespace Mindstack.Platform.Realtime;

/// <summary>
/// Forwards every dispatched domain event to its realtime channels (<see cref="DomainEvent.Channels"/>:
/// the account's <c>account:{id}</c> and whatever the module named in <see cref="NewEvent.Channels"/>),
/// as the realtime event <see cref="DomainEvent.Type"/> with the event's data as the module wrote it.
/// It runs inside the dispatcher, so one aggregate's events reach clients in the order they were
/// written, from whichever node dispatches, through the backplane to every node. Within a dispatch
/// batch it holds each event's messages and publishes, when the batch completes, those of the
/// events that were dispatched, in order, with one backplane round trip: an event rolled back
/// reaches no client. A publish that fails (the backplane is down) fails the batch, which is
/// offered again: clients may then see an event twice, never out of order.
/// </summary>
internal sealed class RealtimeEventForwarder(IRealtimePublisher publisher) : IEventSubscriber, IEventBatchSubscriber
{
    /// <summary>The batch's messages with their event's sequence, in dispatch order; null outside a batch.</summary>
    private List<(long Sequence, RealtimeMessage Message)>? _batch;

    public Task BeginBatchAsync(IReadOnlyList<DomainEvent> events, CancellationToken cancellationToken)
    {
        // A publisher replaced by the host (tests) gets each message as it comes.
        _batch = publisher is IRealtimeBatchPublisher ? [] : null;
        return Task.CompletedTask;
    }

    public async Task HandleAsync(DomainEvent domainEvent, CancellationToken cancellationToken)
    {
        if (_batch is not null && publisher is IRealtimeBatchPublisher batchPublisher)
        {
            foreach (var channel in domainEvent.Channels)
            {
                _batch.Add((domainEvent.Sequence, batchPublisher.NewMessage(channel, domainEvent.Type, domainEvent.Data)));
            }
            return;
        }
        foreach (var channel in domainEvent.Channels)
        {
            await publisher.PublishAsync(channel, domainEvent.Type, domainEvent.Data, cancellationToken: cancellationToken);
        }
    }

    public async Task CompleteBatchAsync(IReadOnlyCollection<long> dispatchedSequences, CancellationToken cancellationToken)
    {
        var batch = _batch;
        _batch = null;
        if (batch is not { Count: > 0 } || publisher is not IRealtimeBatchPublisher batchPublisher)
        {
            return;
        }
        var dispatched = dispatchedSequences.ToHashSet();
        var messages = batch.Where(m => dispatched.Contains(m.Sequence)).Select(m => m.Message).ToList();
        await batchPublisher.PublishManyAsync(messages, cancellationToken);
    }
}
