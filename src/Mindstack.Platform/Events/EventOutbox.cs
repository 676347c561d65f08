using System.Text.Json;
using Mindstack.Platform.Jobs;
using Mindstack.Platform.Observability;
using Mindstack.Platform.Realtime;
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
            Channels = OutboxChannels.Write(ResolveChannels(newEvent)),
            OccurredAt = newEvent.OccurredAt?.ToUniversalTime() ?? clock.GetUtcNow().UtcDateTime,
            State = OutboxStates.Pending,
            Traceparent = MindstackTelemetry.CurrentTraceparent(),
        };
        db.Add(row);
        signals.Mark(db, NewWork.Events);
        return row.Id;
    }

    /// <summary>The event's channels plus the account's, each once, checked now so a bad name fails the caller, not the dispatch.</summary>
    private static List<string> ResolveChannels(NewEvent newEvent)
    {
        var channels = new List<string>();
        if (newEvent.ToAccountChannel && !string.IsNullOrEmpty(newEvent.AccountId))
        {
            channels.Add(RealtimeChannels.Account(newEvent.AccountId));
        }
        foreach (var channel in newEvent.Channels ?? [])
        {
            RealtimeChannels.Validate(channel);
            if (!channels.Contains(channel, StringComparer.Ordinal))
            {
                channels.Add(channel);
            }
        }
        return channels;
    }
}
