using System.Text.Json;

namespace Mindstack.Platform.Realtime.SocketIo;

/// <summary>
/// A client's connection to one namespace. Its frames go through its Engine.IO session's bounded
/// queue, so an overflow closes the whole session (every namespace of that client).
/// </summary>
internal sealed class SocketIoSocket(
    string id,
    string api,
    RealtimeCaller caller,
    RealtimeHub hub,
    EngineIoSession session,
    string nsp,
    SocketIoNamespaceOptions options,
    JsonElement auth,
    IRealtimePublisher publisher)
    : RealtimeConnection(id, RealtimeMetrics.SocketIo, api, caller, hub), ISocketIoSocket
{
    public string Namespace { get; } = nsp;

    public JsonElement Auth { get; } = auth;

    public string Transport => session.Transport == EngineTransport.WebSocket ? "websocket" : "polling";

    internal EngineIoSession Session => session;

    /// <summary>The account's connection slot this socket holds, freed when it is removed.</summary>
    internal RealtimeSlot? Slot { get; init; }

    internal SocketIoNamespaceOptions Options => options;

    internal JsonSerializerOptions Json => options.Json ?? RealtimePublisher.DefaultJson;

    public override bool TryEnqueue(RealtimeMessage message) =>
        session.TryEnqueue(Namespace == SocketIoPacket.RootNamespace
            ? message.SocketIoRootFrame
            : SocketIoPacket.EncodeEvent(Namespace, message.Event, [message.DataJson]));

    public override void DropForOverflow() => session.DropForOverflow();

    /// <summary>A server disconnect: the stock client does not reconnect on its own after it.</summary>
    public override void CloseRevoked() => Disconnect();

    public bool Emit(string eventName, params object?[] args)
    {
        ArgumentException.ThrowIfNullOrEmpty(eventName);
        if (IsClosed)
        {
            return false;
        }
        var json = args.Select(a => RealtimePublisher.Serialize(a, Json)).ToArray();
        return Enqueue(SocketIoPacket.EncodeEvent(Namespace, eventName, json));
    }

    public Task BroadcastAsync(string channel, string eventName, object? data, CancellationToken cancellationToken = default) =>
        publisher.PublishAsync(channel, eventName, data, new RealtimePublishOptions { Json = Json, ExceptConnectionId = Id }, cancellationToken);

    public void Disconnect()
    {
        if (IsClosed)
        {
            return;
        }
        Enqueue(SocketIoPacket.EncodeDisconnect(Namespace));
        session.Server.RemoveSocket(this, "server namespace disconnect");
    }

    /// <summary>Queues an Engine.IO packet for this socket's client; an overflow drops the session.</summary>
    internal bool Enqueue(string packet)
    {
        if (session.TryEnqueue(packet))
        {
            return true;
        }
        session.DropForOverflow();
        return false;
    }

    /// <summary>Marks the socket gone; true the first time.</summary>
    internal bool Close() => MarkClosed();
}
