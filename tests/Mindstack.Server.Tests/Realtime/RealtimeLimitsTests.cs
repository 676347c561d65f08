using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Mindstack.Platform.Storage;

namespace Mindstack.Platform.Tests.Realtime;

/// <summary>Sockets with the accounts' tokens and the default cap (20 per API per account).</summary>
public sealed class RealtimeCapFactory : AccountRealtimeFactory;

/// <summary>As <see cref="RealtimeCapFactory"/>, with 3 handshakes per minute on APIs without tiers.</summary>
public sealed class RealtimeHandshakeLimitFactory : AccountRealtimeFactory
{
    public RealtimeHandshakeLimitFactory() => WithSetting("Mindstack:Realtime:HandshakesPerMinute", "3");
}

public sealed class RealtimeCapTests(RealtimeCapFactory factory) : IClassFixture<RealtimeCapFactory>
{
    private const int Cap = 20;

    [Fact]
    public async Task JsonSocket_OverCap_Refused429InMindPeekerShape_TwentyStayOpen_ClosingOneFreesASlot()
    {
        var (_, token) = await factory.NewAccountAsync();
        var open = await OpenJsonAsync($"{AccountSocketRoutes.JsonPath}?token={token}", Cap);
        try
        {
            using var client = factory.Http();
            using var refused = await client.SendAsync(JsonFrames.UpgradeRequest($"{AccountSocketRoutes.JsonPath}?token={token}"));
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            var body = await refused.Content.ReadFromJsonAsync<JsonElement>();
            Assert.False(body.GetProperty("success").GetBoolean());
            Assert.Equal("RATE_LIMIT_EXCEEDED", body.GetProperty("error").GetProperty("code").GetString());
            Assert.Contains("at most 20", body.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);

            await AssertAllAnswerPingAsync(open);

            await open[0].CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
            open[0].Dispose();
            open[0] = (await Eventually.UntilAsync(
                () => TryConnectJsonAsync($"{AccountSocketRoutes.JsonPath}?token={token}"), s => s is not null, "a slot freed by the closed socket"))!;
            await AssertAllAnswerPingAsync(open);
        }
        finally
        {
            DisposeAll(open);
        }
    }

    [Fact]
    public async Task JsonSocket_OverCapOnMindMesh_Refused429InDetailShape_OtherApiHasItsOwnCap()
    {
        var (_, token) = await factory.NewAccountAsync("/mindmesh");
        var open = await OpenJsonAsync($"/mindmesh/__rt/ws?token={token}", Cap);
        try
        {
            using var client = factory.Http();
            using var refused = await client.SendAsync(JsonFrames.UpgradeRequest($"/mindmesh/__rt/ws?token={token}"));
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            var body = await refused.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Contains("at most 20", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
            Assert.False(body.TryGetProperty("success", out _));
            await AssertAllAnswerPingAsync(open);
        }
        finally
        {
            DisposeAll(open);
        }
    }

    [Fact]
    public async Task SocketIo_OverCap_ConnectErrorWith429_TwentyStayOpen_DisconnectFreesASlot()
    {
        const string path = "/mindswarm/api/__rt/socket.io";
        var (_, token) = await factory.NewAccountAsync("/mindswarm/api");
        var open = new List<RawSocketIo>();
        try
        {
            for (var i = 0; i < Cap; i++)
            {
                open.Add(await RawSocketIo.ConnectAsync(factory, path, token));
            }

            await using (var refused = SocketIoNodeClient.Start(factory.BaseAddress, path, token, transports: ["websocket"]))
            {
                var error = await refused.WaitForKindAsync("connect_error");
                Assert.Contains("at most 20", error.GetProperty("message").GetString(), StringComparison.Ordinal);
                Assert.Equal(429, error.GetProperty("data").GetProperty("status").GetInt32());
                Assert.False(string.IsNullOrEmpty(error.GetProperty("data").GetProperty("code").GetString()));
            }
            Assert.All(open, socket => Assert.True(socket.IsOpen, "a socket under the cap was closed"));

            await open[0].DisposeAsync();
            open.RemoveAt(0);
            await Eventually.UntilAsync(async () =>
            {
                await using var again = SocketIoNodeClient.Start(factory.BaseAddress, path, token, transports: ["websocket"]);
                var outcome = await again.WaitForAsync(l => l.GetProperty("kind").GetString() is "connect" or "connect_error", "connect or connect_error");
                return outcome.GetProperty("kind").GetString() == "connect";
            }, connected => connected, "a slot freed by the disconnected socket");
            Assert.All(open, socket => Assert.True(socket.IsOpen));
        }
        finally
        {
            foreach (var socket in open)
            {
                await socket.DisposeAsync();
            }
        }
    }

    [PostgresFact]
    public async Task JsonSocket_SlotsOfADeadNode_StopCountingWhenTheirLeaseEnds()
    {
        var (accountId, token) = await factory.NewAccountAsync();
        // A node that died holding the whole cap: its leases ran out, it renews nothing.
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<MindstackDbContext>();
            var past = DateTime.UtcNow.AddMinutes(-1);
            for (var i = 0; i < Cap; i++)
            {
                var id = $"conn_dead_{accountId}_{i}";
                await db.Database.ExecuteSqlAsync(
                    $"INSERT INTO realtime_connections (connection_id, api, account_id, node_id, opened_at, lease_until) VALUES ({id}, 'mindpeeker', {accountId}, 'node_dead', {past}, {past})");
            }
        }
        using var socket = await factory.ConnectJsonAsync($"{AccountSocketRoutes.JsonPath}?token={token}");
        Assert.Equal(WebSocketState.Open, socket.State);
    }

