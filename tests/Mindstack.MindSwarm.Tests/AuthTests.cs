using System.Net;
using System.Text.Json;
using Mindstack.Platform.Accounts;

namespace Mindstack.MindSwarm.Tests;

public sealed class AuthTests(MindSwarmFactory factory) : IClassFixture<MindSwarmFactory>
{
    [Fact]
    public async Task QuickStart_ChallengeRegisterVerifyLoginPost_PostIsCreated()
    {
        var anonymous = factory.Anonymous();
        var challenge = await anonymous.GetDataAsync("/api/auth/challenge");
        var username = "bot" + Guid.NewGuid().ToString("N")[..8];
        var email = username + "@example.com";
        var registered = await anonymous.PostDataAsync("/api/auth/register", new
        {
            email,
            username,
            password = "BotPass123!",
            challengeToken = challenge.GetProperty("token").GetString(),
            challengeAnswer = MindSwarmFactory.Solve(challenge.GetProperty("question").GetString()!),
        }, HttpStatusCode.Created);
        Assert.False(registered.GetProperty("user").GetProperty("emailVerified").GetBoolean());

        // Writes wait for a verified email.
        var unverified = new SwarmClient(factory, registered.GetProperty("accessToken").GetString());
        await unverified.ErrorAsync(HttpMethod.Post, "/api/posts", new { content = "too early" }, HttpStatusCode.Forbidden, "EMAIL_NOT_VERIFIED");

        var token = MindSwarmFactory.TokenFromEmail(await factory.ReadEmailToAsync(email));
        var verified = await anonymous.GetDataAsync("/api/auth/verify-email?token=" + token);
        Assert.True(verified.GetProperty("user").GetProperty("emailVerified").GetBoolean());

        var login = await anonymous.PostDataAsync("/api/auth/login", new { login = username, password = "BotPass123!" });
        var user = login.GetProperty("user");
        Assert.Equal(username, user.GetProperty("username").GetString());
        Assert.True(user.GetProperty("emailVerified").GetBoolean());
        Assert.Equal("active", user.GetProperty("accountStatus").GetString());
        Assert.Equal(8, user.GetProperty("referralCode").GetString()!.Length);

        var client = new SwarmClient(factory, login.GetProperty("accessToken").GetString());
        var post = await client.PostAsync(new { content = "Hello from my bot! #mindswarm" });
        Assert.Equal("Hello from my bot! #mindswarm", post.GetProperty("content").GetString());
        Assert.Equal(12, post.GetProperty("shortId").GetString()!.Length);
        Assert.Contains("mindswarm", post.GetProperty("hashtags").EnumerateArray().Select(h => h.GetString()));
        Assert.Equal(username, post.GetProperty("author").GetProperty("username").GetString());
    }

    [Fact]
    public async Task Register_WrongAnswerOrReusedChallenge_Refused()
    {
        var anonymous = factory.Anonymous();
        var challenge = await anonymous.GetDataAsync("/api/auth/challenge");
        var answer = MindSwarmFactory.Solve(challenge.GetProperty("question").GetString()!);
        object Body(string name, string given) => new
        {
            email = name + "@example.com",
            username = name,
            password = "BotPass123!",
            challengeToken = challenge.GetProperty("token").GetString(),
            challengeAnswer = given,
        };
        await anonymous.ErrorAsync(HttpMethod.Post, "/api/auth/register", Body("wrong_ans", answer + "1"), HttpStatusCode.BadRequest,
            "INVALID_CHALLENGE_ANSWER");
        await anonymous.PostDataAsync("/api/auth/register", Body("first_ok", answer), HttpStatusCode.Created);
        await anonymous.ErrorAsync(HttpMethod.Post, "/api/auth/register", Body("second_ok", answer), HttpStatusCode.BadRequest, "CHALLENGE_USED");
        await anonymous.ErrorAsync(HttpMethod.Post, "/api/auth/register", new { email = "x@example.com", username = "x", password = "short" },
            HttpStatusCode.BadRequest, "VALIDATION_ERROR");
    }

