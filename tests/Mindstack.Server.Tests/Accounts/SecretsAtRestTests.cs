using System.Net;
using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Mindstack.Platform.Accounts;
using Mindstack.Platform.Storage;

namespace Mindstack.Platform.Tests.Accounts;

/// <summary>A node of a deployment whose nodes share one database (and its master key).</summary>
public sealed class AuthNode(TestDatabase sharedDatabase) : AuthFactory(sharedDatabase);

/// <summary>
/// The JWT signing key and TOTP secrets are stored encrypted with Data Protection, whose key ring
/// is in the database under a master key from configuration or the data folder's 0600 file.
/// </summary>
public sealed class SecretsAtRestTests(AuthFactory factory) : IClassFixture<AuthFactory>
{
    private static readonly AuthRoutes.Api Swarm = AuthRoutes.MindSwarm;

    [Fact]
    public async Task TotpSecret_Stored_ColumnIsNotThePlainSecret()
    {
        var (_, _, _, tokens) = await factory.NewUserAsync(Swarm);
        var access = tokens.GetProperty("accessToken").GetString();
        var secret = (await factory.SendOkAsync(HttpMethod.Post, $"{Swarm.BasePath}/__auth/2fa/setup", bearer: access))
            .GetProperty("secret").GetString()!;
        var pending = await StoredTotpAsync(factory, "two_factor_pending_secret", tokens.GetProperty("accountId").GetString()!);
        AssertEncrypted(pending, secret);

        await factory.SendOkAsync(HttpMethod.Post, $"{Swarm.BasePath}/__auth/2fa/verify",
            new { token = Totp.ComputeAt(Base32.Decode(secret), factory.Clock.GetUtcNow()) }, access);
        var enabled = await StoredTotpAsync(factory, "two_factor_secret", tokens.GetProperty("accountId").GetString()!);
        AssertEncrypted(enabled, secret);
    }

