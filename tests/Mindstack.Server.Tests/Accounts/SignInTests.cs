using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;

namespace Mindstack.Platform.Tests.Accounts;

/// <summary>Registration rules, password sign-in, access tokens and the failed-login lockout, over HTTP.</summary>
public sealed class SignInTests(AuthFactory factory) : IClassFixture<AuthFactory>
{
    private static readonly AuthRoutes.Api Swarm = AuthRoutes.MindSwarm;

    [Fact]
    public async Task Register_WeakPasswordAndBadUsername_MindSwarmValidationErrors()
    {
        using var response = await factory.SendAsync(HttpMethod.Post, $"{Swarm.BasePath}/__auth/register",
            new { email = "not-an-email", password = "short", username = "a!" });
        var (status, body) = await AuthFactory.ReadAsync(response);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.False(body.GetProperty("success").GetBoolean());
        Assert.Equal("VALIDATION_ERROR", body.GetProperty("code").GetString());
        var fields = body.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("field").GetString()).ToHashSet();
        Assert.Equal(["email", "password", "username"], fields.Order());

        // Long enough but no digit and no uppercase letter: two password errors.
        using var weak = await factory.SendAsync(HttpMethod.Post, $"{Swarm.BasePath}/__auth/register",
            new { email = AuthFactory.Unique() + "@example.com", password = "alllowercase", username = AuthFactory.Unique() });
        var (_, weakBody) = await AuthFactory.ReadAsync(weak);
        var messages = weakBody.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("message").GetString()).ToList();
        Assert.Contains("Password must contain an uppercase letter", messages);
        Assert.Contains("Password must contain a number", messages);
    }

    [Fact]
    public async Task Register_EmailOrUsernameTakenInAnyCase_Conflict()
    {
        var (email, username, password, _) = await factory.NewUserAsync(Swarm);
        using var sameEmail = await factory.SendAsync(HttpMethod.Post, $"{Swarm.BasePath}/__auth/register",
            new { email = email.ToUpperInvariant(), password, username = AuthFactory.Unique() });
        var (status, body) = await AuthFactory.ReadAsync(sameEmail);
        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Equal("EMAIL_TAKEN", body.GetProperty("code").GetString());

        using var sameName = await factory.SendAsync(HttpMethod.Post, $"{Swarm.BasePath}/__auth/register",
            new { email = AuthFactory.Unique() + "@example.com", password, username = username.ToUpperInvariant() });
        Assert.Equal("USERNAME_TAKEN", (await AuthFactory.ReadAsync(sameName)).Body.GetProperty("code").GetString());
    }

    [Fact]
    public async Task Login_ByEmailOrUsernameInAnyCase_JwtWithAudienceSubjectSessionAndLifetime()
    {
        var (email, username, password, registered) = await factory.NewUserAsync(Swarm);
        var byEmail = await factory.LoginAsync(Swarm, email.ToUpperInvariant(), password);
        var byName = await factory.LoginAsync(Swarm, username.ToUpperInvariant(), password);
        var accountId = registered.GetProperty("accountId").GetString()!;
        Assert.StartsWith("user_", accountId);
        Assert.Equal(accountId, byName.GetProperty("accountId").GetString());

        var claims = Payload(byEmail.GetProperty("accessToken").GetString()!);
        Assert.Equal("mindswarm", claims.GetProperty("aud").GetString());
        Assert.Equal(accountId, claims.GetProperty("sub").GetString());
        Assert.Equal(byEmail.GetProperty("sessionId").GetString(), claims.GetProperty("sid").GetString());
        Assert.Equal(15 * 60, claims.GetProperty("exp").GetInt64() - claims.GetProperty("iat").GetInt64());
        Assert.Equal(900, byEmail.GetProperty("expiresIn").GetInt32());

        var me = await factory.SendOkAsync(HttpMethod.Get, $"{Swarm.BasePath}/__auth/me", bearer: byEmail.GetProperty("accessToken").GetString());
        Assert.Equal(accountId, me.GetProperty("accountId").GetString());
        Assert.Equal("AccessToken", me.GetProperty("method").GetString());
        Assert.Equal(["user"], me.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
    }

    [Fact]
    public async Task Login_MindPeekerPolicy_TwentyFourHourTokenForItsAudienceOnly()
    {
        var email = AuthFactory.Unique() + "@example.com";
        var tokens = await factory.RegisterAsync(AuthRoutes.MindPeeker, email, "securePassword123");
        Assert.Equal(86400, tokens.GetProperty("expiresIn").GetInt32());
        var token = tokens.GetProperty("accessToken").GetString()!;
        Assert.Equal("mindpeeker", Payload(token).GetProperty("aud").GetString());

        // The same token on another API is somebody else's audience: invalid there.
        using var elsewhere = await factory.SendAsync(HttpMethod.Get, $"{AuthRoutes.MindMesh.BasePath}/__auth/me", bearer: token);
        var (status, body) = await AuthFactory.ReadAsync(elsewhere);
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("Invalid token", body.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Login_WrongPassword_InvalidCredentialsInEachDialect()
    {
        var (email, _, _, _) = await factory.NewUserAsync(Swarm);
        using var swarm = await factory.SendAsync(HttpMethod.Post, $"{Swarm.BasePath}/__auth/login", new { login = email, password = "WrongPass123!" });
        var (status, body) = await AuthFactory.ReadAsync(swarm);
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("INVALID_CREDENTIALS", body.GetProperty("code").GetString());
        Assert.Equal("Invalid email or password", body.GetProperty("error").GetString());

        using var peeker = await factory.SendAsync(HttpMethod.Post, $"{AuthRoutes.MindPeeker.BasePath}/__auth/login",
            new { login = "nobody@example.com", password = "whatever123" });
        var (peekerStatus, peekerBody) = await AuthFactory.ReadAsync(peeker);
        Assert.Equal(HttpStatusCode.Unauthorized, peekerStatus);
        Assert.Equal("INVALID_CREDENTIALS", peekerBody.GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task Me_ExpiredOrTamperedOrMissingToken_TokenExpiredOrUnauthorized()
    {
        var (_, _, _, tokens) = await factory.NewUserAsync(AuthRoutes.MindPeeker);
        var token = tokens.GetProperty("accessToken").GetString()!;
        var path = $"{AuthRoutes.MindPeeker.BasePath}/__auth/me";

        using var missing = await factory.SendAsync(HttpMethod.Get, path);
        Assert.Equal("TOKEN_INVALID", (await AuthFactory.ReadAsync(missing)).Body.GetProperty("error").GetProperty("code").GetString());

        var parts = token.Split('.');
        var tampered = parts[0] + "." + parts[1] + "." + (parts[2][0] == 'A' ? "B" : "A") + parts[2][1..];
        using var bad = await factory.SendAsync(HttpMethod.Get, path, bearer: tampered);
        Assert.Equal(HttpStatusCode.Unauthorized, bad.StatusCode);
        Assert.Equal("TOKEN_INVALID", (await AuthFactory.ReadAsync(bad)).Body.GetProperty("error").GetProperty("code").GetString());

        factory.Clock.Advance(TimeSpan.FromHours(24) + TimeSpan.FromSeconds(5));
        using var expired = await factory.SendAsync(HttpMethod.Get, path, bearer: token);
        var (status, body) = await AuthFactory.ReadAsync(expired);
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("TOKEN_EXPIRED", body.GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task Me_TokenVerifiedThenPastItsExpiry_TokenExpired()
    {
        // A verified token is remembered (its signature is not checked again); its expiry still is, on every use.
        var (_, _, _, tokens) = await factory.NewUserAsync(AuthRoutes.MindPeeker);
        var token = tokens.GetProperty("accessToken").GetString()!;
        var path = $"{AuthRoutes.MindPeeker.BasePath}/__auth/me";
        using var first = await factory.SendAsync(HttpMethod.Get, path, bearer: token);
        using var second = await factory.SendAsync(HttpMethod.Get, path, bearer: token);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);

        factory.Clock.Advance(TimeSpan.FromHours(24) + TimeSpan.FromSeconds(5));
        using var expired = await factory.SendAsync(HttpMethod.Get, path, bearer: token);

        var (status, body) = await AuthFactory.ReadAsync(expired);
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("TOKEN_EXPIRED", body.GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task Login_TenFailuresInFifteenMinutes_RefusedWithRetryAfterUntilWindowPasses()
    {
        var (email, username, password, _) = await factory.NewUserAsync(Swarm);
        for (var i = 0; i < 10; i++)
        {
            // Alternating email and username: both count against the one account.
            using var failed = await factory.SendAsync(HttpMethod.Post, $"{Swarm.BasePath}/__auth/login",
                new { login = i % 2 == 0 ? email : username, password = "WrongPass123!" });
            Assert.Equal(HttpStatusCode.Unauthorized, failed.StatusCode);
        }
        // Locked: even the right password is refused, with the time to wait.
        using var locked = await factory.SendAsync(HttpMethod.Post, $"{Swarm.BasePath}/__auth/login", new { login = email, password });
        var (status, body) = await AuthFactory.ReadAsync(locked);
        Assert.Equal(HttpStatusCode.TooManyRequests, status);
        Assert.Equal("RATE_LIMIT_EXCEEDED", body.GetProperty("code").GetString());
        var retryAfter = int.Parse(locked.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(retryAfter, 14 * 60, 15 * 60);

        // The failures are rows in the database, so every node sees the same count.
        var rows = await factory.WithDbAsync(db => db.Database.SqlQueryRaw<int>(
            "SELECT CAST(COUNT(*) AS INTEGER) AS \"Value\" FROM accounts_login_failures").SingleAsync());
        Assert.True(rows >= 10);

        factory.Clock.Advance(TimeSpan.FromSeconds(retryAfter + 1));
        await factory.LoginAsync(Swarm, email, password);
    }

    [Fact]
    public async Task Login_ConcurrentAttemptsAtTheLimit_NoMoreThanTheLimitCheckAPassword()
    {
        var (email, _, _, registered) = await factory.NewUserAsync(Swarm);
        var accountId = registered.GetProperty("accountId").GetString();
        for (var i = 0; i < 9; i++)
        {
            using var failed = await factory.SendAsync(HttpMethod.Post, $"{Swarm.BasePath}/__auth/login", new { login = email, password = "WrongPass123!" });
            Assert.Equal(HttpStatusCode.Unauthorized, failed.StatusCode);
        }

        // One place is left: of twelve wrong attempts at once, at most one may get to a password check.
        var statuses = await Task.WhenAll(Enumerable.Range(0, 12).Select(async _ =>
        {
            using var response = await factory.SendAsync(HttpMethod.Post, $"{Swarm.BasePath}/__auth/login", new { login = email, password = "WrongPass123!" });
            return response.StatusCode;
        }));
        Assert.InRange(statuses.Count(s => s == HttpStatusCode.Unauthorized), 0, 1);
        Assert.Equal(12, statuses.Count(s => s is HttpStatusCode.Unauthorized or HttpStatusCode.TooManyRequests));
        var rows = await factory.WithDbAsync(db => db.Database.SqlQueryRaw<int>(
            "SELECT CAST(COUNT(*) AS INTEGER) AS \"Value\" FROM accounts_login_failures WHERE login_key = {0}", "account:" + accountId + "|from:unknown").SingleAsync());
        Assert.InRange(rows, 9, 10);
    }

    [Fact]
    public async Task Login_TenFailuresFromOneAddress_OwnerFromAnotherAddressSignsInAndTheFirstStaysThrottled()
    {
        var (email, _, password, _) = await factory.NewUserAsync(Swarm);
        async Task<HttpStatusCode> LoginFromAsync(string address, string secret)
        {
            using var response = await factory.SendAsync(HttpMethod.Post, $"{Swarm.BasePath}/__auth/login", new { login = email, password = secret },
                headers: h => h.Add(AuthFactory.ClientAddressHeader, address));
            return response.StatusCode;
        }

        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, await LoginFromAsync("203.0.113.7", "WrongPass123!"));
        }
        Assert.Equal(HttpStatusCode.TooManyRequests, await LoginFromAsync("203.0.113.7", "WrongPass123!"));

        // The owner, elsewhere, is not locked out by the stranger's failures.
        Assert.Equal(HttpStatusCode.OK, await LoginFromAsync("198.51.100.20", password));
        // The stranger's address stays throttled, even with the right password.
        Assert.Equal(HttpStatusCode.TooManyRequests, await LoginFromAsync("203.0.113.7", password));

        // IPv6 counts per /64: another address of the same /64 is the same client, another /64 is not.
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, await LoginFromAsync("2001:db8:0:1::" + (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), "WrongPass123!"));
        }
        Assert.Equal(HttpStatusCode.TooManyRequests, await LoginFromAsync("2001:db8:0:1::ffff", password));
        Assert.Equal(HttpStatusCode.OK, await LoginFromAsync("2001:db8:0:2::1", password));
    }

    internal static JsonElement Payload(string jwt) => Segment(jwt.Split('.')[1]);

    /// <summary>One base64url JSON segment of a JWT.</summary>
    internal static JsonElement Segment(string base64Url)
    {
        var text = base64Url.Replace('-', '+').Replace('_', '/');
        text = text.PadRight(text.Length + (4 - text.Length % 4) % 4, '=');
        return JsonDocument.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(text))).RootElement.Clone();
    }
}
