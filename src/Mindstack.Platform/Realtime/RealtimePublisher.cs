using System.Text.Json;
using Mindstack.Platform.Realtime.Backplane;
using Mindstack.Platform.Storage;

namespace Mindstack.Platform.Realtime;

/// <summary>
/// Sends an event to every connection joined to a channel, on this node and on every other node
/// (through the backplane on PostgreSQL). Each adapter frames it its own way: the plain JSON
/// adapter as <c>{"type": eventName, "data": data}</c>, Socket.IO as an EVENT
/// <c>[eventName, data]</c>. Delivery is best-effort and never waits for a slow connection: one
/// whose send queue is full is closed instead.
/// </summary>
public interface IRealtimePublisher
{
    /// <summary>
    /// Publishes <paramref name="data"/> (serialized once with <see cref="RealtimePublishOptions.Json"/>,
    /// camelCase by default) as <paramref name="eventName"/> on <paramref name="channel"/>.
    /// Completes when the message is queued to this node's connections and handed to the
    /// backplane; throws (having delivered nowhere) when the backplane cannot take it.
    /// </summary>
    Task PublishAsync(string channel, string eventName, object? data, RealtimePublishOptions? options = null,
        CancellationToken cancellationToken = default);
}

/// <summary>How a published event is serialized and to whom it is not sent.</summary>
public sealed record RealtimePublishOptions
{
    /// <summary>The JSON options for the data (pass the API's Dialect's <c>Json</c> for its naming).</summary>
    public JsonSerializerOptions? Json { get; init; }

    /// <summary>A connection that must not receive it (the one whose action caused it).</summary>
    public string? ExceptConnectionId { get; init; }
}

/// <summary>Publishes many messages with one backplane round trip (the event dispatcher's batches).</summary>
internal interface IRealtimeBatchPublisher
{
    /// <summary>A message for <see cref="PublishManyAsync"/>; throws for an invalid channel or event name.</summary>
    RealtimeMessage NewMessage(string channel, string eventName, JsonElement data);

    /// <summary>
    /// Hands all <paramref name="messages"/> to the backplane, in order, then queues them, in order, to
    /// this node's connections; throws (having delivered nowhere) when the backplane cannot take them.
    /// </summary>
    Task PublishManyAsync(IReadOnlyList<RealtimeMessage> messages, CancellationToken cancellationToken);
}

internal sealed class RealtimePublisher(RealtimeHub hub, IRealtimeBackplane backplane, IIdGenerator ids) : IRealtimePublisher, IRealtimeBatchPublisher
{
    internal static readonly JsonSerializerOptions DefaultJson = new(JsonSerializerDefaults.Web);

    public async Task PublishAsync(string channel, string eventName, object? data, RealtimePublishOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        var message = Message(channel, eventName, data, options?.Json, options?.ExceptConnectionId);
        // The backplane goes first: if it fails nothing was delivered anywhere and the caller may
        // retry without this node's clients seeing the event twice.
        await backplane.PublishAsync(message, cancellationToken);
        hub.Deliver(message);
    }

    public RealtimeMessage NewMessage(string channel, string eventName, JsonElement data) =>
        Message(channel, eventName, data, json: null, exceptConnectionId: null);

    private RealtimeMessage Message(string channel, string eventName, object? data, JsonSerializerOptions? json, string? exceptConnectionId)
    {
        RealtimeChannels.Validate(channel);
        ArgumentException.ThrowIfNullOrEmpty(eventName);
        return new RealtimeMessage(ids.New("rtm"), channel, eventName, Serialize(data, json), exceptConnectionId);
    }

    public async Task PublishManyAsync(IReadOnlyList<RealtimeMessage> messages, CancellationToken cancellationToken)
    {
        if (messages.Count == 0)
        {
            return;
        }
        // As one message: the backplane first, so a failure delivered nothing anywhere.
        await backplane.PublishManyAsync(messages, cancellationToken);
        foreach (var message in messages)
        {
            hub.Deliver(message);
        }
    }

    internal static string Serialize(object? data, JsonSerializerOptions? json) => data switch
    {
        null or JsonElement { ValueKind: JsonValueKind.Undefined } => "null",
        JsonElement element => element.GetRawText(),
        _ => JsonSerializer.Serialize(data, data.GetType(), json ?? DefaultJson),
    };
}

/// <summary>Channel names: <c>kind:id</c> by convention (<c>account:user_1</c>, <c>run:run_9</c>).</summary>
public static class RealtimeChannels
{
    public const int MaxLength = 200;

    /// <summary>The channel every connection of an account joins, and every event of the account goes to: <c>account:{accountId}</c>.</summary>
    public static string Account(string accountId)
    {
        ArgumentException.ThrowIfNullOrEmpty(accountId);
        return "account:" + accountId;
    }

    public static void Validate(string channel)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(channel);
        if (channel.Length > MaxLength)
        {
            throw new ArgumentException($"A channel name is at most {MaxLength} characters.", nameof(channel));
        }
    }
}
