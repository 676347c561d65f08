namespace Mindstack.Platform.Events;

/// <summary>
/// A platform <see cref="IEventSubscriber"/> that also hears where a dispatch batch begins and
/// ends, so it can do per batch what would otherwise cost a statement per event (one query for
/// every event's data, one backplane publish for every event's messages).
/// </summary>
internal interface IEventBatchSubscriber
{
    /// <summary>
    /// Called once, inside the dispatch transaction, before the batch's events are handled, with
    /// every event the batch may offer. Starts a new batch: whatever an earlier batch left (one
    /// rolled back and run again) is forgotten.
    /// </summary>
    Task BeginBatchAsync(IReadOnlyList<DomainEvent> events, CancellationToken cancellationToken);

    /// <summary>
    /// Called once, inside the dispatch transaction, after the batch's events and before they are
    /// marked dispatched and committed, with the sequences of the events whose handling succeeded
    /// (not those rolled back). Throwing fails the whole batch: it is rolled back, nothing is
    /// marked, and its events are offered again.
    /// </summary>
    Task CompleteBatchAsync(IReadOnlyCollection<long> dispatchedSequences, CancellationToken cancellationToken);
}
