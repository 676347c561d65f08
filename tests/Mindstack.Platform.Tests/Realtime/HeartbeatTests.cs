using System.Net;
using System.Net.WebSockets;
using System.Text.Json;

namespace Mindstack.Platform.Tests.Realtime;

/// <summary>
/// Short timers: Engine.IO pings every 200 ms (pong within 2 s: a loaded test machine can take over
/// 500 ms between a poll and its pong), JSON sockets ping every second.
/// </summary>
public sealed class HeartbeatFactory : RealtimeFactory
{
    public HeartbeatFactory()
    {
        WithSetting("Mindstack:Realtime:PingIntervalMs", "200");
        WithSetting("Mindstack:Realtime:PingTimeoutMs", "2000");
        WithSetting("Mindstack:Realtime:KeepAliveSeconds", "1");
        WithSetting("Mindstack:Realtime:KeepAliveTimeoutSeconds", "1");
    }
}

/// <summary>Dead clients are found by the heartbeat, live ones are kept.</summary>
public sealed class HeartbeatTests(HeartbeatFactory factory) : IClassFixture<HeartbeatFactory>
{
    private static readonly string Base = RealtimeTestRoutes.SocketIoPath + "/?EIO=4&transport=";

    [Fact]
    public async Task EngineIo_PongsAnswered_SessionKept()
    {
        using var client = factory.Http();
        var sid = await HandshakeAsync(client);
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal("2", await client.GetStringAsync($"{Base}polling&sid={sid}"));
            using var pong = await client.PostAsync($"{Base}polling&sid={sid}", new StringContent("3"));
            Assert.Equal(HttpStatusCode.OK, pong.StatusCode);
        }
    }

    [Fact]
    public async Task EngineIo_NoPong_SessionClosed()
    {
        using var client = factory.Http();
        var sid = await HandshakeAsync(client);
        Assert.Equal("2", await client.GetStringAsync($"{Base}polling&sid={sid}"));
        // No pong: the session ends; a parked poll gets the close packet, a later one "Session ID unknown".
        await Eventually.UntilAsync(async () =>
            {
                using var response = await client.GetAsync($"{Base}polling&sid={sid}");
                return (response.StatusCode, Body: await response.Content.ReadAsStringAsync());
            },
            poll => poll.Body == "1" || poll.StatusCode == HttpStatusCode.BadRequest
                && JsonDocument.Parse(poll.Body).RootElement.GetProperty("code").GetInt32() == 1,
            "the session to end", interval: TimeSpan.Zero);
    }

    [Fact]
    public async Task EngineIo_WebSocketWithoutPong_Closed()
    {
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(factory.WebSocketUri($"{Base}websocket"), CancellationToken.None);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var buffer = new byte[4096];
        WebSocketReceiveResult result;
        do
        {
            result = await socket.ReceiveAsync(buffer, deadline.Token);
        }
        while (result.MessageType != WebSocketMessageType.Close);
        Assert.Equal(WebSocketMessageType.Close, result.MessageType);
    }

    [Fact]
    public async Task JsonSocket_ClientNeverAnswersPingFrames_DroppedWhileReaderStays()
    {
        var subject = "hb-" + Guid.NewGuid().ToString("N")[..8];
        var token = TestRealtimeAuthenticator.TokenFor(subject);
        using var reader = await factory.ConnectJsonAsync($"{RealtimeTestRoutes.JsonPath}?token={token}");
        // A receive always pending lets the client answer the server's ping frames.
        var received = JsonFrames.ReceiveAsync(reader, TimeSpan.FromSeconds(60));
        using var silent = await factory.ConnectJsonAsync($"{RealtimeTestRoutes.JsonPath}?token={token}");
        Assert.Equal(2, factory.Metrics.OpenConnections("json"));

        // The silent client never reads, so never pongs: it is dropped after the keep-alive timeout.
        await Eventually.UntilAsync(() => factory.Metrics.OpenConnections("json") <= 1, "the silent client to be dropped");
        await factory.Publisher.PublishAsync("account:" + subject, "alive", null);
        Assert.Equal("alive", (await received).GetProperty("type").GetString());
    }

    private static async Task<string> HandshakeAsync(HttpClient client)
    {
        var body = await client.GetStringAsync(Base + "polling");
        return JsonDocument.Parse(body[1..]).RootElement.GetProperty("sid").GetString()!;
    }
}
