using System.Text.Json;
using System.Text.Json.Nodes;
using Mindstack.MindMesh.Storage;
using Mindstack.Platform.Events;

namespace Mindstack.MindMesh.Runs;

internal static class RunStatus
{
    public const string Pending = "pending";
    public const string Running = "running";
    public const string Paused = "paused";
    public const string Completed = "completed";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";

    public static readonly IReadOnlyList<string> All = [Pending, Running, Paused, Completed, Failed, Cancelled];

    public static readonly string[] Final = [Completed, Failed, Cancelled];

    public static bool IsFinal(string status) => Final.Contains(status);
}

/// <summary>The graph every run goes through, in order.</summary>
internal static class Graph
{
    public const string Version = "1.0.0";

    public const string IntentRouter = "intent_router";
    public const string Planner = "planner";
    public const string MemoryReader = "memory_reader";
    public const string ToolRouter = "tool_router";
    public const string Guardrails = "guardrails";
    public const string Executor = "executor";
    public const string Reflector = "reflector";
    public const string Scheduler = "scheduler";
    public const string AuditLogger = "audit_logger";

    public static readonly IReadOnlyList<string> Nodes =
        [IntentRouter, Planner, MemoryReader, ToolRouter, Guardrails, Executor, Reflector, Scheduler, AuditLogger];

    public static string? Next(string node)
    {
        var index = Nodes.ToList().IndexOf(node);
        return index >= 0 && index + 1 < Nodes.Count ? Nodes[index + 1] : null;
    }

    /// <summary>The share of the graph done before the current node (1 once the run completed).</summary>
    public static double Progress(RunRow run)
    {
        if (run.Status == RunStatus.Completed)
        {
            return 1;
        }
        var index = run.CurrentNode is null ? 0 : Nodes.ToList().IndexOf(run.CurrentNode);
        return Math.Round(Math.Max(0, index) / (double)Nodes.Count, 2);
    }
}

/// <summary>A run's working state (what later nodes read), stored on the run as JSON.</summary>
internal static class RunState
{
    public const string AwaitingApproval = "awaiting_approval";
    public const string PausedByUser = "paused_by_user";

    public static JsonObject Read(RunRow run) => JsonNode.Parse(run.StateJson) as JsonObject ?? [];

    public static void Write(RunRow run, JsonObject state) => run.StateJson = state.ToJsonString();

    public static bool Flag(JsonObject state, string name) => state[name] is JsonValue value && value.TryGetValue<bool>(out var b) && b;
}

/// <summary>The realtime events of MindMesh, all on the tenant's channel.</summary>
internal sealed class RunEvents(IEventOutbox outbox, MindMeshDialect dialect, TimeProvider clock)
{
    public const string RunUpdate = "run.update";
    public const string ApprovalRequest = "approval.request";
    public const string ApprovalDecided = "approval.decided";
    public const string GoalCompleted = "goal.completed";

    /// <summary>The channel every socket of the tenant joins.</summary>
    public static string TenantChannel(string tenantId) => "mindmesh:tenant:" + tenantId;

    public void RunUpdated(RunRow run, string? node = null, string? nodeStatus = null) => Publish(run.TenantId, run.CreatedBy, RunUpdate, "run", run.Id,
        new { run_id = run.Id, goal_id = run.GoalId, status = run.Status, current_node = run.CurrentNode, progress = Graph.Progress(run), node, node_status = nodeStatus });

    public void Publish(string tenantId, string? accountId, string type, string aggregateType, string aggregateId, object data) =>
        outbox.Publish(new NewEvent(type, aggregateType, aggregateId)
        {
            AccountId = accountId,
            Api = MindMeshApi.Name,
            Data = JsonSerializer.SerializeToElement(data, dialect.Json),
            Channels = [TenantChannel(tenantId)],
            ToAccountChannel = false,
            OccurredAt = clock.GetUtcNow().UtcDateTime,
        });
}
