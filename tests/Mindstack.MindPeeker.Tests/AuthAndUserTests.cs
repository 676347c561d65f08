namespace Mindstack.MindPeeker.Tests;

public sealed class AuthAndUserTests(MindPeekerFactory factory) : IClassFixture<MindPeekerFactory>
{
    [Fact]
    public async Task Register_ValidBody_UserWithTokenAndIncludedCredits()
    {
        var user = await factory.RegisterUserAsync("professional");
        var me = await factory.ReadJsonAsync(await factory.SendAsync(HttpMethod.Get, "/users/me", user.Token));
        var data = me.GetProperty("data");
        Assert.True(me.GetProperty("success").GetBoolean());
        Assert.Equal(user.Id, data.GetProperty("id").GetString());
        Assert.Equal("professional", data.GetProperty("tier").GetString());
        Assert.Equal(1000, data.GetProperty("credits").GetInt64());
        Assert.Equal(0, data.GetProperty("usage_stats").GetProperty("total_sessions").GetInt32());
        Assert.True(data.GetProperty("preferences").GetProperty("notifications").GetBoolean());
    }

    [Fact]
    public async Task Register_MissingEmailOrBadTier_422()
    {
        await MindPeekerFactory.AssertErrorAsync(
            await factory.SendAsync(HttpMethod.Post, "/auth/register", null, new { username = "abc", password = "securePassword123" }),
            HttpStatusCode.UnprocessableEntity, "MISSING_REQUIRED_FIELD");
        await MindPeekerFactory.AssertErrorAsync(
            await factory.SendAsync(HttpMethod.Post, "/auth/register", null, new { email = "x@example.com", username = "abcd", password = "securePassword123", tier = "gold" }),
            HttpStatusCode.UnprocessableEntity, "INVALID_FIELD_VALUE");
        await MindPeekerFactory.AssertErrorAsync(
            await factory.SendRawAsync(HttpMethod.Post, MindPeekerFactory.Base + "/auth/register", "{not json"),
            HttpStatusCode.BadRequest, "INVALID_REQUEST_BODY");
    }

    [Fact]
    public async Task Login_RightAndWrongPassword_TokenOr401()
    {
        var user = await factory.RegisterUserAsync();
        var ok = await factory.SendAsync(HttpMethod.Post, "/auth/login", null, new { email = user.Email, password = "securePassword123" });
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        var data = (await factory.ReadJsonAsync(ok)).GetProperty("data");
        Assert.Equal(86400, data.GetProperty("expires_in").GetInt32());
        Assert.Equal("basic", data.GetProperty("user").GetProperty("tier").GetString());
        await MindPeekerFactory.AssertErrorAsync(
            await factory.SendAsync(HttpMethod.Post, "/auth/login", null, new { email = user.Email, password = "wrongPassword1" }),
            HttpStatusCode.Unauthorized, "INVALID_CREDENTIALS");
    }

    [Fact]
    public async Task RefreshAndLogout_RotateThenRevoke_OldTokenRefused()
    {
        var user = await factory.RegisterUserAsync();
        var refreshed = await factory.SendAsync(HttpMethod.Post, "/auth/refresh", null, new { refresh_token = user.RefreshToken });
        Assert.Equal(HttpStatusCode.OK, refreshed.StatusCode);
        var token = (await factory.ReadJsonAsync(refreshed)).GetProperty("data").GetProperty("token").GetString()!;
        Assert.Equal(HttpStatusCode.OK, (await factory.SendAsync(HttpMethod.Get, "/users/me", token)).StatusCode);

        var logout = await factory.SendAsync(HttpMethod.Post, "/auth/logout", token);
        Assert.Equal("Logout successful", (await factory.ReadJsonAsync(logout)).GetProperty("message").GetString());
        await MindPeekerFactory.AssertErrorAsync(await factory.SendAsync(HttpMethod.Get, "/users/me", token), HttpStatusCode.Unauthorized, "TOKEN_INVALID");
    }

    [Fact]
    public async Task UsersMe_NoOrBadCredential_401()
    {
        await MindPeekerFactory.AssertErrorAsync(await factory.SendAsync(HttpMethod.Get, "/users/me", null), HttpStatusCode.Unauthorized, "TOKEN_INVALID");
        await MindPeekerFactory.AssertErrorAsync(await factory.SendAsync(HttpMethod.Get, "/users/me", "not.a.jwt"), HttpStatusCode.Unauthorized, "TOKEN_INVALID");
    }

