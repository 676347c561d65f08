using System.Buffers;
using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Mindstack.Platform.Realtime.SocketIo;

internal enum EngineTransport
{
    Polling,
    WebSocket,
}

/// <summary>
/// One Engine.IO v4 session on this node. Everything for the client goes through one bounded
/// queue, read by exactly one transport at a time: the pending long-polling GET (which returns
/// every queued packet joined by the record separator) or, after the upgrade, the WebSocket
/// sender. The server pings every <c>pingInterval</c> and closes the session when a pong does not
/// come within <c>pingTimeout</c>. A full queue closes the session: the client is too slow.
/// </summary>
internal sealed class EngineIoSession
{
    private static readonly TimeSpan CloseGrace = TimeSpan.FromSeconds(5);

    private readonly RealtimeOptions _settings;
    private readonly RealtimeMetrics _metrics;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly Channel<string> _outbox;
    private readonly CancellationTokenSource _closed = new();
    private readonly SemaphoreSlim _readGate = new(1, 1);
    private readonly SemaphoreSlim _inbound = new(1, 1);
    // Keeps the sessions-by-transport gauge right when a close races the upgrade's switch.
    private readonly Lock _transportGate = new();
    private readonly CancellationTokenSource _socketAbort;
    private TaskCompletionSource? _pong;
    private volatile bool _upgrading;
    private int _transport;
    private int _postActive;
    private int _closing;
    private int _overflowed;

    public EngineIoSession(string sid, EngineTransport transport, SocketIoServer server, RealtimeOptions settings,
        RealtimeMetrics metrics, TimeProvider clock, ILogger logger)
    {
        Sid = sid;
        _transport = (int)transport;
        Server = server;
        _settings = settings;
        _metrics = metrics;
        _clock = clock;
        _logger = logger;
        _socketAbort = new CancellationTokenSource(Timeout.InfiniteTimeSpan, clock);
        _outbox = Channel.CreateBounded<string>(new BoundedChannelOptions(Math.Max(1, settings.SendQueueCapacity))
        {
            FullMode = BoundedChannelFullMode.Wait,
        });
        _metrics.EngineSessionOpened(TransportName(transport));
    }

    public string Sid { get; }

    public SocketIoServer Server { get; }

    public EngineTransport Transport => (EngineTransport)Volatile.Read(ref _transport);

    /// <summary>Between the probe and the upgrade packet: polls answer at once and no new upgrade starts.</summary>
    public bool Upgrading => _upgrading;

    public bool IsClosed => Volatile.Read(ref _closing) != 0;

    /// <summary>Cancelled when the session ends (for event handlers' work).</summary>
    public CancellationToken Closing => _closed.Token;

    /// <summary>This client's sockets, by namespace.</summary>
    public ConcurrentDictionary<string, SocketIoSocket> Sockets { get; } = new(StringComparer.Ordinal);

    /// <summary>The open packet's JSON, as the handshake answers it.</summary>
    public string OpenPacket(bool offerWebSocket) =>
        EnginePacket.Open + System.Text.Json.JsonSerializer.Serialize(new
        {
            sid = Sid,
            upgrades = offerWebSocket ? new[] { "websocket" } : Array.Empty<string>(),
            pingInterval = (int)_settings.PingInterval.TotalMilliseconds,
            pingTimeout = (int)_settings.PingTimeout.TotalMilliseconds,
            maxPayload = _settings.MaxPayloadBytes,
        });

    /// <summary>Queues a packet for the client without waiting; false when the queue is full or closed.</summary>
    public bool TryEnqueue(string packet) => !IsClosed && _outbox.Writer.TryWrite(packet);

    public void DropForOverflow()
    {
        if (IsClosed || Interlocked.Exchange(ref _overflowed, 1) != 0)
        {
            return;
        }
        _metrics.ConnectionDropped(RealtimeMetrics.SocketIo);
        _logger.LogWarning("Engine.IO session {Sid} dropped: send queue overflow", Sid);
        Close("send queue overflow");
    }

