using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Mindstack.Platform.Access;
using Mindstack.Platform.Accounts;
using Mindstack.Platform.Http;
using Mindstack.Platform.Tests.Accounts;

namespace Mindstack.Platform.Tests.Access;

/// <summary>Resolving the caller from each API's credentials, and the role/caller filters.</summary>
public sealed class CallerTests(AuthFactory factory) : IClassFixture<AuthFactory>
{
    [Fact]
    public async Task RequireCaller_NoCredential_UnauthorizedInEachApisShape()
    {
        foreach (var api in AuthRoutes.All)
        {
            using var response = await factory.SendAsync(HttpMethod.Get, $"{api.BasePath}/__auth/signed-in");
            var (status, body) = await AuthFactory.ReadAsync(response);
            Assert.Equal(HttpStatusCode.Unauthorized, status);
            var code = api.Name switch
            {
                "mindswarm" => body.GetProperty("code").GetString(),
                "mindra" => body.GetProperty("error").GetString(),
                "mindpeeker" => body.GetProperty("error").GetProperty("code").GetString(),
                "pluginmind" => body.GetProperty("error").GetProperty("code").GetString(),
                _ => body.GetProperty("detail").GetString(),
            };
            Assert.Equal(api.Name switch
            {
                "mindswarm" => "UNAUTHORIZED",
                "mindra" => "UNAUTHORIZED",
                "mindpeeker" => "TOKEN_INVALID",
                "pluginmind" => "AUTHENTICATION_FAILED",
                _ => "Authentication required",
            }, code);
        }
    }

