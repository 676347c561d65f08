using System.Text.Json.Nodes;

namespace Mindstack.Hardening.Tests;

/// <summary>One operation of a served OpenAPI document.</summary>
public sealed record Operation(string Api, HttpMethod Method, string Path, IReadOnlyList<Parameter> Parameters, JsonNode? BodySchema,
    string BodyMediaType = "application/json")
{
    public override string ToString() => $"{Method} {Path}";
}

public sealed record Parameter(string Name, string In, JsonNode? Schema);

/// <summary>Reads the operations of <c>/openapi/{api}.json</c> and makes sample values from its schemas.</summary>
public sealed class OpenApiWalk
{
    private readonly JsonNode _document;

    private OpenApiWalk(JsonNode document) => _document = document;

    public static readonly string[] Apis = ["mindpeeker", "mindra", "pluginmind", "mindswarm", "mindmesh"];

    public static async Task<OpenApiWalk> LoadAsync(HttpClient client, string api)
    {
        using var response = await client.GetAsync($"/openapi/{api}.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return new OpenApiWalk(JsonNode.Parse(await response.Content.ReadAsStringAsync())!);
    }

    public IReadOnlyList<Operation> Operations(string api)
    {
        var operations = new List<Operation>();
        foreach (var (path, item) in _document["paths"]!.AsObject())
        {
            if (path.EndsWith("/socket.io/", StringComparison.Ordinal))
            {
                continue; // Engine.IO packets and Engine.IO's own errors, not the API's JSON: the realtime tests cover them
            }
            foreach (var (method, operation) in item!.AsObject())
            {
                if (method is not ("get" or "post" or "put" or "patch" or "delete"))
                {
                    continue;
                }
                var parameters = (operation!["parameters"] as JsonArray ?? [])
                    .Select(p => Resolve(p!))
                    .Select(p => new Parameter(p["name"]!.GetValue<string>(), p["in"]!.GetValue<string>(), p["schema"]))
                    .ToList();
                var body = operation["requestBody"] is { } requestBody
                    ? Resolve(requestBody)["content"]?["application/json"]?["schema"] ?? new JsonObject()
                    : null;
                var mediaTypes = (operation["requestBody"] is { } declared ? Resolve(declared)["content"] as JsonObject : null)?
                    .Select(c => c.Key).ToList() ?? [];
                var mediaType = mediaTypes.Count == 0 || mediaTypes.Contains("application/json") ? "application/json" : mediaTypes[0];
                operations.Add(new Operation(api, new HttpMethod(method.ToUpperInvariant()), path, parameters, body, mediaType));
            }
        }
        return operations;
    }

    private JsonNode Resolve(JsonNode node)
    {
        for (var depth = 0; depth < 16 && node is JsonObject o && o["$ref"] is { } reference; depth++)
        {
            var target = _document;
            foreach (var part in reference.GetValue<string>().TrimStart('#', '/').Split('/'))
            {
                target = target![part.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)];
            }
            node = target!;
        }
        return node;
    }

    /// <summary>A plausible value for a schema: the document's example or enum when it has one.</summary>
    public JsonNode? Sample(JsonNode? schema, int depth = 0)
    {
        if (schema is null || depth > 6)
        {
            return JsonValue.Create("test");
        }
        schema = Resolve(schema);
        if (schema["example"] is { } example)
        {
            return example.DeepClone();
        }
        if (schema["enum"] is JsonArray { Count: > 0 } values)
        {
            return values.FirstOrDefault(v => v is not null)?.DeepClone();
        }
        foreach (var combinator in new[] { "allOf", "oneOf", "anyOf" })
        {
            if (schema[combinator] is JsonArray { Count: > 0 } options)
            {
                var chosen = options.Select(o => Resolve(o!)).FirstOrDefault(o => TypeOf(o) != "null") ?? options[0]!;
                return Sample(chosen, depth + 1);
            }
        }
        switch (TypeOf(schema))
        {
            case "object":
                var result = new JsonObject();
                if (schema["properties"] is JsonObject properties)
                {
                    foreach (var (name, property) in properties)
                    {
                        result[name] = Sample(property, depth + 1);
                    }
                }
                return result;
            case "array":
                return new JsonArray(Sample(schema["items"], depth + 1));
            case "integer":
                return JsonValue.Create(1);
            case "number":
                return JsonValue.Create(1.5);
            case "boolean":
                return JsonValue.Create(true);
            case "null":
                return null;
            default:
                return JsonValue.Create(schema["format"]?.GetValue<string>() switch
                {
                    "email" => "fuzz@example.com",
                    "date-time" => "2026-01-01T00:00:00Z",
                    "date" => "2026-01-01",
                    "uri" or "url" => "https://example.com/hook",
                    "uuid" => Guid.Empty.ToString(),
                    _ => "test",
                });
        }
    }

    private static string TypeOf(JsonNode schema) => schema["type"] switch
    {
        JsonValue value => value.GetValue<string>(),
        JsonArray types => types.Select(t => t!.GetValue<string>()).FirstOrDefault(t => t != "null") ?? "null",
        _ => schema["properties"] is not null ? "object" : "string",
    };
}
