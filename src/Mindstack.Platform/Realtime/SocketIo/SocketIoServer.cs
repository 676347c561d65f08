using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Mindstack.Platform.Http;

namespace Mindstack.Platform.Realtime.SocketIo;

/// <summary>
/// One Socket.IO mount: the Engine.IO request dispatch (handshake, polling, WebSocket and its
/// upgrade) and the Socket.IO packets on top (CONNECT with <c>auth.token</c>, DISCONNECT, EVENT
/// with acks). Engine.IO sessions live on the node that made them: a polling request for a session
/// this node does not hold gets Engine.IO's "Session ID unknown" (400, code 1), and the client
/// reconnects. The WebSocket transport needs no sticky routing; polling does.
/// </summary>
internal sealed class SocketIoServer
{
    internal static readonly EngineError TransportUnknown = new(0, "Transport unknown");
    internal static readonly EngineError SessionUnknown = new(1, "Session ID unknown");
    internal static readonly EngineError BadHandshakeMethod = new(2, "Bad handshake method");
    internal static readonly EngineError BadRequest = new(3, "Bad request");
    internal static readonly EngineError UnsupportedVersion = new(5, "Unsupported protocol version");

    private readonly ConcurrentDictionary<string, EngineIoSession> _sessions = new(StringComparer.Ordinal);
    private readonly SocketIoOptions _options;
    private readonly RealtimeOptions _settings;
    private readonly RealtimeHub _hub;
    private readonly RealtimeMetrics _metrics;
    private readonly IRealtimeAuthenticator _authenticator;
    private readonly IRealtimePublisher _publisher;
    private readonly RealtimeAdmission _admission;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;

    public SocketIoServer(SocketIoOptions options, RealtimeOptions settings, RealtimeHub hub, RealtimeMetrics metrics,
        IRealtimeAuthenticator authenticator, IRealtimePublisher publisher, RealtimeAdmission admission, TimeProvider clock, ILogger logger)
    {
        _options = options;
        _settings = settings;
        _hub = hub;
        _metrics = metrics;
        _authenticator = options.Authenticator ?? authenticator;
        _publisher = publisher;
        _admission = admission;
        _clock = clock;
        _logger = logger;
    }

    public int SessionCount => _sessions.Count;

    public async Task HandleAsync(HttpContext context)
    {
        var query = context.Request.Query;
        if (query["EIO"].ToString() != "4")
        {
            await WriteErrorAsync(context, UnsupportedVersion);
            return;
        }
        var transport = query["transport"].ToString();
        if (transport is not "polling" and not "websocket")
        {
            await WriteErrorAsync(context, TransportUnknown);
            return;
        }
        var sid = query["sid"].ToString();
        var method = context.Request.Method;
        if (string.IsNullOrEmpty(sid))
        {
            await HandshakeAsync(context, transport == "websocket");
            return;
        }
        if (!_sessions.TryGetValue(sid, out var session) || session.IsClosed)
        {
            await WriteErrorAsync(context, SessionUnknown);
            return;
        }
        if (transport == "websocket")
        {
            if (!context.WebSockets.IsWebSocketRequest || session.Transport != EngineTransport.Polling || session.Upgrading)
            {
                await WriteErrorAsync(context, BadRequest);
                return;
            }
            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            await session.UpgradeAsync(socket, context);
            return;
        }
        if (session.Transport != EngineTransport.Polling)
        {
            await WriteErrorAsync(context, BadRequest);
        }
        else if (HttpMethods.IsGet(method))
        {
            await session.PollAsync(context);
        }
        else if (HttpMethods.IsPost(method))
        {
            await session.ReceivePostAsync(context);
        }
        else
        {
            await WriteErrorAsync(context, BadRequest);
        }
    }

    private async Task HandshakeAsync(HttpContext context, bool webSocket)
    {
        if (webSocket)
        {
            if (!context.WebSockets.IsWebSocketRequest)
            {
                await WriteErrorAsync(context, BadRequest);
                return;
            }
            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            var session = NewSession(EngineTransport.WebSocket);
            session.TryEnqueue(session.OpenPacket(offerWebSocket: false));
            session.StartHeartbeat();
            await session.RunWebSocketAsync(socket, context);
            return;
        }
        if (!HttpMethods.IsGet(context.Request.Method))
        {
            await WriteErrorAsync(context, BadHandshakeMethod);
            return;
        }
        var polling = NewSession(EngineTransport.Polling);
        polling.StartHeartbeat();
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "text/plain; charset=UTF-8";
        await context.Response.WriteAsync(polling.OpenPacket(offerWebSocket: true), context.RequestAborted);
    }

    private EngineIoSession NewSession(EngineTransport transport)
    {
        var session = new EngineIoSession(NewId(), transport, this, _settings, _metrics, _clock, _logger);
        _sessions[session.Sid] = session;
        return session;
    }

