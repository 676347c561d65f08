using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Mindstack.Platform.Access;
using Mindstack.Platform.Events;
using Mindstack.Platform.Http;
using Mindstack.Platform.Realtime.Json;
using Mindstack.Platform.Realtime.SocketIo;
using Mindstack.Platform.Storage;

namespace Mindstack.Platform.Realtime;

/// <summary>
/// Operator probes for the realtime path, mounted only when <c>Mindstack:Realtime:ProbeApi</c>
/// names an API (off by default): a JSON socket at <c>/realtime-probe/ws</c>, a Socket.IO mount at
/// <c>/realtime-probe/socket.io</c>, and <c>POST /realtime-probe/events</c>, which writes a domain event
/// for the caller's account to the outbox. Every route authenticates with that API's credentials,
/// so a probe reaches only its own account. They show, on a live cluster, that an event caused on
/// one node reaches sockets on another (outbox → dispatcher → backplane → sockets).
/// </summary>
internal sealed class RealtimeProbeRoutes(string api) : IEndpointContributor
{
    public const string JsonPath = "/realtime-probe/ws";
    public const string SocketIoPath = "/realtime-probe/socket.io";
    public const string EventsPath = "/realtime-probe/events";

    /// <summary>
    /// A probe event: its type and data. It goes to the caller's account channel only: a probe
    /// must never reach anyone else's sockets.
    /// </summary>
    internal sealed record ProbeEvent(string? Type, JsonElement Data);

    public void Map(IEndpointRouteBuilder routes)
    {
        routes.MapJsonSocket(JsonPath, o => o.Api = api);
        routes.MapSocketIo(SocketIoPath, io => io.Api = api);
        routes.MapPost(EventsPath, async (HttpContext context, CancellationToken cancellationToken) =>
        {
            var services = context.RequestServices;
            var mount = services.GetRequiredService<ApiRegistry>().Mounts.FirstOrDefault(m => m.Name == api)
                ?? throw new Problem(ProblemKind.Unavailable, $"No API named {api} is served");
            var caller = await services.GetRequiredService<ICallerAuthenticator>()
                .AuthenticateAsync(context, mount.Definition.Credentials, cancellationToken)
                ?? throw Problem.Unauthorized("Authentication required");
            ProbeEvent? body;
            try
            {
                body = await JsonSerializer.DeserializeAsync<ProbeEvent>(context.Request.Body, RealtimePublisher.DefaultJson, cancellationToken);
            }
            catch (JsonException)
            {
                throw new Problem(ProblemKind.MalformedBody, "The body must be a JSON object {type, data}");
            }
            if (string.IsNullOrWhiteSpace(body?.Type))
            {
                throw Problem.Invalid("type", "type is required");
            }
            var id = services.GetRequiredService<IEventOutbox>().Publish(new NewEvent(body.Type, "realtime_probe", caller.AccountId)
            {
                AccountId = caller.AccountId,
                Api = api,
                Data = body.Data.ValueKind == JsonValueKind.Undefined ? null : body.Data,
            });
            await services.GetRequiredService<MindstackDbContext>().SaveChangesAsync(cancellationToken);
            return Results.Json(new { id }, statusCode: StatusCodes.Status202Accepted);
        }).ExcludeFromDescription();
    }
}
