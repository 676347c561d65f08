using System.Collections.Concurrent;
using System.Text.Json;

namespace Mindstack.Platform.Realtime;

/// <summary>
/// One authenticated realtime connection as modules' hooks see it: a plain JSON socket, or one
/// Socket.IO namespace connection.
/// </summary>
public interface IRealtimeConnection
{
    /// <summary>Unique across nodes (Socket.IO: the socket id the client sees).</summary>
    string Id { get; }

    /// <summary><c>json</c> or <c>socketio</c>.</summary>
    string Adapter { get; }

    /// <summary>The API whose socket this is.</summary>
    string Api { get; }

    RealtimeCaller Caller { get; }

    /// <summary>The channels this connection receives.</summary>
    IReadOnlyCollection<string> Channels { get; }

    /// <summary>Starts receiving a channel's events (the caller has checked the subject may).</summary>
    void Join(string channel);

    void Leave(string channel);

    /// <summary>
    /// Queues an event to this connection only. Returns false when the connection is closed, or
    /// was just closed because its send queue was full.
    /// </summary>
    bool Send(string eventName, object? data, JsonSerializerOptions? json = null);
}

/// <summary>The hub's side of a connection: a bounded, non-blocking send queue and a way to drop it.</summary>
internal abstract class RealtimeConnection(string id, string adapter, string api, RealtimeCaller caller, RealtimeHub hub)
    : IRealtimeConnection
{
    private readonly ConcurrentDictionary<string, byte> _channels = new(StringComparer.Ordinal);
    private int _closed;

    public string Id { get; } = id;

    public string Adapter { get; } = adapter;

    public string Api { get; } = api;

    public RealtimeCaller Caller { get; } = caller;

    public IReadOnlyCollection<string> Channels => _channels.Keys.ToArray();

    internal ConcurrentDictionary<string, byte> ChannelSet => _channels;

    internal RealtimeHub Hub { get; } = hub;

    public bool IsClosed => Volatile.Read(ref _closed) != 0;

    public void Join(string channel)
    {
        RealtimeChannels.Validate(channel);
        Hub.Join(this, channel);
    }

    public void Leave(string channel) => Hub.Leave(this, channel);

    public bool Send(string eventName, object? data, JsonSerializerOptions? json = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(eventName);
        var message = new RealtimeMessage("direct", "", eventName, RealtimePublisher.Serialize(data, json), null);
        if (IsClosed)
        {
            return false;
        }
        if (TryEnqueue(message))
        {
            return true;
        }
        DropForOverflow();
        return false;
    }

    /// <summary>Queues a message without waiting; false when the queue is full.</summary>
    public abstract bool TryEnqueue(RealtimeMessage message);

    /// <summary>Closes the connection because it cannot keep up; must not block.</summary>
    public abstract void DropForOverflow();

    /// <summary>Closes the connection because its credential no longer holds (revoked, account suspended); must not block.</summary>
    public abstract void CloseRevoked();

    /// <summary>Marks the connection closed once; true for the caller that closed it.</summary>
    protected bool MarkClosed() => Interlocked.Exchange(ref _closed, 1) == 0;
}