    private async Task<ClientWebSocket[]> OpenJsonAsync(string pathAndQuery, int count)
    {
        var sockets = new ClientWebSocket[count];
        for (var i = 0; i < count; i++)
        {
            sockets[i] = await factory.ConnectJsonAsync(pathAndQuery);
        }
        return sockets;
    }

    private async Task<ClientWebSocket?> TryConnectJsonAsync(string pathAndQuery)
    {
        try
        {
            return await factory.ConnectJsonAsync(pathAndQuery);
        }
        catch (WebSocketException)
        {
            return null;
        }
    }

    private static async Task AssertAllAnswerPingAsync(IEnumerable<ClientWebSocket> sockets)
    {
        foreach (var socket in sockets)
        {
            Assert.Equal(WebSocketState.Open, socket.State);
            await JsonFrames.SendAsync(socket, "{\"type\":\"ping\"}");
            Assert.Equal("pong", (await JsonFrames.ReceiveAsync(socket)).GetProperty("type").GetString());
        }
    }

    private static void DisposeAll(IEnumerable<ClientWebSocket?> sockets)
    {
        foreach (var socket in sockets)
        {
            socket?.Dispose();
        }
    }
}

public sealed class RealtimeHandshakeLimitTests(RealtimeHandshakeLimitFactory factory) : IClassFixture<RealtimeHandshakeLimitFactory>
{
    [Fact]
    public async Task JsonSocket_HandshakesBeyondRateLimit_Refused429InDetailShapeWithRetryAfter()
    {
        var (_, token) = await factory.NewAccountAsync("/mindmesh");
        var path = $"/mindmesh/__rt/ws?token={token}";
        // 3 per minute: the fourth within a window is refused (a window boundary may let a few more through).
        var refused = false;
        for (var i = 0; i < 10 && !refused; i++)
        {
            using var socket = new ClientWebSocket();
            socket.Options.CollectHttpResponseDetails = true;
            try
            {
                await socket.ConnectAsync(factory.WebSocketUri(path), CancellationToken.None);
                await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
            }
            catch (WebSocketException)
            {
                Assert.Equal(HttpStatusCode.TooManyRequests, socket.HttpStatusCode);
                Assert.True(socket.HttpResponseHeaders!.ContainsKey("Retry-After"), "no Retry-After");
                refused = true;
            }
        }
        Assert.True(refused, "handshakes were never refused");

        // The refusal is MindMesh's {detail}, before any upgrade.
        using var client = factory.Http();
        using var answer = await client.SendAsync(JsonFrames.UpgradeRequest(path));
        Assert.Equal(HttpStatusCode.TooManyRequests, answer.StatusCode);
        Assert.False(string.IsNullOrEmpty((await answer.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString()));
    }

    [Fact]
    public async Task SocketIo_HandshakesBeyondRateLimit_ConnectErrorWith429AndRetryAfter()
    {
        const string path = "/mindswarm/api/__rt/socket.io";
        var (_, token) = await factory.NewAccountAsync("/mindswarm/api");
        JsonElement? refusal = null;
        for (var i = 0; i < 10 && refusal is null; i++)
        {
            await using var client = SocketIoNodeClient.Start(factory.BaseAddress, path, token, transports: ["websocket"]);
            var outcome = await client.WaitForAsync(l => l.GetProperty("kind").GetString() is "connect" or "connect_error", "connect or connect_error");
            if (outcome.GetProperty("kind").GetString() == "connect_error")
            {
                refusal = outcome;
            }
        }
        Assert.NotNull(refusal);
        var data = refusal.Value.GetProperty("data");
        Assert.Equal(429, data.GetProperty("status").GetInt32());
        Assert.True(data.GetProperty("retryAfter").GetInt32() >= 1);
        Assert.False(string.IsNullOrEmpty(data.GetProperty("code").GetString()));
    }
}

/// <summary>
/// A Socket.IO client speaking Engine.IO v4 over a raw WebSocket (cheap enough to hold twenty): it
/// connects to the root namespace with <c>auth.token</c> and answers the server's pings until disposed.
/// </summary>
internal sealed class RawSocketIo : IAsyncDisposable
{
    private readonly ClientWebSocket _socket;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _pump;
    private volatile bool _closed;

