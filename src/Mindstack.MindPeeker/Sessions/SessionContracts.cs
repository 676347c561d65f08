using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
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

    public static Problem TooLong(string field, int max) =>
        new(ProblemKind.Validation, $"{field} exceeds {max} characters", "FIELD_TOO_LONG", errors: [new FieldError(field, $"At most {max} characters")]);

    /// <summary>
    /// A whole-number query parameter (<c>limit</c>, <c>offset</c>): absent or empty is
    /// <paramref name="fallback"/>; anything else must be an integer in range, or it is a 422 naming the field.
    /// </summary>
    public static int QueryInt(string? value, string field, int fallback, int min, int max, string reason)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return fallback;
        }
        return int.TryParse(value, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var number)
            && number >= min && number <= max
            ? number
            : throw InvalidValue(field, reason);
    }

    public static (string Cue, string Type) ValidateCreate(CreateSessionRequest request)
    {
        if (string.IsNullOrWhiteSpace(request.Cue))
        {
            throw Missing("cue");
        }
        if (request.Cue.Length > MaxCueLength)
        {
            throw TooLong("cue", MaxCueLength);
        }
        if (string.IsNullOrWhiteSpace(request.SessionType))
        {
            throw Missing("session_type");
        }
        if (!SessionTypes.All.Contains(request.SessionType))
        {
            throw InvalidValue("session_type", "One of " + string.Join(", ", SessionTypes.All));
        }
        return (request.Cue.Trim(), request.SessionType);
    }

    /// <summary>Applies the given parameters over <paramref name="current"/>, validating each.</summary>
    public static StoredParameters Merge(StoredParameters current, SessionParameters? given)
    {
        if (given is null)
        {
            return current;
        }
        if (given.Duration is { } duration && duration is < 60 or > 86_400)
        {
            throw InvalidValue("parameters.duration", "Between 60 and 86400 seconds");
        }
        if (given.ConfidenceThreshold is { } threshold && (double.IsNaN(threshold) || threshold is < 0 or > 1))
        {
            throw InvalidValue("parameters.confidence_threshold", "Between 0 and 1");
        }
        if (given.AnalysisTypes is { } types)
        {
            if (types.Count == 0 || types.Any(t => !AnalysisTypes.Contains(t)))
            {
                throw InvalidValue("parameters.analysis_types", "A non-empty list of " + string.Join(", ", AnalysisTypes));
            }
        }
        if (given.Priority is { } priority && !Priorities.Contains(priority))
        {
            throw InvalidValue("parameters.priority", "One of " + string.Join(", ", Priorities));
        }
        return current with
        {
            Duration = given.Duration ?? current.Duration,
            ConfidenceThreshold = given.ConfidenceThreshold ?? current.ConfidenceThreshold,
            AnalysisTypes = given.AnalysisTypes?.Distinct().ToList() ?? current.AnalysisTypes,
            Priority = given.Priority ?? current.Priority,
        };
    }

    /// <summary>Shallow-merges a metadata object over the stored one (a key set to null is removed).</summary>
    public static string MergeMetadata(string currentJson, JsonElement? given)
    {
        var current = JsonNode.Parse(currentJson)?.AsObject() ?? [];
        if (given is not { } element || element.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined)
        {
            return current.ToJsonString();
        }
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw InvalidValue("metadata", "Must be an object");
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
        return json.Length > MaxMetadataBytes ? throw TooLong("metadata", MaxMetadataBytes) : json;
    }

    public static StoredParameters ReadParameters(PeekSession session) =>
        JsonSerializer.Deserialize<StoredParameters>(session.ParametersJson, StorageJson) ?? new StoredParameters();

    public static string Write(StoredParameters parameters) => JsonSerializer.Serialize(parameters, StorageJson);
}
