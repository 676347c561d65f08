using System.Text.Json;

namespace Mindstack.MindPeeker.Sessions;

/// <summary>The wire shapes of a session, named so the Dialect's snake_case yields the document's fields.</summary>
internal static class SessionViews
{
    public static JsonElement Json(string? json) =>
        json is null ? default : JsonDocument.Parse(json).RootElement.Clone();

    public static object Created(PeekSession s, string websocketUrl) => new
    {
        s.Id,
        s.Cue,
        s.SessionType,
        s.Status,
        s.CreatedAt,
        s.EstimatedCompletion,
        s.CreditsRequired,
        Parameters = SessionRules.ReadParameters(s),
        Metadata = Json(s.MetadataJson),
        WebsocketUrl = websocketUrl,
    };

    public static object Detail(PeekSession s)
    {
        var results = s.ResultsJson is null ? (JsonElement?)null : Json(s.ResultsJson);
        return new
        {
            s.Id,
            s.Cue,
            s.SessionType,
            s.Status,
            s.CreatedAt,
            s.StartedAt,
            s.CompletedAt,
            s.EstimatedCompletion,
            Duration = s is { StartedAt: { } start, CompletedAt: { } end } ? (long?)Math.Max(0, (long)Math.Round((end - start).TotalSeconds)) : null,
            s.CreditsRequired,
            s.CreditsUsed,
            s.ConfidenceScore,
            Parameters = SessionRules.ReadParameters(s),
            Results = results is { } r ? new
            {
                Summary = r.GetProperty("summary").GetString(),
                Coordinates = r.GetProperty("detailed_analysis").GetProperty("spatial_data").TryGetProperty("coordinates", out var c) ? c : default(JsonElement?),
                VisualData = r.GetProperty("detailed_analysis").TryGetProperty("visual_data", out var v) ? v : default(JsonElement?),
                AnalysisTypes = SessionRules.ReadParameters(s).AnalysisTypes,
                BelowConfidenceThreshold = s.BelowThreshold,
            } : null,
            s.FailureReason,
            Metadata = Json(s.MetadataJson),
        };
    }

    public static object Summary(PeekSession s) => new
    {
        s.Id,
        s.Cue,
        s.SessionType,
        s.Status,
        s.CreatedAt,
        s.CompletedAt,
        s.ConfidenceScore,
        s.CreditsUsed,
    };

    public static object Updated(PeekSession s) => new
    {
        s.Id,
        s.Status,
        Parameters = SessionRules.ReadParameters(s),
        Metadata = Json(s.MetadataJson),
    };
}
