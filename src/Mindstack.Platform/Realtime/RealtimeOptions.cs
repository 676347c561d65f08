using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Mindstack.Platform.Realtime;

/// <summary>
/// Realtime settings, bound from <c>Mindstack:Realtime</c> and validated at start. Every value has
/// a default that suits production; tests shorten the timers and the queue. Durations are
/// <see cref="TimeSpan"/>s; the older numeric keys (<c>KeepAliveSeconds</c>,
/// <c>KeepAliveTimeoutSeconds</c>, <c>PingIntervalMs</c>, <c>PingTimeoutMs</c>,
/// <c>UpgradeTimeoutMs</c>, <c>PayloadRetentionMinutes</c>) are still read and win.
/// </summary>
public sealed class RealtimeOptions
{
    public const string Section = "Mindstack:Realtime";

    /// <summary>
    /// Frames a connection may have waiting to be written. A connection whose queue is full when a
    /// message arrives is closed (it is too slow to keep up); nobody else waits for it.
    /// </summary>
    public int SendQueueCapacity { get; set; } = 256;

    /// <summary>Between WebSocket ping frames on plain JSON sockets (zero turns them off).</summary>
    public TimeSpan KeepAlive { get; set; } = TimeSpan.FromSeconds(25);

    /// <summary>How long a JSON socket has to answer a ping frame before it is dropped.</summary>
    public TimeSpan KeepAliveTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Engine.IO <c>pingInterval</c>: between the server's pings.</summary>
    public TimeSpan PingInterval { get; set; } = TimeSpan.FromSeconds(25);

    /// <summary>Engine.IO <c>pingTimeout</c>: how long a client has to answer a ping.</summary>
    public TimeSpan PingTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Engine.IO <c>maxPayload</c>: the largest HTTP long-polling body or WebSocket message, in bytes.</summary>
    public int MaxPayloadBytes { get; set; } = 1_000_000;

    /// <summary>How long an Engine.IO transport upgrade (probe to upgrade packet) may take.</summary>
    public TimeSpan UpgradeTimeout { get; set; } = TimeSpan.FromSeconds(10);

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
    /// How long a connection's slot outlives its node's last renewal (PostgreSQL): a crashed node's
    /// slots stop counting after this. Renewed three times per lease.
    /// </summary>
    public TimeSpan ConnectionLease { get; set; } = TimeSpan.FromSeconds(90);

    /// <summary>
    /// <c>auto</c> (default): PostgreSQL <c>LISTEN/NOTIFY</c> between nodes when the database is
    /// PostgreSQL, in-process only on SQLite. <c>off</c>: in-process only, whatever the database.
    /// </summary>
    public string Backplane { get; set; } = "auto";

    /// <summary>The PostgreSQL notification channel the nodes share.</summary>
    public string NotifyChannel { get; set; } = "mindstack_realtime";

