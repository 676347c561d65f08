using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Mindstack.MindMesh.Graph;
using Mindstack.MindMesh.Storage;
using Mindstack.Platform.Jobs;
using Mindstack.Platform.Storage;

namespace Mindstack.MindMesh.Tests;

public sealed class SocketAndDurabilityTests(MindMeshFactory factory) : IClassFixture<MindMeshFactory>
{
    [Fact]
    public async Task Socket_TenantRun_ReceivesItsEventsAndNothingOfAnotherTenant()
    {
        var owner = await factory.RegisterAsync();
        var stranger = await factory.RegisterAsync();
        using var socket = await owner.ConnectAsync();
        using var other = await stranger.ConnectAsync();
        var runId = await owner.StartGoalAsync($"Email reviewer{Guid.NewGuid():N}@example.com the launch checklist", "L1");

        var seen = new List<string>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (!seen.Contains("goal.completed"))
        {
            var frame = await ReceiveAsync(socket, timeout.Token);
            var type = frame["type"]!.GetValue<string>();
            seen.Add(type);
            var data = frame["data"]!;
            Assert.Equal(runId, data["run_id"]!.GetValue<string>());
            if (type == "approval.request")
            {
                Assert.Equal("send_email", data["payload"]!["action"]!.GetValue<string>());
                await owner.PostJsonAsync($"/approvals/{data["approval_id"]!.GetValue<string>()}", new { decision = "approve" });
            }
        }
        Assert.Contains("run.update", seen);
        Assert.Contains("approval.request", seen);
        Assert.Contains("approval.decided", seen);
        // Every node's start and finish were announced.
        Assert.True(seen.Count(t => t == "run.update") >= 18, string.Join(", ", seen));

        using var quiet = new CancellationTokenSource(TimeSpan.FromMilliseconds(700));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ReceiveAsync(other, quiet.Token));
    }

    [Fact]
    public async Task Socket_NoToken_401Detail()
    {
        var client = factory.Server.CreateWebSocketClient();
        var refused = await Record.ExceptionAsync(() => client.ConnectAsync(new Uri(factory.Server.BaseAddress, "/mindmesh/ws?token=bad"), CancellationToken.None));
        Assert.NotNull(refused);
        using var http = factory.CreateClient();
        using var plain = await http.GetAsync("/mindmesh/ws");
        Assert.Equal(System.Net.HttpStatusCode.UpgradeRequired, plain.StatusCode);
    }

    [Fact]
    public async Task ExecutorStep_RunTwiceAfterACrash_EachActionOnce()
    {
        var user = await factory.RegisterAsync();
        var recipient = $"once{Guid.NewGuid():N}@example.com";
        var runId = await user.StartGoalAsync($"Send an email to {recipient} with the meeting notes", "L3");
        var run = await user.WaitForStatusAsync(runId, "completed");
        Assert.Single(SentEmails(run));

        // A crash after the executor's action and before its checkpoint: the step runs again from the
        // run's last checkpoint. Put the run back there and run the step job again.
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<MindstackDbContext>();
            var row = await db.Set<RunRow>().FirstAsync(r => r.Id == runId);
            var checkpoints = JsonNode.Parse(row.CheckpointsJson)!.AsObject();
            foreach (var node in new[] { "executor", "reflector", "scheduler", "audit_logger" })
            {
                checkpoints.Remove(node);
            }
            row.CheckpointsJson = checkpoints.ToJsonString();
            row.Status = "running";
            row.CurrentNode = "executor";
            row.CompletedAt = null;
            row.Version++;
            scope.ServiceProvider.GetRequiredService<IJobQueue>().Enqueue<RunStepJob>(new RunStepJob.Payload(runId, "executor"));
            await db.SaveChangesAsync();
        }
        var again = await user.WaitForStatusAsync(runId, "completed");
        Assert.All(again.GetProperty("checkpoints").GetProperty("executor").GetProperty("result").GetProperty("results").EnumerateArray(),
            r => Assert.True(r.GetProperty("result").GetProperty("deduplicated").GetBoolean()));
        Assert.Single(SentEmails(again));

        await Task.Delay(1000);
        await Eventually.UntilAsync(() => Task.FromResult(Outbox(recipient)), n => n == 1, "the one email");
        Assert.Equal(1, Outbox(recipient));
    }

    private static List<System.Text.Json.JsonElement> SentEmails(System.Text.Json.JsonElement run) =>
        run.GetProperty("checkpoints").GetProperty("executor").GetProperty("result").GetProperty("results").EnumerateArray()
            .Where(r => r.GetProperty("tool").GetString() == "send_email" && r.GetProperty("status").GetString() == "done").ToList();

    private int Outbox(string recipient) => Directory.Exists(factory.OutboxFolder)
        ? Directory.GetFiles(factory.OutboxFolder, "*.eml").Count(f => File.ReadAllText(f).Contains("To: " + recipient, StringComparison.Ordinal))
        : 0;

    private static async Task<JsonObject> ReceiveAsync(WebSocket socket, CancellationToken ct)
    {
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, ct);
            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage)
            {
                break;
            }
        }
        return JsonNode.Parse(Encoding.UTF8.GetString(message.ToArray()))!.AsObject();
    }
}
