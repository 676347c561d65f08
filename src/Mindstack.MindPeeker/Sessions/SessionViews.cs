using System.Text.Json;

namespace Mindstack.MindPeeker.Sessions;

internal sealed record SessionCreatedView(string Id, string Cue, string SessionType, string Status, DateTime CreatedAt,
    DateTime EstimatedCompletion, long CreditsRequired, StoredParameters Parameters, JsonElement Metadata, string WebsocketUrl);

internal sealed record SessionDetailView(string Id, string Cue, string SessionType, string Status, DateTime CreatedAt, DateTime? StartedAt,
    DateTime? CompletedAt, DateTime EstimatedCompletion, long? Duration, long CreditsRequired, long? CreditsUsed, double? ConfidenceScore,
    StoredParameters Parameters, SessionResultsView? Results, string? FailureReason, JsonElement Metadata);

internal sealed record SessionResultsView(string? Summary, JsonElement? Coordinates, JsonElement? VisualData, IReadOnlyList<string> AnalysisTypes,
    bool BelowConfidenceThreshold);

internal sealed record SessionSummaryView(string Id, string Cue, string SessionType, string Status, DateTime CreatedAt, DateTime? CompletedAt,
    double? ConfidenceScore, long? CreditsUsed);

internal sealed record SessionUpdatedView(string Id, string Status, StoredParameters Parameters, JsonElement Metadata);

internal sealed record SessionPaginationView(int Total, int Limit, int Offset, bool HasMore);

/// <summary><c>GET /sessions</c>: a page of the caller's sessions.</summary>
internal sealed record SessionListView(IEnumerable<SessionSummaryView> Sessions, SessionPaginationView Pagination);

internal sealed record RefundView(long CreditsRefunded, string RefundReason);

/// <summary><c>DELETE /sessions/{session_id}</c>: <c>{success, message, refund}</c>, outside the usual <c>data</c> frame as the document shows it.</summary>
internal sealed record SessionCancelledView(bool Success, string Message, RefundView Refund);

internal sealed record AnalysisMetadataView(long AnalysisDuration, string? ModelVersion, int ProcessingNodes, long DataPointsAnalyzed);

/// <summary><c>GET /sessions/{session_id}/analysis</c>: a completed session's analysis.</summary>
internal sealed record AnalysisView(string SessionId, string? AnalysisId, string Status, DateTime? CompletedAt, double? ConfidenceScore,
    bool BelowConfidenceThreshold, JsonElement Results, AnalysisMetadataView Metadata);

internal sealed record AnalysisStageView(DateTime Timestamp, string Stage, double Confidence, string Notes);

/// <summary><c>GET /sessions/{session_id}/analysis/history</c>: the recorded stages.</summary>
internal sealed record AnalysisHistoryView(IEnumerable<AnalysisStageView> AnalysisHistory);

/// <summary>
/// The wire shapes of a session, named records so the Dialect's snake_case yields the document's
/// fields and the OpenAPI document describes them.
/// </summary>
internal static class SessionViews
{
    public static JsonElement Json(string? json) =>
        json is null ? default : JsonDocument.Parse(json).RootElement.Clone();

    public static SessionCreatedView Created(PeekSession s, string websocketUrl) => new(s.Id, s.Cue, s.SessionType, s.Status, s.CreatedAt,
        s.EstimatedCompletion, s.CreditsRequired, SessionRules.ReadParameters(s), Json(s.MetadataJson), websocketUrl);

    public static SessionDetailView Detail(PeekSession s)
    {
        var results = s.ResultsJson is null ? (JsonElement?)null : Json(s.ResultsJson);
        return new(s.Id, s.Cue, s.SessionType, s.Status, s.CreatedAt, s.StartedAt, s.CompletedAt, s.EstimatedCompletion,
            s is { StartedAt: { } start, CompletedAt: { } end } ? Math.Max(0, (long)Math.Round((end - start).TotalSeconds)) : null,
            s.CreditsRequired, s.CreditsUsed, s.ConfidenceScore, SessionRules.ReadParameters(s),
            results is { } r
                ? new SessionResultsView(
                    r.GetProperty("summary").GetString(),
                    // Only the analysis types asked for are present: a session without "spatial" has no spatial_data.
                    r.GetProperty("detailed_analysis").TryGetProperty("spatial_data", out var spatial)
                        && spatial.TryGetProperty("coordinates", out var c) ? c : null,
                    r.GetProperty("detailed_analysis").TryGetProperty("visual_data", out var v) ? v : null,
                    SessionRules.ReadParameters(s).AnalysisTypes,
                    s.BelowThreshold)
                : null,
            s.FailureReason, Json(s.MetadataJson));
    }

    public static SessionSummaryView Summary(PeekSession s) =>
        new(s.Id, s.Cue, s.SessionType, s.Status, s.CreatedAt, s.CompletedAt, s.ConfidenceScore, s.CreditsUsed);

    public static SessionUpdatedView Updated(PeekSession s) => new(s.Id, s.Status, SessionRules.ReadParameters(s), Json(s.MetadataJson));
}
