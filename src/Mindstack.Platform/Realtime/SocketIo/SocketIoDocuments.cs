using System.Text;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Mindstack.Platform.Realtime.SocketIo;

/// <summary>
/// How a Socket.IO route appears in its API's OpenAPI document (set it on
/// <see cref="SocketIoOptions.Document"/>). The platform writes the Engine.IO query parameters,
/// how to authenticate and the answers every Socket.IO route gives; a module names its events.
/// </summary>
public sealed class SocketIoDocument
{
    public required string Summary { get; init; }

    /// <summary>What the connection is for, in the API's words (the events are listed after it).</summary>
    public string? Description { get; init; }

    /// <summary>What <c>auth.token</c> (or <c>?token=</c>) takes, e.g. "an access token or an msk_ key".</summary>
    public string TokenDescription { get; init; } = "an access token";

    /// <summary>Events the server emits: name → what it carries.</summary>
    public IReadOnlyDictionary<string, string> Emits { get; init; } = new Dictionary<string, string>();

    /// <summary>Client events the server handles: name → what to send and what the ack answers.</summary>
    public IReadOnlyDictionary<string, string> Handles { get; init; } = new Dictionary<string, string>();
}

/// <summary>
/// Lists an API's Socket.IO routes in its OpenAPI document. The routes are left out of API
/// descriptions (their bodies are Engine.IO packets, not JSON), so each is written in here under
/// the base path its API is mounted at, with the trailing slash clients use: a GET (the handshake,
/// long-polling reads and the WebSocket upgrade) and a POST (long-polling writes).
/// </summary>
internal static class SocketIoDocuments
{
    public static Task AddAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context)
    {
        foreach (var (socket, _, path) in SocketRouteDocuments.Of<SocketIoDocument>(context, raw => "/" + raw.Trim('/') + "/"))
        {
            var description = Describe(socket, path);
            document.Paths ??= [];
            document.Paths[path] = new OpenApiPathItem
            {
                Operations = new Dictionary<HttpMethod, OpenApiOperation>
                {
                    [HttpMethod.Get] = new()
                    {
                        Summary = socket.Summary,
                        Description = description,
                        Parameters = Parameters(socket, withSid: false),
                        Responses = Answers(new()
                        {
                            ["101"] = "Switching protocols: the Engine.IO session continues over WebSocket (transport=websocket)",
                            ["200"] = "Engine.IO packets (text): the handshake (open packet with sid, pingInterval, pingTimeout, maxPayload), or what a long poll waited for",
                        }, text: true),
                    },
                    [HttpMethod.Post] = new()
                    {
                        Summary = "Long-polling writes: Engine.IO packets from the client to the session sid",
                        Description = "The client's packets (CONNECT with auth, events, acks, pongs), separated by \\x1e, as socket.io-client sends them. " +
                            "Answers `ok` (text).",
                        Parameters = Parameters(socket, withSid: true),
                        RequestBody = new OpenApiRequestBody
                        {
                            Required = true,
                            Content = new Dictionary<string, OpenApiMediaType>
                            {
                                ["text/plain"] = new() { Schema = new OpenApiSchema { Type = JsonSchemaType.String } },
                            },
                        },
                        Responses = Answers(new() { ["200"] = "`ok`: the packets were taken" }, text: true),
                    },
                },
            };
        }
        return Task.CompletedTask;
    }

    private static string Describe(SocketIoDocument socket, string path)
    {
        var text = new StringBuilder();
        if (socket.Description is { Length: > 0 } own)
        {
            text.Append(own.TrimEnd()).Append("\n\n");
        }
        text.Append("Socket.IO v4 (Engine.IO v4): connect a stock socket.io-client with `io(origin, { path: \"")
            .Append(path).Append("\", auth: { token } })`, where token is ").Append(socket.TokenDescription)
            .Append(" (also read from `Authorization: Bearer` or `?token=`). A refused credential, or a connection over the ")
            .Append("caller's rate limit or connection cap, is a `connect_error` whose data carries the API's error code. ")
            .Append("Both transports: HTTP long-polling (the client starts with it) and WebSocket.");
        if (socket.Emits.Count > 0)
        {
            text.Append("\n\nEvents the server emits:");
            foreach (var (name, what) in socket.Emits)
            {
                text.Append("\n- `").Append(name).Append("`: ").Append(what);
            }
        }
        if (socket.Handles.Count > 0)
        {
            text.Append("\n\nEvents the client may send:");
            foreach (var (name, what) in socket.Handles)
            {
                text.Append("\n- `").Append(name).Append("`: ").Append(what);
            }
        }
        return text.ToString();
    }

    private static List<IOpenApiParameter> Parameters(SocketIoDocument socket, bool withSid)
    {
        var parameters = new List<IOpenApiParameter>
        {
            Query("EIO", "The Engine.IO protocol version: 4", required: true),
            Query("transport", "`polling` or `websocket`", required: true),
            Query("sid", "The Engine.IO session (absent on the handshake)", required: withSid),
            Query("token", "Instead of `auth.token`: " + socket.TokenDescription, required: false),
        };
        return parameters;
    }

    private static OpenApiParameter Query(string name, string description, bool required) => new()
    {
        Name = name,
        In = ParameterLocation.Query,
        Required = required,
        Description = description,
        Schema = new OpenApiSchema { Type = JsonSchemaType.String },
    };

    private static OpenApiResponses Answers(Dictionary<string, string> own, bool text)
    {
        own["400"] = "An Engine.IO error `{code, message}`: unknown protocol version, transport or session, or a bad request";
        var answers = new OpenApiResponses();
        foreach (var (status, description) in own.OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            var response = new OpenApiResponse { Description = description };
            if (text && status == "200")
            {
                response.Content = new Dictionary<string, OpenApiMediaType>
                {
                    ["text/plain"] = new() { Schema = new OpenApiSchema { Type = JsonSchemaType.String } },
                };
            }
            answers[status] = response;
        }
        return answers;
    }
}
