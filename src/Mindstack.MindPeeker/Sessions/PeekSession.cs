namespace Mindstack.MindPeeker.Sessions;

/// <summary>One psychic-intelligence session: its request, its charge and, once done, its analysis.</summary>
internal sealed class PeekSession
{
    public required string Id { get; set; }
    public required string AccountId { get; set; }
    public required string Cue { get; set; }
    public required string SessionType { get; set; }
    public required string Status { get; set; }
    /// <summary>The session's parameters as the client gave them (JSON object).</summary>
    public required string ParametersJson { get; set; }
    /// <summary>The client's metadata (JSON object).</summary>
    public required string MetadataJson { get; set; }
    public double ConfidenceThreshold { get; set; }
    public long CreditsRequired { get; set; }
    public long? CreditsUsed { get; set; }
    public long CreditsRefunded { get; set; }
    /// <summary>The ledger hold taken at creation; settled on completion, released on failure or cancel.</summary>
    public string? HoldId { get; set; }
    public double? ConfidenceScore { get; set; }
    public bool BelowThreshold { get; set; }
    public string? AnalysisId { get; set; }
    /// <summary>The analysis results (JSON), written by the final stage.</summary>
    public string? ResultsJson { get; set; }
    public string? ModelVersion { get; set; }
    public long DataPointsAnalyzed { get; set; }
    public string? FailureReason { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime EstimatedCompletion { get; set; }
    public DateTime? StartedAt { get; set; }
    public DateTime? CompletedAt { get; set; }
    public DateTime? CancelledAt { get; set; }

    public bool IsFinished => Status is SessionStatus.Completed or SessionStatus.Failed or SessionStatus.Cancelled;
}

/// <summary>One recorded stage of a session's analysis.</summary>
internal sealed class AnalysisStage
{
    public required string Id { get; set; }
    public required string SessionId { get; set; }
    public int Sequence { get; set; }
    public required string Stage { get; set; }
    public double Confidence { get; set; }
    public required string Notes { get; set; }
    public DateTime Timestamp { get; set; }
}

internal static class SessionStatus
{
    public const string Pending = "pending";
    public const string Processing = "processing";
    public const string Completed = "completed";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";

    public static readonly IReadOnlyList<string> Listable = [Pending, Processing, Completed, Failed, Cancelled];
}

/// <summary>The four session types and what each costs.</summary>
internal static class SessionTypes
{
    public const string RemoteViewing = "remote_viewing";
    public const string Dowsing = "dowsing";
    public const string Precognition = "precognition";
    public const string IntuitiveAnalysis = "intuitive_analysis";

    public static readonly IReadOnlyList<string> All = [RemoteViewing, Dowsing, Precognition, IntuitiveAnalysis];

    /// <summary>Credits held when a session of the type is created (the most it can cost).</summary>
    public static long Cost(string type) => type switch
    {
        RemoteViewing => 10,
        Dowsing => 8,
        Precognition => 12,
        IntuitiveAnalysis => 5,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Unknown session type"),
    };

    /// <summary>The model that runs the type, as reported in <c>metadata.model_version</c>.</summary>
    public static string ModelVersion(string type) => type switch
    {
        RemoteViewing => "rv-v2.1.0",
        Dowsing => "dw-v1.4.0",
        Precognition => "pc-v1.2.0",
        _ => "ia-v1.0.0",
    };
}

/// <summary>The three analysis stages, in order.</summary>
internal static class Stages
{
    public const string InitialProcessing = "initial_processing";
    public const string DeepAnalysis = "deep_analysis";
    public const string FinalValidation = "final_validation";

    public static readonly IReadOnlyList<string> All = [InitialProcessing, DeepAnalysis, FinalValidation];
}
