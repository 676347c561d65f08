using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Schema;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Mindstack.Platform.Ai.Json;

/// <summary>JSON helpers for structured output: schemas from types, JSON found in model text.</summary>
internal static class StructuredJson
{
    /// <summary>snake_case names and string enums: what models read and write most reliably.</summary>
    public static JsonSerializerOptions DefaultOptions { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
        TypeInfoResolver = new DefaultJsonTypeInfoResolver(),
        PropertyNameCaseInsensitive = true,
    };

    public static JsonElement SchemaFor(Type type, JsonSerializerOptions options)
    {
        if (options.TypeInfoResolver is null)
        {
            options = new JsonSerializerOptions(options) { TypeInfoResolver = new DefaultJsonTypeInfoResolver() };
        }
        var node = JsonSchemaExporter.GetJsonSchemaAsNode(options, type, new JsonSchemaExporterOptions
        {
            TreatNullObliviousAsNonNullable = true,
        });
        return JsonSerializer.SerializeToElement(node);
    }

    /// <summary>
    /// The JSON value in a model's answer: the whole answer, or the content of a <c>```json</c> fence,
    /// or the first balanced object/array in it. Null when there is none.
    /// </summary>
    public static JsonElement? Find(string text)
    {
        var trimmed = text.Trim();
        if (TryParse(trimmed) is { } whole)
        {
            return whole;
        }
        var fence = trimmed.IndexOf("```", StringComparison.Ordinal);
        if (fence >= 0)
        {
            var start = trimmed.IndexOf('\n', fence);
            var end = start < 0 ? -1 : trimmed.IndexOf("```", start, StringComparison.Ordinal);
            if (start >= 0 && end > start && TryParse(trimmed[(start + 1)..end]) is { } fenced)
            {
                return fenced;
            }
        }
        var open = trimmed.IndexOfAny(['{', '[']);
        var close = trimmed.LastIndexOfAny(['}', ']']);
        return open >= 0 && close > open ? TryParse(trimmed[open..(close + 1)]) : null;
    }

    private static JsonElement? TryParse(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public static JsonElement ToElement(JsonNode? node) => JsonSerializer.SerializeToElement(node);
}
