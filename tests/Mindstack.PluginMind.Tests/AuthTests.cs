using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;

namespace Mindstack.PluginMind.Tests;

public sealed class AuthTests(PluginMindFactory factory) : IClassFixture<PluginMindFactory>
{
    private const string Base = PluginMindFactory.Base;

    [Fact]
    public async Task GoogleSignIn_Rs256Token_CreatesUserAndSetsSessionCookie()
    {
        using var client = factory.Browser();
        var token = factory.Google.IdToken("g-rs256", "ada@example.test", "Ada Lovelace");
        using var response = await client.PostAsJsonAsync($"{Base}/auth/google", new { id_token = token });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await factory.ReadJsonAsync(response);
        Assert.Equal("ok", body.GetProperty("status").GetString());
        var user = body.GetProperty("user");
        Assert.Equal("ada@example.test", user.GetProperty("email").GetString());
        Assert.Equal("Ada Lovelace", user.GetProperty("name").GetString());
        Assert.Equal("free", user.GetProperty("subscription_tier").GetString());
        Assert.Equal("user", user.GetProperty("role").GetString());
        Assert.True(user.GetProperty("is_active").GetBoolean());

        var cookie = response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("pm_session=", StringComparison.Ordinal));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("path=/", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=lax", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("max-age=86400", cookie, StringComparison.OrdinalIgnoreCase);
        // Development mode: no Secure flag, so http://localhost front ends work.
        Assert.DoesNotContain("secure", cookie, StringComparison.OrdinalIgnoreCase);

        using var me = await client.GetAsync($"{Base}/auth/me");
        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        Assert.Equal(user.GetProperty("id").GetString(), (await factory.ReadJsonAsync(me)).GetProperty("id").GetString());
    }

    [Fact]
    public async Task GoogleSignIn_SameGoogleUserTwice_SameAccountAndKeysFetchedOnce()
    {
        var (_, first) = await factory.SignInAsync("twice@example.test", "g-twice");
        var (_, second) = await factory.SignInAsync("twice@example.test", "g-twice");
        Assert.Equal(first.GetProperty("id").GetString(), second.GetProperty("id").GetString());
        // Keys are cached for the JWKS's max-age (an hour here): one fetch serves every sign-in.
        Assert.Equal(1, factory.Google.Fetches);
    }

    [Fact]
    public async Task GoogleSignIn_DevSecretToken_Accepted()
    {
        using var client = factory.Browser();
        using var response = await client.PostAsJsonAsync($"{Base}/auth/google",
            new { id_token = factory.Google.DevToken("g-dev", "dev@example.test") });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("dev@example.test", (await factory.ReadJsonAsync(response)).GetProperty("user").GetProperty("email").GetString());
    }

    public static TheoryData<string> BadTokens() =>
    [
        "not-a-jwt",
        "wrong-audience",
        "wrong-issuer",
        "expired",
        "foreign-key",
        "wrong-dev-secret",
    ];

