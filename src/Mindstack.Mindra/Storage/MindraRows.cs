namespace Mindstack.Mindra.Storage;

/// <summary>Where an execution is in its life.</summary>
internal static class ExecutionStatus
{
    public const string Pending = "PENDING";
    public const string Running = "RUNNING";
    public const string Completed = "COMPLETED";
    public const string Failed = "FAILED";
    public const string Cancelled = "CANCELLED";

    public static readonly IReadOnlyList<string> All = [Pending, Running, Completed, Failed, Cancelled];

    public static bool IsFinal(string status) => status is Completed or Failed or Cancelled;
}

/// <summary>The <see cref="ExecutionRow.Verticals"/> encoding: each vertical between bars.</summary>
internal static class ExecutionVerticals
{
    public static string Encode(IEnumerable<string> verticals) =>
        "|" + string.Join('|', verticals.Distinct(StringComparer.Ordinal)) + "|";

    /// <summary>What a row's <see cref="ExecutionRow.Verticals"/> contains when it has this one.</summary>
    public static string Needle(string vertical) => "|" + vertical + "|";
}

/// <summary>One orchestration of a query. Sandbox executions are a separate data set of the account.</summary>
internal sealed class ExecutionRow
{
    public required string Id { get; set; }
    public required string AccountId { get; set; }
    public bool Sandbox { get; set; }
    public string? ApiKeyId { get; set; }
    public required string Query { get; set; }
    public required string ContextJson { get; set; }
    public required string CriteriaJson { get; set; }
    public required string Strategy { get; set; }
    public required string Mode { get; set; }
    public required string Status { get; set; }
    /// <summary>The vertical of the best-scored agent (the view's <c>vertical</c>).</summary>
    public required string Vertical { get; set; }
    /// <summary>Every vertical of the selected agents, <c>|marketing|analytics|</c>, for the list's filter.</summary>
    public string Verticals { get; set; } = "";
    /// <summary>The selected agents as JSON: <c>[{id, name, vertical, confidence, priceCents}]</c>.</summary>
    public required string AgentsJson { get; set; }
    public string? WebhookUrl { get; set; }
    public string? WebhookSecret { get; set; }
    /// <summary>Space-separated event names; empty means every event.</summary>
    public string WebhookEvents { get; set; } = "";
    public string? ResultJson { get; set; }
    public string? Error { get; set; }
    public long EstimatedCostCents { get; set; }
    public long CostCents { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
    public DateTime? StartedAt { get; set; }
    public DateTime? CompletedAt { get; set; }
}

/// <summary>One agent's run within an execution.</summary>
internal sealed class ExecutionStepRow
{
    public required string Id { get; set; }
    public required string ExecutionId { get; set; }
    public int Position { get; set; }
    public required string AgentId { get; set; }
    public required string AgentName { get; set; }
    public required string Status { get; set; }
    public double SelectionConfidence { get; set; }
    public string? InputJson { get; set; }
    public string? OutputJson { get; set; }
    public double? Confidence { get; set; }
    public long PriceCents { get; set; }
    public long CostCents { get; set; }
    /// <summary>The ledger hold that reserves this step's price until it is charged or released.</summary>
    public string? HoldId { get; set; }
    public long? DurationMs { get; set; }
    public string? Error { get; set; }
    public DateTime? StartedAt { get; set; }
    public DateTime? CompletedAt { get; set; }
}

/// <summary>An agent an account registered, called over HTTPS by the orchestrator.</summary>
internal sealed class RegisteredAgentRow
{
    /// <summary>Row key: the account, sandbox flag and public id together are unique.</summary>
    public required string RowId { get; set; }
    public required string AgentId { get; set; }
    public required string AccountId { get; set; }
    public bool Sandbox { get; set; }
    public required string Name { get; set; }
    public required string Description { get; set; }
    public required string Url { get; set; }
    public required string Vertical { get; set; }
    /// <summary>Space-separated.</summary>
    public string Capabilities { get; set; } = "";
    public required string PricingModel { get; set; }
    public long PriceCents { get; set; }
    public int TimeoutMs { get; set; }
    public int Retries { get; set; }
    /// <summary>Requests to the agent are signed with this (shown once, at registration).</summary>
    public required string SigningSecret { get; set; }
    public bool IsActive { get; set; } = true;
    public required string Version { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}
