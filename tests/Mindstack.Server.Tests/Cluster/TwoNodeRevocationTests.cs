using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Mindstack.Mindra;
using Mindstack.Platform.Access;
using Mindstack.Platform.Accounts;

namespace Mindstack.Platform.Tests.Cluster;

/// <summary>
/// Callers are cached in memory on each node; a change made through one node (or any process on
/// the database) evicts them on every node at once: the very next request to the other node is
/// refused. Uses Mindra and MindPeeker routes.
/// </summary>
[Trait(PublishedServer.Trait, PublishedServer.Value)]
public sealed class TwoNodeRevocationTests
{
    [PostgresFact]
    public async Task TwoNodes_KeyRevokedOnNodeA_RefusedOnNodeBOnTheNextRequest()
    {
        await using var cluster = await TwoNodeCluster.StartAsync();
        var (_, key) = await MindraKeyAsync(cluster);
        using var nodeA = Client(cluster.Nodes["node-a"], key);
        using var nodeB = Client(cluster.Nodes["node-b"], key);
        // Both nodes now hold the caller in memory.
        await AssertStatusAsync(HttpStatusCode.OK, nodeA.GetAsync("/mindra/v1/auth/test"));
        await AssertStatusAsync(HttpStatusCode.OK, nodeB.GetAsync("/mindra/v1/auth/test"));
        using (var keys = await nodeA.GetAsync("/mindra/v1/api-keys"))
        {
            var body = await keys.Content.ReadAsStringAsync();
            Assert.True(keys.IsSuccessStatusCode, body);
            var id = JsonDocument.Parse(body).RootElement.GetProperty("data")[0].GetProperty("id").GetString();
            await AssertStatusAsync(HttpStatusCode.OK, nodeA.DeleteAsync($"/mindra/v1/api-keys/{id}"));
        }

        await AssertStatusAsync(HttpStatusCode.Unauthorized, nodeB.GetAsync("/mindra/v1/auth/test"));
        await AssertStatusAsync(HttpStatusCode.Unauthorized, nodeA.GetAsync("/mindra/v1/auth/test"));
    }

    [PostgresFact]
    public async Task TwoNodes_AccountSuspendedElsewhere_KeyRefusedOnBothNodesOnTheNextRequest()
    {
        await using var cluster = await TwoNodeCluster.StartAsync();
        var (accountId, key) = await MindraKeyAsync(cluster);
        using var nodeA = Client(cluster.Nodes["node-a"], key);
        using var nodeB = Client(cluster.Nodes["node-b"], key);
        await AssertStatusAsync(HttpStatusCode.OK, nodeA.GetAsync("/mindra/v1/auth/test"));
        await AssertStatusAsync(HttpStatusCode.OK, nodeB.GetAsync("/mindra/v1/auth/test"));

        await cluster.InScopeAsync(sp => sp.GetRequiredService<IAccountService>().SetStatusAsync(accountId, AccountStatus.Suspended));

        await AssertStatusAsync(HttpStatusCode.Forbidden, nodeA.GetAsync("/mindra/v1/auth/test"));
        await AssertStatusAsync(HttpStatusCode.Forbidden, nodeB.GetAsync("/mindra/v1/auth/test"));
    }

    [PostgresFact]
    public async Task TwoNodes_SessionSignedOutOnNodeA_TokenRefusedOnNodeBOnTheNextRequest()
    {
        await using var cluster = await TwoNodeCluster.StartAsync();
        using var anonymous = new HttpClient { BaseAddress = cluster.Nodes["node-a"].BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        var name = "n" + Guid.NewGuid().ToString("N")[..12];
        string token;
        using (var registered = await anonymous.PostAsJsonAsync("/mindpeeker/v1/auth/register",
            new { email = $"{name}@example.com", username = name, password = "securePassword123" }))
        {
            var body = await registered.Content.ReadAsStringAsync();
            Assert.True(registered.IsSuccessStatusCode, body);
            token = JsonDocument.Parse(body).RootElement.GetProperty("data").GetProperty("token").GetString()!;
        }
        using var nodeA = Client(cluster.Nodes["node-a"], token);
        using var nodeB = Client(cluster.Nodes["node-b"], token);
        await AssertStatusAsync(HttpStatusCode.OK, nodeA.GetAsync("/mindpeeker/v1/users/me"));
        await AssertStatusAsync(HttpStatusCode.OK, nodeB.GetAsync("/mindpeeker/v1/users/me"));

        await AssertStatusAsync(HttpStatusCode.OK, nodeA.PostAsync("/mindpeeker/v1/auth/logout", null));

        await AssertStatusAsync(HttpStatusCode.Unauthorized, nodeB.GetAsync("/mindpeeker/v1/users/me"));
    }

    private static async Task AssertStatusAsync(HttpStatusCode expected, Task<HttpResponseMessage> sending)
    {
        using var response = await sending;
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{(int)response.StatusCode} {response.RequestMessage?.RequestUri}: {body}");
    }

    private static Task<(string AccountId, string Key)> MindraKeyAsync(TwoNodeCluster cluster) => cluster.InScopeAsync(async sp =>
    {
        var accounts = sp.GetRequiredService<IAccountService>();
        var account = await accounts.CreateAsync(
            new NewAccount($"revoke{Guid.NewGuid():N}@example.com", "Str0ng!Passw0rd") { EmailVerified = true }, MindraApi.Definition.Accounts!);
        var format = MindraApi.Definition.KeyFormat!;
        var created = await sp.GetRequiredService<IApiKeyService>().CreateAsync(new NewApiKey(account.Id, format, "revocable")
        {
            Sandbox = true,
            Permissions = [.. format.DefaultPermissions, "api-keys:write"],
        });
        return (account.Id, created.PlainKey);
    });

    private static HttpClient Client(ServerProcess node, string credential)
    {
        var client = new HttpClient { BaseAddress = node.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", credential);
        return client;
    }
}
