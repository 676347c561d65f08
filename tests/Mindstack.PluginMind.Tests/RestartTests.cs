using System.Net;
using System.Net.Http.Json;

namespace Mindstack.PluginMind.Tests;

/// <summary>One node of a deployment on a database shared with other nodes (the test owns and disposes it).</summary>
public sealed class PluginMindNode(TestDatabase sharedDatabase) : PluginMindFactory(sharedDatabase);

public sealed class RestartTests
{
    private const string Base = PluginMindFactory.Base;

    [Fact]
    public async Task AnalyzeAsync_EnqueuedWithWorkersOff_CompletesAfterANewHostStarts()
    {
        using var database = MindstackFactory.CreateDatabase();
        string jobId;
        using (var first = new PluginMindNode(database))
        {
            // This node only serves HTTP: the job waits in the database.
            first.WithSetting("Mindstack:Jobs:Workers", "0");
            using var response = await first.SendRawAsync(HttpMethod.Post, $"{Base}/analyze-async",
                """{"user_input":"Summarize: the warehouse move finished early and under budget.","analysis_type":"document"}""");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            jobId = (await first.ReadJsonAsync(response)).GetProperty("job_id").GetString()!;

            using var status = await first.SendRawAsync(HttpMethod.Get, $"{Base}/analyze-async/{jobId}");
            Assert.Equal("queued", (await first.ReadJsonAsync(status)).GetProperty("status").GetString());
            using var health = await first.SendRawAsync(HttpMethod.Get, $"{Base}/health");
            Assert.Equal(1, (await first.ReadJsonAsync(health)).GetProperty("active_jobs").GetInt32());
        }

        // A new host on the same database, with workers: the queued job runs.
        using var second = new PluginMindNode(database);
        var job = await second.WaitForJobAsync(jobId);
        Assert.Equal("completed", job.GetProperty("status").GetString());
        Assert.False(string.IsNullOrWhiteSpace(job.GetProperty("analysis").GetString()));
    }

    [Fact]
    public async Task DeleteJob_StillQueued_GivesTheQueryBack()
    {
        using var database = MindstackFactory.CreateDatabase();
        using var node = new PluginMindNode(database);
        node.WithSetting("Mindstack:Jobs:Workers", "0");
        var (client, _) = await node.SignInAsync();
        using var response = await client.PostAsJsonAsync($"{Base}/analyze-async", new { user_input = "never run", analysis_type = "chat" });
        var jobId = (await node.ReadJsonAsync(response)).GetProperty("job_id").GetString()!;
        Assert.Equal(1, (await node.ReadJsonAsync(await client.GetAsync($"{Base}/me/usage"))).GetProperty("queries_used").GetInt32());

        using var deleted = await client.DeleteAsync($"{Base}/jobs/{jobId}");
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        Assert.Equal(0, (await node.ReadJsonAsync(await client.GetAsync($"{Base}/me/usage"))).GetProperty("queries_used").GetInt32());
    }
}
