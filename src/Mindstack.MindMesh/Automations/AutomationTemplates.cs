using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Mindstack.MindMesh.Goals;
using Mindstack.Platform.Http;

namespace Mindstack.MindMesh.Automations;

/// <summary>One parameter of a workflow template, described as the document does (a small JSON Schema).</summary>
internal sealed record ParameterSchema(
    string Type,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Description = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? Enum = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] JsonElement? Default = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? Minimum = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? Maximum = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Items = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] bool Required = false);

internal sealed record TemplateView(string Id, string Name, string Description, IReadOnlyDictionary<string, ParameterSchema> Parameters);

internal sealed record TemplatesView(IReadOnlyList<TemplateView> Templates);

/// <summary>What a template makes of one firing: the goal to run.</summary>
internal sealed record GoalPlan(string Text, string Priority, string AutonomyLevel, DateTime? DueDate);

/// <summary>
/// A workflow template: its parameters (validated and defaulted when an automation is saved) and
/// how it turns one firing (with the trigger's event text) into a goal.
/// </summary>
internal sealed class AutomationTemplate(string id, string name, string description, IReadOnlyDictionary<string, ParameterSchema> parameters,
    Func<JsonObject, string, DateTime, GoalPlan> plan)
{
    public string Id { get; } = id;
    public TemplateView View { get; } = new(id, name, description, parameters);

    public GoalPlan Plan(JsonObject parameters, string eventText, DateTime now) => plan(parameters, eventText, now);

    /// <summary>The parameters with defaults filled in, or the errors (field <c>workflow.parameters.&lt;name&gt;</c>).</summary>
    public JsonObject Resolve(JsonElement? given, List<FieldError> errors)
    {
        var resolved = new JsonObject();
        if (given is { ValueKind: not (JsonValueKind.Object or JsonValueKind.Null) })
        {
            errors.Add(new FieldError("workflow.parameters", "Parameters must be an object"));
            return resolved;
        }
        var values = given is { ValueKind: JsonValueKind.Object } obj
            ? obj.EnumerateObject().ToDictionary(p => p.Name, p => p.Value, StringComparer.Ordinal)
            : [];
        foreach (var unknown in values.Keys.Where(k => !View.Parameters.ContainsKey(k)).Order(StringComparer.Ordinal))
        {
            errors.Add(new FieldError($"workflow.parameters.{unknown}", $"Unknown parameter for template '{Id}'"));
        }
        foreach (var (key, schema) in View.Parameters)
        {
            var field = $"workflow.parameters.{key}";
            if (!values.TryGetValue(key, out var value) || value.ValueKind == JsonValueKind.Null)
            {
                if (schema.Default is { } fallback)
                {
                    resolved[key] = JsonNode.Parse(fallback.GetRawText());
                }
                else if (schema.Required)
                {
                    errors.Add(new FieldError(field, $"{key} is required"));
                }
                continue;
            }
            if (Check(schema, value) is { } message)
            {
                errors.Add(new FieldError(field, message));
                continue;
            }
            resolved[key] = JsonNode.Parse(value.GetRawText());
        }
        return resolved;
    }

    private static string? Check(ParameterSchema schema, JsonElement value)
    {
        switch (schema.Type)
        {
            case "string":
                if (value.ValueKind != JsonValueKind.String || value.GetString()!.Trim().Length == 0 || value.GetString()!.Length > 2000)
                {
                    return "Must be a non-empty string of at most 2000 characters";
                }
                return schema.Enum is { } allowed && !allowed.Contains(value.GetString()!, StringComparer.Ordinal)
                    ? $"Must be one of {string.Join(", ", allowed)}"
                    : null;
            case "integer":
                return value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var whole) && InRange(schema, whole)
                    ? null
                    : $"Must be an integer{Range(schema)}";
            case "number":
                return value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var number) && double.IsFinite(number) && InRange(schema, number)
                    ? null
                    : $"Must be a number{Range(schema)}";
            case "boolean":
                return value.ValueKind is JsonValueKind.True or JsonValueKind.False ? null : "Must be true or false";
            default:
                if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() > 50)
                {
                    return "Must be an array of at most 50 items";
                }
                foreach (var item in value.EnumerateArray())
                {
                    if (item.ValueKind != JsonValueKind.String || item.GetString() is not { Length: > 0 and <= 320 } text
                        || (schema.Items == "email" && !IsEmail(text)))
                    {
                        return schema.Items == "email" ? "Every item must be an email address" : "Every item must be a non-empty string";
                    }
                }
                return null;
        }
    }

    private static bool InRange(ParameterSchema schema, double value) =>
        (schema.Minimum is not { } min || value >= min) && (schema.Maximum is not { } max || value <= max);

    private static string Range(ParameterSchema schema) =>
        schema.Minimum is { } min && schema.Maximum is { } max
            ? $" from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}"
            : "";

    private static bool IsEmail(string text)
    {
        var at = text.IndexOf('@', StringComparison.Ordinal);
        return at > 0 && at == text.LastIndexOf('@') && text.IndexOf('.', at) > at + 1 && !text.EndsWith('.') && !text.Any(char.IsWhiteSpace);
    }
}

