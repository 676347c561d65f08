using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Mindstack.PluginMind.Tests;

/// <summary><c>/analyze-async</c> jobs on the platform queue, and <c>/jobs</c> scoped to their owner.</summary>
public sealed class JobTests(PluginMindFactory factory) : IClassFixture<PluginMindFactory>
{
    private const string Base = PluginMindFactory.Base;

    [Fact]
    public async Task AnalyzeAsync_NoSession_QueuedThenCompletedWithResult()
    {
        using var response = await factory.SendRawAsync(HttpMethod.Post, $"{Base}/analyze-async",
            """{"user_input":"Summarize: the launch moved to May because the supplier was late.","analysis_type":"document"}""");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var queued = await factory.ReadJsonAsync(response);
        var jobId = queued.GetProperty("job_id").GetString()!;
        Assert.True(Guid.TryParse(jobId, out _));
        Assert.Equal("queued", queued.GetProperty("status").GetString());
        Assert.True(queued.GetProperty("created_at").TryGetDateTime(out _));
        Assert.Contains($"/analyze-async/{jobId}", queued.GetProperty("message").GetString(), StringComparison.Ordinal);

        var job = await factory.WaitForJobAsync(jobId);
        Assert.Equal("completed", job.GetProperty("status").GetString());
        Assert.Equal(jobId, job.GetProperty("job_id").GetString());
        Assert.True(job.GetProperty("completed_at").TryGetDateTime(out _));
        Assert.StartsWith("Summarize this document", job.GetProperty("optimized_prompt").GetString(), StringComparison.Ordinal);
        Assert.False(string.IsNullOrWhiteSpace(job.GetProperty("analysis").GetString()));
        Assert.Equal(JsonValueKind.Null, job.GetProperty("error").ValueKind);
    }

    [Fact]
    public async Task Jobs_Owner_ListsReadsAndDeletesOnlyTheirOwn()
    {
        var (owner, ownerUser) = await factory.SignInAsync();
        var (stranger, _) = await factory.SignInAsync();
        var jobId = await EnqueueAsync(owner, "What is bitcoin's biggest risk?");
        await factory.WaitForJobAsync(jobId, owner: owner);

        var list = await factory.ReadJsonAsync(await owner.GetAsync($"{Base}/jobs"));
        Assert.Equal(1, list.GetProperty("total_jobs").GetInt32());
        var entry = list.GetProperty("jobs").GetProperty(jobId);
        Assert.Equal("completed", entry.GetProperty("status").GetString());
        Assert.Equal(ownerUser.GetProperty("id").GetString(), entry.GetProperty("user_id").GetString());
        Assert.False(entry.GetProperty("has_error").GetBoolean());
        Assert.True(entry.GetProperty("created_at").TryGetDateTime(out _));

        // Another user neither sees nor deletes it.
        var theirs = await factory.ReadJsonAsync(await stranger.GetAsync($"{Base}/jobs"));
        Assert.Equal(0, theirs.GetProperty("total_jobs").GetInt32());
        Assert.False(theirs.GetProperty("jobs").TryGetProperty(jobId, out _));
        using (var refused = await stranger.DeleteAsync($"{Base}/jobs/{jobId}"))
        {
            await factory.ErrorAsync(refused, HttpStatusCode.NotFound, "JOB_NOT_FOUND");
        }

        using (var deleted = await owner.DeleteAsync($"{Base}/jobs/{jobId}"))
        {
            Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
            Assert.Equal($"Job {jobId} deleted successfully", (await factory.ReadJsonAsync(deleted)).GetProperty("message").GetString());
        }
        using var gone = await owner.GetAsync($"{Base}/analyze-async/{jobId}");
        await factory.ErrorAsync(gone, HttpStatusCode.NotFound, "JOB_NOT_FOUND");
        using var again = await owner.DeleteAsync($"{Base}/jobs/{jobId}");
        await factory.ErrorAsync(again, HttpStatusCode.NotFound, "JOB_NOT_FOUND");
    }

    [Fact]
    public async Task Jobs_Admin_SeesAndDeletesEveryonesJobs()
    {
        var (user, _) = await factory.SignInAsync();
        var jobId = await EnqueueAsync(user, "ethereum staking yields");
        var (admin, adminUser) = await factory.SignInAsync("admin@example.test", "g-admin-jobs");
        Assert.Equal("admin", adminUser.GetProperty("role").GetString());

        var list = await factory.ReadJsonAsync(await admin.GetAsync($"{Base}/jobs"));
        Assert.True(list.GetProperty("jobs").TryGetProperty(jobId, out _));
        using var deleted = await admin.DeleteAsync($"{Base}/jobs/{jobId}");
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
    }

