using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Mvc;
using Mindstack.Platform.Http;

namespace Mindstack.MindPeeker.Sessions;

/// <summary><c>POST /sessions</c>.</summary>
internal sealed record CreateSessionRequest(string? Cue, string? SessionType, SessionParameters? Parameters, JsonElement? Metadata);

/// <summary><c>PUT /sessions/{id}</c>: parameters and metadata are merged into the session's.</summary>
internal sealed record UpdateSessionRequest(SessionParameters? Parameters, JsonElement? Metadata);

/// <summary>A session's parameters as the client sends them; every field optional.</summary>
internal sealed record SessionParameters
{
    public int? Duration { get; init; }
    public double? ConfidenceThreshold { get; init; }
    public IReadOnlyList<string>? AnalysisTypes { get; init; }
    public string? Priority { get; init; }
}

/// <summary>A new session that passed validation.</summary>
internal sealed record ValidSession(string Cue, string Type, StoredParameters Parameters, string MetadataJson);

/// <summary>
/// The query of <c>GET /sessions</c> as sent, bound as text so that a value of the wrong type is
/// the document's 422 naming the parameter, not the framework's 400.
/// </summary>
internal sealed class SessionListParameters
{
    public string? Status { get; init; }

    [FromQuery(Name = "session_type")]
    public string? SessionType { get; init; }

    public string? Limit { get; init; }

    public string? Offset { get; init; }

    [FromQuery(Name = "sort_by")]
    public string? SortBy { get; init; }

    public string? Order { get; init; }
}

/// <summary>A session list's filters, sorting and window, validated.</summary>
internal sealed record SessionListQuery(string? Status, string? SessionType, OffsetRequest Window, string SortBy, bool Descending);

/// <summary>A session's parameters after defaults, as stored and shown.</summary>
internal sealed record StoredParameters
{
    public int Duration { get; init; } = 1800;
    public double ConfidenceThreshold { get; init; } = 0.7;
    public IReadOnlyList<string> AnalysisTypes { get; init; } = SessionRules.AnalysisTypes;
    public string Priority { get; init; } = "normal";
}

/// <summary>Validation of session requests, with the document's error codes.</summary>
internal static class SessionRules
{
    public const int MaxCueLength = 2000;
    public const int MaxMetadataBytes = 16 * 1024;
    public static readonly IReadOnlyList<string> AnalysisTypes = ["visual", "spatial", "temporal"];
    public static readonly IReadOnlyList<string> Priorities = ["low", "normal", "high", "urgent"];

    /// <summary>Storage naming: the same snake_case fields the wire shows.</summary>
    public static readonly JsonSerializerOptions StorageJson = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static Problem Missing(string field) =>
        new(ProblemKind.Validation, $"{field} is required", "MISSING_REQUIRED_FIELD", errors: [new FieldError(field, "Required field is missing")]);

    public static Problem InvalidValue(string field, string reason) =>
        new(ProblemKind.Validation, $"{field} is invalid: {reason}", "INVALID_FIELD_VALUE", errors: [new FieldError(field, reason)]);

    /// <summary>Records <paramref name="field"/> as missing, with the document's code.</summary>
    public static Validation Missing(this Validation validation, string field) =>
        validation.Add(field, "Required field is missing", "MISSING_REQUIRED_FIELD", $"{field} is required");

    /// <summary>Records <paramref name="field"/> as invalid for <paramref name="reason"/>, with the document's code.</summary>
    public static Validation InvalidValue(this Validation validation, string field, string reason) =>
        validation.Add(field, reason, "INVALID_FIELD_VALUE", $"{field} is invalid: {reason}");

    /// <summary>Records <paramref name="field"/> as longer than <paramref name="max"/>, with the document's code.</summary>
    public static Validation TooLong(this Validation validation, string field, int max) =>
        validation.Add(field, $"At most {max} characters", "FIELD_TOO_LONG", $"{field} exceeds {max} characters");

    /// <summary>
    /// A new session's cue, type, parameters (over the defaults) and metadata. Every field is
    /// checked; the error names the first that failed, as the document's error has one field.
    /// </summary>
    public static ValidSession ValidateCreate(CreateSessionRequest request)
    {
        var validation = new Validation();
        if (string.IsNullOrWhiteSpace(request.Cue))
        {
            validation.Missing("cue");
        }
        else if (request.Cue.Length > MaxCueLength)
        {
            validation.TooLong("cue", MaxCueLength);
        }
        if (string.IsNullOrWhiteSpace(request.SessionType))
        {
            validation.Missing("session_type");
        }
        else if (!SessionTypes.All.Contains(request.SessionType))
        {
            validation.InvalidValue("session_type", "One of " + string.Join(", ", SessionTypes.All));
        }
        var parameters = Merge(new StoredParameters(), request.Parameters, validation);
        var metadata = MergeMetadata("{}", request.Metadata, validation);
        validation.ThrowFirstIfInvalid();
        return new ValidSession(request.Cue!.Trim(), request.SessionType!, parameters, metadata);
    }

