using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
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
    /// Serves Socket.IO at <paramref name="path"/> (e.g. <c>/mindswarm/socket.io</c>; the stock
    /// client then connects with <c>io(host, {path: "/mindswarm/socket.io", auth: {token}})</c>).
    /// Both transports are served: HTTP long-polling, which the client starts with, and WebSocket,
    /// directly or by upgrade. Clients authenticate on CONNECT with <c>auth.token</c> (or a bearer
    /// header / <c>?token=</c>); a refusal is a <c>connect_error</c> with the authenticator's
    /// message. Published events arrive as Socket.IO events; client events go to the handlers
    /// registered with <see cref="SocketIoNamespaceOptions.On"/>, and their acks are answered.
    /// Binary attachments are refused with an <c>error</c> event (and an error ack).
    /// Long-polling sessions are held by the node that made them, so polling behind a load balancer
    /// needs sticky routing; WebSocket connections do not.
    /// </summary>
    public static IEndpointConventionBuilder MapSocketIo(this IEndpointRouteBuilder routes, string path,
        Action<SocketIoOptions>? configure = null)
    {
        var options = new SocketIoOptions();
        configure?.Invoke(options);
        var services = routes.ServiceProvider;
        var server = new SocketIoServer(
            options,
            services.GetRequiredService<IOptions<RealtimeOptions>>().Value,
            services.GetRequiredService<RealtimeHub>(),
            services.GetRequiredService<RealtimeMetrics>(),
            services.GetRequiredService<IRealtimeAuthenticator>(),
            services.GetRequiredService<IRealtimePublisher>(),
            services.GetRequiredService<TimeProvider>(),
            services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(SocketIoServer)));
        services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.Register(server.CloseAll);
        var trimmed = path.TrimEnd('/');
        // The client asks for "<path>/?EIO=4…"; serve the path with and without the slash.
        return routes.MapGroup(trimmed).MapMethods("{*rest}", [HttpMethods.Get, HttpMethods.Post], (RequestDelegate)server.HandleAsync)
            .ExcludeFromDescription();
    }
}
