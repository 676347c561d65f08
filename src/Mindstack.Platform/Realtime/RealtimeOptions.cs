namespace Mindstack.Platform.Realtime;

/// <summary>
/// Realtime settings, bound from <c>Mindstack:Realtime</c>. Every value has a default that suits
/// production; tests shorten the timers and the queue.
/// </summary>
public sealed class RealtimeOptions
{
    public const string Section = "Mindstack:Realtime";

    /// <summary>
    /// Frames a connection may have waiting to be written. A connection whose queue is full when a
    /// message arrives is closed (it is too slow to keep up); nobody else waits for it.
    /// </summary>
    public int SendQueueCapacity { get; set; } = 256;

    /// <summary>Seconds between WebSocket ping frames on plain JSON sockets (0 turns them off).</summary>
    public int KeepAliveSeconds { get; set; } = 25;

    /// <summary>Seconds a JSON socket has to answer a ping frame before it is dropped.</summary>
    public int KeepAliveTimeoutSeconds { get; set; } = 20;

    /// <summary>Engine.IO <c>pingInterval</c>: milliseconds between the server's pings.</summary>
    public int PingIntervalMs { get; set; } = 25_000;

    /// <summary>Engine.IO <c>pingTimeout</c>: milliseconds a client has to answer a ping.</summary>
    public int PingTimeoutMs { get; set; } = 20_000;

    /// <summary>Engine.IO <c>maxPayload</c>: the largest HTTP long-polling body or WebSocket message, in bytes.</summary>
    public int MaxPayloadBytes { get; set; } = 1_000_000;

    /// <summary>Milliseconds an Engine.IO transport upgrade (probe to upgrade packet) may take.</summary>
    public int UpgradeTimeoutMs { get; set; } = 10_000;

    /// <summary>The largest message a client may send on a JSON socket, in bytes.</summary>
    public int MaxClientMessageBytes { get; set; } = 64 * 1024;

    /// <summary>
    /// Open realtime connections one account may hold on one API (JSON sockets and Socket.IO
    /// namespace connections together); one more is refused with the API's 429. 0 turns the cap off.
    /// On PostgreSQL the count holds across nodes; on SQLite (one node) it is kept in memory.
    /// </summary>
    public int MaxConnectionsPerAccount { get; set; } = 20;

    /// <summary>
    /// Handshakes per minute per account on an API without tiers (an API with tiers counts
    /// handshakes against the caller's tier limit, like its requests).
    /// </summary>
    public int HandshakesPerMinute { get; set; } = 60;

    /// <summary>
    /// Seconds a connection's slot outlives its node's last renewal (PostgreSQL): a crashed node's
    /// slots stop counting after this. Renewed three times per lease.
    /// </summary>
    public int ConnectionLeaseSeconds { get; set; } = 90;

    /// <summary>
    /// <c>auto</c> (default): PostgreSQL <c>LISTEN/NOTIFY</c> between nodes when the database is
    /// PostgreSQL, in-process only on SQLite. <c>off</c>: in-process only, whatever the database.
    /// </summary>
    public string Backplane { get; set; } = "auto";

    /// <summary>The PostgreSQL notification channel the nodes share.</summary>
    public string NotifyChannel { get; set; } = "mindstack_realtime";

    /// <summary>Minutes a by-reference payload (too big for NOTIFY) is kept before it is purged.</summary>
    public int PayloadRetentionMinutes { get; set; } = 10;

    /// <summary>
    /// The API whose credentials the operator probe routes (<c>/realtime-probe/ws</c>,
    /// <c>/realtime-probe/socket.io</c>, <c>POST /realtime-probe/events</c>) read; empty (default) mounts none.
    /// </summary>
    public string ProbeApi { get; set; } = "";

    internal TimeSpan PingInterval => TimeSpan.FromMilliseconds(Math.Max(1, PingIntervalMs));

    internal TimeSpan PingTimeout => TimeSpan.FromMilliseconds(Math.Max(1, PingTimeoutMs));

    internal TimeSpan UpgradeTimeout => TimeSpan.FromMilliseconds(Math.Max(1, UpgradeTimeoutMs));

    internal bool BackplaneEnabled => !string.Equals(Backplane, "off", StringComparison.OrdinalIgnoreCase);
}
