using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Mindstack.Platform.Accounts;
using Mindstack.Platform.Storage;

namespace Mindstack.Platform.Tests.Accounts;

public sealed class ConfiguredKeyFactory : AuthFactory
{
    public static readonly byte[] Key = RandomNumberGenerator.GetBytes(48);

    public ConfiguredKeyFactory() => WithSetting("Mindstack:Auth:SigningKey", Convert.ToBase64String(Key));
}

/// <summary>Access tokens are HS256 with the configured key, or with one generated once and kept in the database.</summary>
public sealed class SigningKeyTests(AuthFactory generated, ConfiguredKeyFactory configured) : IClassFixture<AuthFactory>, IClassFixture<ConfiguredKeyFactory>
{
    [Fact]
    public async Task Token_ConfiguredKey_Hs256SignatureVerifiesIndependently()
    {
        var (_, _, _, tokens) = await configured.NewUserAsync(AuthRoutes.MindMesh);
        var token = tokens.GetProperty("accessToken").GetString()!;
        Assert.True(SignedWith(token, ConfiguredKeyFactory.Key));
        var stored = await configured.WithDbAsync(db => db.Database.SqlQueryRaw<string>("SELECT name AS \"Value\" FROM accounts_secrets").ToListAsync());
        Assert.Empty(stored);
    }

    [Fact]
    public async Task Token_NoConfiguredKey_KeyGeneratedOnceAndStoredInDatabase()
    {
        var (email, _, password, tokens) = await generated.NewUserAsync(AuthRoutes.MindMesh);
        var stored = await generated.WithDbAsync(db => db.Database.SqlQueryRaw<string>(
            "SELECT value AS \"Value\" FROM accounts_secrets WHERE name = 'jwt_signing_key'").ToListAsync());
        // Stored encrypted (Data Protection), never as the key itself.
        var value = Assert.Single(stored);
        Assert.StartsWith("dp1:", value, StringComparison.Ordinal);
        var key = Convert.FromBase64String(generated.Services.GetRequiredService<AccountSecretProtector>().RevealSigningKey(value));
        Assert.DoesNotContain(Convert.ToBase64String(key), value, StringComparison.Ordinal);
        Assert.True(key.Length >= 32);
        Assert.True(SignedWith(tokens.GetProperty("accessToken").GetString()!, key));
        var again = await generated.LoginAsync(AuthRoutes.MindMesh, email, password);
        Assert.True(SignedWith(again.GetProperty("accessToken").GetString()!, key));
        Assert.False(SignedWith(again.GetProperty("accessToken").GetString()!, ConfiguredKeyFactory.Key));
    }

    [Fact]
    public async Task SigningKey_TwoNodesOneDatabase_GeneratedOnceAndShared()
    {
        using var database = MindstackFactory.CreateDatabase();
        await using var nodeA = PlatformServices.On(database);
        await using var nodeB = PlatformServices.On(database);
        await nodeA.MigrateDatabaseAsync();
        // As the server does at start: the key ring's first key, made once.
        await nodeA.PrepareSecretsAtRestAsync();

        // Both nodes reach for a key at once; exactly one is generated and both use it.
        var issuers = await Task.WhenAll(new[] { nodeA, nodeB }.Select(node =>
            node.GetRequiredService<IAccessTokenService>().IssueAsync("user_1", "sess_1", "mindmesh", TimeSpan.FromMinutes(5))));
        foreach (var (token, reader) in new[] { (issuers[0], nodeB), (issuers[1], nodeA) })
        {
            var (status, claims) = await reader.GetRequiredService<IAccessTokenService>().ReadAsync(token.Token, "mindmesh");
            Assert.Equal(AccessTokenStatus.Valid, status);
            Assert.Equal("sess_1", claims!.SessionId);
        }
        await using var scope = nodeA.CreateAsyncScope();
        var rows = await scope.ServiceProvider.GetRequiredService<MindstackDbContext>().Database
            .SqlQueryRaw<string>("SELECT name AS \"Value\" FROM accounts_secrets").ToListAsync();
        Assert.Equal(["jwt_signing_key"], rows);
    }

    [Fact]
    public void Start_ConfiguredKeyTooShort_ServerRefusesToStart()
    {
        using var factory = new AuthFactory();
        factory.WithSetting("Mindstack:Auth:SigningKey", Convert.ToBase64String(new byte[16]));
        var failure = Assert.ThrowsAny<Exception>(() => factory.Server);
        Assert.Contains("at least 32 bytes", failure.ToString());
    }

    private static bool SignedWith(string jwt, byte[] key)
    {
        var parts = jwt.Split('.');
        var header = SignInTests.Segment(parts[0]);
        Assert.Equal("HS256", header.GetProperty("alg").GetString());
        var signature = HMACSHA256.HashData(key, Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]));
        var expected = Convert.ToBase64String(signature).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return expected == parts[2];
    }
}
