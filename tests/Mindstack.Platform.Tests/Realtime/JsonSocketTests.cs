using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;

namespace Mindstack.Platform.Tests.Realtime;

/// <summary>The plain JSON adapter with a real WebSocket client (System.Net.WebSockets.ClientWebSocket).</summary>
public sealed class JsonSocketTests(RealtimeFactory factory) : IClassFixture<RealtimeFactory>
{
    private static string NewSubject() => "json-" + Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task JsonSocket_TokenInQuery_ReceivesPublishedEvent()
    {
        var subject = NewSubject();
        using var socket = await factory.ConnectJsonAsync($"{RealtimeTestRoutes.JsonPath}?token={TestRealtimeAuthenticator.TokenFor(subject)}");

        await factory.Publisher.PublishAsync("account:" + subject, "notification", new { Title = "hello", Count = 2 });

        var frame = await JsonFrames.ReceiveAsync(socket);
        Assert.Equal("notification", frame.GetProperty("type").GetString());
        Assert.Equal("hello", frame.GetProperty("data").GetProperty("title").GetString());
        Assert.Equal(2, frame.GetProperty("data").GetProperty("count").GetInt32());
    }

    [Fact]
    public async Task JsonSocket_BearerHeaderAndExtraChannel_ReceivesBothChannels()
    {
        var subject = NewSubject();
        var room = "session:" + Guid.NewGuid().ToString("N")[..8];
        using var socket = await factory.ConnectJsonAsync($"{RealtimeTestRoutes.JsonPath}?channel={room}", bearer: TestRealtimeAuthenticator.TokenFor(subject));

        await factory.Publisher.PublishAsync(room, "session.update", new { Status = "running" });
        await factory.Publisher.PublishAsync("account:" + subject, "notification", new { Text = "mine" });
        await factory.Publisher.PublishAsync("account:someone-else", "notification", new { Text = "not mine" });

        var first = await JsonFrames.ReceiveAsync(socket);
        Assert.Equal("session.update", first.GetProperty("type").GetString());
        Assert.Equal("running", first.GetProperty("data").GetProperty("status").GetString());
        var second = await JsonFrames.ReceiveAsync(socket);
        Assert.Equal("mine", second.GetProperty("data").GetProperty("text").GetString());
    }

    [Fact]
    public async Task JsonSocket_BadToken_RefusedWith401BeforeUpgrade()
    {
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        await Assert.ThrowsAsync<WebSocketException>(() =>
            socket.ConnectAsync(factory.WebSocketUri($"{RealtimeTestRoutes.JsonPath}?token=nope"), CancellationToken.None));
        Assert.Equal(HttpStatusCode.Unauthorized, socket.HttpStatusCode);
    }

