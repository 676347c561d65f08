using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Mindstack.Platform.Observability;

namespace Mindstack.Platform.Realtime;

/// <summary>Realtime series for <c>/metrics/prometheus</c>: open connections, frames sent, drops, backplane.</summary>
internal sealed class RealtimeMetrics : IMetricsSource
{
    public const string Json = "json";
    public const string SocketIo = "socketio";
    private static readonly string[] Adapters = [Json, SocketIo];

    private readonly ConcurrentDictionary<string, Counter> _open = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Counter> _sent = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Counter> _dropped = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Counter> _engineSessions = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Counter> _refused = new(StringComparer.Ordinal);
    private readonly Counter _backplaneOut = new();
    private readonly Counter _backplaneIn = new();
    private readonly Counter _backplaneByReference = new();
    private int _backplaneListening;

    public void ConnectionOpened(string adapter) => Get(_open, adapter).Add(1);

    public void ConnectionClosed(string adapter) => Get(_open, adapter).Add(-1);

    public void MessageSent(string adapter) => Get(_sent, adapter).Add(1);

    public void ConnectionDropped(string adapter) => Get(_dropped, adapter).Add(1);

    /// <summary>A handshake refused by the rate limit (<c>rate-limit</c>) or the per-account cap (<c>connection-cap</c>).</summary>
    public void ConnectionRefused(string reason) => Get(_refused, reason).Add(1);

    public void EngineSessionOpened(string transport) => Get(_engineSessions, transport).Add(1);

    public void EngineSessionClosed(string transport) => Get(_engineSessions, transport).Add(-1);

    public void BackplaneSent(bool byReference)
    {
        _backplaneOut.Add(1);
        if (byReference)
        {
            _backplaneByReference.Add(1);
        }
    }

    public void BackplaneReceived() => _backplaneIn.Add(1);

    public bool BackplaneListening
    {
        get => Volatile.Read(ref _backplaneListening) == 1;
        set => Volatile.Write(ref _backplaneListening, value ? 1 : 0);
    }

    public long OpenConnections(string adapter) => Get(_open, adapter).Value;

    public long Dropped(string adapter) => Get(_dropped, adapter).Value;

    public long Sent(string adapter) => Get(_sent, adapter).Value;

    public long BackplaneReceivedCount => _backplaneIn.Value;

    public Task WriteAsync(StringBuilder output, CancellationToken cancellationToken)
    {
        Series(output, "mindstack_realtime_connections", "gauge", "Open realtime connections on this node, by adapter.", _open);
        Series(output, "mindstack_realtime_messages_sent_total", "counter", "Frames written to realtime clients, by adapter.", _sent);
        Series(output, "mindstack_realtime_dropped_connections_total", "counter",
            "Connections closed because their send queue overflowed, by adapter.", _dropped);
        output.AppendLine("# HELP mindstack_realtime_refused_connections_total Handshakes refused, by reason (rate-limit, connection-cap).");
        output.AppendLine("# TYPE mindstack_realtime_refused_connections_total counter");
        foreach (var reason in new[] { "rate-limit", "connection-cap" })
        {
            output.Append(CultureInfo.InvariantCulture, $"mindstack_realtime_refused_connections_total{{reason=\"{reason}\"}} {Get(_refused, reason).Value}\n");
        }
        output.AppendLine("# HELP mindstack_realtime_engineio_sessions Open Engine.IO sessions on this node, by transport.");
        output.AppendLine("# TYPE mindstack_realtime_engineio_sessions gauge");
        foreach (var transport in new[] { "polling", "websocket" })
        {
            output.Append(CultureInfo.InvariantCulture, $"mindstack_realtime_engineio_sessions{{transport=\"{transport}\"}} {Get(_engineSessions, transport).Value}\n");
        }
        output.AppendLine("# HELP mindstack_realtime_backplane_listening 1 while this node listens to the PostgreSQL backplane.");
        output.AppendLine("# TYPE mindstack_realtime_backplane_listening gauge");
        output.Append(CultureInfo.InvariantCulture, $"mindstack_realtime_backplane_listening {(BackplaneListening ? 1 : 0)}\n");
        output.AppendLine("# HELP mindstack_realtime_backplane_messages_total Messages through the backplane, by direction.");
        output.AppendLine("# TYPE mindstack_realtime_backplane_messages_total counter");
        output.Append(CultureInfo.InvariantCulture, $"mindstack_realtime_backplane_messages_total{{direction=\"out\"}} {_backplaneOut.Value}\n");
        output.Append(CultureInfo.InvariantCulture, $"mindstack_realtime_backplane_messages_total{{direction=\"in\"}} {_backplaneIn.Value}\n");
        output.AppendLine("# HELP mindstack_realtime_backplane_by_reference_total Messages too big for NOTIFY, sent by reference.");
        output.AppendLine("# TYPE mindstack_realtime_backplane_by_reference_total counter");
        output.Append(CultureInfo.InvariantCulture, $"mindstack_realtime_backplane_by_reference_total {_backplaneByReference.Value}\n");
        return Task.CompletedTask;
    }

    private static void Series(StringBuilder output, string name, string type, string help, ConcurrentDictionary<string, Counter> byAdapter)
    {
        output.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n");
        output.Append(CultureInfo.InvariantCulture, $"# TYPE {name} {type}\n");
        foreach (var adapter in Adapters)
        {
            output.Append(CultureInfo.InvariantCulture, $"{name}{{adapter=\"{adapter}\"}} {Get(byAdapter, adapter).Value}\n");
        }
    }

    private static Counter Get(ConcurrentDictionary<string, Counter> counters, string key) => counters.GetOrAdd(key, _ => new Counter());

    private sealed class Counter
    {
        private long _value;

        public long Value => Interlocked.Read(ref _value);

        public void Add(long delta) => Interlocked.Add(ref _value, delta);
    }
}