    [Fact]
    public async Task AnalyzeAsync_SignedIn_ChargedOnceAndLogged()
    {
        var (client, _) = await factory.SignInAsync();
        var jobId = await EnqueueAsync(client, "Summarize: revenue grew while costs fell, so margins widened.");
        Assert.Equal(1, (await factory.ReadJsonAsync(await client.GetAsync($"{Base}/me/usage"))).GetProperty("queries_used").GetInt32());
        Assert.Equal("completed", (await factory.WaitForJobAsync(jobId, owner: client)).GetProperty("status").GetString());

        Assert.Equal(1, (await factory.ReadJsonAsync(await client.GetAsync($"{Base}/me/usage"))).GetProperty("queries_used").GetInt32());
        var logs = await factory.ReadJsonAsync(await client.GetAsync($"{Base}/query-logs"));
        var log = Assert.Single(logs.GetProperty("logs").EnumerateArray());
        Assert.True(log.GetProperty("success").GetBoolean());
    }

    [Fact]
    public async Task QueryLogs_LimitSmallerThanLog_TotalCountsEveryLog()
    {
        var (client, _) = await factory.SignInAsync();
        foreach (var text in new[] { "Summarize: sales rose in May.", "Summarize: churn fell in June." })
        {
            Assert.Equal("completed", (await factory.WaitForJobAsync(await EnqueueAsync(client, text), owner: client)).GetProperty("status").GetString());
        }
        var logs = await factory.ReadJsonAsync(await client.GetAsync($"{Base}/query-logs?limit=1"));
        Assert.Equal(2, logs.GetProperty("total_logs").GetInt32());
        Assert.Single(logs.GetProperty("logs").EnumerateArray());
    }

    [Fact]
    public async Task AnalyzeAsync_UnknownJob_404JobNotFound()
    {
        using var response = await factory.SendRawAsync(HttpMethod.Get, $"{Base}/analyze-async/{Guid.NewGuid()}");
        var error = await factory.ErrorAsync(response, HttpStatusCode.NotFound, "JOB_NOT_FOUND");
        Assert.Contains("not found", error.GetProperty("message").GetString(), StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("""{"user_input":"hello","analysis_type":"poetry"}""")]
    [InlineData("""{"user_input":"","analysis_type":"chat"}""")]
    [InlineData("""{"user_input":"hello\u0000world","analysis_type":"chat"}""")]
    public async Task AnalyzeAsync_InvalidBody_422InvalidInput(string json)
    {
        using var response = await factory.SendRawAsync(HttpMethod.Post, $"{Base}/analyze-async", json);
        await factory.ErrorAsync(response, HttpStatusCode.UnprocessableEntity, "INVALID_INPUT");
    }

    [Fact]
    public async Task AnalyzeAsync_OversizeInput_422InvalidInput()
    {
        using var response = await factory.SendRawAsync(HttpMethod.Post, $"{Base}/analyze-async",
            JsonSerializer.Serialize(new { user_input = new string('b', 5001) }));
        await factory.ErrorAsync(response, HttpStatusCode.UnprocessableEntity, "INVALID_INPUT");
    }

    [Theory]
    [InlineData("GET", "/jobs")]
    [InlineData("DELETE", "/jobs/some-job")]
    public async Task Jobs_NoCookie_401HttpException(string method, string path)
    {
        using var response = await factory.SendRawAsync(new HttpMethod(method), Base + path);
        await factory.ErrorAsync(response, HttpStatusCode.Unauthorized, "HTTP_EXCEPTION");
    }

    [Fact]
    public async Task QueryLogs_AdminNamesUnknownUser_404UserNotFound()
    {
        var (admin, _) = await factory.SignInAsync("admin@example.test", "g-admin-logs");
        using var response = await admin.GetAsync($"{Base}/query-logs?user_id=acct_does_not_exist");
        await factory.ErrorAsync(response, HttpStatusCode.NotFound, "USER_NOT_FOUND");
    }

    [Theory]
    [InlineData("/jobs?limit=abc")]
    [InlineData("/jobs?limit=0")]
    [InlineData("/jobs?limit=1001")]
    [InlineData("/query-logs?limit=abc")]
    [InlineData("/query-logs?limit=1.5")]
    [InlineData("/query-logs?limit=-3")]
    public async Task List_BadLimit_422InvalidInputNamingTheField(string pathAndQuery)
    {
        var (client, _) = await factory.SignInAsync();
        using var response = await client.GetAsync(Base + pathAndQuery);
        var error = await factory.ErrorAsync(response, HttpStatusCode.UnprocessableEntity, "INVALID_INPUT");
        Assert.Equal("Invalid request payload.", error.GetProperty("message").GetString());
        Assert.Equal("limit", Assert.Single(error.GetProperty("details").EnumerateArray()).GetProperty("field").GetString());
    }

    [Fact]
    public async Task QueryLogs_AdminNamesUserIdWithNul_422InvalidInput()
    {
        var (admin, _) = await factory.SignInAsync("admin@example.test", "g-admin-nul");
        using var response = await admin.GetAsync($"{Base}/query-logs?user_id=user%00x");
        await factory.ErrorAsync(response, HttpStatusCode.UnprocessableEntity, "INVALID_INPUT");
    }

    private async Task<string> EnqueueAsync(HttpClient client, string input, string type = "crypto")
    {
        using var response = await client.PostAsJsonAsync($"{Base}/analyze-async", new { user_input = input, analysis_type = type });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await factory.ReadJsonAsync(response)).GetProperty("job_id").GetString()!;
    }
}
