using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Mindstack.Platform.Http;

namespace Mindstack.Platform.Realtime;

/// <summary>
/// The socket routes (JSON sockets, Socket.IO) of the API whose OpenAPI document is being written:
/// those carrying the given document metadata and the API's dialect, each with its path under
/// the base path the API is mounted at. The same route served at the root of the API's own port is
/// left out: the document lists the base path.
/// </summary>
internal static class SocketRouteDocuments
{
    public static IEnumerable<(TDocument Document, RouteEndpoint Endpoint, string Path)> Of<TDocument>(
        OpenApiDocumentTransformerContext context, Func<string, string> pathOf)
        where TDocument : class
    {
        var services = context.ApplicationServices;
        var mount = services.GetRequiredService<ApiRegistry>().Mounts
            .FirstOrDefault(m => string.Equals(m.Name, context.DocumentName, StringComparison.Ordinal));
        if (mount is null)
        {
            yield break;
        }
        var basePath = mount.BasePath.Value ?? "";
        foreach (var endpoint in services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>())
        {
            if (endpoint.Metadata.GetMetadata<TDocument>() is not { } document
                || endpoint.Metadata.GetMetadata<Dialect>()?.Name != context.DocumentName
                || endpoint.RoutePattern.RawText is not { } raw)
            {
                continue;
            }
            var path = pathOf(raw);
            if (basePath.Length > 0 && !path.StartsWith(basePath + "/", StringComparison.Ordinal))
            {
                continue;
            }
            yield return (document, endpoint, path);
        }
    }
}
