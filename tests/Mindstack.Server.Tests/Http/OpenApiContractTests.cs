using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Mindstack.Platform.Http;

namespace Mindstack.Platform.Tests.Http;

/// <summary>
/// Each API's OpenAPI document names request fields exactly as its endpoint reads them: every
/// property a request body schema names (nested ones too) is a property of the body type the
/// endpoint binds, under the JSON naming of the API's Dialect — the options its bodies are read
/// with. A document naming a field the server ignores (<c>is_active</c> where <c>isActive</c> is
/// read) fails here.
/// </summary>
public sealed class OpenApiContractTests(MindstackFactory factory) : IClassFixture<MindstackFactory>
{
    public static TheoryData<string> Apis => new() { "mindpeeker", "mindra", "pluginmind", "mindswarm", "mindmesh" };

    [Theory]
    [MemberData(nameof(Apis))]
    public async Task OpenApi_EveryRequestBodyField_ReadByTheEndpoint(string api)
    {
        using var response = await factory.SendRawAsync(HttpMethod.Get, $"/openapi/{api}.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var document = await factory.ReadJsonAsync(response);
        var endpoints = factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();
        var failures = new List<string>();
        foreach (var path in document.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject())
            {
                if (operation.Value.ValueKind != JsonValueKind.Object
                    || !operation.Value.TryGetProperty("requestBody", out var requestBody)
                    || !requestBody.GetProperty("content").TryGetProperty("application/json", out var json))
                {
                    continue;
                }
                var where = $"{operation.Name.ToUpperInvariant()} {path.Name}";
                // The document writes a group's own route ("" under /api-keys) without the trailing slash.
                var endpoint = endpoints.FirstOrDefault(e => string.Equals(e.RoutePattern.RawText?.TrimEnd('/'), path.Name.TrimEnd('/'), StringComparison.Ordinal)
                    && e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods.Contains(operation.Name, StringComparer.OrdinalIgnoreCase) == true);
                Assert.True(endpoint is not null, $"{where}: no endpoint serves it");
                var bodyType = endpoint.Metadata.GetMetadata<IAcceptsMetadata>()?.RequestType;
                var dialect = endpoint.Metadata.GetMetadata<Dialect>();
                Assert.True(bodyType is not null && dialect is not null, $"{where}: the endpoint declares no body type or no Dialect");
                Compare(document, json.GetProperty("schema"), bodyType, dialect.Json, where + " body", failures, []);
            }
        }
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    /// <summary>Checks a document schema against the type read with the API's options, into nested objects and arrays.</summary>
    private static void Compare(JsonElement document, JsonElement schema, Type type, JsonSerializerOptions options, string where, List<string> failures,
        HashSet<Type> enclosing)
    {
        schema = Resolve(document, schema);
        type = Nullable.GetUnderlyingType(type) ?? type;
        // A type that contains itself (a nested schema, a tree) is checked once on each path.
        if (!enclosing.Add(type))
        {
            return;
        }
        var info = options.GetTypeInfo(type);
        switch (info.Kind)
        {
            case JsonTypeInfoKind.Object when schema.TryGetProperty("properties", out var properties):
                foreach (var property in properties.EnumerateObject())
                {
                    // Exact names: the document must name a field as the server writes and reads it.
                    var read = info.Properties.FirstOrDefault(p => string.Equals(p.Name, property.Name, StringComparison.Ordinal));
                    if (read is null)
                    {
                        failures.Add($"{where}: the document names '{property.Name}', which {type.Name} does not read " +
                            $"(it reads {string.Join(", ", info.Properties.Select(p => p.Name))})");
                        continue;
                    }
                    Compare(document, property.Value, read.PropertyType, options, $"{where}.{property.Name}", failures, enclosing);
                }
                break;
            case JsonTypeInfoKind.Enumerable when info.ElementType is { } element && schema.TryGetProperty("items", out var items):
                Compare(document, items, element, options, where + "[]", failures, enclosing);
                break;
        }
        enclosing.Remove(type);
    }

    /// <summary>Follows <c>$ref</c>, and the <c>oneOf: [null, $ref]</c> of a nullable reference.</summary>
    private static JsonElement Resolve(JsonElement document, JsonElement schema)
    {
        while (true)
        {
            if (schema.TryGetProperty("$ref", out var reference))
            {
                schema = document.GetProperty("components").GetProperty("schemas").GetProperty(reference.GetString()!.Split('/')[^1]);
            }
            else if (schema.TryGetProperty("oneOf", out var oneOf)
                && oneOf.EnumerateArray().Where(s => !(s.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String && t.GetString() == "null")).ToList()
                    is [var only])
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