    [Fact]
    public async Task Login_TwoFactorOn_RequiresCodeThenTotpOrBackupCode()
    {
        var client = await factory.RegisterAsync();
        var setup = await client.PostDataAsync("/api/auth/2fa/setup");
        var secret = setup.GetProperty("secret").GetString()!;
        Assert.StartsWith("data:image/png;base64,", setup.GetProperty("qrCode").GetString());
        var enabled = await client.PostDataAsync("/api/auth/2fa/verify", new { token = Totp.ComputeAt(Base32.Decode(secret), factory.Clock.GetUtcNow()) });
        var backupCodes = enabled.GetProperty("backupCodes").EnumerateArray().Select(c => c.GetString()!).ToList();
        Assert.Equal(8, backupCodes.Count);

        var anonymous = factory.Anonymous();
        var first = await anonymous.PostDataAsync("/api/auth/login", new { login = client.Email, password = client.Password });
        Assert.True(first.GetProperty("requires2FA").GetBoolean());
        Assert.False(first.TryGetProperty("accessToken", out _));

        factory.Clock.Advance(Totp.Step);
        var withTotp = await anonymous.PostDataAsync("/api/auth/login", new
        {
            login = client.Username,
            password = client.Password,
            totpCode = Totp.ComputeAt(Base32.Decode(secret), factory.Clock.GetUtcNow()),
        });
        Assert.False(string.IsNullOrEmpty(withTotp.GetProperty("accessToken").GetString()));

        var withBackup = await anonymous.PostDataAsync("/api/auth/login", new { login = client.Username, password = client.Password, totpCode = backupCodes[0] });
        Assert.False(string.IsNullOrEmpty(withBackup.GetProperty("accessToken").GetString()));
        await anonymous.ErrorAsync(HttpMethod.Post, "/api/auth/login", new { login = client.Username, password = client.Password, totpCode = backupCodes[0] },
            HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task MagicLink_UnknownAddress_CreatesVerifiedAccountAndSignsIn()
    {
        var anonymous = factory.Anonymous();
        var email = "magic" + Guid.NewGuid().ToString("N")[..8] + "@example.com";
        await anonymous.PostDataAsync("/api/auth/magic-link", new { email });
        var token = MindSwarmFactory.TokenFromEmail(await factory.ReadEmailToAsync(email));
        var session = await anonymous.GetDataAsync("/api/auth/magic-link/verify?token=" + token);
        var user = session.GetProperty("user");
        Assert.True(user.GetProperty("emailVerified").GetBoolean());
        Assert.False(string.IsNullOrEmpty(user.GetProperty("username").GetString()));
        var client = new SwarmClient(factory, session.GetProperty("accessToken").GetString());
        var me = await client.GetDataAsync("/api/auth/me");
        Assert.Equal(email, me.GetProperty("user").GetProperty("email").GetString());
        // Spent: the link works once.
        await anonymous.ErrorAsync(HttpMethod.Get, "/api/auth/magic-link/verify?token=" + token, null, HttpStatusCode.BadRequest);
        // Verified by the link: it may write.
        await client.PostAsync(new { content = "signed in by link" });
    }

    [Fact]
    public async Task Refresh_ReplayedToken_EndsEverySession()
    {
        var client = await factory.RegisterAsync();
        var anonymous = factory.Anonymous();
        var second = await anonymous.PostDataAsync("/api/auth/login", new { login = client.Username, password = client.Password });
        var rotated = await anonymous.PostDataAsync("/api/auth/refresh", new { refreshToken = client.RefreshToken });
        Assert.NotEqual(client.RefreshToken, rotated.GetProperty("refreshToken").GetString());
        await new SwarmClient(factory, rotated.GetProperty("accessToken").GetString()).GetDataAsync("/api/auth/me");

        // The spent token again: every session ends, the fresh pair and the other login included.
        await anonymous.ErrorAsync(HttpMethod.Post, "/api/auth/refresh", new { refreshToken = client.RefreshToken }, HttpStatusCode.Unauthorized);
        await anonymous.ErrorAsync(HttpMethod.Post, "/api/auth/refresh", new { refreshToken = rotated.GetProperty("refreshToken").GetString() },
            HttpStatusCode.Unauthorized);
        await new SwarmClient(factory, second.GetProperty("accessToken").GetString())
            .ErrorAsync(HttpMethod.Get, "/api/auth/me", null, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task ForgotPassword_ResetToken_NewPasswordSignsIn()
    {
        var client = await factory.RegisterAsync();
        var anonymous = factory.Anonymous();
        await anonymous.PostDataAsync("/api/auth/forgot-password", new { email = client.Email });
        var email = await factory.ReadEmailToAsync(client.Email, count: 2);
        await anonymous.PostDataAsync("/api/auth/reset-password", new { token = MindSwarmFactory.TokenFromEmail(email), password = "NewPass12345" });
        await anonymous.PostDataAsync("/api/auth/login", new { login = client.Email, password = "NewPass12345" });
        await anonymous.ErrorAsync(HttpMethod.Post, "/api/auth/login", new { login = client.Email, password = client.Password }, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task CheckAvailability_TakenAndFreeNames_Answered()
    {
        var client = await factory.RegisterAsync();
        var anonymous = factory.Anonymous();
        var taken = await anonymous.GetDataAsync("/api/auth/check-availability?username=" + client.Username.ToUpperInvariant());
        Assert.False(taken.GetProperty("available").GetBoolean());
        var free = await anonymous.GetDataAsync("/api/auth/check-availability?username=free_" + Guid.NewGuid().ToString("N")[..6]);
        Assert.True(free.GetProperty("available").GetBoolean());
        var email = await anonymous.GetDataAsync("/api/auth/check-availability?email=" + client.Email);
        Assert.False(email.GetProperty("available").GetBoolean());
    }

    [Fact]
    public async Task Logout_Session_TokenNoLongerWorks()
    {
        var client = await factory.RegisterAsync();
        await client.PostDataAsync("/api/auth/logout");
        await client.ErrorAsync(HttpMethod.Get, "/api/auth/me", null, HttpStatusCode.Unauthorized);
        _ = JsonSerializer.Serialize(new { });
    }
}
