using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Mindstack.Platform.Events;
using Mindstack.Platform.Http;
using Mindstack.Platform.Realtime.Json;
using Mindstack.Platform.Realtime.SocketIo;
using Mindstack.Platform.Storage;
using Mindstack.Platform.Tests.Accounts;

namespace Mindstack.Platform.Tests.Realtime;

/// <summary>Sockets inside MindPeeker's path, authenticated by the platform's default authenticator.</summary>
public sealed class AccountSocketRoutes : IEndpointContributor
{
    public const string JsonPath = "/mindpeeker/v1/__rt/ws";
    public const string SocketIoPath = "/mindpeeker/v1/__rt/socket.io";

    public void Map(IEndpointRouteBuilder routes)
    {
        routes.MapJsonSocket(JsonPath);
        // Inside MindMesh's and MindSwarm's paths: their Dialects' credentials apply.
        routes.MapJsonSocket("/mindmesh/__rt/ws");
        routes.MapSocketIo("/mindswarm/api/__rt/socket.io");
        routes.MapSocketIo(SocketIoPath, io => io.On("whoami", (socket, _, _) => ValueTask.FromResult<object?>(new
        {
            subject = socket.Caller.SubjectId,
            channels = socket.Channels.ToArray(),
            method = socket.Caller.Attributes["method"],
        })));
    }
}

/// <summary>A real server whose sockets use the accounts' tokens (no test authenticator).</summary>
public class AccountRealtimeFactory : RealtimeFactory
{
    public AccountRealtimeFactory()
        : base(testAuthenticator: false)
    {
        WithSetting("Mindstack:Realtime:ProbeApi", "mindpeeker");
        WithServices(s =>
        {
            s.AddSingleton<IEndpointContributor, AuthRoutes>();
            s.AddSingleton<IEndpointContributor, AccountSocketRoutes>();
        });
    }

    /// <summary>Registers a MindPeeker account through the test auth routes: (account id, access token).</summary>
    public async Task<(string AccountId, string Token)> NewAccountAsync(string basePath = "/mindpeeker/v1")
    {
        using var client = Http();
        var name = AuthFactory.Unique("rt");
        using var response = await client.PostAsJsonAsync($"{basePath}/__auth/register",
            new { email = name + "@example.com", password = "SecurePass123!", username = name });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(response.IsSuccessStatusCode, body.ToString());
        return (body.GetProperty("accountId").GetString()!, body.GetProperty("accessToken").GetString()!);
    }

    public async Task PublishEventAsync(NewEvent newEvent)
    {
        await using var scope = Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<IEventOutbox>().Publish(newEvent);
        await scope.ServiceProvider.GetRequiredService<MindstackDbContext>().SaveChangesAsync();
    }
}

public sealed class RealtimeAuthTests(AccountRealtimeFactory factory) : IClassFixture<AccountRealtimeFactory>
{
    [Fact]
    public async Task JsonSocket_AccessToken_JoinsAccountAndReceivesItsEvents()
    {
        var (accountId, token) = await factory.NewAccountAsync();
        using var socket = await factory.ConnectJsonAsync($"{AccountSocketRoutes.JsonPath}?token={token}");

        await factory.PublishEventAsync(new NewEvent("session.completed", "session", "s_" + accountId)
        {
            AccountId = accountId,
            Data = new { SessionId = "s1" },
        });

        var frame = await JsonFrames.ReceiveAsync(socket);
        Assert.Equal("session.completed", frame.GetProperty("type").GetString());
        Assert.Equal("s1", frame.GetProperty("data").GetProperty("sessionId").GetString());
    }

    [Fact]
    public async Task JsonSocket_BearerHeader_Connects()
    {
        var (accountId, token) = await factory.NewAccountAsync();
        using var socket = await factory.ConnectJsonAsync(AccountSocketRoutes.JsonPath, bearer: token);
        await factory.Publisher.PublishAsync("account:" + accountId, "ping.me", new { Ok = true });
        Assert.True((await JsonFrames.ReceiveAsync(socket)).GetProperty("data").GetProperty("ok").GetBoolean());
    }

    [Fact]
    public async Task JsonSocket_BadToken_Refused401InApiShape()
    {
        using var client = factory.Http();
        using var refused = await client.SendAsync(JsonFrames.UpgradeRequest($"{AccountSocketRoutes.JsonPath}?token=not-a-jwt"));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        var body = await refused.Content.ReadFromJsonAsync<JsonElement>();
        // MindPeeker's error shape: {success: false, error: {code, message…}}.
        Assert.False(body.GetProperty("success").GetBoolean());
        Assert.Equal("Invalid token", body.GetProperty("error").GetProperty("message").GetString());
    }

