using System.Buffers;
using System.Net.WebSockets;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Mindstack.Platform.Http;

namespace Mindstack.Platform.Realtime.Json;

/// <summary>
/// One plain JSON socket. A single sender loop owns every write (frames, then the close frame),
/// fed by a bounded queue that publishers only ever try to write to; the receive loop answers
/// pings and hands other frames to the module.
/// </summary>
internal sealed class JsonSocketConnection : RealtimeConnection
{
    /// <summary>1013 Try Again Later: the server dropped a client too slow to keep up.</summary>
    internal const WebSocketCloseStatus OverflowStatus = (WebSocketCloseStatus)1013;
    private static readonly TimeSpan CloseGrace = TimeSpan.FromSeconds(5);
    private static readonly byte[] Pong = RealtimeMessage.BuildJsonFrame("pong", null);

    private WebSocket _socket = null!;
    private readonly Dialect _dialect;
    private readonly RealtimeOptions _settings;
    private readonly RealtimeMetrics _metrics;
    private readonly ILogger _logger;
    private readonly Channel<byte[]> _queue;
    private readonly CancellationTokenSource _sendStop = new();
    private readonly CancellationTokenSource _abort;
    private WebSocketCloseStatus _closeStatus = WebSocketCloseStatus.NormalClosure;
    private string _closeReason = "";
    private int _closing;

    /// <summary>
    /// Channel messages that arrive before <see cref="JsonSocketOptions.OnConnected"/> has run wait
    /// here (null once released), so what it sends — the current state — reaches the client before
    /// any live frame, while nothing published after the join is lost.
    /// </summary>
    private List<byte[]>? _held = [];
    private readonly Lock _holdLock = new();

