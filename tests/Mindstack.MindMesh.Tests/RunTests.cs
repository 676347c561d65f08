using System.Net;
using System.Text.Json;

namespace Mindstack.MindMesh.Tests;

public sealed class RunTests(MindMeshFactory factory) : IClassFixture<MindMeshFactory>
{
    private static readonly string[] Nodes =
        ["intent_router", "planner", "memory_reader", "tool_router", "guardrails", "executor", "reflector", "scheduler", "audit_logger"];

    [Fact]
    public async Task StartGoal_L3_RunsEveryNodeWithCheckpointsAndCompletesTheGoal()
    {
        var user = await factory.RegisterAsync();
        var goal = await user.CreateGoalAsync("Research the market for electric bikes and plan the product launch", "L3");
        var goalId = goal.GetProperty("id").GetString()!;
        var started = await user.PostJsonAsync($"/goals/{goalId}/start", new { });
        Assert.Equal("Goal execution started", started.GetProperty("message").GetString());
        var runId = started.GetProperty("run_id").GetString()!;

        var run = await user.WaitForStatusAsync(runId, "completed");
        Assert.Equal(JsonValueKind.Null, run.GetProperty("current_node").ValueKind);
        Assert.Equal(1.0, run.GetProperty("progress").GetDouble());
        Assert.Equal("1.0.0", run.GetProperty("graph_version").GetString());
        var checkpoints = run.GetProperty("checkpoints");
        foreach (var node in Nodes)
        {
            var checkpoint = checkpoints.GetProperty(node);
            Assert.Equal("completed", checkpoint.GetProperty("status").GetString());
            Assert.True(checkpoint.TryGetProperty("input", out _), node);
            Assert.True(checkpoint.TryGetProperty("result", out _), node);
            Assert.True(checkpoint.GetProperty("latency_ms").GetDouble() >= 0, node);
            Assert.True(checkpoint.GetProperty("cost").GetDouble() >= 0, node);
            Assert.False(string.IsNullOrEmpty(checkpoint.GetProperty("model").GetString()), node);
        }
        var intent = checkpoints.GetProperty("intent_router").GetProperty("result");
        Assert.Contains(intent.GetProperty("intent").GetString(), new[] { "research", "plan", "analyze" });
        Assert.Equal("mindstack-local", checkpoints.GetProperty("planner").GetProperty("model").GetString());
        Assert.Empty(run.GetProperty("approvals").EnumerateArray());
        Assert.False(string.IsNullOrEmpty(run.GetProperty("artifacts").GetProperty("summary").GetString()));

        var detail = await user.GetJsonAsync($"/goals/{goalId}");
        Assert.Equal("completed", detail.GetProperty("status").GetString());
        Assert.NotEmpty(detail.GetProperty("tasks").EnumerateArray());
        Assert.Equal(runId, detail.GetProperty("runs")[0].GetProperty("id").GetString());
        var task = detail.GetProperty("tasks")[0];
        Assert.Equal(goalId, task.GetProperty("goal_id").GetString());
        Assert.Equal(JsonValueKind.Array, task.GetProperty("dependencies").ValueKind);

        // The trail: one entry per node, in the graph's order.
        var trail = await user.GetJsonAsync($"/audit/{runId}");
        var nodes = trail.GetProperty("logs").EnumerateArray().Where(l => l.GetProperty("node").ValueKind == JsonValueKind.String)
            .Select(l => l.GetProperty("node").GetString()).ToList();
        Assert.Equal(Nodes, nodes);
        Assert.Equal("intent.classify", trail.GetProperty("logs")[0].GetProperty("action").GetString());
    }

