using System.Collections.Concurrent;

namespace Mindstack.Platform.Realtime;

/// <summary>
/// This node's connections, grouped by channel. Delivery only ever tries to queue a frame on each
/// connection (never waits): a connection whose queue is full is dropped, so one slow client
/// cannot hold up the publisher or anyone else.
/// </summary>
internal sealed class RealtimeHub(RealtimeMetrics metrics)
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, RealtimeConnection>> _channels = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, RealtimeConnection> _connections = new(StringComparer.Ordinal);
    // Joins and removals are rare next to deliveries; one lock keeps a channel's set from being
    // dropped while a join adds to it. Deliveries read without it.
    private readonly Lock _gate = new();

    public int ConnectionCount => _connections.Count;

    public void Add(RealtimeConnection connection)
    {
        if (_connections.TryAdd(connection.Id, connection))
        {
            metrics.ConnectionOpened(connection.Adapter);
        }
    }

    public void Remove(RealtimeConnection connection)
    {
        lock (_gate)
        {
            foreach (var channel in connection.ChannelSet.Keys)
            {
                RemoveFromChannel(connection, channel);
            }
            connection.ChannelSet.Clear();
        }
        if (_connections.TryRemove(connection.Id, out _))
        {
            metrics.ConnectionClosed(connection.Adapter);
        }
    }

    public void Join(RealtimeConnection connection, string channel)
    {
        lock (_gate)
        {
            if (connection.IsClosed || !_connections.ContainsKey(connection.Id))
            {
                return;
            }
            _channels.GetOrAdd(channel, _ => new ConcurrentDictionary<string, RealtimeConnection>(StringComparer.Ordinal))[connection.Id] = connection;
            connection.ChannelSet[channel] = 0;
        }
    }

    public void Leave(RealtimeConnection connection, string channel)
    {
        lock (_gate)
        {
            RemoveFromChannel(connection, channel);
            connection.ChannelSet.TryRemove(channel, out _);
        }
    }

    private readonly ConcurrentDictionary<string, Action<RealtimeMessage>> _platformChannels = new(StringComparer.Ordinal);

    /// <summary>
    /// Hands every message of <paramref name="channel"/> (published on any node) to
    /// <paramref name="handler"/> (and to any other handler of the channel) instead of to
    /// connections: the platform's own messages between nodes.
    /// </summary>
    public void OnPlatformChannel(string channel, Action<RealtimeMessage> handler) =>
        _platformChannels.AddOrUpdate(channel, handler, (_, existing) => existing + handler);

    /// <summary>Raised when the backplane (re)starts listening: messages published while it was away were missed.</summary>
    public event Action? BackplaneListening;

    public void RaiseBackplaneListening() => BackplaneListening?.Invoke();

    /// <summary>Queues the message on every local connection of its channel; returns how many took it.</summary>
    public int Deliver(RealtimeMessage message)
    {
        if (_platformChannels.TryGetValue(message.Channel, out var handler))
        {
            handler(message);
            return 0;
        }
        if (!_channels.TryGetValue(message.Channel, out var members))
        {
            return 0;
        }
        var delivered = 0;
        foreach (var connection in members.Values)
        {
            if (connection.IsClosed || string.Equals(connection.Id, message.ExceptConnectionId, StringComparison.Ordinal))
            {
                continue;
            }
            if (connection.TryEnqueue(message))
            {
                delivered++;
            }
            else
            {
                connection.DropForOverflow();
            }
        }
        return delivered;
    }

    /// <summary>The live connections (for shutdown).</summary>
    public IReadOnlyCollection<RealtimeConnection> Connections => _connections.Values.ToArray();

    private void RemoveFromChannel(RealtimeConnection connection, string channel)
    {
        if (_channels.TryGetValue(channel, out var members) && members.TryRemove(connection.Id, out _) && members.IsEmpty)
        {
            _channels.TryRemove(new KeyValuePair<string, ConcurrentDictionary<string, RealtimeConnection>>(channel, members));
        }
    }
}