    [Fact]
    public async Task Anonymous_OptionalEndpoint_NullCallerButBadCredentialRefused()
    {
        var anonymous = await factory.SendOkAsync(HttpMethod.Get, $"{AuthRoutes.MindMesh.BasePath}/__auth/anyone");
        Assert.Equal(System.Text.Json.JsonValueKind.Null, anonymous.GetProperty("caller").ValueKind);
        using var bad = await factory.SendAsync(HttpMethod.Get, $"{AuthRoutes.MindMesh.BasePath}/__auth/anyone", bearer: "not-a-jwt");
        Assert.Equal(HttpStatusCode.Unauthorized, bad.StatusCode);
        // Code that only asks who is calling, if anyone (a rate limiter), gets null for a bad credential.
        var maybe = await factory.SendOkAsync(HttpMethod.Get, $"{AuthRoutes.MindMesh.BasePath}/__auth/maybe", bearer: "not-a-jwt");
        Assert.Equal(System.Text.Json.JsonValueKind.Null, maybe.GetProperty("caller").ValueKind);
        using var basic = await factory.SendAsync(HttpMethod.Get, $"{AuthRoutes.MindMesh.BasePath}/__auth/anyone",
            headers: h => h.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic", "dXNlcjpwYXNz"));
        Assert.Equal(HttpStatusCode.Unauthorized, basic.StatusCode);
    }

    [Fact]
    public async Task RequireRole_UserModeratorAdmin_RanksHonoured()
    {
        var (_, _, _, tokens) = await factory.NewUserAsync(AuthRoutes.MindPeeker);
        var access = tokens.GetProperty("accessToken").GetString();
        var accountId = tokens.GetProperty("accountId").GetString()!;
        using (var response = await factory.SendAsync(HttpMethod.Get, $"{AuthRoutes.MindPeeker.BasePath}/__auth/admin-only", bearer: access))
        {
            var (status, body) = await AuthFactory.ReadAsync(response);
            Assert.Equal(HttpStatusCode.Forbidden, status);
            Assert.Equal("INSUFFICIENT_PERMISSIONS", body.GetProperty("error").GetProperty("code").GetString());
        }

        await using (var scope = factory.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<IAccountService>().SetRoleAsync(accountId, AccountRoles.Moderator);
        }
        // Roles are read on every request, so the same token now carries the new role.
        await factory.SendOkAsync(HttpMethod.Get, $"{AuthRoutes.MindPeeker.BasePath}/__auth/moderators", bearer: access);
        using (var response = await factory.SendAsync(HttpMethod.Get, $"{AuthRoutes.MindPeeker.BasePath}/__auth/admin-only", bearer: access))
        {
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        }

        await using (var scope = factory.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<IAccountService>().SetRoleAsync(accountId, AccountRoles.Admin);
        }
        var admin = await factory.SendOkAsync(HttpMethod.Get, $"{AuthRoutes.MindPeeker.BasePath}/__auth/admin-only", bearer: access);
        Assert.Equal(["admin", "moderator", "user"], admin.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        await factory.SendOkAsync(HttpMethod.Get, $"{AuthRoutes.MindPeeker.BasePath}/__auth/moderators", bearer: access);
    }

    [Fact]
    public async Task Suspended_Account_TokensAndSignInRefused()
    {
        var (email, _, password, tokens) = await factory.NewUserAsync(AuthRoutes.MindSwarm);
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<IAccountService>().SetStatusAsync(tokens.GetProperty("accountId").GetString()!, AccountStatus.Suspended);
        }
        using var me = await factory.SendAsync(HttpMethod.Get, $"{AuthRoutes.MindSwarm.BasePath}/__auth/me", bearer: tokens.GetProperty("accessToken").GetString());
        Assert.Equal(HttpStatusCode.Unauthorized, me.StatusCode);
        using var login = await factory.SendAsync(HttpMethod.Post, $"{AuthRoutes.MindSwarm.BasePath}/__auth/login", new { login = email, password });
        var (status, body) = await AuthFactory.ReadAsync(login);
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Equal("Account unavailable", body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Cookie_PluginMindSession_AuthenticatesFromPmSession()
    {
        var email = AuthFactory.Unique() + "@example.com";
        await factory.RegisterAsync(AuthRoutes.PluginMind, email, "password123");
        using var login = await factory.SendAsync(HttpMethod.Post, $"{AuthRoutes.PluginMind.BasePath}/__auth/login", new { login = email, password = "password123" });
        var setCookie = login.Headers.GetValues("Set-Cookie").Single();
        Assert.StartsWith("pm_session=", setCookie);
        Assert.Contains("httponly", setCookie, StringComparison.OrdinalIgnoreCase);
        var cookie = setCookie[..setCookie.IndexOf(';')];

        var me = await factory.SendOkAsync(HttpMethod.Get, $"{AuthRoutes.PluginMind.BasePath}/__auth/me", headers: h => h.Add("Cookie", cookie));
        Assert.Equal("Cookie", me.GetProperty("method").GetString());
        Assert.Equal("pluginmind", me.GetProperty("api").GetString());
        using var bad = await factory.SendAsync(HttpMethod.Get, $"{AuthRoutes.PluginMind.BasePath}/__auth/me", headers: h => h.Add("Cookie", "pm_session=garbage"));
        var (status, body) = await AuthFactory.ReadAsync(bad);
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("AUTHENTICATION_FAILED", body.GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task AuthenticateToken_RawTokenOrKeyForSockets_CallerOrProblem()
    {
        var (_, _, _, tokens) = await factory.NewUserAsync(AuthRoutes.MindSwarm);
        var access = tokens.GetProperty("accessToken").GetString()!;
        var key = (await factory.SendOkAsync(HttpMethod.Post, $"{AuthRoutes.MindSwarm.BasePath}/__auth/keys", new { name = "socket" }, access))
            .GetProperty("key").GetString()!;
        await using var scope = factory.Services.CreateAsyncScope();
        var authenticator = scope.ServiceProvider.GetRequiredService<ICallerAuthenticator>();

        var byToken = await authenticator.AuthenticateTokenAsync(AuthRoutes.MindSwarm.Credentials, access);
        Assert.Equal(tokens.GetProperty("accountId").GetString(), byToken.AccountId);
        Assert.Equal(tokens.GetProperty("sessionId").GetString(), byToken.SessionId);
        var byKey = await authenticator.AuthenticateTokenAsync(AuthRoutes.MindSwarm.Credentials, key);
        Assert.Equal(CallerMethod.ApiKey, byKey.Method);

        var wrongAudience = await Assert.ThrowsAsync<Problem>(() => authenticator.AuthenticateTokenAsync(AuthRoutes.MindMesh.Credentials, access));
        Assert.Equal(ProblemKind.Unauthorized, wrongAudience.Kind);
        factory.Clock.Advance(TimeSpan.FromMinutes(16));
        var expired = await Assert.ThrowsAsync<Problem>(() => authenticator.AuthenticateTokenAsync(AuthRoutes.MindSwarm.Credentials, access));
        Assert.Equal(ProblemKind.TokenExpired, expired.Kind);
    }
}