    [Fact]
    public async Task StartGoal_L0_EveryActionWaitsForApproval()
    {
        var user = await factory.RegisterAsync();
        var runId = await user.StartGoalAsync("Plan the team offsite and email the team the agenda", "L0");
        var pending = await user.WaitForApprovalsAsync(runId);
        var run = await user.GetJsonAsync($"/runs/{runId}");
        Assert.Equal("executor", run.GetProperty("current_node").GetString());
        var calls = run.GetProperty("checkpoints").GetProperty("tool_router").GetProperty("result").GetProperty("tool_calls");
        Assert.Equal(calls.GetArrayLength(), pending.Count);
        Assert.Contains(pending, a => a.GetProperty("payload").GetProperty("action").GetString() == "send_email");
        Assert.Contains(pending, a => a.GetProperty("payload").GetProperty("action").GetString() == "record_note");

        foreach (var approval in pending)
        {
            await user.PostJsonAsync($"/approvals/{approval.GetProperty("id").GetString()}", new { decision = "reject", comments = "Not now" });
        }
        var done = await user.WaitForStatusAsync(runId, "completed");
        var executor = done.GetProperty("checkpoints").GetProperty("executor").GetProperty("result");
        Assert.Equal(0, executor.GetProperty("executed").GetInt32());
        Assert.Equal(pending.Count, executor.GetProperty("skipped").GetInt32());
        // The scheduler leaves a follow-up task for each action not carried out.
        var followUps = done.GetProperty("checkpoints").GetProperty("scheduler").GetProperty("result").GetProperty("follow_ups");
        Assert.Equal(pending.Count, followUps.EnumerateArray().Count(f => f.GetProperty("kind").GetString() == "task"));
    }

    [Fact]
    public async Task EmailTheTeam_L1ApprovedOnce_LandsInTheOutboxOnce()
    {
        var owner = await factory.RegisterAsync(email: $"owner{Guid.NewGuid():N}@acme.example");
        var code = (await owner.GetJsonAsync("/auth/me")).GetProperty("tenant").GetProperty("invite_code").GetString()!;
        var colleague = await factory.RegisterAsync(code, $"colleague{Guid.NewGuid():N}@acme.example");
        var runId = await owner.StartGoalAsync("Email the team the weekly summary", "L1");

        var approval = Assert.Single(await owner.WaitForApprovalsAsync(runId));
        var payload = approval.GetProperty("payload");
        Assert.Equal("send_email", payload.GetProperty("action").GetString());
        Assert.Equal("Weekly summary", payload.GetProperty("subject").GetString());
        var to = payload.GetProperty("to").EnumerateArray().Select(t => t.GetString()).ToList();
        Assert.Contains(owner.Email, to);
        Assert.Contains(colleague.Email, to);

        var id = approval.GetProperty("id").GetString();
        await owner.PostJsonAsync($"/approvals/{id}", new { decision = "approve", comments = "Looks good" });
        using var again = await owner.SendAsync(HttpMethod.Post, $"/approvals/{id}", new { decision = "reject" });
        await MeshClient.ExpectDetail(again, HttpStatusCode.Conflict);

        await owner.WaitForStatusAsync(runId, "completed");
        var decided = await owner.GetJsonAsync($"/approvals/{id}");
        Assert.Equal("approved", decided.GetProperty("state").GetString());
        Assert.Equal(owner.UserId, decided.GetProperty("decided_by").GetString());
        Assert.Equal("completed", decided.GetProperty("run").GetProperty("status").GetString());

        var emails = await Eventually.UntilAsync(() => Task.FromResult(OutboxFor(colleague.Email)), e => e.Count >= 1, "the email in the outbox");
        Assert.Contains("Subject: Weekly summary", File.ReadAllText(Assert.Single(emails)), StringComparison.Ordinal);
        Assert.Single(OutboxFor(owner.Email));

        var logs = await owner.GetJsonAsync("/audit/logs?action=approval.*");
        Assert.Equal("approval.approve", Assert.Single(logs.GetProperty("items").EnumerateArray()).GetProperty("action").GetString());
    }

