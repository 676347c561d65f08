using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Mindstack.Mindra;
using Mindstack.Platform.Access;
using Mindstack.Platform.Accounts;
using Mindstack.Platform.Jobs;

namespace Mindstack.Platform.Tests.Cluster;

/// <summary>
/// Two published server processes on one PostgreSQL, driven only over HTTP as a client would:
/// work asked of node A runs once across both nodes, and one key's rate limit is one budget
/// whichever node answers.
/// </summary>
[Trait(PublishedServer.Trait, PublishedServer.Value)]
public sealed class TwoNodeHttpTests
{
    private const string ExecutionJob = "mindra.execution.run";

    [PostgresFact]
    public async Task TwoNodes_JobsEnqueuedThroughNodeA_EachRunOnceAcrossBoth_AndRateLimitHoldsAcrossBoth()
    {
        await using var cluster = await TwoNodeCluster.StartAsync();
        // Jobs: executions asked of node A (a business key: 500 a minute), read back through node B.
        var worker = await SandboxKeyAsync(cluster, "business");
        using var nodeA = Client(cluster.Nodes["node-a"], worker);
        using var nodeB = Client(cluster.Nodes["node-b"], worker);
        var executionIds = new List<string>();
        for (var i = 0; i < 12; i++)
        {
            using var response = await nodeA.PostAsJsonAsync("/mindra/v1/orchestrate", new { query = $"Summarise the market for item {i}", context = new { } });
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.Accepted, body);
            executionIds.Add(JsonDocument.Parse(body).RootElement.GetProperty("executionId").GetString()!);
        }
        var jobs = await Eventually.UntilAsync(() => cluster.JobsAsync(ExecutionJob),
            list => list.Count == executionIds.Count && list.All(j => j.State is JobState.Done or JobState.Dead),
            "every execution's job to end", TimeSpan.FromSeconds(120));
        Assert.All(jobs, j => Assert.Equal((JobState.Done, 1), (j.State, j.Attempts)));
        Assert.All(executionIds, id => Assert.Single(jobs, j => j.Payload.Contains(id, StringComparison.Ordinal)));
        foreach (var id in executionIds)
        {
            using var response = await nodeB.GetAsync($"/mindra/v1/executions/{id}");
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, body);
            Assert.Equal("COMPLETED", JsonDocument.Parse(body).RootElement.GetProperty("status").GetString());
        }

        // Rate limit: the developer tier's 100 a minute, spent alternately on both nodes. Windows are
        // aligned to the clock's minutes: start early in one so the whole burst falls inside it.
        await Eventually.EarlyInAMinuteAsync();
        var developer = await SandboxKeyAsync(cluster, "developer");
        using var limitedA = Client(cluster.Nodes["node-a"], developer);
        using var limitedB = Client(cluster.Nodes["node-b"], developer);
        var answered = new Dictionary<string, int> { ["a"] = 0, ["b"] = 0 };
        var refused = 0;
        string? limit = null;
        for (var i = 0; i < 120; i++)
        {
            var (name, client) = i % 2 == 0 ? ("a", limitedA) : ("b", limitedB);
            using var response = await client.GetAsync("/mindra/v1/auth/test");
            limit ??= response.Headers.TryGetValues("X-RateLimit-Limit", out var values) ? values.Single() : null;
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                refused++;
            }
            else
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                answered[name]++;
            }
        }
        Assert.Equal("100", limit);
        Assert.Equal(100, answered["a"] + answered["b"]);
        Assert.Equal(120 - answered["a"] - answered["b"], refused);
        Assert.True(answered["a"] > 0 && answered["b"] > 0, "both nodes answered within the budget");
    }

    private static Task<string> SandboxKeyAsync(TwoNodeCluster cluster, string tier) => cluster.InScopeAsync(async sp =>
    {
        var accounts = sp.GetRequiredService<IAccountService>();
        var account = await accounts.CreateAsync(
            new NewAccount($"cluster{Guid.NewGuid():N}@example.com", "Str0ng!Passw0rd") { EmailVerified = true }, MindraApi.Definition.Accounts!);
        await accounts.SetTierAsync(account.Id, tier);
        // A sandbox key: executions are simulated and free, so no wallet is needed.
        var created = await sp.GetRequiredService<IApiKeyService>()
            .CreateAsync(new NewApiKey(account.Id, MindraApi.Definition.KeyFormat!, "cluster") { Sandbox = true });
        return created.PlainKey;
    });

    private static HttpClient Client(ServerProcess node, string key)
    {
        var client = new HttpClient { BaseAddress = node.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }
}
