using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Mindstack.MindMesh.Connectors;
using Mindstack.MindMesh.Storage;
using Mindstack.Platform.Storage;

namespace Mindstack.MindMesh.Tests;

/// <summary>MindMesh with a Gmail provider whose token endpoint is served on loopback by the test.</summary>
public sealed class OAuthMindMeshFactory : MindMeshFactory
{
    public OAuthMindMeshFactory()
    {
        Provider = new LoopbackReceiver(request =>
        {
            if (request.Path == "/gmail/v1/users/me/messages")
            {
                return Task.FromResult((200, """{"resultSizeEstimate":0}"""));
            }
            var form = request.Text.Split('&').Select(p => p.Split('=')).ToDictionary(p => Uri.UnescapeDataString(p[0]), p => Uri.UnescapeDataString(p.Length > 1 ? p[1] : ""));
            return Task.FromResult(form.GetValueOrDefault("grant_type") switch
            {
                "authorization_code" when form.GetValueOrDefault("code") == "good-code" && form.GetValueOrDefault("client_secret") == "s3cret" =>
                    (200, """{"access_token":"at-first","refresh_token":"rt-first","expires_in":1,"token_type":"Bearer","scope":"https://www.googleapis.com/auth/gmail.send"}"""),
                "refresh_token" when form.GetValueOrDefault("refresh_token") == "rt-first" =>
                    (200, """{"access_token":"at-second","expires_in":3600,"token_type":"Bearer"}"""),
                _ => (400, """{"error":"invalid_grant"}"""),
            });
        });
        WithSetting("Mindstack:MindMesh:Providers:gmail:ClientId", "client-1");
        WithSetting("Mindstack:MindMesh:Providers:gmail:ClientSecret", "s3cret");
        WithSetting("Mindstack:MindMesh:Providers:gmail:TokenUrl", Provider.Url("/token"));
        WithSetting("Mindstack:MindMesh:Providers:gmail:RedirectUri", "https://app.example.com/oauth/gmail");
        WithSetting("Mindstack:MindMesh:Providers:gmail:ApiBaseUrl", Provider.Url("/"));
    }

    public LoopbackReceiver Provider { get; }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            Provider.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }
}

public sealed class ConnectorTests(OAuthMindMeshFactory factory) : IClassFixture<OAuthMindMeshFactory>
{
    [Fact]
    public async Task OAuthCallback_GoodCode_ExchangedEncryptedAndRefreshedOnSync()
    {
        var user = await factory.RegisterAsync();
        var done = await user.PostJsonAsync("/connectors/gmail/oauth/callback", new { code = "good-code", state = "csrf-1" });
        Assert.Equal("Connector configured successfully", done.GetProperty("message").GetString());
        var id = done.GetProperty("connector_id").GetString()!;
        var exchange = factory.Provider.On("/token").Single(r => r.Text.Contains("code=good-code", StringComparison.Ordinal));
        Assert.Contains("redirect_uri=https%3A%2F%2Fapp.example.com%2Foauth%2Fgmail", exchange.Text, StringComparison.Ordinal);

        var list = await user.GetJsonAsync("/connectors");
        var gmail = list.GetProperty("items").EnumerateArray().Single(c => c.GetProperty("provider").GetString() == "gmail");
        Assert.Equal("active", gmail.GetProperty("status").GetString());
        Assert.Equal("https://www.googleapis.com/auth/gmail.send", gmail.GetProperty("scopes")[0].GetString());
        Assert.DoesNotContain("at-first", gmail.GetRawText(), StringComparison.Ordinal);
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var row = await scope.ServiceProvider.GetRequiredService<MindstackDbContext>().Set<ConnectorRow>().AsNoTracking().FirstAsync(c => c.Id == id);
            Assert.DoesNotContain("at-first", row.AccessTokenCipher!, StringComparison.Ordinal);
            Assert.DoesNotContain("rt-first", row.RefreshTokenCipher!, StringComparison.Ordinal);
        }

