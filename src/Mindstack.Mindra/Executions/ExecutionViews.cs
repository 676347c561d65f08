using System.Text.Json.Nodes;
using Mindstack.Mindra.Storage;
using Mindstack.Mindra.Wallet;

namespace Mindstack.Mindra.Executions;

/// <summary>An agent chosen for an execution, as stored in <see cref="ExecutionRow.AgentsJson"/>.</summary>
internal sealed record PlannedAgent(string Id, string Name, string Vertical, double Confidence, long PriceCents);

/// <summary>An execution as the API shows it.</summary>
internal sealed record ExecutionView(
    string Id,
    string ExecutionId,
    string Status,
    string Query,
    JsonNode? Context,
    string Mode,
    string AggregationStrategy,
    JsonNode? SelectionCriteria,
    string Vertical,
    IReadOnlyList<AgentSummaryView> Agents,
    IReadOnlyList<StepView>? Steps,
    JsonNode? Result,
    string? Error,
    CostView Cost,
    bool Sandbox,
    DateTime CreatedAt,
    DateTime UpdatedAt,
    DateTime? StartedAt,
    DateTime? CompletedAt,
    long? DurationMs);

internal sealed record AgentSummaryView(string Id, string Name, string Vertical, double Confidence, decimal Price);

internal sealed record CostView(decimal Estimated, decimal Actual, string Currency);

internal sealed record StepView(
    int Index,
    string AgentId,
    string AgentName,
    string Status,
    JsonNode? Input,
    JsonNode? Output,
    double? Confidence,
    decimal Cost,
    long? DurationMs,
    string? Error,
    DateTime? StartedAt,
    DateTime? CompletedAt);

internal static class ExecutionViews
{
    public static ExecutionView Of(ExecutionRow row, IReadOnlyList<ExecutionStepRow>? steps) => new(
        row.Id,
        row.Id,
        row.Status,
        row.Query,
        Parse(row.ContextJson),
        row.Mode,
        row.Strategy,
        Parse(row.CriteriaJson),
        row.Vertical,
        Agents(row).Select(a => new AgentSummaryView(a.Id, a.Name, a.Vertical, a.Confidence, WalletAccount.Dollars(a.PriceCents))).ToList(),
        steps?.OrderBy(s => s.Position).Select(Step).ToList(),
        Parse(row.ResultJson),
        row.Error,
        new CostView(WalletAccount.Dollars(row.EstimatedCostCents), WalletAccount.Dollars(row.CostCents), WalletAccount.Currency),
        row.Sandbox,
        row.CreatedAt,
        row.UpdatedAt,
        row.StartedAt,
        row.CompletedAt,
        row.StartedAt is { } started && row.CompletedAt is { } done ? (long)(done - started).TotalMilliseconds : null);

    public static IReadOnlyList<PlannedAgent> Agents(ExecutionRow row) =>
        System.Text.Json.JsonSerializer.Deserialize<List<PlannedAgent>>(row.AgentsJson, StorageJson.Options) ?? [];

    private static StepView Step(ExecutionStepRow s) => new(
        s.Position, s.AgentId, s.AgentName, s.Status, Parse(s.InputJson), Parse(s.OutputJson), s.Confidence,
        WalletAccount.Dollars(s.CostCents), s.DurationMs, s.Error, s.StartedAt, s.CompletedAt);

    private static JsonNode? Parse(string? json) => json is null ? null : JsonNode.Parse(json);
}

/// <summary>How the module writes JSON into its own text columns.</summary>
internal static class StorageJson
{
    public static readonly System.Text.Json.JsonSerializerOptions Options = new(System.Text.Json.JsonSerializerDefaults.Web);
}
