using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Mindstack.Mindra.Tests;

/// <summary>
/// Mindra's OpenAPI document and its wire agree: fields are camelCase, and a field the server does
/// not read is refused by name (400 INVALID_REQUEST), never silently ignored.
/// </summary>
public sealed class DocumentContractTests(MindraFactory factory) : IClassFixture<MindraFactory>
{
    [Fact]
    public async Task UpdateKey_SnakeCaseIsActive_400NamingItAndKeyStaysActive()
    {
        var user = await factory.RegisterUserAsync();
        var id = await CreateKeyAsync(user);

        using var response = await user.SendAsync(HttpMethod.Patch, $"/v1/api-keys/{id}", """{"is_active": false}""");
        var error = await MindraClient.ExpectError(response, HttpStatusCode.BadRequest, "INVALID_REQUEST");
        Assert.Contains("is_active", error.GetProperty("details").GetString(), StringComparison.Ordinal);
        Assert.Contains("is_active", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.True(await IsActiveAsync(user, id));
    }

    [Fact]
    public async Task UpdateKey_CamelCaseIsActive_KeyInactive()
    {
        var user = await factory.RegisterUserAsync();
        var id = await CreateKeyAsync(user);

        using var response = await user.SendAsync(HttpMethod.Patch, $"/v1/api-keys/{id}", """{"isActive": false}""");
        Assert.False((await MindraClient.Expect(response, HttpStatusCode.OK)).GetProperty("isActive").GetBoolean());
        Assert.False(await IsActiveAsync(user, id));
    }

    [Fact]
    public async Task Orchestrate_SeveralUnknownFields_EveryOneNamed()
    {
        var user = await factory.RegisterUserAsync();
        using var response = await user.PostAsync("/v1/orchestrate",
            """{"query": "q", "selection_criteria": {}, "selectionCriteria": {"max_agents": 2}, "webhook": {"url": "https://example.com", "sign": true}}""");
        var details = (await MindraClient.ExpectError(response, HttpStatusCode.BadRequest, "INVALID_REQUEST")).GetProperty("details").GetString()!;
        Assert.Contains("selection_criteria", details, StringComparison.Ordinal);
        Assert.Contains("selectionCriteria.max_agents", details, StringComparison.Ordinal);
        Assert.Contains("webhook.sign", details, StringComparison.Ordinal);
        Assert.DoesNotContain("query", details, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Orchestrate_FreeFormContext_AnyFieldsAccepted()
    {
        var user = await factory.RegisterUserAsync();
        using var response = await user.PostAsync("/v1/orchestrate", """{"query": "Test query", "context": {"any_key": {"deep": 1}}}""");
        Assert.NotEqual(HttpStatusCode.BadRequest, response.StatusCode);
    }

    /// <summary>
    /// Sends, for every operation of the served document that reads a body, each documented field on
    /// its own with a value of its documented type: none may be refused as unknown, so a document
    /// naming a field the endpoint does not read fails.
    /// </summary>
    [Fact]
    public async Task OpenApi_EveryDocumentedRequestField_AcceptedAsKnown()
    {
        var user = await factory.RegisterUserAsync();
        using var served = await factory.SendRawAsync(HttpMethod.Get, "/openapi/mindra.json");
        var document = await MindraClient.Expect(served, HttpStatusCode.OK);
        var sent = 0;
        foreach (var path in document.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject())
            {
                if (!operation.Value.TryGetProperty("requestBody", out var requestBody))
                {
                    continue;
                }
                var schema = Resolve(document, requestBody.GetProperty("content").GetProperty("application/json").GetProperty("schema"));
                foreach (var property in schema.GetProperty("properties").EnumerateObject())
                {
                    var body = new JsonObject { [property.Name] = Sample(document, property.Value) }.ToJsonString();
                    var route = path.Name["/mindra".Length..].Replace("{id}", "missing", StringComparison.Ordinal);
                    using var response = await user.SendAsync(new HttpMethod(operation.Name.ToUpperInvariant()), route, body);
                    var text = await response.Content.ReadAsStringAsync();
                    Assert.False(response.StatusCode == HttpStatusCode.BadRequest && text.Contains("unknown field", StringComparison.Ordinal),
                        $"{operation.Name.ToUpperInvariant()} {path.Name}: documented field '{property.Name}' refused: {text}");
                    sent++;
                }
            }
        }
        Assert.True(sent >= 10, $"only {sent} documented request fields were found");
    }

    private static async Task<string> CreateKeyAsync(MindraClient user)
    {
        using var created = await user.PostAsync("/v1/api-keys", new { name = "contract" });
        return (await MindraClient.Expect(created, HttpStatusCode.Created)).GetProperty("id").GetString()!;
    }

    private static async Task<bool> IsActiveAsync(MindraClient user, string id) =>
        (await user.GetJsonAsync("/v1/api-keys")).GetProperty("data").EnumerateArray()
            .Single(k => k.GetProperty("id").GetString() == id).GetProperty("isActive").GetBoolean();

    /// <summary>A value of the schema's type (the first non-null one).</summary>
    private static JsonNode? Sample(JsonElement document, JsonElement schema)
    {
        schema = Resolve(document, schema);
        var types = !schema.TryGetProperty("type", out var type) ? []
            : type.ValueKind == JsonValueKind.Array ? type.EnumerateArray().Select(t => t.GetString()).ToList()
            : [type.GetString()];
        return types.FirstOrDefault(t => t != "null") switch
        {
            "string" => schema.TryGetProperty("format", out var format) && format.GetString() == "date-time" ? "2030-01-01T00:00:00Z" : "x",
            "integer" or "number" => 1,
            "boolean" => true,
            "array" => new JsonArray(),
            _ => new JsonObject(),
        };
    }

    private static JsonElement Resolve(JsonElement document, JsonElement schema)
    {
        while (true)
        {
            if (schema.TryGetProperty("$ref", out var reference))
            {
                schema = document.GetProperty("components").GetProperty("schemas").GetProperty(reference.GetString()!.Split('/')[^1]);
            }
            else if (schema.TryGetProperty("oneOf", out var oneOf)
                && oneOf.EnumerateArray().Where(s => !(s.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String && t.GetString() == "null")).ToList() is [var only])
            {
                schema = only;
            }
            else
            {
                return schema;
            }
        }
    }
}