    /// <summary>How long a by-reference payload (too big for NOTIFY) is kept before it is purged.</summary>
    public TimeSpan PayloadRetention { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// The API whose credentials the operator probe routes (<c>/realtime-probe/ws</c>,
    /// <c>/realtime-probe/socket.io</c>, <c>POST /realtime-probe/events</c>) read; empty (default) mounts none.
    /// </summary>
    public string ProbeApi { get; set; } = "";

    /// <summary>The older spelling of <see cref="KeepAlive"/>, in seconds.</summary>
    public double? KeepAliveSeconds { get; set; }

    /// <summary>The older spelling of <see cref="KeepAliveTimeout"/>, in seconds.</summary>
    public double? KeepAliveTimeoutSeconds { get; set; }

    /// <summary>The older spelling of <see cref="PingInterval"/>, in milliseconds.</summary>
    public double? PingIntervalMs { get; set; }

    /// <summary>The older spelling of <see cref="PingTimeout"/>, in milliseconds.</summary>
    public double? PingTimeoutMs { get; set; }

    /// <summary>The older spelling of <see cref="UpgradeTimeout"/>, in milliseconds.</summary>
    public double? UpgradeTimeoutMs { get; set; }

    /// <summary>The older spelling of <see cref="PayloadRetention"/>, in minutes.</summary>
    public double? PayloadRetentionMinutes { get; set; }

    internal bool BackplaneEnabled => !string.Equals(Backplane, "off", StringComparison.OrdinalIgnoreCase);

    /// <summary>Applies the older numeric keys, which win when given.</summary>
    internal void ApplyNumericKeys()
    {
        if (KeepAliveSeconds is { } keepAlive)
        {
            KeepAlive = TimeSpan.FromSeconds(keepAlive);
        }
        if (KeepAliveTimeoutSeconds is { } keepAliveTimeout)
        {
            KeepAliveTimeout = TimeSpan.FromSeconds(keepAliveTimeout);
        }
        if (PingIntervalMs is { } pingInterval)
        {
            PingInterval = TimeSpan.FromMilliseconds(pingInterval);
        }
        if (PingTimeoutMs is { } pingTimeout)
        {
            PingTimeout = TimeSpan.FromMilliseconds(pingTimeout);
        }
        if (UpgradeTimeoutMs is { } upgradeTimeout)
        {
            UpgradeTimeout = TimeSpan.FromMilliseconds(upgradeTimeout);
        }
        if (PayloadRetentionMinutes is { } retention)
        {
            PayloadRetention = TimeSpan.FromMinutes(retention);
        }
    }
}

/// <summary>Refuses a start with a bad <c>Mindstack:Realtime:*</c> value, naming the setting.</summary>
internal sealed partial class RealtimeOptionsValidator : IValidateOptions<RealtimeOptions>
{
    public ValidateOptionsResult Validate(string? name, RealtimeOptions options)
    {
        var failures = new List<string>();
        const string at = RealtimeOptions.Section + ":";
        if (options.SendQueueCapacity < 1)
        {
            failures.Add($"{at}SendQueueCapacity must be 1 or more");
        }
        if (options.KeepAlive < TimeSpan.Zero)
        {
            failures.Add(options.KeepAliveSeconds is null ? $"{at}KeepAlive must not be negative" : $"{at}KeepAliveSeconds must be 0 or more");
        }
        if (options.KeepAliveTimeout < TimeSpan.FromSeconds(1))
        {
            failures.Add(options.KeepAliveTimeoutSeconds is null ? $"{at}KeepAliveTimeout must be at least 00:00:01" : $"{at}KeepAliveTimeoutSeconds must be at least 1");
        }
        if (options.PingInterval < TimeSpan.FromMilliseconds(1))
        {
            failures.Add(options.PingIntervalMs is null ? $"{at}PingInterval must be at least 00:00:00.001" : $"{at}PingIntervalMs must be at least 1");
        }
        if (options.PingTimeout < TimeSpan.FromMilliseconds(1))
        {
            failures.Add(options.PingTimeoutMs is null ? $"{at}PingTimeout must be at least 00:00:00.001" : $"{at}PingTimeoutMs must be at least 1");
        }
        if (options.UpgradeTimeout < TimeSpan.FromMilliseconds(1))
        {
            failures.Add(options.UpgradeTimeoutMs is null ? $"{at}UpgradeTimeout must be at least 00:00:00.001" : $"{at}UpgradeTimeoutMs must be at least 1");
        }
        if (options.PayloadRetention < TimeSpan.FromMinutes(1))
        {
            failures.Add(options.PayloadRetentionMinutes is null ? $"{at}PayloadRetention must be at least 00:01:00" : $"{at}PayloadRetentionMinutes must be at least 1");
        }
        if (options.MaxConnectionsPerAccount < 0)
        {
            failures.Add($"{at}MaxConnectionsPerAccount must be 0 (no cap) or more");
        }
        if (options.HandshakesPerMinute < 1)
        {
            failures.Add($"{at}HandshakesPerMinute must be 1 or more");
        }
        if (options.ConnectionLease < TimeSpan.FromSeconds(5))
        {
            failures.Add($"{at}ConnectionLease must be at least 00:00:05");
        }
        if (options.MaxPayloadBytes < 1)
        {
            failures.Add($"{at}MaxPayloadBytes must be 1 or more");
        }
        if (options.MaxClientMessageBytes < 1)
        {
            failures.Add($"{at}MaxClientMessageBytes must be 1 or more");
        }
        if (!string.Equals(options.Backplane, "auto", StringComparison.OrdinalIgnoreCase) && options.BackplaneEnabled)
        {
            // Anything but "off" used to mean "auto": a typo would quietly keep the backplane on.
            failures.Add($"{at}Backplane must be 'auto' or 'off', not '{options.Backplane}'");
        }
        if (!ChannelName().IsMatch(options.NotifyChannel ?? ""))
        {
            failures.Add($"{at}NotifyChannel must be lowercase letters, digits and underscores (at most 63)");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$")]
    internal static partial Regex ChannelName();
}
