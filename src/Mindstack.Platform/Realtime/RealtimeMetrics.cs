using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Mindstack.Platform.Observability;

namespace Mindstack.Platform.Realtime;

/// <summary>
/// Realtime series for <c>/metrics/prometheus</c>: open connections, frames sent, drops, backplane.
/// Counted here, read by observable instruments of the platform's meter at each scrape, every
/// adapter, reason and transport listed (zero until used).
/// </summary>
internal sealed class RealtimeMetrics : IMetricsInstruments
{
    public const string Json = "json";
    public const string SocketIo = "socketio";
    private static readonly string[] Adapters = [Json, SocketIo];
    private static readonly string[] RefusalReasons = ["rate-limit", "connection-cap"];
    private static readonly string[] Transports = ["polling", "websocket"];

    private readonly ConcurrentDictionary<string, Counter> _open = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Counter> _sent = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Counter> _dropped = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Counter> _engineSessions = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Counter> _refused = new(StringComparer.Ordinal);
    private readonly Counter _backplaneOut = new();
    private readonly Counter _backplaneIn = new();
    private readonly Counter _backplaneByReference = new();
    private int _backplaneListening;

    public RealtimeMetrics(IMeterFactory meters)
    {
        var meter = MindstackMetrics.CreateMeter(meters);
        meter.CreateObservableUpDownCounter("mindstack_realtime_connections", () => Values(_open, "adapter", Adapters),
            description: "Open realtime connections on this node, by adapter.");
        meter.CreateObservableCounter("mindstack_realtime_messages_sent_total", () => Values(_sent, "adapter", Adapters),
            description: "Frames written to realtime clients, by adapter.");
        meter.CreateObservableCounter("mindstack_realtime_dropped_connections_total", () => Values(_dropped, "adapter", Adapters),
            description: "Connections closed because their send queue overflowed, by adapter.");
        meter.CreateObservableCounter("mindstack_realtime_refused_connections_total", () => Values(_refused, "reason", RefusalReasons),
            description: "Handshakes refused, by reason (rate-limit, connection-cap).");
        meter.CreateObservableUpDownCounter("mindstack_realtime_engineio_sessions", () => Values(_engineSessions, "transport", Transports),
            description: "Open Engine.IO sessions on this node, by transport.");
        meter.CreateObservableGauge("mindstack_realtime_backplane_listening", () => BackplaneListening ? 1 : 0,
            description: "1 while this node listens to the PostgreSQL backplane.");
        meter.CreateObservableCounter("mindstack_realtime_backplane_messages_total", () => new[]
            {
                new Measurement<long>(_backplaneOut.Value, new KeyValuePair<string, object?>("direction", "out")),
                new Measurement<long>(_backplaneIn.Value, new KeyValuePair<string, object?>("direction", "in")),
            },
            description: "Messages through the backplane, by direction.");
        meter.CreateObservableCounter("mindstack_realtime_backplane_by_reference_total", () => _backplaneByReference.Value,
            description: "Messages too big for NOTIFY, sent by reference.");
    }

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

    private static IEnumerable<Measurement<long>> Values(ConcurrentDictionary<string, Counter> counters, string label, string[] keys) =>
        keys.Select(key => new Measurement<long>(Get(counters, key).Value, new KeyValuePair<string, object?>(label, key)));

    private static Counter Get(ConcurrentDictionary<string, Counter> counters, string key) => counters.GetOrAdd(key, _ => new Counter());

    private sealed class Counter
    {
        private long _value;

        public long Value => Interlocked.Read(ref _value);

        public void Add(long delta) => Interlocked.Add(ref _value, delta);
    }
}
