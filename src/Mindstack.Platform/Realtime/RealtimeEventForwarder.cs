using Mindstack.Platform.Events;

namespace Mindstack.Platform.Realtime;

/// <summary>
/// Forwards every dispatched domain event to its realtime channels (<see cref="DomainEvent.Channels"/>:
/// the account's <c>account:{id}</c> and whatever the module named in <see cref="NewEvent.Channels"/>),
/// as the realtime event <see cref="DomainEvent.Type"/> with the event's data as the module wrote it.
/// It runs inside the dispatcher, so one aggregate's events reach clients in the order they were
/// written, from whichever node dispatches, through the backplane to every node. A publish that
/// fails (the backplane is down) fails the dispatch, which is retried with the others: clients may
/// then see an event twice, never out of order.
/// </summary>
internal sealed class RealtimeEventForwarder(IRealtimePublisher publisher) : IEventSubscriber
{
    public async Task HandleAsync(DomainEvent domainEvent, CancellationToken cancellationToken)
    {
        foreach (var channel in domainEvent.Channels)
        {
            await publisher.PublishAsync(channel, domainEvent.Type, domainEvent.Data, cancellationToken: cancellationToken);
        }
    }
}