    [Fact]
    public void Start_NoMasterKeyConfigured_KeyFileCreatedOwnerOnly()
    {
        _ = factory.Server;
        var path = Path.Combine(factory.Database.DataDirectory, DataProtectionAtRest.MasterKeyFile);
        Assert.True(File.Exists(path), "no master key file in the data folder");
        Assert.Equal(32, Convert.FromBase64String(File.ReadAllText(path).Trim()).Length);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }
    }

    [Fact]
    public async Task DataProtectionProvider_AnyModule_ProtectsAndStoresKeyRingEncrypted()
    {
        // The standard interface, as a module injects it.
        var protector = factory.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("tests.connector-tokens");
        Assert.Equal("hunter2", protector.Unprotect(protector.Protect("hunter2")));

        var ring = await factory.WithDbAsync(db => db.Database.SqlQueryRaw<string>("SELECT xml AS \"Value\" FROM dataprotection_keys").ToListAsync());
        Assert.NotEmpty(ring);
        Assert.All(ring, xml =>
        {
            Assert.Contains("<mindstackMasterKey", xml, StringComparison.Ordinal);
            Assert.DoesNotContain("<value>", xml, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task TwoNodes_OneDatabase_VerifyEachOthersTokens()
    {
        using var database = MindstackFactory.CreateDatabase();
        await using var nodeA = new AuthNode(database);
        await using var nodeB = new AuthNode(database);
        var (email, _, password, tokens) = await nodeA.NewUserAsync(Swarm);
        using var onB = await nodeB.SendAsync(HttpMethod.Get, $"{Swarm.BasePath}/__auth/me", bearer: tokens.GetProperty("accessToken").GetString());
        Assert.Equal(HttpStatusCode.OK, onB.StatusCode);

        var fromB = await nodeB.LoginAsync(Swarm, email, password);
        using var onA = await nodeA.SendAsync(HttpMethod.Get, $"{Swarm.BasePath}/__auth/me", bearer: fromB.GetProperty("accessToken").GetString());
        Assert.Equal(HttpStatusCode.OK, onA.StatusCode);
    }

    [Fact]
    public async Task Start_WrongMasterKey_RefusesNamingTheSettingAndWritesNothing()
    {
        using var database = MindstackFactory.CreateDatabase();
        await using var first = new AuthNode(database);
        await first.NewUserAsync(Swarm);
        var ringBefore = await first.WithDbAsync(db => db.Database.SqlQueryRaw<string>("SELECT xml AS \"Value\" FROM dataprotection_keys").ToListAsync());

        await using var wrong = new AuthNode(database);
        wrong.WithSetting(DataProtectionAtRest.MasterKeySetting, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        var failure = Assert.ThrowsAny<Exception>(() => wrong.Server);
        Assert.Contains("Mindstack:DataProtection:MasterKey", failure.ToString(), StringComparison.Ordinal);
        Assert.Contains("another master key", failure.ToString(), StringComparison.Ordinal);

        var ringAfter = await first.WithDbAsync(db => db.Database.SqlQueryRaw<string>("SELECT xml AS \"Value\" FROM dataprotection_keys").ToListAsync());
        Assert.Equal(ringBefore, ringAfter);
    }

    [Fact]
    public void Start_MalformedMasterKey_RefusesNamingTheSetting()
    {
        using var bad = new AuthFactory();
        bad.WithSetting(DataProtectionAtRest.MasterKeySetting, Convert.ToBase64String(new byte[16]));
        var failure = Assert.ThrowsAny<Exception>(() => bad.Server);
        Assert.Contains("Mindstack:DataProtection:MasterKey must be base64 of exactly 32 bytes", failure.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_PlainSecretsStoredTheOldWay_EncryptedAtStartAndTwoFactorSignInWorks()
    {
        using var database = MindstackFactory.CreateDatabase();
        string email, password, secret, userId, access, signingKey;
        await using (var old = new AuthNode(database))
        {
            (email, _, password, var tokens) = await old.NewUserAsync(Swarm);
            userId = tokens.GetProperty("accountId").GetString()!;
            access = tokens.GetProperty("accessToken").GetString()!;
            secret = (await old.SendOkAsync(HttpMethod.Post, $"{Swarm.BasePath}/__auth/2fa/setup", bearer: access)).GetProperty("secret").GetString()!;
            await old.SendOkAsync(HttpMethod.Post, $"{Swarm.BasePath}/__auth/2fa/verify",
                new { token = Totp.ComputeAt(Base32.Decode(secret), old.Clock.GetUtcNow()) }, access);

            // As a version before encryption stored them: the TOTP secret and the signing key in plain text.
            var storedKey = await old.WithDbAsync(db => db.Database.SqlQueryRaw<string>(
                "SELECT value AS \"Value\" FROM accounts_secrets WHERE name = 'jwt_signing_key'").SingleAsync());
            signingKey = old.Services.GetRequiredService<AccountSecretProtector>().RevealSigningKey(storedKey);
            await old.WithDbAsync(async db =>
            {
                await db.Database.ExecuteSqlAsync($"UPDATE accounts_accounts SET two_factor_secret = {secret} WHERE id = {userId}");
                return await db.Database.ExecuteSqlAsync($"UPDATE accounts_secrets SET value = {signingKey} WHERE name = 'jwt_signing_key'");
            });
        }

        await using var upgraded = new AuthNode(database);
        upgraded.Clock.Advance(Totp.Step * 2);
        // The start encrypted both, and nothing was lost.
        AssertEncrypted(await StoredTotpAsync(upgraded, "two_factor_secret", userId), secret);
        var key = await upgraded.WithDbAsync(db => db.Database.SqlQueryRaw<string>(
            "SELECT value AS \"Value\" FROM accounts_secrets WHERE name = 'jwt_signing_key'").SingleAsync());
        AssertEncrypted(key, signingKey);

        using var me = await upgraded.SendAsync(HttpMethod.Get, $"{Swarm.BasePath}/__auth/me", bearer: access);
        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        var asked = await upgraded.LoginAsync(Swarm, email, password);
        Assert.True(asked.GetProperty("requires2FA").GetBoolean());
        var signedIn = await upgraded.LoginAsync(Swarm, email, password, Totp.ComputeAt(Base32.Decode(secret), upgraded.Clock.GetUtcNow()));
        Assert.True(signedIn.TryGetProperty("accessToken", out _));
    }

    private static Task<string> StoredTotpAsync(AuthFactory node, string column, string accountId) =>
        node.WithDbAsync(db => (column == "two_factor_secret"
            ? db.Database.SqlQuery<string>($"SELECT two_factor_secret AS \"Value\" FROM accounts_accounts WHERE id = {accountId}")
            : db.Database.SqlQuery<string>($"SELECT two_factor_pending_secret AS \"Value\" FROM accounts_accounts WHERE id = {accountId}"))
            .SingleAsync());

    private static void AssertEncrypted(string stored, string plain)
    {
        Assert.StartsWith("dp1:", stored, StringComparison.Ordinal);
        Assert.DoesNotContain(plain, stored, StringComparison.Ordinal);
    }
}
