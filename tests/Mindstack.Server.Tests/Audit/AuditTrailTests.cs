using System.Net;
using System.Text.Json;
using Mindstack.Platform.Tests.Accounts;

namespace Mindstack.Platform.Tests.Audit;

/// <summary>Sign-ins, failures, refreshes, replays, key changes, 2FA changes and marked writes leave audit rows.</summary>
public sealed class AuditTrailTests(AuthFactory factory) : IClassFixture<AuthFactory>
{
    private static readonly AuthRoutes.Api Swarm = AuthRoutes.MindSwarm;

    private async Task<JsonElement[]> AuditAsync(string accountId, string? action = null)
    {
        var page = await factory.SendOkAsync(HttpMethod.Get,
            $"{Swarm.BasePath}/__auth/audit?account={accountId}&size=500" + (action is null ? "" : $"&action={Uri.EscapeDataString(action)}"));
        return page.GetProperty("items").EnumerateArray().ToArray();
    }

    [Fact]
    public async Task AuthEvents_SignInFailureRefreshReuseKeysTwoFactor_RecordedWithRequestContext()
    {
        var (email, _, password, registered) = await factory.NewUserAsync(Swarm);
        var accountId = registered.GetProperty("accountId").GetString()!;
        var access = registered.GetProperty("accessToken").GetString();

        using (await factory.SendAsync(HttpMethod.Post, $"{Swarm.BasePath}/__auth/login", new { login = email, password = "WrongPass123!" },
                   headers: h => { h.Add("X-Request-ID", "audit-failed-1"); h.UserAgent.ParseAdd("audit-test/1.0"); }))
        {
        }
        var signedIn = await factory.LoginAsync(Swarm, email, password);
        var refresh = signedIn.GetProperty("refreshToken").GetString();
        await factory.SendOkAsync(HttpMethod.Post, $"{Swarm.BasePath}/__auth/refresh", new { token = refresh });
        using (await factory.SendAsync(HttpMethod.Post, $"{Swarm.BasePath}/__auth/refresh", new { token = refresh }))
        {
        }
        var relogged = await factory.LoginAsync(Swarm, email, password);
        access = relogged.GetProperty("accessToken").GetString();
        var key = await factory.SendOkAsync(HttpMethod.Post, $"{Swarm.BasePath}/__auth/keys", new { name = "bot" }, access);
        var keyId = key.GetProperty("id").GetString();
        await factory.SendOkAsync(HttpMethod.Delete, $"{Swarm.BasePath}/__auth/keys/{keyId}", bearer: access);
        var secret = (await factory.SendOkAsync(HttpMethod.Post, $"{Swarm.BasePath}/__auth/2fa/setup", bearer: access)).GetProperty("secret").GetString()!;
        var code = Mindstack.Platform.Accounts.Totp.ComputeAt(Mindstack.Platform.Accounts.Base32.Decode(secret), factory.Clock.GetUtcNow());
        await factory.SendOkAsync(HttpMethod.Post, $"{Swarm.BasePath}/__auth/2fa/verify", new { token = code }, access);

        var entries = await AuditAsync(accountId);
        var actions = entries.Select(e => e.GetProperty("action").GetString()).ToList();
        foreach (var expected in new[] { "account.created", "auth.sign_in", "auth.sign_in_failed", "auth.refresh", "auth.refresh_reuse",
                     "api_key.created", "api_key.revoked", "2fa.setup", "2fa.enabled" })
        {
            Assert.Contains(expected, actions);
        }

        var failed = Assert.Single(entries, e => e.GetProperty("action").GetString() == "auth.sign_in_failed");
        Assert.False(failed.GetProperty("success").GetBoolean());
        Assert.Equal("invalid credentials", failed.GetProperty("error").GetString());
        Assert.Equal("audit-failed-1", failed.GetProperty("requestId").GetString());
        Assert.Equal("audit-test/1.0", failed.GetProperty("userAgent").GetString());
        Assert.Equal("mindswarm", failed.GetProperty("api").GetString());

        var reuse = Assert.Single(entries, e => e.GetProperty("action").GetString() == "auth.refresh_reuse");
        Assert.False(reuse.GetProperty("success").GetBoolean());
        var revoked = Assert.Single(entries, e => e.GetProperty("action").GetString() == "api_key.revoked");
        Assert.Equal("api_key", revoked.GetProperty("resourceType").GetString());
        Assert.Equal(keyId, revoked.GetProperty("resourceId").GetString());

        // Newest first.
        var times = entries.Select(e => e.GetProperty("occurredAt").GetDateTime()).ToList();
        Assert.Equal(times.OrderByDescending(t => t), times);
    }

    [Fact]
    public async Task Query_FiltersAndPaging_PagesAddUpToTotal()
    {
        var (email, _, password, registered) = await factory.NewUserAsync(Swarm);
        var accountId = registered.GetProperty("accountId").GetString()!;
        for (var i = 0; i < 5; i++)
        {
            await factory.LoginAsync(Swarm, email, password);
        }
        var first = await factory.SendOkAsync(HttpMethod.Get, $"{Swarm.BasePath}/__auth/audit?account={accountId}&action=auth.sign_in&size=4&page=1");
        var second = await factory.SendOkAsync(HttpMethod.Get, $"{Swarm.BasePath}/__auth/audit?account={accountId}&action=auth.sign_in&size=4&page=2");
        Assert.Equal(6, first.GetProperty("total").GetInt32()); // registration's session + five sign-ins
        Assert.Equal(4, first.GetProperty("items").GetArrayLength());
        Assert.Equal(2, second.GetProperty("items").GetArrayLength());
        var ids = first.GetProperty("items").EnumerateArray().Concat(second.GetProperty("items").EnumerateArray())
            .Select(e => e.GetProperty("id").GetString()).ToList();
        Assert.Equal(6, ids.Distinct().Count());

        var prefixed = await factory.SendOkAsync(HttpMethod.Get, $"{Swarm.BasePath}/__auth/audit?account={accountId}&action=auth.*");
        Assert.Equal(6, prefixed.GetProperty("total").GetInt32());
        var failures = await factory.SendOkAsync(HttpMethod.Get, $"{Swarm.BasePath}/__auth/audit?account={accountId}&success=false");
        Assert.Equal(0, failures.GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task MarkedWrite_SuccessAndFailure_RecordedWithResourceAndCaller()
    {
        var (_, _, _, registered) = await factory.NewUserAsync(Swarm);
        var accountId = registered.GetProperty("accountId").GetString()!;
        var access = registered.GetProperty("accessToken").GetString();
        await factory.SendOkAsync(HttpMethod.Post, $"{Swarm.BasePath}/__auth/notes/note_42", bearer: access);
        using var failed = await factory.SendAsync(HttpMethod.Post, $"{Swarm.BasePath}/__auth/notes/note_43/fail", bearer: access);
        Assert.Equal(HttpStatusCode.Conflict, failed.StatusCode);

        var entries = await AuditAsync(accountId, "note.update");
        var ok = Assert.Single(entries, e => e.GetProperty("resourceId").GetString() == "note_42");
        Assert.True(ok.GetProperty("success").GetBoolean());
        Assert.Equal("note", ok.GetProperty("resourceType").GetString());
        var bad = Assert.Single(entries, e => e.GetProperty("resourceId").GetString() == "note_43");
        Assert.False(bad.GetProperty("success").GetBoolean());
        Assert.Equal("Note is locked", bad.GetProperty("error").GetString());
    }
}