/// <summary>The workflow templates every tenant can use.</summary>
internal static class AutomationTemplates
{
    private static readonly ParameterSchema Autonomy = new("string", "The autonomy level of the goals it runs (L0 asks for every action, L3 none)",
        GoalRules.AutonomyLevels, Value("L1"));

    private static readonly IReadOnlyList<AutomationTemplate> Templates =
    [
        new("meeting_followup", "Meeting Follow-up", "Create follow-up tasks from meeting notes",
            new Dictionary<string, ParameterSchema>
            {
                ["task_priority"] = new("string", "Priority of the follow-up tasks", GoalRules.Priorities, Value("medium")),
                ["due_date_offset"] = new("integer", "Days from meeting date", Default: Value(7), Minimum: 0, Maximum: 365),
                ["autonomy_level"] = Autonomy,
            },
            (p, text, now) => new GoalPlan(
                $"Create follow-up tasks with {Str(p, "task_priority")} priority from the meeting notes{About(text)}",
                Str(p, "task_priority"), Str(p, "autonomy_level"), now.Date.AddDays(p["due_date_offset"]!.GetValue<long>()))),
        new("email_classification", "Email Classification", "Classify incoming emails by priority and label them",
            new Dictionary<string, ParameterSchema>
            {
                ["priority_threshold"] = new("number", "Confidence above which an email is marked important", Default: Value(0.8), Minimum: 0, Maximum: 1),
                ["auto_label"] = new("boolean", "Label the email with its class", Default: Value(true)),
                ["autonomy_level"] = Autonomy,
            },
            (p, text, _) => new GoalPlan(
                $"Classify the incoming email by priority (important above {p["priority_threshold"]!.GetValue<double>().ToString(CultureInfo.InvariantCulture)})"
                + (p["auto_label"]!.GetValue<bool>() ? " and label it" : "") + About(text),
                "medium", Str(p, "autonomy_level"), null)),
        new("weekly_digest", "Weekly Digest", "Email the team a summary of the week's goals, runs and documents",
            new Dictionary<string, ParameterSchema>
            {
                ["recipients"] = new("array", "Who receives the digest (email addresses)", Default: Value(Array.Empty<string>()), Items: "email"),
                ["autonomy_level"] = Autonomy,
            },
            (p, text, _) =>
            {
                var recipients = p["recipients"]!.AsArray().Select(r => r!.GetValue<string>()).ToList();
                return new GoalPlan("Email the team the weekly summary" + (recipients.Count > 0 ? " to " + string.Join(", ", recipients) : "") + About(text),
                    "medium", Str(p, "autonomy_level"), null);
            }),
        new("custom_goal", "Custom Goal", "Run a goal of your own words each time the trigger fires",
            new Dictionary<string, ParameterSchema>
            {
                ["goal_text"] = new("string", "What the goal asks for", Required: true),
                ["priority"] = new("string", "The goal's priority", GoalRules.Priorities, Value("medium")),
                ["autonomy_level"] = Autonomy,
            },
            (p, text, _) => new GoalPlan(Str(p, "goal_text") + About(text), Str(p, "priority"), Str(p, "autonomy_level"), null)),
    ];

    public static IReadOnlyList<TemplateView> Views { get; } = Templates.Select(t => t.View).ToList();

    public static IEnumerable<string> Ids => Templates.Select(t => t.Id);

    public static AutomationTemplate? Find(string? id) => Templates.FirstOrDefault(t => t.Id == id);

    private static JsonElement Value<T>(T value) => JsonSerializer.SerializeToElement(value);

    private static string Str(JsonObject parameters, string key) => parameters[key]!.GetValue<string>();

    /// <summary>The event that fired the automation, appended to the goal (a goal's text is at most 5000 characters).</summary>
    private static string About(string text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return "";
        }
        var excerpt = text.Trim();
        return ": " + (excerpt.Length > 3000 ? excerpt[..3000] + "…" : excerpt);
    }
}
