using System.Net;
using System.Text;
using Mindstack.Platform.Http;
using Mindstack.Platform.Observability;
using Scalar.AspNetCore;

namespace Mindstack.Server;

/// <summary>
/// What a person opening the server in a browser sees: <c>GET /</c> (the APIs, their base URLs,
/// documents, health and version) and <c>GET /docs/{api}</c> (Scalar's interactive reference,
/// its scripts served from this server; <c>GET /docs</c> holds every API's, with a picker).
/// </summary>
internal static class FrontPages
{
    private const string Html = "text/html; charset=utf-8";

    public static WebApplication MapFrontPages(this WebApplication app)
    {
        app.MapGet("/", (HttpContext context, ApiRegistry registry) =>
            Results.Content(Home(registry, $"{context.Request.Scheme}://{context.Request.Host}"), Html)).ExcludeFromDescription();

        // Scalar serves /docs, /docs/{documentName} and its own scripts under /docs; the OpenAPI documents
        // are the platform's /openapi/{api}.json. An unknown name is a 404, not an empty reference.
        app.MapScalarApiReference("/docs", (options, context) =>
        {
            var registry = context.RequestServices.GetRequiredService<ApiRegistry>();
            options.WithTitle("{documentName} reference").WithOpenApiRoutePattern("/openapi/{documentName}.json");
            options.AddDocuments(registry.Mounts.OrderBy(m => m.Name, StringComparer.Ordinal)
                .Select(m => new ScalarDocument(m.Name, m.Dialect.Title, $"/openapi/{m.Name}.json")));
        }).AddEndpointFilter(async (invocation, next) =>
        {
            var context = invocation.HttpContext;
            if (context.Request.RouteValues["documentName"] is string name && name.Length > 0
                && !context.RequestServices.GetRequiredService<ApiRegistry>().Mounts.Any(m => string.Equals(m.Name, name, StringComparison.Ordinal)))
            {
                throw Problem.NotFound($"No API named '{name}'");
            }
            return await next(invocation);
        });
        return app;
    }

    private static string Home(ApiRegistry registry, string origin)
    {
        var rows = new StringBuilder();
        foreach (var mount in registry.Mounts.OrderBy(m => m.Name, StringComparer.Ordinal))
        {
            var baseUrl = origin + mount.BasePath;
            rows.Append("<tr><td>").Append(Encode(mount.Dialect.Title)).Append("</td><td><code>").Append(Encode(baseUrl)).Append("</code>");
            if (mount.Port is { } port)
            {
                rows.Append(" (also at the root of port ").Append(port).Append(')');
            }
            rows.Append("</td><td><a href=\"/docs/").Append(mount.Name).Append("\">reference</a> · <a href=\"/openapi/")
                .Append(mount.Name).Append(".json\">OpenAPI</a></td></tr>");
        }
        return $$"""
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>Mindstack</title>
            <style>body{font-family:system-ui,sans-serif;max-width:56rem;margin:2rem auto;padding:0 1rem;color:#222}
            table{border-collapse:collapse}td,th{text-align:left;padding:.3rem .8rem .3rem 0}code{background:#f4f4f4;padding:0 .2rem}</style>
            </head><body>
            <h1>Mindstack</h1>
            <p>Version <code>{{Encode(HealthService.Version)}}</code> · <a href="/health">health</a> · <a href="/docs">references</a> · <a href="/metrics/prometheus">metrics</a></p>
            <table><tr><th>API</th><th>base URL</th><th>documents</th></tr>
            {{rows}}</table>
            </body></html>
            """;
    }

    private static string Encode(string text) => WebUtility.HtmlEncode(text);
}
