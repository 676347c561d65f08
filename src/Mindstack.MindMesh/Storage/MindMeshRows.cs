namespace Mindstack.MindMesh.Storage;

/// <summary>A tenant: the unit every MindMesh resource belongs to. Its owner shares <see cref="InviteCode"/> for others to join.</summary>
internal sealed class TenantRow
{
    public required string Id { get; set; }
    public required string Name { get; set; }
    public required string OwnerId { get; set; }
    public required string InviteCode { get; set; }
    public DateTime CreatedAt { get; set; }
}

/// <summary>An account's membership of its one tenant, with its role (the permissions follow from it) and settings.</summary>
internal sealed class MemberRow
{
    public required string AccountId { get; set; }
    public required string TenantId { get; set; }
    public required string Role { get; set; }
    public string? FullName { get; set; }
    public string SettingsJson { get; set; } = "{}";
    public DateTime? LastLogin { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

internal sealed class GoalRow
{
    public required string Id { get; set; }
    public required string TenantId { get; set; }
    public required string CreatedBy { get; set; }
    public required string Text { get; set; }
    public required string AutonomyLevel { get; set; }
    public string ConstraintsJson { get; set; } = "{}";
    public required string Status { get; set; }
    public required string Priority { get; set; }
    public DateTime? DueDate { get; set; }
    public double? EstimatedHours { get; set; }
    public double? ActualHours { get; set; }
    public string MetadataJson { get; set; } = "{}";
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

/// <summary>A task the planner wrote for a goal (keyed by run and the plan's own task id, so a re-planned step replaces its tasks).</summary>
internal sealed class TaskRow
{
    public required string Id { get; set; }
    public required string TenantId { get; set; }
    public required string GoalId { get; set; }
    public required string RunId { get; set; }
    public int Position { get; set; }
    public required string Title { get; set; }
    public string Description { get; set; } = "";
    public required string Status { get; set; }
    public string? Assignee { get; set; }
    public DateTime? DueDate { get; set; }
    public required string Priority { get; set; }
    public double? EstimatedHours { get; set; }
    public double? ActualHours { get; set; }
    public string DependenciesJson { get; set; } = "[]";
    public string ToolRefsJson { get; set; } = "[]";
    public string MetadataJson { get; set; } = "{}";
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

/// <summary>
/// One run of a goal through the graph. <see cref="CheckpointsJson"/> holds each node's stored
/// result (input, output, cost, latency, model); <see cref="StateJson"/> what later nodes read.
/// <see cref="Version"/> guards every write, so a pause or cancel and a finishing node never overwrite each other.
/// </summary>
internal sealed class RunRow
{
    public required string Id { get; set; }
    public required string TenantId { get; set; }
    public required string GoalId { get; set; }
    public required string CreatedBy { get; set; }
    public required string GraphVersion { get; set; }
    public required string Status { get; set; }
    public string? CurrentNode { get; set; }
    public string CheckpointsJson { get; set; } = "{}";
    public string StateJson { get; set; } = "{}";
    public string ArtifactsJson { get; set; } = "{}";
    public double Cost { get; set; }
    public int TokensUsed { get; set; }
    public int ApiCalls { get; set; }
    public string? ErrorMessage { get; set; }
    public DateTime? StartedAt { get; set; }
    public DateTime? CompletedAt { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
    public int Version { get; set; }
}

/// <summary>A human decision the guardrails asked for: the exact action in <see cref="PayloadJson"/>.</summary>
internal sealed class ApprovalRow
{
    public required string Id { get; set; }
    public required string TenantId { get; set; }
    public required string RunId { get; set; }
    public required string CallId { get; set; }
    public required string PayloadJson { get; set; }
    public required string State { get; set; }
    public string? Decision { get; set; }
    public string? Comments { get; set; }
    public string? DecidedBy { get; set; }
    public DateTime Deadline { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? DecidedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

/// <summary>A tool call the executor performed, under its idempotency key: inserted with its side effect, so a retried step never repeats it.</summary>
internal sealed class ToolCallRow
{
    public required string IdempotencyKey { get; set; }
    public required string TenantId { get; set; }
    public required string RunId { get; set; }
    public required string CallId { get; set; }
    public required string Tool { get; set; }
    public string? ConnectorId { get; set; }
    public string ResultJson { get; set; } = "{}";
    public DateTime CreatedAt { get; set; }
}

/// <summary>A tenant's link to a provider (email outbox, local files, webhook inbox, Gmail…).</summary>
internal sealed class ConnectorRow
{
    public required string Id { get; set; }
    public required string TenantId { get; set; }
    public required string Provider { get; set; }
    public required string Name { get; set; }
    public string ScopesJson { get; set; } = "[]";
    public required string Status { get; set; }
    public DateTime? LastSync { get; set; }
    public int SyncFrequency { get; set; }
    public string SettingsJson { get; set; } = "{}";
    public bool IsEnabled { get; set; } = true;
    /// <summary>The provider's tokens and the inbox secret, encrypted with ASP.NET Core Data Protection.</summary>
    public string? AccessTokenCipher { get; set; }
    public string? RefreshTokenCipher { get; set; }
    public DateTime? TokenExpiresAt { get; set; }
    public string? SecretCipher { get; set; }
    public string? LastError { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

/// <summary>The MindMesh audit trail: tenant-scoped, with details and, for a run's nodes, the run and node.</summary>
internal sealed class AuditRow
{
    public required string Id { get; set; }
    public required string TenantId { get; set; }
    public string? UserId { get; set; }
    public string? RunId { get; set; }
    public string? Node { get; set; }
    public required string Action { get; set; }
    public required string ResourceType { get; set; }
    public string? ResourceId { get; set; }
    public string DetailsJson { get; set; } = "{}";
    public string? IpAddress { get; set; }
    public string? UserAgent { get; set; }
    public bool Success { get; set; } = true;
    public string? ErrorMessage { get; set; }
    public DateTime CreatedAt { get; set; }
    /// <summary>Orders entries written in the same instant (a run's trail in node order).</summary>
    public int Sequence { get; set; }
}

/// <summary>How MindMesh writes the JSON it stores (snake_case, as its wire).</summary>
internal static class MindMeshJson
{
    public static readonly System.Text.Json.JsonSerializerOptions Options = new(System.Text.Json.JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.SnakeCaseLower,
    };
}

/// <summary>A document in a tenant's memory, one per <see cref="SourceUri"/>; upserting the same hash changes nothing.</summary>
internal sealed class DocumentRow
{
    public required string Id { get; set; }
    public required string TenantId { get; set; }
    public required string SourceUri { get; set; }
    public required string App { get; set; }
    public string? Owner { get; set; }
    public string Title { get; set; } = "";
    public required string Content { get; set; }
    public string? MimeType { get; set; }
    public long? FileSize { get; set; }
    public required string Hash { get; set; }
    public string MetadataJson { get; set; } = "{}";
    public required string Sensitivity { get; set; }
    public bool IsIndexed { get; set; }
    public DateTime? ExpiresAt { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

/// <summary>Something that happened (an email, meeting, call, or a note such as a run's reflection).</summary>
internal sealed class EpisodeRow
{
    public required string Id { get; set; }
    public required string TenantId { get; set; }
    public required string Type { get; set; }
    public required string Title { get; set; }
    public required string Summary { get; set; }
    public string ParticipantsJson { get; set; } = "[]";
    public string? RunId { get; set; }
    public DateTime OccurredAt { get; set; }
    public DateTime CreatedAt { get; set; }
}

/// <summary>A person, organization, project or topic the AI engine found in the tenant's documents.</summary>
internal sealed class EntityRow
{
    public required string Id { get; set; }
    public required string TenantId { get; set; }
    public required string Type { get; set; }
    public required string Name { get; set; }
    public required string NormalizedName { get; set; }
    public int Mentions { get; set; }
    public bool IsActive { get; set; } = true;
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}