    private RawSocketIo(ClientWebSocket socket)
    {
        _socket = socket;
        _pump = Task.Run(PumpAsync);
    }

    public bool IsOpen => !_closed && _socket.State == WebSocketState.Open;

    public static async Task<RawSocketIo> ConnectAsync(RealtimeFactory factory, string path, string token)
    {
        var socket = new ClientWebSocket();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await socket.ConnectAsync(factory.WebSocketUri($"{path}/?EIO=4&transport=websocket"), timeout.Token);
        Assert.StartsWith("0", await ReceiveAsync(socket, timeout.Token), StringComparison.Ordinal);
        await SendAsync(socket, "40" + JsonSerializer.Serialize(new { token }), timeout.Token);
        while (true)
        {
            var packet = await ReceiveAsync(socket, timeout.Token);
            if (packet == "2")
            {
                await SendAsync(socket, "3", timeout.Token);
                continue;
            }
            Assert.True(packet.StartsWith("40{\"sid\":", StringComparison.Ordinal), "not connected: " + packet);
            return new RawSocketIo(socket);
        }
    }

    private async Task PumpAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var packet = await ReceiveAsync(_socket, _stop.Token);
                if (packet == "2")
                {
                    await SendAsync(_socket, "3", _stop.Token);
                }
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or WebSocketException or InvalidOperationException)
        {
        }
        finally
        {
            _closed = true;
        }
    }

    private static Task SendAsync(WebSocket socket, string text, CancellationToken cancellationToken) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, cancellationToken);

    private static async Task<string> ReceiveAsync(WebSocket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        using var message = new MemoryStream();
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, cancellationToken);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                throw new InvalidOperationException("closed by the server");
            }
            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage)
            {
                return Encoding.UTF8.GetString(message.ToArray());
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_socket.State == WebSocketState.Open)
        {
            try
            {
                // Output only: the pump is the one receiver, and sees the server's close.
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "done", timeout.Token);
            }
            catch (Exception exception) when (exception is OperationCanceledException or WebSocketException)
            {
            }
        }
        await _stop.CancelAsync();
        await _pump;
        _socket.Dispose();
        _stop.Dispose();
    }
}

/// <summary>The cap is one count across nodes (PostgreSQL): slots taken on A count on B.</summary>
public sealed class RealtimeCapAcrossNodesTests(TwoNodes nodes) : IClassFixture<TwoNodes>
{
    [PostgresFact]
    public async Task JsonSocket_TenOpenOnEachNode_TwentyFirstRefusedOnEither_ClosingOneOnBFreesASlotOnA()
    {
        var path = $"{RealtimeTestRoutes.JsonPath}?token={TestRealtimeAuthenticator.TokenFor("cap-" + Guid.NewGuid().ToString("N")[..8])}";
        var open = new List<ClientWebSocket>();
        try
        {
            for (var i = 0; i < 10; i++)
            {
                open.Add(await nodes.A.ConnectJsonAsync(path));
                open.Add(await nodes.B.ConnectJsonAsync(path));
            }
            foreach (var node in new[] { nodes.A, nodes.B })
            {
                using var client = node.Http();
                using var refused = await client.SendAsync(JsonFrames.UpgradeRequest(path));
                Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            }

            // open[1] is on B.
            await open[1].CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
            open[1].Dispose();
            open.RemoveAt(1);
            open.Add((await Eventually.UntilAsync(async () =>
            {
                try
                {
                    return await nodes.A.ConnectJsonAsync(path);
                }
                catch (WebSocketException)
                {
                    return null;
                }
            }, s => s is not null, "the slot freed on B, taken on A"))!);
            Assert.All(open, s => Assert.Equal(WebSocketState.Open, s.State));
        }
        finally
        {
            open.ForEach(s => s.Dispose());
        }
    }
}
