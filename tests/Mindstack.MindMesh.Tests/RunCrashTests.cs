using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Mindstack.MindMesh.Tests;

/// <summary>
/// The published server killed with SIGKILL in the middle of a run, twice, and started again on the
/// same data each time: the run continues from its checkpoints (the nodes already done keep their
/// results and are not run again) and the approved email lands in the outbox exactly once.
/// </summary>
[Trait(PublishedServer.Trait, PublishedServer.Value)]
public sealed class RunCrashTests
{
    private static readonly string[] BeforeApproval = ["intent_router", "planner", "memory_reader", "tool_router", "guardrails"];

    private static readonly Dictionary<string, string> Environment = new()
    {
        ["Mindstack__Limits__RateLimitsEnabled"] = "false",
        ["Mindstack__Jobs__LeaseSeconds"] = "3",
        ["Mindstack__Jobs__PollMilliseconds"] = "200",
        ["Logging__LogLevel__Default"] = "Warning",
    };

    [PublishedServerFact]
    public async Task Sigkill_WhileAwaitingApprovalAndAfterTheDecision_RunFinishesFromCheckpointEmailOnce()
    {
        using var database = MindstackFactory.CreateDatabase();
        var recipient = $"team{Guid.NewGuid():N}@example.com";
        string token;
        string runId;
        JsonElement before;

        // 1. The run reaches guardrails and waits for the approval of its email: a stored checkpoint,
        // whatever the machine's speed. The kill lands there.
        await using (var server = await ServerProcess.StartAsync(database.DataDirectory, Environment, database.PostgresConnectionString))
        {
            using var http = Client(server, null);
            using var registered = await http.PostAsJsonAsync("/mindmesh/auth/register", new
            {
                email = $"crash{Guid.NewGuid():N}@example.com",
                username = "crash" + Guid.NewGuid().ToString("N")[..8],
                password = "Str0ng!Passw0rd",
                full_name = "Crash Test",
            });
            var account = await Expect(registered, HttpStatusCode.Created);
            token = account.GetProperty("access_token").GetString()!;
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var created = await http.PostAsJsonAsync("/mindmesh/goals",
                new { text = $"Email the team at {recipient} the weekly summary", autonomy_level = "L1", priority = "medium", constraints = new { } });
            var goalId = (await Expect(created, HttpStatusCode.Created)).GetProperty("id").GetString()!;
            using var started = await http.PostAsJsonAsync($"/mindmesh/goals/{goalId}/start", new { });
            runId = (await Expect(started, HttpStatusCode.OK)).GetProperty("run_id").GetString()!;
            before = await WaitForRunAsync(http, runId, r => Status(r) == "paused" && Pending(r).Any(), "the run to wait for its approval");
            server.Kill();
        }
        Assert.Equal("executor", before.GetProperty("current_node").GetString());
        var approval = Assert.Single(Pending(before));
        Assert.Equal("send_email", approval.GetProperty("payload").GetProperty("action").GetString());

        // 2. After the restart the run still waits, on the same checkpoints. The approval is the
        // acknowledged work; the kill comes right after its answer, whether or not the executor ran.
        await using (var server = await ServerProcess.StartAsync(database.DataDirectory, Environment, database.PostgresConnectionString))
        {
            using var http = Client(server, token);
            var waiting = await GetRunAsync(http, runId);
            Assert.Equal("paused", Status(waiting));
            Assert.Equal("executor", waiting.GetProperty("current_node").GetString());
            AssertSameCheckpoints(before, waiting);
            using var decided = await http.PostAsJsonAsync($"/mindmesh/approvals/{approval.GetProperty("id").GetString()}", new { decision = "approve" });
            await Expect(decided, HttpStatusCode.OK);
            server.Kill();
        }

        // 3. The second restart finishes the run from its checkpoints: the nodes before the approval
        // did not run again, and the email went out once.
        await using (var server = await ServerProcess.StartAsync(database.DataDirectory, Environment, database.PostgresConnectionString))
        {
            using var http = Client(server, token);
            var done = await WaitForRunAsync(http, runId, r => Status(r) is "completed" or "failed", "the run to finish after the restart");
            Assert.Equal("completed", Status(done));
            AssertSameCheckpoints(before, done);
            var sent = done.GetProperty("checkpoints").GetProperty("executor").GetProperty("result").GetProperty("results").EnumerateArray()
                .Where(r => r.GetProperty("tool").GetString() == "send_email").ToList();
            Assert.Equal("done", Assert.Single(sent).GetProperty("status").GetString());
            Assert.Equal("approved", (await GetRunAsync(http, runId)).GetProperty("approvals")[0].GetProperty("state").GetString());

            var outbox = Path.Combine(database.DataDirectory, "outbox");
            await Eventually.UntilAsync(() => Task.FromResult(Emails(outbox, recipient)), n => n >= 1, "the approved email in the outbox",
                TimeSpan.FromMinutes(1), Poll);
            // A second copy would come from a repeated step or email job: give one a moment to show.
            await Task.Delay(TimeSpan.FromSeconds(1.5));
            Assert.Equal(1, Emails(outbox, recipient));
        }
    }

    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(250);

