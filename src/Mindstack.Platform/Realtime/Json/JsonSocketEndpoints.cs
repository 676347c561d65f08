using System.Net.WebSockets;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Mindstack.Platform.Http;
using Mindstack.Platform.Storage;

namespace Mindstack.Platform.Realtime.Json;

/// <summary>How a module's plain JSON socket authenticates, which channels it joins, and what it does with client frames.</summary>
public sealed class JsonSocketOptions
{
    /// <summary>The API name given to the authenticator; defaults to the API that owns the path.</summary>
    public string? Api { get; set; }

    /// <summary>An authenticator for this socket only; defaults to the registered <see cref="IRealtimeAuthenticator"/>.</summary>
    public IRealtimeAuthenticator? Authenticator { get; set; }

    /// <summary>
    /// Decides the channels the connection joins, after authentication and before the upgrade
    /// (route values are on the request, e.g. <c>{session_id}</c>). Throw a <see cref="Problem"/>
    /// to refuse: it is answered in the API's error shape instead of the upgrade. Defaults to the
    /// caller's own channels.
    /// </summary>
    public Func<HttpContext, RealtimeCaller, CancellationToken, ValueTask<IEnumerable<string>>>? Channels { get; set; }

    /// <summary>
    /// Runs once the socket is open and joined (e.g. to send the current state); channel messages
    /// arriving meanwhile are sent after what it sends.
    /// </summary>
    public Func<IRealtimeConnection, CancellationToken, ValueTask>? OnConnected { get; set; }

    /// <summary>
    /// Handles a client frame other than <c>{"type":"ping"}</c> (which is answered with
    /// <c>{"type":"pong"}</c>). Reply with <see cref="IRealtimeConnection.Send"/>; a thrown
    /// <see cref="Problem"/> is answered as <c>{"type":"error","data":{"code","message"}}</c>.
    /// Without a handler every other frame gets an error frame.
    /// </summary>
    public Func<IRealtimeConnection, JsonSocketMessage, CancellationToken, ValueTask>? OnMessage { get; set; }

    /// <summary>Runs after the connection closed, whatever the reason.</summary>
    public Func<IRealtimeConnection, ValueTask>? OnDisconnected { get; set; }

    /// <summary>How the route is listed in its API's OpenAPI document; unset, it is not listed.</summary>
    public JsonSocketDocument? Document { get; set; }
}

/// <summary>A client frame <c>{"type": …, "data": …}</c>; <see cref="Data"/> is undefined when absent.</summary>
public sealed record JsonSocketMessage(string Type, JsonElement Data);

/// <summary>The plain JSON WebSocket adapter: frames <c>{"type": …, "data": …}</c> both ways.</summary>
public static class JsonSocketEndpoints
{
    /// <summary>
    /// Serves a plain JSON WebSocket at <paramref name="pattern"/> (e.g. <c>/ws/{session_id}</c> inside
    /// the API's route group). The token comes from <c>Authorization: Bearer</c> or <c>?token=</c>;
    /// a refused or missing token is a 401 in the API's error shape, before any upgrade. The
    /// handshake counts against the caller's rate limit and takes one of the account's connection
    /// slots (<see cref="RealtimeOptions.MaxConnectionsPerAccount"/>), freed when the socket closes;
    /// either refusal is the API's 429. Published
    /// events arrive as <c>{"type": eventName, "data": data}</c>; WebSocket ping frames keep the
    /// connection alive; a connection too slow to take its events is closed (1013). With
    /// <see cref="JsonSocketOptions.Document"/> the route is listed in its API's OpenAPI document.
    /// </summary>
    public static IEndpointConventionBuilder MapJsonSocket(this IEndpointRouteBuilder routes, string pattern,
        Action<JsonSocketOptions>? configure = null)
    {
        var options = new JsonSocketOptions();
        configure?.Invoke(options);
        var route = routes.Map(pattern, context => HandleAsync(context, options)).ExcludeFromDescription();
        if (options.Document is { } document)
        {
            // Read by the API's OpenAPI document (JsonSocketDocuments), which lists the route as a GET.
            route.WithMetadata(document);
        }
        return route;
    }

    private static async Task HandleAsync(HttpContext context, JsonSocketOptions options)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            throw new Problem(ProblemKind.BadRequest, "This path serves WebSocket connections only", status: StatusCodes.Status426UpgradeRequired)
                .WithHeader("Upgrade", "websocket");
        }
        var services = context.RequestServices;
        var settings = services.GetRequiredService<IOptions<RealtimeOptions>>().Value;
        var authenticator = options.Authenticator ?? services.GetRequiredService<IRealtimeAuthenticator>();
        var api = options.Api ?? context.Api()?.Mount.Name ?? "mindstack";
        var token = RealtimeTokens.FromRequest(context.Request);
        var result = await authenticator.AuthenticateAsync(new RealtimeAuthRequest(api, token, context), context.RequestAborted);
        if (result.Caller is not { } caller)
        {
            throw result.Problem ?? Problem.Unauthorized(result.Error ?? "Authentication required");
        }
        // Counted against the caller's rate limit (a handshake then refused by the module's checks
        // too) and holding one of the account's connection slots; refusals come before any upgrade.
        var connectionId = services.GetRequiredService<IIdGenerator>().New("conn");
        using var slot = await services.GetRequiredService<RealtimeAdmission>()
            .AdmitAsync(context, api, caller, connectionId, announce: true, context.RequestAborted);
        var channels = options.Channels is null
            ? caller.Channels
            : (await options.Channels(context, caller, context.RequestAborted)).ToList();
        foreach (var channel in channels)
        {
            RealtimeChannels.Validate(channel);
        }

        var accept = new WebSocketAcceptContext();
        if (settings.KeepAlive > TimeSpan.Zero)
        {
            accept.KeepAliveInterval = settings.KeepAlive;
            accept.KeepAliveTimeout = settings.KeepAliveTimeout;
        }
        var connection = new JsonSocketConnection(
            connectionId,
            api,
            caller,
            context.Dialect(),
            settings,
            services.GetRequiredService<RealtimeHub>(),
            services.GetRequiredService<RealtimeMetrics>(),
            services.GetRequiredService<TimeProvider>(),
            services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(JsonSocketConnection)));
        connection.Open(channels);
        WebSocket socket;
        try
        {
            socket = await context.WebSockets.AcceptWebSocketAsync(accept);
        }
        catch
        {
            connection.Abandon();
            throw;
        }
        using (socket)
        {
            var stopping = services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
            await connection.RunAsync(socket, options, stopping, context.RequestAborted);
        }
    }
}
