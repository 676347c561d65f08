using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Mindstack.Platform.Realtime.SocketIo;

/// <summary>The Socket.IO v4 (Engine.IO v4) adapter, mountable at any path.</summary>
public static class SocketIoEndpoints
{
    /// <summary>
    /// Serves Socket.IO at <paramref name="path"/> (e.g. <c>/example/socket.io</c>; the stock
    /// client then connects with <c>io(host, {path: "/example/socket.io", auth: {token}})</c>).
    /// Both transports are served: HTTP long-polling, which the client starts with, and WebSocket,
    /// directly or by upgrade. Clients authenticate on CONNECT with <c>auth.token</c> (or a bearer
    /// header / <c>?token=</c>); a refusal is a <c>connect_error</c> with the authenticator's
    /// message. A namespace connection counts against the caller's rate limit and takes one of the
    /// account's connection slots (freed when it disconnects); either refusal is a <c>connect_error</c>
    /// whose data carries the API's 429 code (and <c>retryAfter</c> seconds for the rate limit).
    /// Published events arrive as Socket.IO events; client events go to the handlers
    /// registered with <see cref="SocketIoNamespaceOptions.On"/>, and their acks are answered.
    /// Binary attachments are refused with an <c>error</c> event (and an error ack).
    /// Long-polling sessions are held by the node that made them, so polling behind a load balancer
    /// needs sticky routing; WebSocket connections do not. With <see cref="SocketIoOptions.Document"/>
    /// the route is listed in its API's OpenAPI document.
    /// </summary>
    public static IEndpointConventionBuilder MapSocketIo(this IEndpointRouteBuilder routes, string path,
        Action<SocketIoOptions>? configure = null)
    {
        var options = new SocketIoOptions();
        configure?.Invoke(options);
        var services = routes.ServiceProvider;
        var settings = services.GetRequiredService<IOptions<RealtimeOptions>>().Value;
        var server = new SocketIoServer(
            options,
            settings,
            services.GetRequiredService<RealtimeHub>(),
            services.GetRequiredService<RealtimeMetrics>(),
            services.GetRequiredService<IRealtimeAuthenticator>(),
            services.GetRequiredService<IRealtimePublisher>(),
            services.GetRequiredService<RealtimeAdmission>(),
            services.GetRequiredService<TimeProvider>(),
            services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(SocketIoServer)));
        services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.Register(server.CloseAll);
        // The client asks for "<path>/?EIO=4…"; routing matches it with or without the trailing slash.
        var route = routes.MapMethods(path.TrimEnd('/'), [HttpMethods.Get, HttpMethods.Post], (RequestDelegate)server.HandleAsync)
            .WithMetadata(new PayloadLimit(settings.MaxPayloadBytes))
            .ExcludeFromDescription();
        if (options.Document is { } document)
        {
            // Read by the API's OpenAPI document (SocketIoDocuments).
            route.WithMetadata(document);
        }
        return route;
    }

    /// <summary>Polling bodies are bounded by Engine.IO's <c>maxPayload</c>, not the API's JSON body limit.</summary>
    private sealed class PayloadLimit(long bytes) : IRequestSizeLimitMetadata
    {
        public long? MaxRequestBodySize { get; } = bytes;
    }
}