    private static HttpClient Client(ServerProcess server, string? token)
    {
        var http = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        if (token is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        return http;
    }

    private static string? Status(JsonElement run) => run.GetProperty("status").GetString();

    private static IEnumerable<JsonElement> Pending(JsonElement run) =>
        run.GetProperty("approvals").EnumerateArray().Where(a => a.GetProperty("state").GetString() == "pending");

    /// <summary>The nodes done before the approval kept their checkpoints: same start and finish, not run again.</summary>
    private static void AssertSameCheckpoints(JsonElement before, JsonElement after)
    {
        foreach (var node in BeforeApproval)
        {
            var was = before.GetProperty("checkpoints").GetProperty(node);
            var now = after.GetProperty("checkpoints").GetProperty(node);
            Assert.Equal("completed", now.GetProperty("status").GetString());
            Assert.Equal(was.GetProperty("started_at").GetString(), now.GetProperty("started_at").GetString());
            Assert.Equal(was.GetProperty("completed_at").GetString(), now.GetProperty("completed_at").GetString());
        }
    }

    private static async Task<JsonElement> GetRunAsync(HttpClient http, string runId)
    {
        using var response = await http.GetAsync($"/mindmesh/runs/{runId}");
        return await Expect(response, HttpStatusCode.OK);
    }

    private static Task<JsonElement> WaitForRunAsync(HttpClient http, string runId, Func<JsonElement, bool> done, string what) =>
        Eventually.UntilAsync(() => GetRunAsync(http, runId), done, what, TimeSpan.FromMinutes(2), Poll);

    private static int Emails(string outbox, string recipient) => Directory.Exists(outbox)
        ? Directory.GetFiles(outbox, "*.eml").Count(f => File.ReadAllText(f).Contains("To: " + recipient, StringComparison.Ordinal))
        : 0;

    private static async Task<JsonElement> Expect(HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"Expected {(int)status}, got {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}

/// <summary>
/// A test of the published server: it runs when <c>MINDSTACK_PUBLISHED_DIR</c> names one (as
/// <c>./test.sh</c> does), and is skipped otherwise rather than publishing from inside a test run.
/// </summary>
public sealed class PublishedServerFactAttribute : FactAttribute
{
    public PublishedServerFactAttribute()
    {
        var published = System.Environment.GetEnvironmentVariable("MINDSTACK_PUBLISHED_DIR");
        // While ./test.sh publishes, the test runs (and fails naming the trait its class lacks) rather than skip.
        if (!PublishedServer.Pending && !ServerProcess.IsPublishedDirectory(published))
        {
            Skip = "needs a published server (MINDSTACK_PUBLISHED_DIR, as ./test.sh sets)";
        }
    }
}
