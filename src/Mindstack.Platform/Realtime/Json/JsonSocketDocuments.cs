using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;
using Mindstack.Platform.Http;

namespace Mindstack.Platform.Realtime.Json;

/// <summary>
/// How a JSON socket route appears in its API's OpenAPI document (set it on
/// <see cref="JsonSocketOptions.Document"/>). The route's own parameters, <c>?token=</c> and the
/// answers every socket gives (101, 401, 426, 429) are listed by the platform; a module adds what
/// is its own.
/// </summary>
public sealed class JsonSocketDocument
{
    public required string Summary { get; init; }

    /// <summary>The frames both ways and how to authenticate, in the API's words.</summary>
    public string? Description { get; init; }

    /// <summary>The <c>token</c> query parameter's description (the credential it takes).</summary>
    public string TokenDescription { get; init; } = "The access token";

    /// <summary>Answers by status code, added to (or replacing) the platform's own.</summary>
    public IReadOnlyDictionary<string, string> Responses { get; init; } = new Dictionary<string, string>();
}

/// <summary>
/// Lists an API's JSON sockets in its OpenAPI document. The socket routes are left out of API
/// descriptions (they answer any upgrade method), so each is written in here as a GET under the
/// base path its API is mounted at.
/// </summary>
internal static class JsonSocketDocuments
{
    public static Task AddAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context)
    {
        var services = context.ApplicationServices;
        var mount = services.GetRequiredService<ApiRegistry>().Mounts
            .FirstOrDefault(m => string.Equals(m.Name, context.DocumentName, StringComparison.Ordinal));
        if (mount is null)
        {
            return Task.CompletedTask;
        }
        var basePath = mount.BasePath.Value ?? "";
        foreach (var endpoint in services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>())
        {
            if (endpoint.Metadata.GetMetadata<JsonSocketDocument>() is not { } socket
                || endpoint.Metadata.GetMetadata<Dialect>()?.Name != context.DocumentName
                || endpoint.RoutePattern.RawText is not { } raw)
            {
                continue;
            }
            var path = "/" + raw.TrimStart('/');
            // The API's own port serves the same socket at the root; the document lists its base path.
            if (basePath.Length > 0 && !path.StartsWith(basePath + "/", StringComparison.Ordinal))
            {
                continue;
            }
            var parameters = new List<IOpenApiParameter>();
            foreach (var route in endpoint.RoutePattern.Parameters)
            {
                parameters.Add(new OpenApiParameter
                {
                    Name = route.Name,
                    In = ParameterLocation.Path,
                    Required = true,
                    Schema = new OpenApiSchema { Type = JsonSchemaType.String },
                });
            }
            parameters.Add(new OpenApiParameter
            {
                Name = "token",
                In = ParameterLocation.Query,
                Required = false,
                Description = socket.TokenDescription,
                Schema = new OpenApiSchema { Type = JsonSchemaType.String },
            });
            var responses = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["101"] = "Switching protocols: the socket is open",
                ["401"] = "No or a bad credential",
                ["426"] = "Not a WebSocket upgrade",
                ["429"] = "The handshake is over the caller's rate limit (Retry-After), or the account already has its maximum of open sockets",
            };
            foreach (var (status, text) in socket.Responses)
            {
                responses[status] = text;
            }
            var answers = new OpenApiResponses();
            foreach (var (status, text) in responses.OrderBy(r => r.Key, StringComparer.Ordinal))
            {
                answers[status] = new OpenApiResponse { Description = text };
            }
            document.Paths ??= [];
            document.Paths[path] = new OpenApiPathItem
            {
                Operations = new Dictionary<HttpMethod, OpenApiOperation>
                {
                    [HttpMethod.Get] = new()
                    {
                        Summary = socket.Summary,
                        Description = socket.Description,
                        Parameters = parameters,
                        Responses = answers,
                    },
                },
            };
        }
        return Task.CompletedTask;
    }
}