    [Fact]
    public async Task JsonSocket_NoToken_Refused401()
    {
        using var client = factory.Http();
        using var refused = await client.SendAsync(JsonFrames.UpgradeRequest(AccountSocketRoutes.JsonPath));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    [Fact]
    public async Task SocketIo_AccessToken_ConnectsAndReceivesAccountEvent()
    {
        var (accountId, token) = await factory.NewAccountAsync();
        await using var client = SocketIoNodeClient.Start(factory.BaseAddress, AccountSocketRoutes.SocketIoPath, token);
        await client.WaitForKindAsync("connect");
        var whoami = await client.EmitWithAckAsync("whoami");
        Assert.Equal(accountId, whoami[0].GetProperty("subject").GetString());
        Assert.Equal("account:" + accountId, whoami[0].GetProperty("channels")[0].GetString());
        Assert.Equal("AccessToken", whoami[0].GetProperty("method").GetString());

        await factory.PublishEventAsync(new NewEvent("notification", "account", accountId) { AccountId = accountId, Data = new { Text = "hi" } });
        var received = await client.WaitForEventAsync("notification");
        Assert.Equal("hi", received.GetProperty("args")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task SocketIo_BadToken_ConnectErrorWithApiCode()
    {
        await using var client = SocketIoNodeClient.Start(factory.BaseAddress, AccountSocketRoutes.SocketIoPath, "not-a-jwt", transports: ["websocket"]);
        var error = await client.WaitForKindAsync("connect_error");
        Assert.Equal("Invalid token", error.GetProperty("message").GetString());
        Assert.Equal(401, error.GetProperty("data").GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(error.GetProperty("data").GetProperty("code").GetString()));
        Assert.DoesNotContain(client.Lines, l => l.GetProperty("kind").GetString() == "connect");
    }

    [Fact]
    public async Task SocketIo_RevokedSession_Refused()
    {
        var (_, token) = await factory.NewAccountAsync();
        using (var http = factory.Http())
        {
            using var logout = new HttpRequestMessage(HttpMethod.Post, "/mindpeeker/v1/__auth/logout");
            logout.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
            using var response = await http.SendAsync(logout);
            Assert.True(response.IsSuccessStatusCode);
        }
        await using var client = SocketIoNodeClient.Start(factory.BaseAddress, AccountSocketRoutes.SocketIoPath, token, transports: ["polling"]);
        var error = await client.WaitForKindAsync("connect_error");
        Assert.Equal("Session has been revoked", error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task ProbeRoutes_EventPostedWithToken_ReachesTheCallersProbeSocket()
    {
        var (_, token) = await factory.NewAccountAsync();
        using var socket = await factory.ConnectJsonAsync("/realtime-probe/ws", bearer: token);
        using var client = factory.Http();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/realtime-probe/events")
        {
            Content = JsonContent.Create(new { type = "probe.ping", data = new { n = 7 } }),
        };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);

        var frame = await JsonFrames.ReceiveAsync(socket);
        Assert.Equal("probe.ping", frame.GetProperty("type").GetString());
        Assert.Equal(7, frame.GetProperty("data").GetProperty("n").GetInt32());
    }

    [Fact]
    public async Task ProbeRoutes_EventWithoutCredential_Refused401()
    {
        using var client = factory.Http();
        using var response = await client.PostAsJsonAsync("/realtime-probe/events", new { type = "probe.ping" });
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task MindMeshSocket_MindMeshToken_Connects_MindPeekerTokenRefused()
    {
        var (accountId, token) = await factory.NewAccountAsync("/mindmesh");
        using var socket = await factory.ConnectJsonAsync($"/mindmesh/__rt/ws?token={token}");
        await factory.Publisher.PublishAsync("account:" + accountId, "run.update", new { Status = "running" });
        Assert.Equal("run.update", (await JsonFrames.ReceiveAsync(socket)).GetProperty("type").GetString());

        // A token of another API's audience is no MindMesh credential; the refusal is MindMesh's {detail}.
        var (_, other) = await factory.NewAccountAsync();
        using var client = factory.Http();
        using var refused = await client.SendAsync(JsonFrames.UpgradeRequest($"/mindmesh/__rt/ws?token={other}"));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.True((await refused.Content.ReadFromJsonAsync<JsonElement>()).TryGetProperty("detail", out _));
    }

    [Fact]
    public async Task MindSwarmSocketIo_JwtAndMskKey_BothConnect()
    {
        var (accountId, token) = await factory.NewAccountAsync("/mindswarm/api");
        await using (var client = SocketIoNodeClient.Start(factory.BaseAddress, "/mindswarm/api/__rt/socket.io", token))
        {
            await client.WaitForKindAsync("connect");
        }
        using var http = factory.Http();
        using var create = new HttpRequestMessage(HttpMethod.Post, "/mindswarm/api/__auth/keys")
        {
            Content = JsonContent.Create(new { name = "rt", permissions = new[] { "read" } }),
        };
        create.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        using var created = await http.SendAsync(create);
        var key = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString()!;
        Assert.StartsWith("msk_", key, StringComparison.Ordinal);
        await using var keyed = SocketIoNodeClient.Start(factory.BaseAddress, "/mindswarm/api/__rt/socket.io", key, transports: ["websocket"]);
        await keyed.WaitForKindAsync("connect");
        await factory.Publisher.PublishAsync("account:" + accountId, "notification", new { Text = "via key" });
        var received = await keyed.WaitForEventAsync("notification");
        Assert.Equal("via key", received.GetProperty("args")[0].GetProperty("text").GetString());
    }
}
