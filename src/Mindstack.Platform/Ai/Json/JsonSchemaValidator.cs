using System.Text.Json;
using System.Text.RegularExpressions;

namespace Mindstack.Platform.Ai.Json;

/// <summary>
/// Validates JSON against the JSON Schema subset that structured output uses: <c>type</c> (one or
/// several), <c>enum</c>, <c>const</c>, <c>properties</c>, <c>required</c>,
/// <c>additionalProperties</c>, <c>items</c>, <c>minItems</c>/<c>maxItems</c>,
/// <c>minLength</c>/<c>maxLength</c>, <c>pattern</c>, <c>minimum</c>/<c>maximum</c> (and exclusive),
/// <c>anyOf</c>/<c>oneOf</c>/<c>allOf</c>, and local <c>$ref</c>s (<c>#/…</c>). Unknown keywords
/// (<c>format</c>, <c>description</c>…) are ignored, as the standard allows.
/// </summary>
internal static class JsonSchemaValidator
{
    public static List<string> Validate(JsonElement value, JsonElement schema) => Validate(value, schema, schema);

    /// <summary>Validates against a sub-schema whose <c>$ref</c>s point into <paramref name="root"/>.</summary>
    public static List<string> Validate(JsonElement value, JsonElement schema, JsonElement root)
    {
        var errors = new List<string>();
        Check(value, schema, root, "$", errors, 0);
        return errors;
    }

    public static JsonElement Resolve(JsonElement schema, JsonElement root)
    {
        var depth = 0;
        while (schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("$ref", out var reference) && depth++ < 32)
        {
            schema = Pointer(root, reference.GetString() ?? "#");
        }
        return schema;
    }

    private static JsonElement Pointer(JsonElement root, string reference)
    {
        if (!reference.StartsWith('#'))
        {
            throw new InvalidOperationException($"Only local $refs are supported, not '{reference}'.");
        }
        var current = root;
        foreach (var part in reference.TrimStart('#').Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            var key = Uri.UnescapeDataString(part).Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
            current = current.ValueKind == JsonValueKind.Array && int.TryParse(key, out var index)
                ? current[index]
                : current.GetProperty(key);
        }
        return current;
    }