        // The token expired after a second: the sync refreshes it with the refresh token.
        await Task.Delay(1100);
        var sync = await user.PostJsonAsync($"/connectors/{id}/sync", new { });
        Assert.StartsWith("job_", sync.GetProperty("sync_id").GetString());
        await Eventually.UntilAsync(() => Task.FromResult(factory.Provider.On("/token").Count(r => r.Text.Contains("grant_type=refresh_token", StringComparison.Ordinal))),
            n => n == 1, "the refresh");
        var synced = await Eventually.UntilAsync(() => user.GetJsonAsync("/connectors"),
            l => l.GetProperty("items").EnumerateArray().Any(c => c.GetProperty("id").GetString() == id && c.GetProperty("last_sync").ValueKind == System.Text.Json.JsonValueKind.String),
            "the sync to finish");
        Assert.Equal("active", synced.GetProperty("items").EnumerateArray().Single(c => c.GetProperty("id").GetString() == id).GetProperty("status").GetString());
        await using var check = factory.Services.CreateAsyncScope();
        var refreshed = await check.ServiceProvider.GetRequiredService<MindstackDbContext>().Set<ConnectorRow>().AsNoTracking().FirstAsync(c => c.Id == id);
        Assert.True(refreshed.TokenExpiresAt > DateTime.UtcNow.AddMinutes(30));
    }

    [Fact]
    public async Task OAuthCallback_BadCodeUnconfiguredOrUnknownProvider_Refused()
    {
        var user = await factory.RegisterAsync();
        using var bad = await user.SendAsync(HttpMethod.Post, "/connectors/gmail/oauth/callback", new { code = "bad-code", state = "s" });
        await MeshClient.ExpectDetail(bad, HttpStatusCode.BadRequest);
        using var slack = await user.SendAsync(HttpMethod.Post, "/connectors/slack/oauth/callback", new { code = "x", state = "s" });
        var json = await MeshClient.ExpectDetail(slack, HttpStatusCode.ServiceUnavailable);
        Assert.Contains("not configured", json.GetProperty("detail").GetString(), StringComparison.Ordinal);
        using var unknown = await user.SendAsync(HttpMethod.Post, "/connectors/fax/oauth/callback", new { code = "x", state = "s" });
        await MeshClient.ExpectDetail(unknown, HttpStatusCode.NotFound);
        using var missing = await user.SendAsync(HttpMethod.Post, "/connectors/gmail/oauth/callback", new { });
        var invalid = await MeshClient.ExpectDetail(missing, HttpStatusCode.UnprocessableEntity);
        Assert.Equal(["code", "state"], invalid.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("field").GetString()));
    }

    [Fact]
    public async Task LocalFiles_Sync_FolderFilesBecomeSearchableMemory()
    {
        var user = await factory.RegisterAsync();
        var list = await user.GetJsonAsync("/connectors");
        var providers = list.GetProperty("items").EnumerateArray().Select(c => c.GetProperty("provider").GetString()).ToList();
        Assert.Equal(["email_outbox", "local_files", "webhook_inbox"], providers);
        var id = list.GetProperty("items")[1].GetProperty("id").GetString()!;
        string folder;
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            folder = scope.ServiceProvider.GetRequiredService<ConnectorService>().FolderOf(user.TenantId);
        }
        Directory.CreateDirectory(folder);
        await File.WriteAllTextAsync(Path.Combine(folder, "holiday-policy.md"), "Employees get twenty-five days of paid vacation per year.");

        await user.PostJsonAsync($"/connectors/{id}/sync", new { });
        var found = await Eventually.UntilAsync(() => user.GetJsonAsync("/memory/search?q=vacation%20days"),
            r => r.GetProperty("total").GetInt32() > 0, "the file in memory");
        var item = found.GetProperty("results")[0].GetProperty("item");
        Assert.Equal("file://holiday-policy.md", item.GetProperty("source_uri").GetString());
        Assert.Equal("local_files", item.GetProperty("app").GetString());
    }

    [Fact]
    public async Task UpdateAndDelete_Connector_ChangedThenGoneAndValidated()
    {
        var user = await factory.RegisterAsync();
        var id = (await user.GetJsonAsync("/connectors")).GetProperty("items")[1].GetProperty("id").GetString();
        using var put = await user.SendAsync(HttpMethod.Put, $"/connectors/{id}", new { name = "Shared drive", settings = new { recursive = true }, sync_frequency = 600, is_enabled = false });
        var updated = await MeshClient.Expect(put, HttpStatusCode.OK);
        Assert.Equal("Shared drive", updated.GetProperty("name").GetString());
        Assert.Equal("inactive", updated.GetProperty("status").GetString());
        Assert.True(updated.GetProperty("settings").GetProperty("recursive").GetBoolean());
        using var sync = await user.SendAsync(HttpMethod.Post, $"/connectors/{id}/sync", new { });
        await MeshClient.ExpectDetail(sync, HttpStatusCode.Conflict);
        using var bad = await user.SendAsync(HttpMethod.Put, $"/connectors/{id}", new { sync_frequency = -5 });
        await MeshClient.ExpectDetail(bad, HttpStatusCode.UnprocessableEntity);

        var stranger = await factory.RegisterAsync();
        using var foreign = await stranger.SendAsync(HttpMethod.Delete, $"/connectors/{id}");
        await MeshClient.ExpectDetail(foreign, HttpStatusCode.NotFound);
        using var delete = await user.SendAsync(HttpMethod.Delete, $"/connectors/{id}");
        Assert.Equal("Connector removed successfully", (await MeshClient.Expect(delete, HttpStatusCode.OK)).GetProperty("message").GetString());
    }
}
