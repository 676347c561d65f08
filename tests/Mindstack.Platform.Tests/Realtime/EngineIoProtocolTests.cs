using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace Mindstack.Platform.Tests.Realtime;

/// <summary>The Engine.IO v4 / Socket.IO v5 wire format, byte by byte, with plain HTTP and WebSocket clients.</summary>
public sealed class EngineIoProtocolTests(RealtimeFactory factory) : IClassFixture<RealtimeFactory>
{
    private const char Separator = '\u001e';
    private static readonly string Base = RealtimeTestRoutes.SocketIoPath + "/?EIO=4&transport=";

    private static string NewSubject() => "eio-" + Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task Handshake_Polling_OpenPacketWithSessionAndTimers()
    {
        using var client = factory.Http();
        using var response = await client.GetAsync(Base + "polling");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType!.ToString(), StringComparison.Ordinal);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal('0', body[0]);
        var open = JsonDocument.Parse(body[1..]).RootElement;
        Assert.Equal(20, open.GetProperty("sid").GetString()!.Length);
        Assert.Equal(["websocket"], open.GetProperty("upgrades").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(1000, open.GetProperty("pingInterval").GetInt32());
        Assert.Equal(10000, open.GetProperty("pingTimeout").GetInt32());
        Assert.Equal(1_000_000, open.GetProperty("maxPayload").GetInt32());
    }