    [Theory]
    [MemberData(nameof(BadTokens))]
    public async Task GoogleSignIn_BadToken_401AuthenticationFailed(string kind)
    {
        var google = factory.Google;
        var token = kind switch
        {
            "not-a-jwt" => "not-a-jwt",
            "wrong-audience" => google.IdToken("g-x", "x@example.test", audience: "someone-else"),
            "wrong-issuer" => google.IdToken("g-x", "x@example.test", issuer: "https://evil.example"),
            "expired" => google.IdToken("g-x", "x@example.test", expires: DateTime.UtcNow.AddHours(-2)),
            "foreign-key" => GoogleStandIn.ForeignToken("g-x", "x@example.test"),
            "wrong-dev-secret" => google.DevToken("g-x", "x@example.test", "another-secret-that-is-long-enough-0123456789"),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
        using var client = factory.Browser();
        using var response = await client.PostAsJsonAsync($"{Base}/auth/google", new { id_token = token });
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var error = (await factory.ReadJsonAsync(response)).GetProperty("error");
        Assert.Equal("AUTHENTICATION_FAILED", error.GetProperty("code").GetString());
        Assert.False(response.Headers.Contains("Set-Cookie"));
    }

    [Fact]
    public async Task GoogleSignIn_NoIdToken_422InvalidInput()
    {
        using var response = await factory.SendRawAsync(HttpMethod.Post, $"{Base}/auth/google", "{}");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("INVALID_INPUT", (await factory.ReadJsonAsync(response)).GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task Profiles_SignedIn_AnswerTheDocumentsShapes()
    {
        var (client, user) = await factory.SignInAsync("profile@example.test", "g-profile");
        var id = user.GetProperty("id").GetString();

        var me = await factory.ReadJsonAsync(await client.GetAsync($"{Base}/me"));
        Assert.Equal(id, me.GetProperty("id").GetString());
        Assert.Equal("g-profile", me.GetProperty("google_id").GetString());
        Assert.Equal("free", me.GetProperty("subscription_tier").GetString());
        Assert.True(me.GetProperty("is_active").GetBoolean());
        Assert.True(me.TryGetProperty("created_at", out _));

        foreach (var path in new[] { "/users/profile", "/profile" })
        {
            var profile = (await factory.ReadJsonAsync(await client.GetAsync(Base + path))).GetProperty("user");
            Assert.Equal(id, profile.GetProperty("id").GetString());
            Assert.Equal("profile@example.test", profile.GetProperty("email").GetString());
            Assert.Equal("https://example.test/g-profile.png", profile.GetProperty("picture").GetString());
        }

        var usage = await factory.ReadJsonAsync(await client.GetAsync($"{Base}/me/usage"));
        Assert.Equal(0, usage.GetProperty("queries_used").GetInt32());
        Assert.Equal(10, usage.GetProperty("queries_limit").GetInt32());
        Assert.Equal(10, usage.GetProperty("remaining_queries").GetInt32());
        Assert.Equal("free", usage.GetProperty("subscription_tier").GetString());
        Assert.True(usage.GetProperty("can_make_query").GetBoolean());
    }

    [Theory]
    [InlineData("/me")]
    [InlineData("/me/usage")]
    [InlineData("/users/profile")]
    [InlineData("/profile")]
    [InlineData("/auth/me")]
    [InlineData("/query-logs")]
    public async Task SessionRoutes_NoCookie_401HttpException(string path)
    {
        using var response = await factory.SendRawAsync(HttpMethod.Get, Base + path);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var error = (await factory.ReadJsonAsync(response)).GetProperty("error");
        Assert.Equal("HTTP_EXCEPTION", error.GetProperty("code").GetString());
        Assert.False(string.IsNullOrEmpty(error.GetProperty("correlation_id").GetString()));
    }

    [Fact]
    public async Task Logout_SignedIn_ClearsCookieAndEndsSessionServerSide()
    {
        var (client, _) = await factory.SignInAsync();
        var cookie = await StolenCookieAsync(client);

        using var logout = await client.PostAsync($"{Base}/auth/logout", null);
        Assert.Equal(HttpStatusCode.OK, logout.StatusCode);
        var cleared = logout.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("pm_session=", StringComparison.Ordinal));
        Assert.Contains("expires=Thu, 01 Jan 1970", cleared, StringComparison.OrdinalIgnoreCase);

        // A copy of the old cookie is worthless now: the session ended on the server.
        using var replay = await factory.SendRawAsync(HttpMethod.Get, $"{Base}/me", headers: h => h.Add("Cookie", $"pm_session={cookie}"));
        Assert.Equal(HttpStatusCode.Unauthorized, replay.StatusCode);
        Assert.Equal("AUTHENTICATION_FAILED", (await factory.ReadJsonAsync(replay)).GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task Validate_BearerGoogleToken_ValidWithUserId()
    {
        var (_, user) = await factory.SignInAsync("validate@example.test", "g-validate");
        using var client = factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{Base}/auth/validate");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", factory.Google.IdToken("g-validate", "validate@example.test"));
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await factory.ReadJsonAsync(response);
        Assert.True(body.GetProperty("valid").GetBoolean());
        Assert.Equal(user.GetProperty("id").GetString(), body.GetProperty("user_id").GetString());
        Assert.False(string.IsNullOrEmpty(body.GetProperty("message").GetString()));

        using var bad = new HttpRequestMessage(HttpMethod.Get, $"{Base}/auth/validate");
        bad.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "garbage");
        using var refused = await client.SendAsync(bad);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal("AUTHENTICATION_FAILED", (await factory.ReadJsonAsync(refused)).GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task QueryLogs_UserAndAdmin_ScopedToTheirRights()
    {
        var (user, profile) = await factory.SignInAsync();
        var (admin, adminProfile) = await factory.SignInAsync("admin@example.test");
        Assert.Equal("admin", adminProfile.GetProperty("role").GetString());

        using var own = await user.GetAsync($"{Base}/query-logs");
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        var body = await factory.ReadJsonAsync(own);
        Assert.Equal(0, body.GetProperty("total_logs").GetInt32());

        using var others = await user.GetAsync($"{Base}/query-logs?user_id={adminProfile.GetProperty("id").GetString()}");
        Assert.Equal(HttpStatusCode.Forbidden, others.StatusCode);

        using var asAdmin = await admin.GetAsync($"{Base}/query-logs?user_id={profile.GetProperty("id").GetString()}&limit=5");
        Assert.Equal(HttpStatusCode.OK, asAdmin.StatusCode);
    }

    private async Task<string> StolenCookieAsync(HttpClient client)
    {
        // The browser client keeps cookies to itself; ask the server which cookie it sees.
        using var sign = await client.PostAsJsonAsync($"{Base}/auth/google",
            new { id_token = factory.Google.IdToken("g-stolen", "stolen@example.test") });
        var header = sign.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("pm_session=", StringComparison.Ordinal));
        return header["pm_session=".Length..header.IndexOf(';')];
    }
}