    private static void Check(JsonElement value, JsonElement schema, JsonElement root, string path, List<string> errors, int depth)
    {
        if (depth > 64 || errors.Count > 20)
        {
            return;
        }
        schema = Resolve(schema, root);
        if (schema.ValueKind == JsonValueKind.False)
        {
            errors.Add($"{path}: not allowed");
            return;
        }
        if (schema.ValueKind != JsonValueKind.Object)
        {
            return;
        }
        if (schema.TryGetProperty("type", out var type) && !MatchesType(value, type))
        {
            errors.Add($"{path}: expected {TypeText(type)}, got {Describe(value)}");
            return;
        }
        if (schema.TryGetProperty("enum", out var options) && options.ValueKind == JsonValueKind.Array
            && !options.EnumerateArray().Any(o => JsonElement.DeepEquals(o, value)))
        {
            errors.Add($"{path}: must be one of {options.GetRawText()}");
        }
        if (schema.TryGetProperty("const", out var constant) && !JsonElement.DeepEquals(constant, value))
        {
            errors.Add($"{path}: must be {constant.GetRawText()}");
        }
        if (schema.TryGetProperty("allOf", out var allOf))
        {
            foreach (var sub in allOf.EnumerateArray())
            {
                Check(value, sub, root, path, errors, depth + 1);
            }
        }
        foreach (var keyword in new[] { "anyOf", "oneOf" })
        {
            if (schema.TryGetProperty(keyword, out var alternatives))
            {
                var passing = alternatives.EnumerateArray().Count(sub => Validate(value, sub, root, depth).Count == 0);
                if (passing == 0 || keyword == "oneOf" && passing > 1)
                {
                    errors.Add($"{path}: must match {(keyword == "oneOf" ? "exactly one" : "at least one")} of the {keyword} schemas");
                }
            }
        }
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                CheckObject(value, schema, root, path, errors, depth);
                break;
            case JsonValueKind.Array:
                CheckArray(value, schema, root, path, errors, depth);
                break;
            case JsonValueKind.String:
                CheckString(value.GetString()!, schema, path, errors);
                break;
            case JsonValueKind.Number:
                CheckNumber(value.GetDouble(), schema, path, errors);
                break;
        }
    }

    private static List<string> Validate(JsonElement value, JsonElement schema, JsonElement root, int depth)
    {
        var errors = new List<string>();
        Check(value, schema, root, "$", errors, depth + 1);
        return errors;
    }

    private static void CheckObject(JsonElement value, JsonElement schema, JsonElement root, string path, List<string> errors, int depth)
    {
        var properties = schema.TryGetProperty("properties", out var p) && p.ValueKind == JsonValueKind.Object ? p : default;
        if (schema.TryGetProperty("required", out var required) && required.ValueKind == JsonValueKind.Array)
        {
            foreach (var name in required.EnumerateArray().Select(r => r.GetString()!))
            {
                if (!value.TryGetProperty(name, out _))
                {
                    errors.Add($"{path}.{name}: required");
                }
            }
        }
        var additional = schema.TryGetProperty("additionalProperties", out var a) ? a : default;
        foreach (var property in value.EnumerateObject())
        {
            var childPath = $"{path}.{property.Name}";
            if (properties.ValueKind == JsonValueKind.Object && properties.TryGetProperty(property.Name, out var propertySchema))
            {
                Check(property.Value, propertySchema, root, childPath, errors, depth + 1);
            }
            else if (additional.ValueKind == JsonValueKind.False)
            {
                errors.Add($"{childPath}: not an allowed property");
            }
            else if (additional.ValueKind == JsonValueKind.Object)
            {
                Check(property.Value, additional, root, childPath, errors, depth + 1);
            }
        }
    }

    private static void CheckArray(JsonElement value, JsonElement schema, JsonElement root, string path, List<string> errors, int depth)
    {
        var count = value.GetArrayLength();
        if (schema.TryGetProperty("minItems", out var min) && count < min.GetInt32())
        {
            errors.Add($"{path}: needs at least {min.GetInt32()} items");
        }
        if (schema.TryGetProperty("maxItems", out var max) && count > max.GetInt32())
        {
            errors.Add($"{path}: allows at most {max.GetInt32()} items");
        }
        if (schema.TryGetProperty("items", out var items) && items.ValueKind is JsonValueKind.Object or JsonValueKind.False)
        {
            var index = 0;
            foreach (var item in value.EnumerateArray())
            {
                Check(item, items, root, $"{path}[{index++}]", errors, depth + 1);
            }
        }
    }

    private static void CheckString(string value, JsonElement schema, string path, List<string> errors)
    {
        if (schema.TryGetProperty("minLength", out var min) && value.Length < min.GetInt32())
        {
            errors.Add($"{path}: needs at least {min.GetInt32()} characters");
        }
        if (schema.TryGetProperty("maxLength", out var max) && value.Length > max.GetInt32())
        {
            errors.Add($"{path}: allows at most {max.GetInt32()} characters");
        }
        if (schema.TryGetProperty("pattern", out var pattern) && pattern.GetString() is { } regex
            && !Regex.IsMatch(value, regex, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)))
        {
            errors.Add($"{path}: must match {regex}");
        }
    }

    private static void CheckNumber(double value, JsonElement schema, string path, List<string> errors)
    {
        if (schema.TryGetProperty("minimum", out var min) && value < min.GetDouble())
        {
            errors.Add($"{path}: must be ≥ {min.GetRawText()}");
        }
        if (schema.TryGetProperty("maximum", out var max) && value > max.GetDouble())
        {
            errors.Add($"{path}: must be ≤ {max.GetRawText()}");
        }
        if (schema.TryGetProperty("exclusiveMinimum", out var xmin) && xmin.ValueKind == JsonValueKind.Number && value <= xmin.GetDouble())
        {
            errors.Add($"{path}: must be > {xmin.GetRawText()}");
        }
        if (schema.TryGetProperty("exclusiveMaximum", out var xmax) && xmax.ValueKind == JsonValueKind.Number && value >= xmax.GetDouble())
        {
            errors.Add($"{path}: must be < {xmax.GetRawText()}");
        }
    }

    private static bool MatchesType(JsonElement value, JsonElement type) => type.ValueKind switch
    {
        JsonValueKind.String => MatchesType(value, type.GetString()!),
        JsonValueKind.Array => type.EnumerateArray().Any(t => MatchesType(value, t.GetString()!)),
        _ => true,
    };

    private static bool MatchesType(JsonElement value, string type) => type switch
    {
        "object" => value.ValueKind == JsonValueKind.Object,
        "array" => value.ValueKind == JsonValueKind.Array,
        "string" => value.ValueKind == JsonValueKind.String,
        "number" => value.ValueKind == JsonValueKind.Number,
        "integer" => value.ValueKind == JsonValueKind.Number && value.TryGetDecimal(out var d) && decimal.Truncate(d) == d,
        "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "null" => value.ValueKind == JsonValueKind.Null,
        _ => true,
    };

    /// <summary>The schema's allowed types, as a set of names (empty when any type is allowed).</summary>
    public static HashSet<string> Types(JsonElement schema)
    {
        var types = new HashSet<string>(StringComparer.Ordinal);
        if (schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("type", out var type))
        {
            if (type.ValueKind == JsonValueKind.String)
            {
                types.Add(type.GetString()!);
            }
            else if (type.ValueKind == JsonValueKind.Array)
            {
                foreach (var t in type.EnumerateArray())
                {
                    types.Add(t.GetString()!);
                }
            }
        }
        return types;
    }

    private static string TypeText(JsonElement type) =>
        type.ValueKind == JsonValueKind.Array ? string.Join(" or ", type.EnumerateArray().Select(t => t.GetString())) : type.GetString() ?? "?";

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.True or JsonValueKind.False => "boolean",
        JsonValueKind.Undefined => "nothing",
        var kind => kind.ToString().ToLowerInvariant(),
    };
}
