using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Mindstack.Platform.Tests.Http;

/// <summary>The server on a real Kestrel port, so what Kestrel itself does to a request is part of the answer.</summary>
public sealed class KestrelFactory : MindstackFactory
{
    public KestrelFactory()
    {
        UseKestrel(0);
        WithSetting("urls", "http://127.0.0.1:0");
    }
}

/// <summary>HEAD on every API's GET routes, and over-long URLs answered in each API's shape.</summary>
public sealed class HeadAndUrlLimitTests(KestrelFactory factory) : IClassFixture<KestrelFactory>
{
    /// <summary>Per API, a GET route (an unknown one where the API has none: HEAD is then 404 as GET is).</summary>
    public static TheoryData<string, string> GetRoutes => new()
    {
        { "platform", "/health" },
        { "mindpeeker", "/mindpeeker/v1/users/me" },
        { "mindra", "/mindra/health" },
        { "pluginmind", "/pluginmind/live" },
        { "pluginmind", "/pluginmind/version" },
        { "mindswarm", "/mindswarm/api/no/such/route" },
        { "mindmesh", "/mindmesh/health" },
    };

    [Theory]
    [MemberData(nameof(GetRoutes))]
    public async Task Head_GetRouteOfEachApi_SameStatusAndHeadersNoBody(string api, string path)
    {
        using var client = factory.CreateClient();
        using var get = await client.GetAsync(path);
        var getBody = await get.Content.ReadAsByteArrayAsync();
        using var head = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, path));
        var headBody = await head.Content.ReadAsByteArrayAsync();

        Assert.NotEqual(HttpStatusCode.MethodNotAllowed, head.StatusCode);
        Assert.True(get.StatusCode == head.StatusCode, $"{api} {path}: GET {get.StatusCode}, HEAD {head.StatusCode}");
        Assert.Empty(headBody);
        Assert.Equal(get.Content.Headers.ContentType?.MediaType, head.Content.Headers.ContentType?.MediaType);
        Assert.True(head.Headers.Contains("X-Request-ID"));
        // The length GET's body has (error bodies carry a fresh request id of the same length).
        if (get.Content.Headers.ContentLength is null || path.EndsWith("/live", StringComparison.Ordinal))
        {
            Assert.Equal(getBody.Length, head.Content.Headers.ContentLength);
        }
        else
        {
            Assert.True(head.Content.Headers.ContentLength > 0, $"{api} {path}: no Content-Length on HEAD");
        }
    }

    public static TheoryData<string, string> Apis => new()
    {
        { "mindpeeker", "/mindpeeker/v1/sessions" },
        { "mindra", "/mindra/v1/agents" },
        { "pluginmind", "/pluginmind/version" },
        { "mindswarm", "/mindswarm/api/posts" },
        { "mindmesh", "/mindmesh/goals" },
    };

    [Theory]
    [MemberData(nameof(Apis))]
    public async Task Get_UrlOver8Kb_414InTheApisShape(string api, string path)
    {
        using var client = factory.CreateClient();
        using var response = await client.GetAsync(path + "?q=" + new string('a', RequestLineLimit));
        Assert.Equal(HttpStatusCode.RequestUriTooLong, response.StatusCode);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var requestId = response.Headers.GetValues("X-Request-ID").Single();
        switch (api)
        {
            case "mindpeeker":
                Assert.False(body.GetProperty("success").GetBoolean());
                Assert.Equal(requestId, body.GetProperty("error").GetProperty("request_id").GetString());
                break;
            case "mindra":
                Assert.Equal("INVALID_REQUEST", body.GetProperty("error").GetString());
                Assert.Equal(requestId, body.GetProperty("requestId").GetString());
                break;
            case "pluginmind":
                Assert.Equal(requestId, body.GetProperty("error").GetProperty("correlation_id").GetString());
                break;
            case "mindswarm":
                Assert.False(body.GetProperty("success").GetBoolean());
                break;
            case "mindmesh":
                Assert.Contains("too long", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
                break;
        }

        // Just under the limit the request is served as usual.
        using var fits = await client.GetAsync("/mindra/health?q=" + new string('a', 8000));
        Assert.Equal(HttpStatusCode.OK, fits.StatusCode);
    }

    private const int RequestLineLimit = 8 * 1024;

    [Fact]
    public async Task Get_UrlOverKestrelsOwnLimit_Still414()
    {
        // Past what the server reads at all, Kestrel answers before any API is known: a bare 414.
        var (status, _) = await RawAsync($"GET /mindra/health?q={new string('a', 70 * 1024)} HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.Equal(414, status);
    }

    /// <summary>Sends bytes as they are (a client library would refuse or encode them) and reads the status and body.</summary>
    private async Task<(int Status, string Body)> RawAsync(string request)
    {
        using var client = factory.CreateClient();
        var address = client.BaseAddress!;
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(address.Host, address.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var text = await reader.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(30));
        var status = int.Parse(text.Split(' ', 3)[1], System.Globalization.CultureInfo.InvariantCulture);
        var split = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        return (status, split < 0 ? "" : text[(split + 4)..]);
    }
}