    /// <summary>Ends the session once: wakes a pending poll with a close packet, closes a WebSocket, drops the sockets.</summary>
    public void Close(string reason)
    {
        if (Interlocked.Exchange(ref _closing, 1) != 0)
        {
            return;
        }
        _outbox.Writer.TryComplete();
        // Cancelling runs the waiting transports' continuations; never on the publisher's thread.
        _ = _closed.CancelAsync();
        try
        {
            _socketAbort.CancelAfter(CloseGrace);
        }
        catch (ObjectDisposedException)
        {
        }
        lock (_transportGate)
        {
            _metrics.EngineSessionClosed(TransportName(Transport));
        }
        Server.OnSessionClosed(this, reason);
    }

    public void StartHeartbeat() => _ = Task.Run(HeartbeatAsync);

    private async Task HeartbeatAsync()
    {
        var token = _closed.Token;
        try
        {
            while (!token.IsCancellationRequested)
            {
                await Task.Delay(_settings.PingInterval, _clock, token);
                var pong = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                Volatile.Write(ref _pong, pong);
                if (!TryEnqueue(EnginePacket.Ping.ToString()))
                {
                    DropForOverflow();
                    return;
                }
                try
                {
                    await pong.Task.WaitAsync(_settings.PingTimeout, _clock, token);
                }
                catch (TimeoutException)
                {
                    Close("ping timeout");
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    // ---- HTTP long-polling ----

    /// <summary>A polling GET: waits for packets (or answers at once while upgrading) and returns them all.</summary>
    public async Task PollAsync(HttpContext context)
    {
        if (!_readGate.Wait(0))
        {
            await SocketIoServer.WriteErrorAsync(context, SocketIoServer.BadRequest);
            if (Transport == EngineTransport.Polling)
            {
                // Two polls at once is a broken client (or a hijacked sid): Engine.IO closes the session.
                Close("overlapping polls");
            }
            return;
        }
        try
        {
            if (Transport != EngineTransport.Polling)
            {
                // Upgraded meanwhile: the WebSocket carries the session now.
                await SocketIoServer.WriteErrorAsync(context, SocketIoServer.BadRequest);
                return;
            }
            if (!_upgrading && !IsClosed && !_outbox.Reader.TryPeek(out _))
            {
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _closed.Token);
                try
                {
                    await _outbox.Reader.WaitToReadAsync(wait.Token);
                }
                catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
                {
                    return;
                }
                catch (OperationCanceledException)
                {
                    // The session closed while the poll waited: answered below with a close packet.
                }
            }
            var body = IsClosed ? EnginePacket.Close.ToString() : Drain() ?? EnginePacket.Noop.ToString();
            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Response.ContentType = "text/plain; charset=UTF-8";
            await context.Response.WriteAsync(body, context.RequestAborted);
        }
        finally
        {
            _readGate.Release();
        }
    }

    /// <summary>A polling POST: one or more packets joined by the record separator.</summary>
    public async Task ReceivePostAsync(HttpContext context)
    {
        if (Interlocked.Exchange(ref _postActive, 1) != 0)
        {
            await SocketIoServer.WriteErrorAsync(context, SocketIoServer.BadRequest);
            Close("overlapping posts");
            return;
        }
        try
        {
            if (context.Request.ContentLength > _settings.MaxPayloadBytes)
            {
                context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
                await context.Response.WriteAsync("Payload Too Large");
                Close("payload too large");
                return;
            }
            string body;
            using (var reader = new StreamReader(context.Request.Body, Encoding.UTF8))
            {
                body = await reader.ReadToEndAsync(context.RequestAborted);
            }
            foreach (var packet in body.Split(EnginePacket.Separator))
            {
                if (packet.Length > 0 && packet[0] == EnginePacket.Base64Binary)
                {
                    // A binary attachment; Socket.IO has already answered its packet with a refusal.
                    continue;
                }
                await HandlePacketAsync(packet, context);
                if (IsClosed)
                {
                    break;
                }
            }
            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Response.ContentType = "text/html";
            await context.Response.WriteAsync("ok", context.RequestAborted);
        }
        finally
        {
            Volatile.Write(ref _postActive, 0);
        }
    }

    private string? Drain()
    {
        StringBuilder? payload = null;
        var bytes = 0;
        while (_outbox.Reader.TryPeek(out var packet))
        {
            var size = Encoding.UTF8.GetByteCount(packet) + 1;
            if (payload is not null && bytes + size > _settings.MaxPayloadBytes)
            {
                break;
            }
            _outbox.Reader.TryRead(out _);
            payload = payload is null ? new StringBuilder(packet) : payload.Append(EnginePacket.Separator).Append(packet);
            bytes += size;
            CountSent(packet);
        }
        return payload?.ToString();
    }

    // ---- WebSocket ----

    /// <summary>
    /// The upgrade of a polling session: <c>2probe</c> → <c>3probe</c>, a noop to end the pending
    /// poll, then <c>5</c>; from then on the WebSocket carries everything.
    /// </summary>
    public async Task UpgradeAsync(WebSocket socket, HttpContext context)
    {
        _upgrading = true;
        try
        {
            using (var timeout = new CancellationTokenSource(_settings.UpgradeTimeout, _clock))
            using (var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, _closed.Token, context.RequestAborted))
            {
                try
                {
                    if (await ReceiveTextAsync(socket, linked.Token) != EnginePacket.Ping + "probe")
                    {
                        await AbandonAsync(socket, "expected a probe");
                        return;
                    }
                    await SendTextAsync(socket, EnginePacket.Pong + "probe", linked.Token);
                    // Ends a poll that is waiting, so the client can pause polling and send the upgrade.
                    if (!TryEnqueue(EnginePacket.Noop.ToString()))
                    {
                        DropForOverflow();
                        return;
                    }
                    if (await ReceiveTextAsync(socket, linked.Token) != EnginePacket.Upgrade.ToString())
                    {
                        await AbandonAsync(socket, "expected the upgrade packet");
                        return;
                    }
                    // New polls are refused from here on; wait for the one in flight, if any, to answer.
                    SwitchToWebSocket();
                    await _readGate.WaitAsync(linked.Token);
                }
                catch (Exception exception) when (exception is OperationCanceledException or WebSocketException)
                {
                    if (Transport == EngineTransport.WebSocket)
                    {
                        Close("upgrade failed");
                    }
                    socket.Abort();
                    return;
                }
            }
        }
        finally
        {
            _upgrading = false;
        }
        // The read gate stays taken: the WebSocket sender is the queue's only reader for good.
        await RunWebSocketAsync(socket, context);
    }

    private void SwitchToWebSocket()
    {
        lock (_transportGate)
        {
            Volatile.Write(ref _transport, (int)EngineTransport.WebSocket);
            if (!IsClosed)
            {
                _metrics.EngineSessionClosed("polling");
                _metrics.EngineSessionOpened("websocket");
            }
        }
    }

    /// <summary>Carries the session over a WebSocket until either side closes it.</summary>
    public async Task RunWebSocketAsync(WebSocket socket, HttpContext context)
    {
        using var aborted = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _socketAbort.Token);
        var sender = Task.Run(() => SendLoopAsync(socket, aborted.Token), CancellationToken.None);
        try
        {
            await ReceiveLoopAsync(socket, context, aborted.Token);
        }
        catch (Exception exception) when (exception is OperationCanceledException or WebSocketException)
        {
        }
        Close("transport close");
        await sender;
        if (socket.State is not WebSocketState.Closed and not WebSocketState.Aborted)
        {
            socket.Abort();
        }
    }

    private async Task SendLoopAsync(WebSocket socket, CancellationToken aborted)
    {
        try
        {
            var reader = _outbox.Reader;
            while (await reader.WaitToReadAsync(_closed.Token))
            {
                while (reader.TryRead(out var packet))
                {
                    await SendTextAsync(socket, packet, _closed.Token);
                    CountSent(packet);
                }
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
        }
        if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            var status = Volatile.Read(ref _overflowed) != 0 ? (WebSocketCloseStatus)1013 : WebSocketCloseStatus.NormalClosure;
            try
            {
                await socket.CloseOutputAsync(status, "", aborted);
            }
            catch (Exception exception) when (exception is OperationCanceledException or WebSocketException or ObjectDisposedException)
            {
            }
        }
    }

    private async Task ReceiveLoopAsync(WebSocket socket, HttpContext context, CancellationToken aborted)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(4096);
        var message = new ArrayBufferWriter<byte>(4096);
        try
        {
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer.AsMemory(), aborted);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }
                if (message.WrittenCount + result.Count > _settings.MaxPayloadBytes)
                {
                    Close("message too big");
                    return;
                }
                message.Write(buffer.AsSpan(0, result.Count));
                if (!result.EndOfMessage)
                {
                    continue;
                }
                // Binary frames are Socket.IO attachments, refused when their packet arrived.
                if (result.MessageType == WebSocketMessageType.Text && !IsClosed)
                {
                    // The WebSocket's upgrade request lives as long as the socket: it is the request of its packets.
                    await HandlePacketAsync(Encoding.UTF8.GetString(message.WrittenSpan), context);
                }
                message.ResetWrittenCount();
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task AbandonAsync(WebSocket socket, string reason)
    {
        _logger.LogDebug("Engine.IO upgrade of {Sid} abandoned: {Reason}", Sid, reason);
        try
        {
            using var timeout = new CancellationTokenSource(CloseGrace, _clock);
            await socket.CloseAsync(WebSocketCloseStatus.ProtocolError, reason, timeout.Token);
        }
        catch (Exception exception) when (exception is OperationCanceledException or WebSocketException)
        {
            socket.Abort();
        }
    }