    /// <summary>Closes every session (the node is stopping): polls answer a close packet, sockets close.</summary>
    public void CloseAll()
    {
        foreach (var session in _sessions.Values)
        {
            session.Close("server shutting down");
        }
    }

    internal void OnSessionClosed(EngineIoSession session, string reason)
    {
        _sessions.TryRemove(new KeyValuePair<string, EngineIoSession>(session.Sid, session));
        foreach (var socket in session.Sockets.Values)
        {
            RemoveSocket(socket, reason == "transport close" ? "transport close" : "transport error");
        }
    }

    internal void RemoveSocket(SocketIoSocket socket, string reason)
    {
        socket.Session.Sockets.TryRemove(new KeyValuePair<string, SocketIoSocket>(socket.Namespace, socket));
        if (!socket.Close())
        {
            return;
        }
        _hub.Remove(socket);
        socket.Slot?.Dispose();
        if (socket.Options.OnDisconnect is { } onDisconnect)
        {
            // Never on the caller's thread: a session may close from a publisher's overflow.
            _ = Task.Run(async () =>
            {
                try
                {
                    await onDisconnect(socket, reason);
                }
                catch (Exception exception)
                {
                    _logger.LogError(exception, "Socket.IO disconnect hook failed for {SocketId}", socket.Id);
                }
            });
        }
    }

    // ---- Socket.IO packets ----

    internal async Task OnMessageAsync(EngineIoSession session, string data, HttpContext context)
    {
        if (!SocketIoPacket.TryDecode(data, out var packet))
        {
            session.Close("parse error");
            return;
        }
        switch (packet.Type)
        {
            case SocketIoPacketType.Connect:
                await ConnectAsync(session, packet, context);
                break;
            case SocketIoPacketType.Disconnect:
                if (session.Sockets.TryGetValue(packet.Namespace, out var leaving))
                {
                    RemoveSocket(leaving, "client namespace disconnect");
                }
                break;
            case SocketIoPacketType.Event:
                if (session.Sockets.TryGetValue(packet.Namespace, out var socket))
                {
                    await DispatchEventAsync(socket, packet);
                }
                break;
            case SocketIoPacketType.BinaryEvent:
            case SocketIoPacketType.BinaryAck:
                if (session.Sockets.TryGetValue(packet.Namespace, out var binary))
                {
                    RefuseBinary(binary, packet);
                }
                break;
            case SocketIoPacketType.Ack:
                // The server asks for no acks, so there is nothing to match one to.
                break;
            case SocketIoPacketType.ConnectError:
            default:
                session.Close("parse error");
                break;
        }
    }

    private async Task ConnectAsync(EngineIoSession session, SocketIoPacket packet, HttpContext context)
    {
        var nsp = packet.Namespace;
        if (!_options.Namespaces.TryGetValue(nsp, out var options))
        {
            session.TryEnqueue(SocketIoPacket.EncodeConnectError(nsp, "Invalid namespace"));
            return;
        }
        if (session.Sockets.TryGetValue(nsp, out var previous))
        {
            RemoveSocket(previous, "client namespace disconnect");
        }
        var auth = default(JsonElement);
        if (packet.Json is { Length: > 0 } json)
        {
            try
            {
                using var document = JsonDocument.Parse(json);
                auth = document.RootElement.Clone();
            }
            catch (JsonException)
            {
                session.Close("parse error");
                return;
            }
            if (auth.ValueKind != JsonValueKind.Object)
            {
                session.Close("parse error");
                return;
            }
        }
        var token = auth.ValueKind == JsonValueKind.Object && auth.TryGetProperty("token", out var t) && t.ValueKind == JsonValueKind.String
            ? t.GetString()
            : RealtimeTokens.FromRequest(context.Request);
        var api = _options.Api ?? context.Api()?.Mount.Name ?? "mindstack";
        var cancellation = context.RequestAborted;

        RealtimeAuthResult result;
        try
        {
            result = await _authenticator.AuthenticateAsync(new RealtimeAuthRequest(api, token, context), cancellation);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            _logger.LogError(exception, "Realtime authenticator failed");
            session.TryEnqueue(SocketIoPacket.EncodeConnectError(nsp, "Internal error"));
            return;
        }
        if (result.Caller is not { } caller)
        {
            session.TryEnqueue(SocketIoPacket.EncodeConnectError(nsp, result.Error ?? "Authentication required", RefusalData(context, result.Problem)));
            return;
        }

        // The namespace connection counts against the caller's rate limit and takes one of the
        // account's connection slots; a refusal is connect_error with the API's 429 code.
        var socketId = NewId();
        RealtimeSlot slot;
        try
        {
            slot = await _admission.AdmitAsync(context, api, caller, socketId, announce: !context.WebSockets.IsWebSocketRequest, cancellation);
        }
        catch (Problem refusal)
        {
            session.TryEnqueue(SocketIoPacket.EncodeConnectError(nsp, refusal.Message, RefusalData(context, refusal)));
            return;
        }
        var socket = new SocketIoSocket(socketId, api, caller, _hub, session, nsp, options, auth, _publisher) { Slot = slot };
        _hub.Add(socket);
        foreach (var channel in caller.Channels)
        {
            socket.Join(channel);
        }
        try
        {
            if (options.OnConnect is not null)
            {
                await options.OnConnect(socket, cancellation);
            }
        }
        catch (Exception exception)
        {
            socket.Close();
            _hub.Remove(socket);
            slot.Dispose();
            if (exception is OperationCanceledException)
            {
                return;
            }
            var message = exception is Problem problem ? problem.Message : "Internal error";
            if (exception is not Problem)
            {
                _logger.LogError(exception, "Socket.IO connect hook failed for {Namespace}", nsp);
            }
            session.TryEnqueue(SocketIoPacket.EncodeConnectError(nsp, message));
            return;
        }
        session.Sockets[nsp] = socket;
        if (!socket.Enqueue(SocketIoPacket.EncodeConnect(nsp, socket.Id)))
        {
            return;
        }
        if (session.IsClosed)
        {
            RemoveSocket(socket, "transport close");
        }
    }