    public JsonSocketConnection(string id, string api, RealtimeCaller caller, Dialect dialect,
        RealtimeOptions settings, RealtimeHub hub, RealtimeMetrics metrics, TimeProvider clock, ILogger logger)
        : base(id, RealtimeMetrics.Json, api, caller, hub)
    {
        _dialect = dialect;
        _settings = settings;
        _metrics = metrics;
        _logger = logger;
        _abort = new CancellationTokenSource(Timeout.InfiniteTimeSpan, clock);
        _queue = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(Math.Max(1, settings.SendQueueCapacity))
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    public override bool TryEnqueue(RealtimeMessage message)
    {
        if (message.Channel.Length > 0)
        {
            lock (_holdLock)
            {
                if (_held is not null)
                {
                    if (_held.Count >= Math.Max(1, _settings.SendQueueCapacity))
                    {
                        return false;
                    }
                    _held.Add(message.JsonFrame);
                    return true;
                }
            }
        }
        return _queue.Writer.TryWrite(message.JsonFrame);
    }

    /// <summary>Queues the held channel messages after what <see cref="JsonSocketOptions.OnConnected"/> sent; later ones queue directly.</summary>
    private void ReleaseHeld()
    {
        lock (_holdLock)
        {
            foreach (var frame in _held ?? [])
            {
                Enqueue(frame);
            }
            _held = null;
        }
    }

    public override void DropForOverflow()
    {
        if (!BeginClose(OverflowStatus, "send queue overflow"))
        {
            return;
        }
        MarkClosed();
        Hub.Remove(this);
        _metrics.ConnectionDropped(Adapter);
        _logger.LogWarning("Realtime connection {ConnectionId} of {SubjectId} dropped: send queue overflow", Id, Caller.SubjectId);
        // The sender is most likely stuck writing to a client that stopped reading: stop it
        // (off this thread: the publisher must not wait for the socket to abort).
        try
        {
            _ = _sendStop.CancelAsync();
        }
        catch (ObjectDisposedException)
        {
            // The connection finished on its own meanwhile.
        }
    }

    public override void CloseRevoked()
    {
        // The queue is drained, then the close frame goes out (policy violation: the credential was revoked).
        if (!BeginClose(WebSocketCloseStatus.PolicyViolation, "credentials revoked"))
        {
            return;
        }
        MarkClosed();
        Hub.Remove(this);
    }

    /// <summary>
    /// Joins the channels before the upgrade is answered, so a client that sees the upgrade
    /// complete is already subscribed; what arrives meanwhile waits in the queue.
    /// </summary>
    public void Open(IEnumerable<string> channels)
    {
        Hub.Add(this);
        foreach (var channel in channels)
        {
            Join(channel);
        }
    }

    /// <summary>The upgrade failed: leave the hub without ever having had a socket.</summary>
    public void Abandon()
    {
        BeginClose(WebSocketCloseStatus.NormalClosure, "");
        MarkClosed();
        Hub.Remove(this);
        _sendStop.Dispose();
        _abort.Dispose();
    }

    public async Task RunAsync(WebSocket socket, JsonSocketOptions options, CancellationToken stopping, CancellationToken requestAborted)
    {
        _socket = socket;
        try
        {
            using (stopping.Register(() => BeginClose(WebSocketCloseStatus.EndpointUnavailable, "server shutting down")))
            using (requestAborted.Register(() => _abort.Cancel()))
            {
                var sender = Task.Run(SendLoopAsync, CancellationToken.None);
                try
                {
                    try
                    {
                        if (options.OnConnected is not null)
                        {
                            await options.OnConnected(this, _abort.Token);
                        }
                    }
                    finally
                    {
                        ReleaseHeld();
                    }
                    await ReceiveLoopAsync(options);
                }
                catch (Exception exception) when (exception is OperationCanceledException or WebSocketException)
                {
                    // The client vanished, the close grace period ran out, or the socket was aborted.
                }
                catch (Exception exception)
                {
                    _logger.LogError(exception, "Realtime connection {ConnectionId} failed", Id);
                    BeginClose(WebSocketCloseStatus.InternalServerError, "internal error");
                }
                BeginClose(WebSocketCloseStatus.NormalClosure, "");
                await sender;
            }
        }
        finally
        {
            BeginClose(WebSocketCloseStatus.NormalClosure, "");
            MarkClosed();
            Hub.Remove(this);
            if (_socket.State is not WebSocketState.Closed and not WebSocketState.Aborted)
            {
                _socket.Abort();
            }
            _sendStop.Dispose();
            _abort.Dispose();
        }
        if (options.OnDisconnected is not null)
        {
            await options.OnDisconnected(this);
        }
    }

    /// <summary>Asks the sender to finish with a close frame; true for the first caller.</summary>
    private bool BeginClose(WebSocketCloseStatus status, string reason)
    {
        if (Interlocked.Exchange(ref _closing, 1) != 0)
        {
            return false;
        }
        _closeStatus = status;
        _closeReason = reason;
        _queue.Writer.TryComplete();
        // Whatever happens next, the connection is gone within the grace period.
        try
        {
            _abort.CancelAfter(CloseGrace);
        }
        catch (ObjectDisposedException)
        {
        }
        return true;
    }

    private async Task SendLoopAsync()
    {
        try
        {
            var reader = _queue.Reader;
            while (await reader.WaitToReadAsync(_sendStop.Token))
            {
                while (reader.TryRead(out var frame))
                {
                    await _socket.SendAsync(frame, WebSocketMessageType.Text, endOfMessage: true, _sendStop.Token);
                    _metrics.MessageSent(Adapter);
                }
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
            // Dropped for overflow, or the socket failed: no more frames for this client.
        }
        if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            try
            {
                await _socket.CloseOutputAsync(_closeStatus, _closeReason, _abort.Token);
            }
            catch (Exception exception) when (exception is OperationCanceledException or WebSocketException or ObjectDisposedException)
            {
            }
        }
    }

    private async Task ReceiveLoopAsync(JsonSocketOptions options)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(4096);
        var message = new ArrayBufferWriter<byte>(4096);
        var tooBig = false;
        try
        {
            while (true)
            {
                var result = await _socket.ReceiveAsync(buffer.AsMemory(), _abort.Token);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }
                if (!tooBig)
                {
                    if (message.WrittenCount + result.Count > _settings.MaxClientMessageBytes)
                    {
                        tooBig = true;
                        BeginClose(WebSocketCloseStatus.MessageTooBig, "message too big");
                    }
                    else
                    {
                        message.Write(buffer.AsSpan(0, result.Count));
                    }
                }
                if (!result.EndOfMessage)
                {
                    continue;
                }
                if (!tooBig && Volatile.Read(ref _closing) == 0)
                {
                    if (result.MessageType == WebSocketMessageType.Binary)
                    {
                        SendError(ProblemKind.BadRequest, "Binary frames are not supported; send JSON text frames");
                    }
                    else
                    {
                        await HandleFrameAsync(message.WrittenMemory, options);
                    }
                }
                message.ResetWrittenCount();
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task HandleFrameAsync(ReadOnlyMemory<byte> frame, JsonSocketOptions options)
    {
        JsonSocketMessage message;
        try
        {
            using var document = JsonDocument.Parse(frame);
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("type", out var type)
                || type.ValueKind != JsonValueKind.String)
            {
                SendError(ProblemKind.MalformedBody, "A frame is a JSON object with a string \"type\"");
                return;
            }
            var data = document.RootElement.TryGetProperty("data", out var d) ? d.Clone() : default;
            message = new JsonSocketMessage(type.GetString()!, data);
        }
        catch (JsonException)
        {
            SendError(ProblemKind.MalformedBody, "A frame is a JSON object with a string \"type\"");
            return;
        }

        if (message.Type == "ping")
        {
            Enqueue(message.Data.ValueKind == JsonValueKind.Undefined ? Pong : RealtimeMessage.BuildJsonFrame("pong", message.Data.GetRawText()));
            return;
        }
        if (options.OnMessage is null)
        {
            SendError(ProblemKind.BadRequest, $"Unsupported message type '{message.Type}'");
            return;
        }
        try
        {
            await options.OnMessage(this, message, _abort.Token);
        }
        catch (Problem problem)
        {
            SendError(problem.Kind, problem.Message, problem.Code);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            _logger.LogError(exception, "Realtime message handler failed for {MessageType} on {ConnectionId}", message.Type, Id);
            SendError(ProblemKind.Internal, "An unexpected error occurred");
        }
    }

    private void SendError(ProblemKind kind, string text, string? code = null)
    {
        var data = JsonSerializer.Serialize(new { code = code ?? _dialect.Describe(kind).Code, message = text });
        Enqueue(RealtimeMessage.BuildJsonFrame("error", data));
    }

    private void Enqueue(byte[] frame)
    {
        if (!_queue.Writer.TryWrite(frame) && Volatile.Read(ref _closing) == 0)
        {
            DropForOverflow();
        }
    }
}
