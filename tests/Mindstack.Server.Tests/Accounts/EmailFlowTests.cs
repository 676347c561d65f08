using System.Net;
using System.Text.RegularExpressions;

namespace Mindstack.Platform.Tests.Accounts;

/// <summary>Magic links, password reset and email verification, read from the outbox's .eml files.</summary>
public sealed class EmailFlowTests(AuthFactory factory) : IClassFixture<AuthFactory>
{
    private static readonly AuthRoutes.Api Swarm = AuthRoutes.MindSwarm;

    [Fact]
    public async Task MagicLink_NewAddress_EmailedLinkCreatesVerifiedAccountOnce()
    {
        var email = AuthFactory.Unique("new.person") + "@example.com";
        await factory.SendOkAsync(HttpMethod.Post, $"{Swarm.BasePath}/__auth/magic-link", new { email });
        var message = await factory.ReadEmailToAsync(email);

        // An RFC 5322 message with the headers a mail client needs.
        var headers = message[..message.IndexOf("\r\n\r\n", StringComparison.Ordinal)];
        Assert.Matches(new Regex(@"^Date: \w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} \+0000$", RegexOptions.Multiline), headers.Replace("\r", ""));
        Assert.Contains("From: Mindstack <no-reply@mindstack.local>\r\n", headers);
        Assert.Contains($"To: {email}\r\n", headers);
        Assert.Contains("Subject: Your MindSwarm sign-in link\r\n", headers);
        Assert.Matches(new Regex(@"Message-ID: <[0-9a-f]{32}@mindstack\.local>"), headers);
        Assert.Contains("MIME-Version: 1.0\r\n", headers);
        Assert.Contains("Content-Type: text/plain; charset=utf-8", headers);

        var token = AuthFactory.TokenFromEmail(message);
        var tokens = await factory.SendOkAsync(HttpMethod.Get, $"{Swarm.BasePath}/__auth/magic-link/verify?token={token}");
        var me = await factory.SendOkAsync(HttpMethod.Get, $"{Swarm.BasePath}/__auth/me", bearer: tokens.GetProperty("accessToken").GetString());
        Assert.True(me.GetProperty("emailVerified").GetBoolean());

        using var again = await factory.SendAsync(HttpMethod.Get, $"{Swarm.BasePath}/__auth/magic-link/verify?token={token}");
        Assert.Equal(HttpStatusCode.BadRequest, again.StatusCode);
        Assert.Equal("INVALID_TOKEN", (await AuthFactory.ReadAsync(again)).Body.GetProperty("code").GetString());
    }

    [Fact]
    public async Task MagicLink_ExistingAccountAfterExpiry_Refused()
    {
        var (email, _, _, registered) = await factory.NewUserAsync(Swarm);
        await factory.SendOkAsync(HttpMethod.Post, $"{Swarm.BasePath}/__auth/magic-link", new { email });
        var token = AuthFactory.TokenFromEmail(await factory.ReadEmailToAsync(email));
        factory.Clock.Advance(TimeSpan.FromMinutes(16));
        using var late = await factory.SendAsync(HttpMethod.Get, $"{Swarm.BasePath}/__auth/magic-link/verify?token={token}");
        Assert.Equal(HttpStatusCode.BadRequest, late.StatusCode);

        await factory.SendOkAsync(HttpMethod.Post, $"{Swarm.BasePath}/__auth/magic-link", new { email });
        var fresh = AuthFactory.TokenFromEmail(await factory.ReadEmailToAsync(email, count: 2));
        var tokens = await factory.SendOkAsync(HttpMethod.Get, $"{Swarm.BasePath}/__auth/magic-link/verify?token={fresh}");
        Assert.Equal(registered.GetProperty("accountId").GetString(), tokens.GetProperty("accountId").GetString());
    }

    [Fact]
    public async Task ResetPassword_EmailedToken_NewPasswordWorksOldFailsSessionsEnded()
    {
        var (email, _, password, tokens) = await factory.NewUserAsync(Swarm);
        await factory.SendOkAsync(HttpMethod.Post, $"{Swarm.BasePath}/__auth/forgot-password", new { email });
        var message = await factory.ReadEmailToAsync(email);
        Assert.Contains("Subject: Reset your MindSwarm password", message);
        var token = AuthFactory.TokenFromEmail(message);

        // A password the policy refuses does not spend the link.
        using var weak = await factory.SendAsync(HttpMethod.Post, $"{Swarm.BasePath}/__auth/reset-password", new { token, password = "weak" });
        Assert.Equal(HttpStatusCode.BadRequest, weak.StatusCode);
        await factory.SendOkAsync(HttpMethod.Post, $"{Swarm.BasePath}/__auth/reset-password", new { token, password = "BrandNewPass456" });

        using var old = await factory.SendAsync(HttpMethod.Post, $"{Swarm.BasePath}/__auth/login", new { login = email, password });
        Assert.Equal(HttpStatusCode.Unauthorized, old.StatusCode);
        await factory.LoginAsync(Swarm, email, "BrandNewPass456");
        using var ended = await factory.SendAsync(HttpMethod.Get, $"{Swarm.BasePath}/__auth/me", bearer: tokens.GetProperty("accessToken").GetString());
        Assert.Equal(HttpStatusCode.Unauthorized, ended.StatusCode);
        using var twice = await factory.SendAsync(HttpMethod.Post, $"{Swarm.BasePath}/__auth/reset-password", new { token, password = "AnotherPass789" });
        Assert.Equal(HttpStatusCode.BadRequest, twice.StatusCode);
    }

    [Fact]
    public async Task ForgotPassword_UnknownAddress_SameAnswerAndNoEmail()
    {
        var email = AuthFactory.Unique() + "@example.com";
        await factory.SendOkAsync(HttpMethod.Post, $"{Swarm.BasePath}/__auth/forgot-password", new { email });
        Assert.Equal(0, factory.CountEmailsTo(email));
    }

    [Fact]
    public async Task VerifyEmail_EmailedToken_AccountVerified()
    {
        var (email, _, _, tokens) = await factory.NewUserAsync(Swarm);
        var access = tokens.GetProperty("accessToken").GetString();
        Assert.False((await factory.SendOkAsync(HttpMethod.Get, $"{Swarm.BasePath}/__auth/me", bearer: access)).GetProperty("emailVerified").GetBoolean());
        await factory.SendOkAsync(HttpMethod.Post, $"{Swarm.BasePath}/__auth/resend-verification", bearer: access);
        var token = AuthFactory.TokenFromEmail(await factory.ReadEmailToAsync(email));
        var verified = await factory.SendOkAsync(HttpMethod.Get, $"{Swarm.BasePath}/__auth/verify-email?token={token}");
        Assert.True(verified.GetProperty("emailVerified").GetBoolean());
        Assert.True((await factory.SendOkAsync(HttpMethod.Get, $"{Swarm.BasePath}/__auth/me", bearer: access)).GetProperty("emailVerified").GetBoolean());
    }
}