    private async Task DispatchEventAsync(SocketIoSocket socket, SocketIoPacket packet)
    {
        string name;
        List<JsonElement> args;
        try
        {
            using var document = JsonDocument.Parse(packet.Json ?? "");
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Array || root.GetArrayLength() == 0 || root[0].ValueKind != JsonValueKind.String)
            {
                socket.Session.Close("parse error");
                return;
            }
            name = root[0].GetString()!;
            args = root.EnumerateArray().Skip(1).Select(e => e.Clone()).ToList();
        }
        catch (JsonException)
        {
            socket.Session.Close("parse error");
            return;
        }
        if (!socket.Options.Handlers.TryGetValue(name, out var handler))
        {
            _logger.LogDebug("Socket.IO event {Event} has no handler on {Namespace}", name, socket.Namespace);
            return;
        }
        object? answer;
        try
        {
            answer = await handler(socket, new SocketIoEvent(name, args, packet.AckId is not null), socket.Session.Closing);
        }
        catch (Problem problem)
        {
            answer = new { error = new { code = problem.Code ?? StandardCodes.Describe(problem.Kind).Code, message = problem.Message } };
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            _logger.LogError(exception, "Socket.IO handler for {Event} failed", name);
            answer = new { error = new { code = StandardCodes.Describe(ProblemKind.Internal).Code, message = "An unexpected error occurred" } };
        }
        if (packet.AckId is { } ackId && !socket.IsClosed)
        {
            string[] ackArgs = answer is null ? [] : [RealtimePublisher.Serialize(answer, socket.Json)];
            socket.Enqueue(SocketIoPacket.EncodeAck(socket.Namespace, ackId, ackArgs));
        }
    }

    private static void RefuseBinary(SocketIoSocket socket, SocketIoPacket packet)
    {
        const string message = "Binary attachments are not supported; send JSON";
        if (packet.Type == SocketIoPacketType.BinaryEvent && packet.AckId is { } ackId)
        {
            socket.Enqueue(SocketIoPacket.EncodeAck(socket.Namespace, ackId,
                [JsonSerializer.Serialize(new { error = new { code = "BINARY_NOT_SUPPORTED", message } })]));
        }
        socket.Enqueue(SocketIoPacket.EncodeEvent(socket.Namespace, "error",
            [JsonSerializer.Serialize(new { code = "BINARY_NOT_SUPPORTED", message })]));
    }

    // ---- helpers ----

    /// <summary>20 URL-safe random characters, as Engine.IO's own ids.</summary>
    internal static string NewId() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(15));

    /// <summary>A refusal's code and status as the API names them (<c>connect_error</c>'s <c>err.data</c>).</summary>
    private static object? RefusalData(HttpContext context, Problem? problem)
    {
        if (problem is null)
        {
            return null;
        }
        var (code, status) = context.Dialect().Describe(problem.Kind);
        if (problem.Headers.TryGetValue("Retry-After", out var retryAfter) && int.TryParse(retryAfter, out var seconds))
        {
            return new { code = problem.Code ?? code, status = problem.Status ?? status, retryAfter = seconds };
        }
        return new { code = problem.Code ?? code, status = problem.Status ?? status };
    }

    internal static async Task WriteErrorAsync(HttpContext context, EngineError error)
    {
        if (context.Response.HasStarted)
        {
            return;
        }
        context.Response.StatusCode = StatusCodes.Status400BadRequest;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(JsonSerializer.Serialize(new { code = error.Code, message = error.Message }));
    }
}

/// <summary>Engine.IO's error answer: HTTP 400 with <c>{"code", "message"}</c>.</summary>
internal sealed record EngineError(int Code, string Message);
