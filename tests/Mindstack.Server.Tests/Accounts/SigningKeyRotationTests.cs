using System.Net;
using Microsoft.EntityFrameworkCore;

namespace Mindstack.Platform.Tests.Accounts;

/// <summary><c>mindstack keys rotate-signing</c> while nodes run on one database.</summary>
public sealed class SigningKeyRotationTests
{
    private static readonly AuthRoutes.Api Mesh = AuthRoutes.MindMesh;

    [Fact]
    public async Task RotateSigning_WhileNodesRun_OldTokensStayValidNewTokensCarryTheNewKid()
    {
        using var database = MindstackFactory.CreateDatabase();
        await using var nodeA = new AuthNode(database);
        await using var nodeB = new AuthNode(database);
        var (email, _, password, tokens) = await nodeA.NewUserAsync(Mesh);
        var before = tokens.GetProperty("accessToken").GetString()!;
        var firstKid = Kid(before);
        Assert.False(string.IsNullOrEmpty(firstKid));
        await AssertAcceptedAsync(nodeB, before);

        var rotated = await Cli.RunOnClusterAsync(database, "keys", "rotate-signing");

        Assert.True(rotated.ExitCode == 0, rotated.Output + rotated.Error);
        var newKid = rotated.LastLine;
        Assert.NotEqual(firstKid, newKid);
        Assert.Contains(firstKid, rotated.Output, StringComparison.Ordinal);
        // The new key is a row of its own, encrypted like the first.
        var row = "jwt_signing_key:" + newKid;
        var stored = await nodeA.WithDbAsync(db => db.Database.SqlQuery<string>(
            $"SELECT value AS \"Value\" FROM accounts_secrets WHERE name = {row}").SingleAsync());
        Assert.StartsWith("dp1:", stored, StringComparison.Ordinal);

        // A token from before the rotation still works on the running nodes.
        await AssertAcceptedAsync(nodeA, before);
        await AssertAcceptedAsync(nodeB, before);

        // A running node signs with the new key once it has read the ring again.
        nodeA.Clock.Advance(TimeSpan.FromSeconds(31));
        var after = (await nodeA.LoginAsync(Mesh, email, password)).GetProperty("accessToken").GetString()!;
        Assert.Equal(newKid, Kid(after));
        // nodeB still holds the old ring: the unknown kid makes it read the new one.
        await AssertAcceptedAsync(nodeB, after);

        await using var fresh = new AuthNode(database);
        await AssertAcceptedAsync(fresh, before);
        await AssertAcceptedAsync(fresh, after);
    }

    private static async Task AssertAcceptedAsync(AuthFactory node, string token)
    {
        using var me = await node.SendAsync(HttpMethod.Get, $"{Mesh.BasePath}/__auth/me", bearer: token);
        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
    }

    private static string? Kid(string jwt) =>
        SignInTests.Segment(jwt.Split('.')[0]).TryGetProperty("kid", out var kid) ? kid.GetString() : null;
}