    [Fact]
    public async Task UsersMe_ApiKeyHeader_Authenticates()
    {
        var user = await factory.RegisterUserAsync();
        var key = await factory.CreateApiKeyAsync(user);
        var response = await factory.SendAsync(HttpMethod.Get, "/users/me", null, headers: h =>
        {
            h.Add("X-API-Key", key);
            h.Add("X-Client-Version", "2024-01-01");
        });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(user.Id, (await factory.ReadJsonAsync(response)).GetProperty("data").GetProperty("id").GetString());
    }

    [Fact]
    public async Task UpdateProfile_UsernameAndPreferences_Persisted()
    {
        var user = await factory.RegisterUserAsync();
        var name = "n" + Guid.NewGuid().ToString("N")[..10];
        var response = await factory.SendAsync(HttpMethod.Put, "/users/me", user.Token,
            new { username = name, preferences = new { notifications = false, theme = "light", language = "es" } });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var me = (await factory.ReadJsonAsync(await factory.SendAsync(HttpMethod.Get, "/users/me", user.Token))).GetProperty("data");
        Assert.Equal(name, me.GetProperty("username").GetString());
        Assert.Equal("es", me.GetProperty("preferences").GetProperty("language").GetString());
        Assert.False(me.GetProperty("preferences").GetProperty("notifications").GetBoolean());
        await MindPeekerFactory.AssertErrorAsync(
            await factory.SendAsync(HttpMethod.Put, "/users/me", user.Token, new { preferences = new { theme = "neon" } }),
            HttpStatusCode.UnprocessableEntity, "INVALID_FIELD_VALUE");
    }

    [Fact]
    public async Task Stats_AfterSessions_ComputedCountsAndBreakdown()
    {
        var user = await factory.RegisterUserAsync();
        await factory.CreateSessionAsync(user, "dowsing");
        await factory.CreateSessionAsync(user, "precognition");
        var response = await factory.SendAsync(HttpMethod.Get, "/users/me/stats?period=week", user.Token);
        var data = (await factory.ReadJsonAsync(response)).GetProperty("data");
        Assert.Equal("week", data.GetProperty("period").GetString());
        Assert.Equal(2, data.GetProperty("sessions").GetProperty("total").GetInt32());
        Assert.Equal(2, data.GetProperty("sessions").GetProperty("pending").GetInt32());
        Assert.Equal(100 - 8 - 12, data.GetProperty("credits_remaining").GetInt64());
        Assert.Equal(1, data.GetProperty("session_types").GetProperty("dowsing").GetInt32());
        Assert.Equal(2, data.GetProperty("daily_breakdown")[0].GetProperty("sessions").GetInt32());

        var ranged = await factory.SendAsync(HttpMethod.Get, "/users/me/stats?start_date=2000-01-01&end_date=2000-01-31", user.Token);
        Assert.Equal(0, (await factory.ReadJsonAsync(ranged)).GetProperty("data").GetProperty("sessions").GetProperty("total").GetInt32());
        await MindPeekerFactory.AssertErrorAsync(await factory.SendAsync(HttpMethod.Get, "/users/me/stats?period=decade", user.Token),
            HttpStatusCode.UnprocessableEntity, "INVALID_FIELD_VALUE");
    }

    [Fact]
    public async Task Admin_UserOrAdmin_403OrRealFigures()
    {
        var user = await factory.RegisterUserAsync();
        await MindPeekerFactory.AssertErrorAsync(await factory.SendAsync(HttpMethod.Get, "/admin/system/status", user.Token),
            HttpStatusCode.Forbidden, "INSUFFICIENT_PERMISSIONS");
        await factory.MakeAdminAsync(user);
        var status = (await factory.ReadJsonAsync(await factory.SendAsync(HttpMethod.Get, "/admin/system/status", user.Token))).GetProperty("data");
        Assert.Equal("healthy", status.GetProperty("services").GetProperty("database").GetString());
        Assert.True(status.GetProperty("metrics").GetProperty("memory_usage").GetDouble() > 0);
        var analytics = (await factory.ReadJsonAsync(await factory.SendAsync(HttpMethod.Get, "/admin/analytics/users?period=month&tier=basic", user.Token))).GetProperty("data");
        Assert.True(analytics.GetProperty("total_users").GetInt32() >= 1);
        Assert.Equal(analytics.GetProperty("total_users").GetInt32(), analytics.GetProperty("tier_distribution").GetProperty("basic").GetInt32());
    }
}
