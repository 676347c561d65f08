using System.Text.Json;
using Mindstack.Platform.Jobs;
using Mindstack.Platform.Storage;

namespace Mindstack.Platform.Events;

/// <summary>
/// Publishes domain events <b>in the caller's transaction</b>: the event row is added to the scoped
/// <see cref="MindstackDbContext"/> and written by the caller's next <c>SaveChanges</c>, with the
/// change that caused it; it is dispatched only once that commits. Scoped.
/// </summary>
public interface IEventOutbox
{
    /// <summary>Adds an event to the outbox; returns its id (<c>evt_…</c>).</summary>
    string Publish(NewEvent newEvent);
}

internal sealed class EventOutbox(MindstackDbContext db, IIdGenerator ids, TimeProvider clock, WorkSignals signals) : IEventOutbox
{
    private static readonly JsonSerializerOptions DefaultJson = new(JsonSerializerDefaults.Web);

    public string Publish(NewEvent newEvent)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(newEvent.Type);
        ArgumentException.ThrowIfNullOrWhiteSpace(newEvent.AggregateType);
        ArgumentException.ThrowIfNullOrWhiteSpace(newEvent.AggregateId);
        var data = newEvent.Data switch
        {
            null => "{}",
            JsonElement element => element.GetRawText(),
            var value => JsonSerializer.Serialize(value, value.GetType(), newEvent.Json ?? DefaultJson),
        };
        var row = new OutboxEvent
        {
            Id = ids.New("evt"),
            Type = newEvent.Type,
            Api = newEvent.Api,
            AccountId = newEvent.AccountId,
            AggregateType = newEvent.AggregateType,
            AggregateId = newEvent.AggregateId,
            Data = data,
            OccurredAt = newEvent.OccurredAt?.ToUniversalTime() ?? clock.GetUtcNow().UtcDateTime,
            State = OutboxStates.Pending,
        };
        db.Add(row);
        signals.Mark(db, NewWork.Events);
        return row.Id;
    }
}