    [Fact]
    public async Task Decide_Edit_RunsTheEditedAction()
    {
        var user = await factory.RegisterAsync();
        var runId = await user.StartGoalAsync($"Send an email to partner{Guid.NewGuid():N}@example.org about the launch date", "L1");
        var approval = Assert.Single(await user.WaitForApprovalsAsync(runId));
        var edited = $"edited{Guid.NewGuid():N}@example.org";
        await user.PostJsonAsync($"/approvals/{approval.GetProperty("id").GetString()}", new
        {
            decision = "edit",
            comments = "Send it to the right person",
            payload = new { to = new[] { edited }, subject = "Launch date" },
        });
        var run = await user.WaitForStatusAsync(runId, "completed");
        var result = run.GetProperty("checkpoints").GetProperty("executor").GetProperty("result").GetProperty("results")[0];
        Assert.Equal("done", result.GetProperty("status").GetString());
        Assert.Equal(edited, result.GetProperty("result").GetProperty("sent_to")[0].GetString());
        var email = await Eventually.UntilAsync(() => Task.FromResult(OutboxFor(edited)), e => e.Count == 1, "the edited email");
        Assert.Contains("Subject: Launch date", File.ReadAllText(email[0]), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Decide_BadDecision_422AndUnknownApproval_404()
    {
        var user = await factory.RegisterAsync();
        using var unknown = await user.SendAsync(HttpMethod.Post, "/approvals/approval_nope", new { decision = "approve" });
        await MeshClient.ExpectDetail(unknown, HttpStatusCode.NotFound);
        using var bad = await user.SendAsync(HttpMethod.Post, "/approvals/approval_nope", new { decision = "maybe" });
        var json = await MeshClient.ExpectDetail(bad, HttpStatusCode.UnprocessableEntity);
        Assert.Equal("decision", json.GetProperty("errors")[0].GetProperty("field").GetString());
    }

    [Fact]
    public async Task PauseAndResume_WhileWaiting_StopsAtTheNodeBoundaryThenFinishes()
    {
        var user = await factory.RegisterAsync();
        var runId = await user.StartGoalAsync("Write a status note for the board", "L0");
        var approvals = await user.WaitForApprovalsAsync(runId);
        var paused = await user.PostJsonAsync($"/runs/{runId}/pause", new { });
        Assert.Equal("Run paused successfully", paused.GetProperty("message").GetString());
        foreach (var approval in approvals)
        {
            await user.PostJsonAsync($"/approvals/{approval.GetProperty("id").GetString()}", new { decision = "approve" });
        }
        // Decided, but paused by its user: the executor does not start.
        await Task.Delay(500);
        var still = await user.GetJsonAsync($"/runs/{runId}");
        Assert.Equal("paused", still.GetProperty("status").GetString());
        Assert.Equal("executor", still.GetProperty("current_node").GetString());
        Assert.False(still.GetProperty("checkpoints").TryGetProperty("executor", out _));

        var resumed = await user.PostJsonAsync($"/runs/{runId}/resume", new { });
        Assert.Equal("Run resumed successfully", resumed.GetProperty("message").GetString());
        var done = await user.WaitForStatusAsync(runId, "completed");
        Assert.Equal(approvals.Count, done.GetProperty("checkpoints").GetProperty("executor").GetProperty("result").GetProperty("executed").GetInt32());
        using var resumeAgain = await user.SendAsync(HttpMethod.Post, $"/runs/{runId}/resume", new { });
        await MeshClient.ExpectDetail(resumeAgain, HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task Pause_RunningRun_PausedUntilResumed()
    {
        var user = await factory.RegisterAsync();
        var runId = await user.StartGoalAsync("Summarize the quarterly report", "L3");
        using var pause = await user.SendAsync(HttpMethod.Post, $"/runs/{runId}/pause", new { });
        if (pause.StatusCode == HttpStatusCode.Conflict)
        {
            return; // Finished before the pause arrived: nothing to show on this machine.
        }
        await MeshClient.Expect(pause, HttpStatusCode.OK);
        var paused = await user.GetJsonAsync($"/runs/{runId}");
        Assert.Equal("paused", paused.GetProperty("status").GetString());
        var node = paused.GetProperty("current_node").GetString();
        await Task.Delay(700);
        var later = await user.WaitForRunAsync(runId, r => !r.GetProperty("checkpoints").EnumerateObject()
            .Any(c => c.Value.GetProperty("status").GetString() == "running"), "the node in flight to finish");
        Assert.Equal("paused", later.GetProperty("status").GetString());
        await user.PostJsonAsync($"/runs/{runId}/resume", new { });
        await user.WaitForStatusAsync(runId, "completed");
        Assert.NotNull(node);
    }

    [Fact]
    public async Task Cancel_WaitingRun_CancelledAndApprovalsClosed()
    {
        var user = await factory.RegisterAsync();
        var runId = await user.StartGoalAsync("Draft a post about our new office", "L0");
        await user.WaitForApprovalsAsync(runId);
        using var cancel = await user.SendAsync(HttpMethod.Delete, $"/runs/{runId}");
        Assert.Equal("Run cancelled successfully", (await MeshClient.Expect(cancel, HttpStatusCode.OK)).GetProperty("message").GetString());
        var run = await user.GetJsonAsync($"/runs/{runId}");
        Assert.Equal("cancelled", run.GetProperty("status").GetString());
        Assert.All(run.GetProperty("approvals").EnumerateArray(), a => Assert.Equal("rejected", a.GetProperty("state").GetString()));
        using var again = await user.SendAsync(HttpMethod.Delete, $"/runs/{runId}");
        await MeshClient.ExpectDetail(again, HttpStatusCode.Conflict);
        var listed = await user.GetJsonAsync("/runs?status=cancelled");
        Assert.Equal(runId, Assert.Single(listed.GetProperty("items").EnumerateArray()).GetProperty("id").GetString());
    }

    [Fact]
    public async Task Metrics_AfterWork_RealFigures()
    {
        var user = await factory.RegisterAsync();
        var runId = await user.StartGoalAsync("Analyze website traffic trends", "L3");
        await user.WaitForStatusAsync(runId, "completed");
        var metrics = await user.GetJsonAsync("/metrics");
        Assert.True(metrics.GetProperty("requests_per_minute").GetInt32() >= 3);
        Assert.True(metrics.GetProperty("average_response_time").GetDouble() > 0);
        Assert.Equal(1, metrics.GetProperty("active_users").GetInt32());
        Assert.Equal(1, metrics.GetProperty("total_goals").GetInt32());
        Assert.Equal(1, metrics.GetProperty("total_runs").GetInt32());
        Assert.Equal(0, metrics.GetProperty("ai_cost_today").GetDouble());

        var health = await factory.CreateClient().GetAsync("/mindmesh/health");
        var json = await MeshClient.Expect(health, HttpStatusCode.OK);
        Assert.Equal("healthy", json.GetProperty("status").GetString());
        Assert.Equal("healthy", json.GetProperty("services").GetProperty("database").GetString());
    }

    private List<string> OutboxFor(string recipient) => Directory.Exists(factory.OutboxFolder)
        ? Directory.GetFiles(factory.OutboxFolder, "*.eml").Where(f => File.ReadAllText(f).Contains("To: " + recipient, StringComparison.Ordinal)).ToList()
        : [];
}

public sealed class ApprovalDeadlineTests(ShortDeadlineMindMeshFactory factory) : IClassFixture<ShortDeadlineMindMeshFactory>
{
    [Fact]
    public async Task Approval_DeadlinePassed_RejectedAndTheRunGoesOn()
    {
        var user = await factory.RegisterAsync();
        var runId = await user.StartGoalAsync($"Email client{Guid.NewGuid():N}@example.net the project update", "L1");
        var approval = Assert.Single(await user.WaitForApprovalsAsync(runId));
        var run = await user.WaitForStatusAsync(runId, "completed");
        var expired = await user.GetJsonAsync($"/approvals/{approval.GetProperty("id").GetString()}");
        Assert.Equal("rejected", expired.GetProperty("state").GetString());
        Assert.Equal(JsonValueKind.Null, expired.GetProperty("decided_by").ValueKind);
        Assert.Contains("Deadline", expired.GetProperty("comments").GetString(), StringComparison.Ordinal);
        // L1: only the external action waited; it did not run, the internal notes did.
        var email = run.GetProperty("checkpoints").GetProperty("executor").GetProperty("result").GetProperty("results").EnumerateArray()
            .Single(r => r.GetProperty("tool").GetString() == "send_email");
        Assert.Equal("skipped", email.GetProperty("status").GetString());
        using var late = await user.SendAsync(HttpMethod.Post, $"/approvals/{approval.GetProperty("id").GetString()}", new { decision = "approve" });
        await MeshClient.ExpectDetail(late, HttpStatusCode.Conflict);
    }
}