    /// <summary>A session's parameters and metadata with an update applied, or the update's first failure.</summary>
    public static (StoredParameters Parameters, string MetadataJson) ValidateUpdate(PeekSession session, UpdateSessionRequest request)
    {
        var validation = new Validation();
        var parameters = Merge(ReadParameters(session), request.Parameters, validation);
        var metadata = MergeMetadata(session.MetadataJson, request.Metadata, validation);
        validation.ThrowFirstIfInvalid();
        return (parameters, metadata);
    }

    /// <summary>The list's filters, sorting and window, or the first that is not valid.</summary>
    public static SessionListQuery ValidateList(SessionListParameters query)
    {
        var (status, sessionType, sortBy, order) = (query.Status, query.SessionType, query.SortBy, query.Order);
        var validation = new Validation();
        if (status is not null && !SessionStatus.Listable.Contains(status))
        {
            validation.InvalidValue("status", "One of " + string.Join(", ", SessionStatus.Listable));
        }
        if (sessionType is not null && !SessionTypes.All.Contains(sessionType))
        {
            validation.InvalidValue("session_type", "One of " + string.Join(", ", SessionTypes.All));
        }
        validation.ThrowFirstIfInvalid();
        var window = Query.Offsets(query.Limit, query.Offset, defaultLimit: 20, maxLimit: 100);
        sortBy ??= "created_at";
        order ??= "desc";
        if (order is not ("asc" or "desc"))
        {
            validation.InvalidValue("order", "asc or desc");
        }
        if (sortBy is not ("created_at" or "completed_at" or "confidence_score"))
        {
            validation.InvalidValue("sort_by", "One of created_at, completed_at, confidence_score");
        }
        validation.ThrowFirstIfInvalid();
        return new SessionListQuery(status, sessionType, window, sortBy, order == "desc");
    }

    /// <summary>Applies the given parameters over <paramref name="current"/>, recording each that is not valid.</summary>
    private static StoredParameters Merge(StoredParameters current, SessionParameters? given, Validation validation)
    {
        if (given is null)
        {
            return current;
        }
        if (given.Duration is { } duration && duration is < 60 or > 86_400)
        {
            validation.InvalidValue("parameters.duration", "Between 60 and 86400 seconds");
        }
        if (given.ConfidenceThreshold is { } threshold && (double.IsNaN(threshold) || threshold is < 0 or > 1))
        {
            validation.InvalidValue("parameters.confidence_threshold", "Between 0 and 1");
        }
        if (given.AnalysisTypes is { } types && (types.Count == 0 || types.Any(t => !AnalysisTypes.Contains(t))))
        {
            validation.InvalidValue("parameters.analysis_types", "A non-empty list of " + string.Join(", ", AnalysisTypes));
        }
        if (given.Priority is { } priority && !Priorities.Contains(priority))
        {
            validation.InvalidValue("parameters.priority", "One of " + string.Join(", ", Priorities));
        }
        return current with
        {
            Duration = given.Duration ?? current.Duration,
            ConfidenceThreshold = given.ConfidenceThreshold ?? current.ConfidenceThreshold,
            AnalysisTypes = given.AnalysisTypes?.Distinct().ToList() ?? current.AnalysisTypes,
            Priority = given.Priority ?? current.Priority,
        };
    }

    /// <summary>Shallow-merges a metadata object over the stored one (a key set to null is removed), recording a failure.</summary>
    private static string MergeMetadata(string currentJson, JsonElement? given, Validation validation)
    {
        var current = JsonNode.Parse(currentJson)?.AsObject() ?? [];
        if (given is not { } element || element.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined)
        {
            return current.ToJsonString();
        }
        if (element.ValueKind != JsonValueKind.Object)
        {
            validation.InvalidValue("metadata", "Must be an object");
            return currentJson;
        }
        foreach (var property in element.EnumerateObject())
        {
            if (property.Value.ValueKind == JsonValueKind.Null)
            {
                current.Remove(property.Name);
            }
            else
            {
                current[property.Name] = JsonNode.Parse(property.Value.GetRawText());
            }
        }
        var json = current.ToJsonString();
        if (json.Length > MaxMetadataBytes)
        {
            validation.TooLong("metadata", MaxMetadataBytes);
        }
        return json;
    }

    public static StoredParameters ReadParameters(PeekSession session) =>
        JsonSerializer.Deserialize<StoredParameters>(session.ParametersJson, StorageJson) ?? new StoredParameters();

    public static string Write(StoredParameters parameters) => JsonSerializer.Serialize(parameters, StorageJson);
}
