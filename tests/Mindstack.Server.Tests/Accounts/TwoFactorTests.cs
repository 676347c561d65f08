using System.Net;
using Microsoft.EntityFrameworkCore;
using Mindstack.Platform.Accounts;

namespace Mindstack.Platform.Tests.Accounts;

/// <summary>TOTP 2FA over HTTP: setup, enabling with a code, sign-in with a code or a one-time backup code, disabling.</summary>
public sealed class TwoFactorTests(AuthFactory factory) : IClassFixture<AuthFactory>
{
    private static readonly AuthRoutes.Api Swarm = AuthRoutes.MindSwarm;

    private string CodeNow(string secret) => Totp.ComputeAt(Base32.Decode(secret), factory.Clock.GetUtcNow());

    /// <summary>Moves to the next 30-second step, so a new code is not a replay of the last one accepted.</summary>
    private void NextStep() => factory.Clock.Advance(Totp.Step);

    [Fact]
    public async Task Setup_NewSecret_OtpauthUriAndQrPng()
    {
        var (_, username, _, tokens) = await factory.NewUserAsync(Swarm);
        var setup = await factory.SendOkAsync(HttpMethod.Post, $"{Swarm.BasePath}/__auth/2fa/setup", bearer: tokens.GetProperty("accessToken").GetString());
        var secret = setup.GetProperty("secret").GetString()!;
        Assert.Equal(20, Base32.Decode(secret).Length);
        Assert.Equal($"otpauth://totp/MindSwarm:{username}?secret={secret}&issuer=MindSwarm&algorithm=SHA1&digits=6&period=30",
            setup.GetProperty("uri").GetString());
        var qr = setup.GetProperty("qrCode").GetString()!;
        Assert.StartsWith("data:image/png;base64,", qr);
        var png = Convert.FromBase64String(qr["data:image/png;base64,".Length..]);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
    }

    [Fact]
    public async Task Login_TwoFactorOn_AsksForCodeThenAcceptsTotpAndEachBackupCodeOnce()
    {
        var (email, _, password, tokens) = await factory.NewUserAsync(Swarm);
        var access = tokens.GetProperty("accessToken").GetString();
        var setup = await factory.SendOkAsync(HttpMethod.Post, $"{Swarm.BasePath}/__auth/2fa/setup", bearer: access);
        var secret = setup.GetProperty("secret").GetString()!;

        using var wrong = await factory.SendAsync(HttpMethod.Post, $"{Swarm.BasePath}/__auth/2fa/verify", new { token = "000000" }, access);
        Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);

        // otplib, an independent implementation, makes the code that turns 2FA on.
        var otplibCode = await Otplib.Node("generate", secret,
            factory.Clock.GetUtcNow().ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture));
        var enabled = await factory.SendOkAsync(HttpMethod.Post, $"{Swarm.BasePath}/__auth/2fa/verify", new { token = otplibCode }, access);
        var backupCodes = enabled.GetProperty("backupCodes").EnumerateArray().Select(c => c.GetString()!).ToList();
        Assert.Equal(8, backupCodes.Count);
        Assert.Equal(8, backupCodes.Distinct().Count());

        // Password alone now only asks for the second factor.
        var asked = await factory.LoginAsync(Swarm, email, password);
        Assert.True(asked.GetProperty("requires2FA").GetBoolean());
        Assert.False(asked.TryGetProperty("accessToken", out _));

        // The code that enabled 2FA cannot be used again (replay); the next step's code works.
        using var replay = await factory.SendAsync(HttpMethod.Post, $"{Swarm.BasePath}/__auth/login", new { login = email, password, code = otplibCode });
        Assert.Equal(HttpStatusCode.Unauthorized, replay.StatusCode);
        NextStep();
        var signedIn = await factory.LoginAsync(Swarm, email, password, CodeNow(secret));
        Assert.True(signedIn.TryGetProperty("accessToken", out _));

        // A backup code works once, with or without its dash and in any case.
        await factory.LoginAsync(Swarm, email, password, backupCodes[0].Replace("-", "", StringComparison.Ordinal).ToLowerInvariant());
        using var reused = await factory.SendAsync(HttpMethod.Post, $"{Swarm.BasePath}/__auth/login", new { login = email, password, code = backupCodes[0] });
        var (status, body) = await AuthFactory.ReadAsync(reused);
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("INVALID_2FA_CODE", body.GetProperty("code").GetString());
        await factory.LoginAsync(Swarm, email, password, backupCodes[1]);

        // No backup code is stored as itself.
        var stored = await factory.WithDbAsync(db =>
            db.Database.SqlQueryRaw<string>("SELECT code_hash AS \"Value\" FROM accounts_backup_codes").ToListAsync());
        Assert.DoesNotContain(stored, h => backupCodes.Any(c => h.Contains(c.Replace("-", "", StringComparison.Ordinal), StringComparison.OrdinalIgnoreCase)));
    }

    [Fact]
    public async Task Disable_WithPasswordAndCode_PasswordAloneSignsInAgain()
    {
        var (email, _, password, tokens) = await factory.NewUserAsync(Swarm);
        var access = tokens.GetProperty("accessToken").GetString();
        var secret = (await factory.SendOkAsync(HttpMethod.Post, $"{Swarm.BasePath}/__auth/2fa/setup", bearer: access)).GetProperty("secret").GetString()!;
        await factory.SendOkAsync(HttpMethod.Post, $"{Swarm.BasePath}/__auth/2fa/verify", new { token = CodeNow(secret) }, access);
        NextStep();

        using var noPassword = await factory.SendAsync(HttpMethod.Post, $"{Swarm.BasePath}/__auth/2fa/disable", new { password = "WrongPass123!", token = CodeNow(secret) }, access);
        Assert.Equal(HttpStatusCode.Unauthorized, noPassword.StatusCode);
        await factory.SendOkAsync(HttpMethod.Post, $"{Swarm.BasePath}/__auth/2fa/disable", new { password, token = CodeNow(secret) }, access);

        var signedIn = await factory.LoginAsync(Swarm, email, password);
        Assert.True(signedIn.TryGetProperty("accessToken", out _));
    }
}
