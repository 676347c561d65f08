using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

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
        foreach (var (socket, endpoint, path) in SocketRouteDocuments.Of<JsonSocketDocument>(context, raw => "/" + raw.TrimStart('/')))
        {
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
