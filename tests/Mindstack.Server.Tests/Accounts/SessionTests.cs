using System.Net;

namespace Mindstack.Platform.Tests.Accounts;

/// <summary>Refresh-token rotation and replay, session caps, logout and revocation, over HTTP.</summary>
public sealed class SessionTests(AuthFactory factory) : IClassFixture<AuthFactory>
{
    private static readonly AuthRoutes.Api Swarm = AuthRoutes.MindSwarm;
    private static readonly AuthRoutes.Api Mesh = AuthRoutes.MindMesh;

    [Fact]
    public async Task Refresh_SpentTokenReplayed_MindSwarmEndsEverySession()
    {
        var (email, _, password, first) = await factory.NewUserAsync(Swarm);
        var other = await factory.LoginAsync(Swarm, email, password);

        var rotated = await factory.SendOkAsync(HttpMethod.Post, $"{Swarm.BasePath}/__auth/refresh", new { token = first.GetProperty("refreshToken").GetString() });
        Assert.NotEqual(first.GetProperty("refreshToken").GetString(), rotated.GetProperty("refreshToken").GetString());
        Assert.Equal(first.GetProperty("sessionId").GetString(), rotated.GetProperty("sessionId").GetString());
        await factory.SendOkAsync(HttpMethod.Get, $"{Swarm.BasePath}/__auth/me", bearer: rotated.GetProperty("accessToken").GetString());

        // The spent token again: 401, and every session of the account is over.
        using var replay = await factory.SendAsync(HttpMethod.Post, $"{Swarm.BasePath}/__auth/refresh", new { token = first.GetProperty("refreshToken").GetString() });
        var (status, body) = await AuthFactory.ReadAsync(replay);
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.False(body.GetProperty("success").GetBoolean());

        foreach (var access in new[] { rotated.GetProperty("accessToken").GetString(), other.GetProperty("accessToken").GetString() })
        {
            using var me = await factory.SendAsync(HttpMethod.Get, $"{Swarm.BasePath}/__auth/me", bearer: access);
            Assert.Equal(HttpStatusCode.Unauthorized, me.StatusCode);
        }
        foreach (var refresh in new[] { rotated.GetProperty("refreshToken").GetString(), other.GetProperty("refreshToken").GetString() })
        {
            using var again = await factory.SendAsync(HttpMethod.Post, $"{Swarm.BasePath}/__auth/refresh", new { token = refresh });
            Assert.Equal(HttpStatusCode.Unauthorized, again.StatusCode);
        }
    }

    [Fact]
    public async Task Refresh_SpentTokenReplayed_MindMeshEndsOnlyThatFamily()
    {
        var email = AuthFactory.Unique() + "@example.com";
        var first = await factory.RegisterAsync(Mesh, email, "secure_password");
        var other = await factory.LoginAsync(Mesh, email, "secure_password");
        var rotated = await factory.SendOkAsync(HttpMethod.Post, $"{Mesh.BasePath}/__auth/refresh", new { token = first.GetProperty("refreshToken").GetString() });

        using var replay = await factory.SendAsync(HttpMethod.Post, $"{Mesh.BasePath}/__auth/refresh", new { token = first.GetProperty("refreshToken").GetString() });
        Assert.Equal(HttpStatusCode.Unauthorized, replay.StatusCode);
        Assert.Contains("already been used", (await AuthFactory.ReadAsync(replay)).Body.GetProperty("detail").GetString());

        using var family = await factory.SendAsync(HttpMethod.Get, $"{Mesh.BasePath}/__auth/me", bearer: rotated.GetProperty("accessToken").GetString());
        Assert.Equal(HttpStatusCode.Unauthorized, family.StatusCode);
        await factory.SendOkAsync(HttpMethod.Get, $"{Mesh.BasePath}/__auth/me", bearer: other.GetProperty("accessToken").GetString());
        await factory.SendOkAsync(HttpMethod.Post, $"{Mesh.BasePath}/__auth/refresh", new { token = other.GetProperty("refreshToken").GetString() });
    }

    [Fact]
    public async Task Refresh_ConcurrentUsesOfOneToken_ExactlyOneSucceeds()
    {
        var email = AuthFactory.Unique() + "@example.com";
        var tokens = await factory.RegisterAsync(Mesh, email, "secure_password");
        var refresh = tokens.GetProperty("refreshToken").GetString();
        var attempts = await Task.WhenAll(Enumerable.Range(0, 6).Select(async _ =>
        {
            using var response = await factory.SendAsync(HttpMethod.Post, $"{Mesh.BasePath}/__auth/refresh", new { token = refresh });
            return response.StatusCode;
        }));
        Assert.Equal(1, attempts.Count(s => s == HttpStatusCode.OK));
        Assert.Equal(5, attempts.Count(s => s == HttpStatusCode.Unauthorized));
    }

