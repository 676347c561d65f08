using System.Text.Json;
using Mindstack.MindMesh.Storage;

namespace Mindstack.MindMesh.Goals;

internal static class GoalRules
{
    public static readonly IReadOnlyList<string> Statuses = ["draft", "active", "completed", "cancelled"];
    public static readonly IReadOnlyList<string> Priorities = ["low", "medium", "high", "urgent"];
    public static readonly IReadOnlyList<string> AutonomyLevels = ["L0", "L1", "L2", "L3"];
    public static readonly IReadOnlyList<string> SortFields = ["created_at", "updated_at", "priority", "due_date", "status"];
    public const int MaxTextLength = 5000;
}

internal sealed record GoalRequest(
    string? Text,
    string? AutonomyLevel,
    JsonElement? Constraints,
    string? Priority,
    DateTime? DueDate,
    double? EstimatedHours,
    double? ActualHours,
    string? Status,
    JsonElement? Metadata);

internal sealed record TaskSummaryView(string Id, string Title, string Status, string Priority);

internal sealed record TaskView(string Id, string GoalId, string Title, string Description, string Status, string? Assignee, DateTime? DueDate,
    string Priority, double? EstimatedHours, double? ActualHours, JsonElement Dependencies, JsonElement ToolRefs, JsonElement Metadata,
    DateTime CreatedAt, DateTime UpdatedAt);

internal sealed record RunSummaryView(string Id, string Status, string? CurrentNode, double Cost, DateTime? StartedAt, DateTime? CompletedAt);

internal sealed record GoalView(string Id, string TenantId, string CreatedBy, string Text, string AutonomyLevel, JsonElement Constraints,
    string Status, string Priority, DateTime? DueDate, double? EstimatedHours, double? ActualHours, JsonElement Metadata, DateTime CreatedAt,
    DateTime UpdatedAt, IReadOnlyList<TaskSummaryView>? Tasks);

internal sealed record GoalDetailView(string Id, string TenantId, string CreatedBy, string Text, string AutonomyLevel, JsonElement Constraints,
    string Status, string Priority, DateTime? DueDate, double? EstimatedHours, double? ActualHours, JsonElement Metadata, DateTime CreatedAt,
    DateTime UpdatedAt, IReadOnlyList<TaskView> Tasks, IReadOnlyList<RunSummaryView> Runs);

internal sealed record StartView(string RunId, string Message);

internal static class GoalViews
{
    public static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement.Clone();

    public static GoalView Of(GoalRow g, IReadOnlyList<TaskSummaryView>? tasks) => new(g.Id, g.TenantId, g.CreatedBy, g.Text, g.AutonomyLevel,
        Json(g.ConstraintsJson), g.Status, g.Priority, g.DueDate, g.EstimatedHours, g.ActualHours, Json(g.MetadataJson), g.CreatedAt, g.UpdatedAt, tasks);

    public static GoalDetailView Detail(GoalRow g, IEnumerable<TaskRow> tasks, IEnumerable<RunRow> runs) => new(g.Id, g.TenantId, g.CreatedBy,
        g.Text, g.AutonomyLevel, Json(g.ConstraintsJson), g.Status, g.Priority, g.DueDate, g.EstimatedHours, g.ActualHours, Json(g.MetadataJson),
        g.CreatedAt, g.UpdatedAt, tasks.Select(Task).ToList(),
        runs.Select(r => new RunSummaryView(r.Id, r.Status, r.CurrentNode, r.Cost, r.StartedAt, r.CompletedAt)).ToList());

    public static TaskView Task(TaskRow t) => new(t.Id, t.GoalId, t.Title, t.Description, t.Status, t.Assignee, t.DueDate, t.Priority,
        t.EstimatedHours, t.ActualHours, Json(t.DependenciesJson), Json(t.ToolRefsJson), Json(t.MetadataJson), t.CreatedAt, t.UpdatedAt);
}
