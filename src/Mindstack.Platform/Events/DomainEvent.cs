using System.Text.Json;

namespace Mindstack.Platform.Events;

/// <summary>
/// A domain event as subscribers receive it: a type such as <c>session.completed</c>, the aggregate
/// it happened to, the account it belongs to, the API that raised it, its JSON data and when it
/// happened. <see cref="Id"/> (<c>evt_…</c>) is unique and stable across redeliveries;
/// <see cref="Sequence"/> orders events as they were written.
/// </summary>
public sealed record DomainEvent(
    string Id,
    long Sequence,
    string Type,
    string? Api,
    string? AccountId,
    string AggregateType,
    string AggregateId,
    JsonElement Data,
    DateTime OccurredAt)
{
    /// <summary>
    /// The realtime channels it goes to, resolved when it was published (the event's own
    /// <see cref="NewEvent.Channels"/> plus <c>account:{AccountId}</c> unless it opted out); empty
    /// when it goes to none.
    /// </summary>
    public IReadOnlyList<string> Channels { get; init; } = [];
}

/// <summary>An event to publish. <see cref="Data"/> is serialized with <see cref="Json"/> (default: camelCase web options).</summary>
public sealed record NewEvent(string Type, string AggregateType, string AggregateId)
{
    /// <summary>The account it belongs to; webhooks are delivered to that account's subscriptions.</summary>
    public string? AccountId { get; init; }

    /// <summary>The API that raised it (its Dialect name); null reaches subscriptions of every API.</summary>
    public string? Api { get; init; }

    public object? Data { get; init; }

    /// <summary>The naming <see cref="Data"/> is written with, e.g. the module's <c>Dialect.Json</c>.</summary>
    public JsonSerializerOptions? Json { get; init; }

    /// <summary>When it happened (default: now).</summary>
    public DateTime? OccurredAt { get; init; }

    /// <summary>
    /// Realtime channels it is published to once dispatched, besides the account's own (e.g.
    /// <c>run:run_9</c>, <c>conversation:c_1</c>). Realtime clients receive it as the event
    /// <see cref="Type"/> with <see cref="Data"/> as written here.
    /// </summary>
    public IReadOnlyList<string>? Channels { get; init; }

    /// <summary>
    /// Whether it also goes to the account's channel <c>account:{AccountId}</c> (default true;
    /// ignored without an <see cref="AccountId"/>). False keeps an event off realtime entirely
    /// unless <see cref="Channels"/> names some.
    /// </summary>
    public bool ToAccountChannel { get; init; } = true;
}

/// <summary>
/// Receives every dispatched domain event, at least once and in order per aggregate, on the one
/// node that dispatches at a time. Resolved from the dispatch scope: changes it adds to the scoped
/// <see cref="Storage.MindstackDbContext"/> (deliveries, jobs, audit rows) commit in the same
/// transaction that marks the event dispatched. Throwing fails the dispatch as a whole: the event is
/// offered to every subscriber again after a backoff (so subscribers must be idempotent) and later
/// events of the same aggregate wait for it (events of its batch handled before it may be offered
/// again too, when the batch reruns with a savepoint per event). Keep it quick; slow work belongs
/// in a job enqueued here. Register with <see cref="EventsExtensions.AddEventSubscriber{T}"/>.
/// </summary>
public interface IEventSubscriber
{
    Task HandleAsync(DomainEvent domainEvent, CancellationToken cancellationToken);
}
