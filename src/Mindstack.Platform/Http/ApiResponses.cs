using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Mindstack.Platform.Http;

/// <summary>
/// Response descriptions in the owning API's frames: the OpenAPI document shows what the client
/// really receives (the Dialect's envelope with the value inside), not the bare value.
/// </summary>
public static class ApiResponses
{
    /// <summary>A JSON answer carrying a <typeparamref name="T"/> in the Dialect's success frame.</summary>
    public static RouteHandlerBuilder ProducesEnvelope<T>(this RouteHandlerBuilder builder, int statusCode = StatusCodes.Status200OK) =>
        builder.Produces(statusCode, typeof(T), dialect => dialect?.SuccessEnvelope);

    /// <summary>A JSON answer carrying a page of <typeparamref name="T"/> in the Dialect's page frame.</summary>
    public static RouteHandlerBuilder ProducesPage<T>(this RouteHandlerBuilder builder, int statusCode = StatusCodes.Status200OK) =>
        builder.Produces(statusCode, typeof(T), dialect => dialect?.PageEnvelope ?? typeof(IReadOnlyList<>));

    private static RouteHandlerBuilder Produces(this RouteHandlerBuilder builder, int statusCode, Type value, Func<Dialect?, Type?> frame)
    {
        // The API's route group carries its Dialect (MapApi); group metadata is in place before
        // an endpoint's own conventions run.
        builder.Add(endpoint =>
        {
            var framed = frame(endpoint.Metadata.OfType<Dialect>().LastOrDefault()) is { } envelope
                ? envelope.MakeGenericType(value)
                : value;
            endpoint.Metadata.Add(new ProducesResponseTypeMetadata(statusCode, framed, ["application/json"]));
        });
        return builder;
    }
}
