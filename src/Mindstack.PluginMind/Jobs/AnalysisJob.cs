namespace Mindstack.PluginMind.Jobs;

/// <summary>An <c>/analyze-async</c> request and, once run, its result.</summary>
internal sealed class AnalysisJob
{
    public required string Id { get; set; }
    /// <summary>The signed-in user who asked, if any (the job id itself is the capability).</summary>
    public string? AccountId { get; set; }
    public string Status { get; set; } = AnalysisJobStatus.Queued;
    public required string AnalysisType { get; set; }
    public required string UserInput { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? CompletedAt { get; set; }
    public string? OptimizedPrompt { get; set; }
    public string? Analysis { get; set; }
    public string? Error { get; set; }
    /// <summary>The usage month a signed-in user's query was reserved in; given back if the job fails or is deleted unrun.</summary>
    public string? UsagePeriod { get; set; }

    public bool IsFinal => Status is AnalysisJobStatus.Completed or AnalysisJobStatus.Failed;
}

internal static class AnalysisJobStatus
{
    public const string Queued = "queued";
    public const string Processing = "processing";
    public const string Completed = "completed";
    public const string Failed = "failed";
}