    [Fact]
    public async Task Refresh_ExpiredRefreshToken_Unauthorized()
    {
        var email = AuthFactory.Unique() + "@example.com";
        var tokens = await factory.RegisterAsync(Mesh, email, "secure_password");
        factory.Clock.Advance(TimeSpan.FromDays(7) + TimeSpan.FromMinutes(1));
        using var response = await factory.SendAsync(HttpMethod.Post, $"{Mesh.BasePath}/__auth/refresh", new { token = tokens.GetProperty("refreshToken").GetString() });
        var (status, body) = await AuthFactory.ReadAsync(response);
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("Refresh token expired", body.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Login_FourthSessionOnMindSwarm_OldestEnded()
    {
        var (email, _, password, first) = await factory.NewUserAsync(Swarm);
        var second = await factory.LoginAsync(Swarm, email, password);
        var third = await factory.LoginAsync(Swarm, email, password);
        var fourth = await factory.LoginAsync(Swarm, email, password);

        using var oldest = await factory.SendAsync(HttpMethod.Get, $"{Swarm.BasePath}/__auth/me", bearer: first.GetProperty("accessToken").GetString());
        Assert.Equal(HttpStatusCode.Unauthorized, oldest.StatusCode);
        Assert.Equal("Session has been revoked", (await AuthFactory.ReadAsync(oldest)).Body.GetProperty("error").GetString());
        using var oldestRefresh = await factory.SendAsync(HttpMethod.Post, $"{Swarm.BasePath}/__auth/refresh", new { token = first.GetProperty("refreshToken").GetString() });
        Assert.Equal(HttpStatusCode.Unauthorized, oldestRefresh.StatusCode);

        var sessions = await factory.SendOkAsync(HttpMethod.Get, $"{Swarm.BasePath}/__auth/sessions", bearer: fourth.GetProperty("accessToken").GetString());
        var ids = sessions.EnumerateArray().Select(s => s.GetProperty("id").GetString()).ToList();
        Assert.Equal([fourth, third, second], ids.Select(id => new[] { fourth, third, second }.Single(t => t.GetProperty("sessionId").GetString() == id)));
        Assert.True(sessions[0].GetProperty("current").GetBoolean());
    }

    [Fact]
    public async Task Logout_OneSession_ItsTokensStopAndOthersWork()
    {
        var (email, _, password, first) = await factory.NewUserAsync(Swarm);
        var second = await factory.LoginAsync(Swarm, email, password);
        await factory.SendOkAsync(HttpMethod.Post, $"{Swarm.BasePath}/__auth/logout", bearer: first.GetProperty("accessToken").GetString());

        using var me = await factory.SendAsync(HttpMethod.Get, $"{Swarm.BasePath}/__auth/me", bearer: first.GetProperty("accessToken").GetString());
        Assert.Equal(HttpStatusCode.Unauthorized, me.StatusCode);
        using var refresh = await factory.SendAsync(HttpMethod.Post, $"{Swarm.BasePath}/__auth/refresh", new { token = first.GetProperty("refreshToken").GetString() });
        Assert.Equal(HttpStatusCode.Unauthorized, refresh.StatusCode);
        await factory.SendOkAsync(HttpMethod.Get, $"{Swarm.BasePath}/__auth/me", bearer: second.GetProperty("accessToken").GetString());

        // Revoking another session by id, from the list.
        var third = await factory.LoginAsync(Swarm, email, password);
        await factory.SendOkAsync(HttpMethod.Delete, $"{Swarm.BasePath}/__auth/sessions/{second.GetProperty("sessionId").GetString()}",
            bearer: third.GetProperty("accessToken").GetString());
        using var revoked = await factory.SendAsync(HttpMethod.Get, $"{Swarm.BasePath}/__auth/me", bearer: second.GetProperty("accessToken").GetString());
        Assert.Equal(HttpStatusCode.Unauthorized, revoked.StatusCode);
        using var notMine = await factory.SendAsync(HttpMethod.Delete, $"{Swarm.BasePath}/__auth/sessions/sess_nope",
            bearer: third.GetProperty("accessToken").GetString());
        Assert.Equal(HttpStatusCode.NotFound, notMine.StatusCode);
    }
}
