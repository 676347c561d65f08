using System.Net.WebSockets;

namespace Mindstack.MindPeeker.Tests;

/// <summary>On a real port with rate limits on, as deployed: the session socket's handshake limits.</summary>
public sealed class SocketLimitMindPeekerFactory : MindPeekerFactory
{
    public SocketLimitMindPeekerFactory()
    {
        UseKestrel(0);
        WithSetting("urls", "http://127.0.0.1:0");
        WithSetting("Mindstack:Limits:RateLimitsEnabled", "true");
    }
}

public sealed class SocketLimitTests(SocketLimitMindPeekerFactory factory) : IClassFixture<SocketLimitMindPeekerFactory>
{
    [Fact]
    public async Task WebSocket_TwentyFirstOpenSocket_429InMindPeekerShape_TwentyStayOpen_ClosingOneFreesASlot()
    {
        var user = await factory.RegisterUserAsync();
        var url = new Uri((await factory.CreateSessionAsync(user)).GetProperty("websocket_url").GetString()! + "?token=" + user.Token);
        var open = new List<ClientWebSocket>();
        try
        {
            for (var i = 0; i < 20; i++)
            {
                open.Add(await ConnectAsync(url));
            }

            using (var client = factory.CreateClient())
            using (var refused = await client.SendAsync(UpgradeRequest(url.PathAndQuery)))
            {
                var body = await MindPeekerFactory.AssertErrorAsync(refused, HttpStatusCode.TooManyRequests, "RATE_LIMIT_EXCEEDED");
                Assert.Contains("at most 20", body.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
            }
            foreach (var socket in open)
            {
                await AssertAnswersAsync(socket);
            }

            await open[0].CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
            open[0].Dispose();
            open.RemoveAt(0);
            open.Add((await Eventually.UntilAsync(() => TryConnectAsync(url), s => s is not null, "the closed socket's slot"))!);
            foreach (var socket in open)
            {
                await AssertAnswersAsync(socket);
            }
        }
        finally
        {
            open.ForEach(s => s.Dispose());
        }
    }

    [Fact]
    public async Task WebSocket_HandshakeBeyondTheTierLimit_429WithRetryAfter_HandshakesSpendTheSameBudget()
    {
        // The tier's windows are aligned to the clock minute: start early in one.
        while (DateTime.UtcNow.Second > 30)
        {
            await Task.Delay(250);
        }
        var user = await factory.RegisterUserAsync();
        var url = new Uri((await factory.CreateSessionAsync(user)).GetProperty("websocket_url").GetString()! + "?token=" + user.Token);

        // Each handshake is one request of the account's budget (basic: 100 a minute).
        var before = await RemainingAsync(user);
        for (var i = 0; i < 3; i++)
        {
            using var socket = await ConnectAsync(url);
            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
        }
        Assert.Equal(before - 4, await RemainingAsync(user));

        // Spend what is left with requests: the next handshake is refused, before any upgrade.
        while (true)
        {
            using var response = await factory.SendAsync(HttpMethod.Get, "/sessions", user.Token);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                break;
            }
        }
        using var client = factory.CreateClient();
        using var refused = await client.SendAsync(UpgradeRequest(url.PathAndQuery));
        Assert.True(refused.Headers.RetryAfter is not null, "no Retry-After");
        Assert.Equal("0", refused.Headers.GetValues("X-RateLimit-Remaining").Single());
        await MindPeekerFactory.AssertErrorAsync(refused, HttpStatusCode.TooManyRequests, "RATE_LIMIT_EXCEEDED");
    }

    private async Task<int> RemainingAsync(PeekerUser user)
    {
        using var response = await factory.SendAsync(HttpMethod.Get, "/users/me", user.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return int.Parse(response.Headers.GetValues("X-RateLimit-Remaining").Single(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task<ClientWebSocket> ConnectAsync(Uri url)
    {
        var socket = new ClientWebSocket();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await socket.ConnectAsync(url, timeout.Token);
        Assert.Equal("session.status", (await ReceiveAsync(socket)).GetProperty("type").GetString());
        return socket;
    }

    private static async Task<ClientWebSocket?> TryConnectAsync(Uri url)
    {
        try
        {
            return await ConnectAsync(url);
        }
        catch (WebSocketException)
        {
            return null;
        }
    }

    /// <summary>Open, and still served: <c>{"type":"status"}</c> gets the session's status.</summary>
    private static async Task AssertAnswersAsync(ClientWebSocket socket)
    {
        Assert.Equal(WebSocketState.Open, socket.State);
        await socket.SendAsync("{\"type\":\"status\"}"u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
        Assert.Equal("session.status", (await ReceiveAsync(socket)).GetProperty("type").GetString());
    }

    private static HttpRequestMessage UpgradeRequest(string pathAndQuery)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, pathAndQuery);
        request.Headers.Connection.Add("Upgrade");
        request.Headers.Upgrade.Add(new System.Net.Http.Headers.ProductHeaderValue("websocket"));
        request.Headers.Add("Sec-WebSocket-Version", "13");
        request.Headers.Add("Sec-WebSocket-Key", Convert.ToBase64String(Guid.NewGuid().ToByteArray()));
        return request;
    }

    private static async Task<JsonElement> ReceiveAsync(WebSocket socket)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, timeout.Token);
            Assert.NotEqual(WebSocketMessageType.Close, result.MessageType);
            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage)
            {
                return JsonDocument.Parse(message.ToArray()).RootElement.Clone();
            }
        }
    }
}