    private static async Task<string?> ReceiveTextAsync(WebSocket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[256];
        var builder = new ArrayBufferWriter<byte>(16);
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer.AsMemory(), cancellationToken);
            if (result.MessageType != WebSocketMessageType.Text || builder.WrittenCount + result.Count > 1024)
            {
                return null;
            }
            builder.Write(buffer.AsSpan(0, result.Count));
            if (result.EndOfMessage)
            {
                return Encoding.UTF8.GetString(builder.WrittenSpan);
            }
        }
    }

    private static ValueTask SendTextAsync(WebSocket socket, string packet, CancellationToken cancellationToken) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(packet).AsMemory(), WebSocketMessageType.Text, endOfMessage: true, cancellationToken);

    // ---- packets from the client ----

    /// <summary>One Engine.IO packet from either transport, in arrival order.</summary>
    private async Task HandlePacketAsync(string packet, HttpContext context)
    {
        if (packet.Length == 0)
        {
            Close("empty packet");
            return;
        }
        if (packet[0] == EnginePacket.Pong)
        {
            // Outside the inbound lock: a slow event handler must not make the pong late.
            Volatile.Read(ref _pong)?.TrySetResult();
            return;
        }
        try
        {
            await _inbound.WaitAsync(_closed.Token);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        try
        {
            switch (packet[0])
            {
                case EnginePacket.Message:
                    await Server.OnMessageAsync(this, packet[1..], context);
                    break;
                case EnginePacket.Ping:
                    // Engine.IO v3 clients ping; v4 clients only probe, on the new transport.
                    TryEnqueue(EnginePacket.Pong + packet[1..]);
                    break;
                case EnginePacket.Close:
                    Close("transport close");
                    break;
                case EnginePacket.Noop:
                case EnginePacket.Upgrade:
                    break;
                default:
                    Close("parse error");
                    break;
            }
        }
        finally
        {
            _inbound.Release();
        }
    }

    private void CountSent(string packet)
    {
        if (packet.Length > 1 && packet[0] == EnginePacket.Message)
        {
            _metrics.MessageSent(RealtimeMetrics.SocketIo);
        }
    }

    private static string TransportName(EngineTransport transport) => transport == EngineTransport.WebSocket ? "websocket" : "polling";
}