    [Theory]
    [InlineData("?EIO=3&transport=polling", "GET", 5, "Unsupported protocol version")]
    [InlineData("?EIO=4&transport=carrier-pigeon", "GET", 0, "Transport unknown")]
    [InlineData("?EIO=4&transport=polling&sid=nosuchsessionxxxxxxx", "GET", 1, "Session ID unknown")]
    [InlineData("?EIO=4&transport=polling", "POST", 2, "Bad handshake method")]
    public async Task Request_Invalid_EngineIoError400(string query, string method, int code, string message)
    {
        using var client = factory.Http();
        using var request = new HttpRequestMessage(new HttpMethod(method), RealtimeTestRoutes.SocketIoPath + "/" + query);
        if (method == "POST")
        {
            request.Content = new StringContent("40");
        }
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(code, error.GetProperty("code").GetInt32());
        Assert.Equal(message, error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Polling_ConnectAndEventInOnePost_AnswersBatchedWithRecordSeparator()
    {
        using var client = factory.Http();
        var sid = await HandshakeAsync(client);
        var token = TestRealtimeAuthenticator.TokenFor(NewSubject());
        await PostAsync(client, sid, $"40{{\"token\":\"{token}\"}}" + Separator + "427[\"echo\",{\"a\":1}]");

        var packets = await PollAsync(client, sid);
        Assert.Equal(2, packets.Length);
        Assert.StartsWith("40{\"sid\":\"", packets[0], StringComparison.Ordinal);
        Assert.Equal("437[{\"a\":1}]", packets[1]);
    }

    [Fact]
    public async Task Polling_BadTokenOnConnect_ConnectErrorPacket()
    {
        using var client = factory.Http();
        var sid = await HandshakeAsync(client);
        await PostAsync(client, sid, "40{\"token\":\"forged\"}");
        Assert.Equal($"44{{\"message\":\"{TestRealtimeAuthenticator.Refusal}\"}}", Assert.Single(await PollAsync(client, sid)));
    }

    [Fact]
    public async Task Polling_BinaryAttachment_RefusedWithErrorAckAndEvent()
    {
        using var client = factory.Http();
        var sid = await ConnectAsync(client);
        await PostAsync(client, sid, "451-3[\"upload\",{\"_placeholder\":true,\"num\":0}]" + Separator + "bAQID");

        var packets = await PollAsync(client, sid);
        var ack = Assert.Single(packets, p => p.StartsWith("433[", StringComparison.Ordinal));
        Assert.Equal("BINARY_NOT_SUPPORTED", JsonDocument.Parse(ack[3..]).RootElement[0].GetProperty("error").GetProperty("code").GetString());
        Assert.Single(packets, p => p.StartsWith("42[\"error\",", StringComparison.Ordinal));

        // The session carries on.
        await PostAsync(client, sid, "428[\"echo\",\"still here\"]");
        Assert.Equal("438[\"still here\"]", Assert.Single(await PollAsync(client, sid)));
    }

    [Fact]
    public async Task Polling_TwoPollsAtOnce_SessionClosed()
    {
        using var client = factory.Http();
        var sid = await HandshakeAsync(client);
        var polls = new[] { client.GetAsync($"{Base}polling&sid={sid}"), client.GetAsync($"{Base}polling&sid={sid}") };
        var responses = await Task.WhenAll(polls);
        try
        {
            // Whichever came second is refused; the session closes, ending the other with a close packet.
            var refused = Assert.Single(responses, r => r.StatusCode == HttpStatusCode.BadRequest);
            var parked = Assert.Single(responses, r => r.StatusCode == HttpStatusCode.OK);
            Assert.Equal("1", await parked.Content.ReadAsStringAsync());
        }
        finally
        {
            foreach (var response in responses)
            {
                response.Dispose();
            }
        }
        using var after = await client.GetAsync($"{Base}polling&sid={sid}");
        Assert.Equal(1, (await after.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task Upgrade_ProbeNoopUpgrade_WebSocketCarriesTheSession()
    {
        using var client = factory.Http();
        var subject = NewSubject();
        var sid = await ConnectAsync(client, subject);

        // A poll parked on the server, as the stock client keeps one.
        var parked = client.GetAsync($"{Base}polling&sid={sid}");
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(factory.WebSocketUri($"{Base}websocket&sid={sid}"), CancellationToken.None);
        await SendTextAsync(socket, "2probe");
        Assert.Equal("3probe", await ReceiveTextAsync(socket));
        // The probe ends the parked poll with a noop, so the client can pause polling (on a slow
        // machine a ping may have ended it first: then answer it, and the noop goes over the socket).
        using (var noop = await parked)
        {
            var packets = (await noop.Content.ReadAsStringAsync()).Split(Separator);
            Assert.All(packets, p => Assert.True(p is "6" or "2", p));
            if (packets.Contains("2"))
            {
                await PostAsync(client, sid, "3");
            }
        }
        await SendTextAsync(socket, "5");

        await factory.Publisher.PublishAsync("account:" + subject, "over-ws", new { N = 1 });
        Assert.Equal("42[\"over-ws\",{\"n\":1}]", await ReceiveNonPingAsync(socket));
        await SendTextAsync(socket, "429[\"echo\",\"via ws\"]");
        Assert.Equal("439[\"via ws\"]", await ReceiveNonPingAsync(socket));

        // Polling is over for this session.
        using var late = await client.GetAsync($"{Base}polling&sid={sid}");
        Assert.Equal(HttpStatusCode.BadRequest, late.StatusCode);
        Assert.Equal(3, (await late.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task WebSocketOnly_FirstFrameIsOpenPacketWithoutUpgrades()
    {
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(factory.WebSocketUri($"{Base}websocket"), CancellationToken.None);
        var open = await ReceiveTextAsync(socket);
        Assert.Equal('0', open[0]);
        var handshake = JsonDocument.Parse(open[1..]).RootElement;
        Assert.Empty(handshake.GetProperty("upgrades").EnumerateArray());
        Assert.Equal(1000, handshake.GetProperty("pingInterval").GetInt32());

        await SendTextAsync(socket, $"40{{\"token\":\"{TestRealtimeAuthenticator.TokenFor(NewSubject())}\"}}");
        Assert.StartsWith("40{\"sid\":", await ReceiveNonPingAsync(socket), StringComparison.Ordinal);
        await SendTextAsync(socket, "41");
        await SendTextAsync(socket, "1");
        var end = await socket.ReceiveAsync(new byte[64], CancellationToken.None);
        Assert.Equal(WebSocketMessageType.Close, end.MessageType);
    }

    [Fact]
    public async Task Polling_ClientStopsPolling_SessionDroppedOnOverflow()
    {
        using var client = factory.Http();
        var subject = NewSubject();
        var sid = await ConnectAsync(client, subject);
        var droppedBefore = factory.Metrics.Dropped("socketio");

        // Nobody polls: the queue (16 packets) fills and the session is closed.
        for (var i = 0; i < 40; i++)
        {
            await factory.Publisher.PublishAsync("account:" + subject, "tick", new { I = i });
        }
        Assert.True(factory.Metrics.Dropped("socketio") > droppedBefore);
        using var response = await client.GetAsync($"{Base}polling&sid={sid}");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(1, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetInt32());
    }

    // ---- helpers ----

    private static async Task<string> HandshakeAsync(HttpClient client)
    {
        var body = await client.GetStringAsync(Base + "polling");
        return JsonDocument.Parse(body[1..]).RootElement.GetProperty("sid").GetString()!;
    }

    private async Task<string> ConnectAsync(HttpClient client, string? subject = null)
    {
        var sid = await HandshakeAsync(client);
        await PostAsync(client, sid, $"40{{\"token\":\"{TestRealtimeAuthenticator.TokenFor(subject ?? NewSubject())}\"}}");
        Assert.StartsWith("40{\"sid\":", Assert.Single(await PollAsync(client, sid)), StringComparison.Ordinal);
        return sid;
    }

    private static async Task PostAsync(HttpClient client, string sid, string payload)
    {
        using var response = await client.PostAsync($"{Base}polling&sid={sid}", new StringContent(payload, Encoding.UTF8, "text/plain"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ok", await response.Content.ReadAsStringAsync());
    }

    /// <summary>One poll's packets, leaving out the server's pings (answered, to keep the session).</summary>
    private static async Task<string[]> PollAsync(HttpClient client, string sid)
    {
        while (true)
        {
            var body = await client.GetStringAsync($"{Base}polling&sid={sid}");
            var packets = body.Split(Separator);
            if (packets.Contains("2"))
            {
                await PostAsync(client, sid, "3");
            }
            var rest = packets.Where(p => p != "2").ToArray();
            if (rest.Length > 0)
            {
                return rest;
            }
        }
    }

    private static Task SendTextAsync(WebSocket socket, string text) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);

    private static async Task<string> ReceiveTextAsync(WebSocket socket)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var buffer = new byte[64 * 1024];
        var result = await socket.ReceiveAsync(buffer, timeout.Token);
        Assert.True(result.EndOfMessage);
        return Encoding.UTF8.GetString(buffer, 0, result.Count);
    }

    private static async Task<string> ReceiveNonPingAsync(WebSocket socket)
    {
        while (true)
        {
            var text = await ReceiveTextAsync(socket);
            if (text == "2")
            {
                await SendTextAsync(socket, "3");
                continue;
            }
            if (text != "6")
            {
                return text;
            }
        }
    }
}