    [Fact]
    public async Task JsonSocket_ChannelsHookRefuses_403InApiShape()
    {
        using var client = factory.Http();
        using var response = await client.SendAsync(JsonFrames.UpgradeRequest(
            $"{RealtimeTestRoutes.JsonPath}?channel=forbidden&token={TestRealtimeAuthenticator.TokenFor(NewSubject())}"));
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("FORBIDDEN", body.GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task JsonSocket_UnderApiPath_RefusalInApiShapeAndRouteChannel()
    {
        using var client = factory.Http();
        using var refused = await client.SendAsync(JsonFrames.UpgradeRequest($"{RealtimeTestRoutes.ApiJsonPath}/run_7"));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        // The sample API's error shape is {"failure": …, "message": …}.
        Assert.True((await refused.Content.ReadFromJsonAsync<JsonElement>()).TryGetProperty("failure", out _));

        using var socket = await factory.ConnectJsonAsync($"{RealtimeTestRoutes.ApiJsonPath}/run_7?token={TestRealtimeAuthenticator.TokenFor(NewSubject())}");
        await factory.Publisher.PublishAsync("run:run_7", "run.update", new { run_id = "run_7", progress = 0.6 });
        var frame = await JsonFrames.ReceiveAsync(socket);
        Assert.Equal("run.update", frame.GetProperty("type").GetString());
        Assert.Equal(0.6, frame.GetProperty("data").GetProperty("progress").GetDouble());
    }

    [Fact]
    public async Task JsonSocket_PlainHttpRequest_426()
    {
        using var client = factory.Http();
        using var response = await client.GetAsync($"{RealtimeTestRoutes.JsonPath}?token={TestRealtimeAuthenticator.TokenFor(NewSubject())}");
        Assert.Equal(HttpStatusCode.UpgradeRequired, response.StatusCode);
    }

    [Fact]
    public async Task JsonSocket_ClientMessages_PingPongEchoAndErrors()
    {
        using var socket = await factory.ConnectJsonAsync($"{RealtimeTestRoutes.JsonPath}?token={TestRealtimeAuthenticator.TokenFor(NewSubject())}");

        await JsonFrames.SendAsync(socket, """{"type":"ping"}""");
        var pong = await JsonFrames.ReceiveAsync(socket);
        Assert.Equal("pong", pong.GetProperty("type").GetString());
        Assert.False(pong.TryGetProperty("data", out _));

        await JsonFrames.SendAsync(socket, """{"type":"ping","data":{"t":5}}""");
        Assert.Equal(5, (await JsonFrames.ReceiveAsync(socket)).GetProperty("data").GetProperty("t").GetInt32());

        await JsonFrames.SendAsync(socket, """{"type":"echo","data":["a",1]}""");
        var echo = await JsonFrames.ReceiveAsync(socket);
        Assert.Equal("echo", echo.GetProperty("type").GetString());
        Assert.Equal("a", echo.GetProperty("data")[0].GetString());

        await JsonFrames.SendAsync(socket, """{"type":"fail"}""");
        var problem = await JsonFrames.ReceiveAsync(socket);
        Assert.Equal("error", problem.GetProperty("type").GetString());
        Assert.Equal("FORBIDDEN", problem.GetProperty("data").GetProperty("code").GetString());
        Assert.Equal("Not allowed here", problem.GetProperty("data").GetProperty("message").GetString());

        await JsonFrames.SendAsync(socket, "this is not json");
        var malformed = await JsonFrames.ReceiveAsync(socket);
        Assert.Equal("error", malformed.GetProperty("type").GetString());
        Assert.Equal("INVALID_REQUEST_BODY", malformed.GetProperty("data").GetProperty("code").GetString());

        // Still open and served after the errors.
        await JsonFrames.SendAsync(socket, """{"type":"ping"}""");
        Assert.Equal("pong", (await JsonFrames.ReceiveAsync(socket)).GetProperty("type").GetString());
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, socket.CloseStatus);
    }

    [Fact]
    public async Task JsonSocket_SlowReader_DroppedWhileOthersAndPublisherCarryOn()
    {
        var room = "conversation:" + Guid.NewGuid().ToString("N")[..8];
        using var slow = await factory.ConnectJsonAsync($"{RealtimeTestRoutes.JsonPath}?channel={room}&token={TestRealtimeAuthenticator.TokenFor(NewSubject())}");
        using var fast = await factory.ConnectJsonAsync($"{RealtimeTestRoutes.JsonPath}?channel={room}&token={TestRealtimeAuthenticator.TokenFor(NewSubject())}");
        var droppedBefore = factory.Metrics.Dropped("json");
        var payload = new string('x', 128 * 1024);

        // The slow client never reads: once the socket buffers and its queue (16 frames) are
        // full, the next event drops it. The fast client gets every event meanwhile.
        var published = 0;
        for (; published < 2000 && factory.Metrics.Dropped("json") == droppedBefore; published++)
        {
            await factory.Publisher.PublishAsync(room, "bulk", new { I = published, Payload = payload });
            var frame = await JsonFrames.ReceiveAsync(fast);
            Assert.Equal(published, frame.GetProperty("data").GetProperty("i").GetInt32());
        }
        Assert.Equal(droppedBefore + 1, factory.Metrics.Dropped("json"));

        await factory.Publisher.PublishAsync(room, "after", new { Ok = true });
        Assert.Equal("after", (await JsonFrames.ReceiveAsync(fast)).GetProperty("type").GetString());

        // When the slow client reads again it finds what was buffered, then the end of the connection.
        var ended = false;
        var buffer = new byte[256 * 1024];
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            while (!ended)
            {
                var result = await slow.ReceiveAsync(buffer, deadline.Token);
                ended = result.MessageType == WebSocketMessageType.Close;
            }
            Assert.Equal((WebSocketCloseStatus)1013, slow.CloseStatus);
        }
        catch (WebSocketException)
        {
            // Aborted mid-frame: the server stopped writing to it for good.
            ended = true;
        }
        Assert.True(ended);
    }

    [Fact]
    public async Task JsonSocket_OpenAndClose_GaugeInPrometheusText()
    {
        using var client = factory.Http();
        await WaitForGaugeAsync(client, 0);
        using (var socket = await factory.ConnectJsonAsync($"{RealtimeTestRoutes.JsonPath}?token={TestRealtimeAuthenticator.TokenFor(NewSubject())}"))
        {
            await WaitForGaugeAsync(client, 1);
            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
        }
        await WaitForGaugeAsync(client, 0);
        var text = await client.GetStringAsync("/metrics/prometheus");
        Assert.Contains("# TYPE mindstack_realtime_dropped_connections_total counter", text, StringComparison.Ordinal);
        Assert.Contains("mindstack_realtime_messages_sent_total{adapter=\"json\"}", text, StringComparison.Ordinal);
        Assert.Contains("mindstack_realtime_connections{adapter=\"socketio\"}", text, StringComparison.Ordinal);
    }

    private static Task WaitForGaugeAsync(HttpClient client, int expected)
    {
        var line = $"mindstack_realtime_connections{{adapter=\"json\"}} {expected}\n";
        return Eventually.UntilAsync(() => client.GetStringAsync("/metrics/prometheus"), text => text.Contains(line, StringComparison.Ordinal),
            line.Trim());
    }
}
