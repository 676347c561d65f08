using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Mindstack.Platform.Http;

internal static class ApiDocuments
{
    /// <summary>
    /// <c>GET /openapi/{api}.json</c> (each API's OpenAPI document) and <c>GET /docs/{api}</c>
    /// (a human-readable reference page drawn from it, with no outside assets).
    /// </summary>
    public static IEndpointRouteBuilder MapApiDocuments(this IEndpointRouteBuilder routes)
    {
        routes.MapOpenApi("/openapi/{documentName}.json");
        routes.MapGet("/docs/{api}", (string api, ApiRegistry registry) =>
        {
            var mount = registry.Mounts.FirstOrDefault(m => string.Equals(m.Name, api, StringComparison.OrdinalIgnoreCase))
                ?? throw Problem.NotFound($"No API named '{api}'");
            var html = ReferencePage
                .Replace("{{TITLE}}", WebUtility.HtmlEncode(mount.Dialect.Title), StringComparison.Ordinal)
                .Replace("{{NAME}}", WebUtility.HtmlEncode(mount.Name), StringComparison.Ordinal);
            return Results.Content(html, "text/html; charset=utf-8");
        }).ExcludeFromDescription();
        routes.MapGet("/docs", (ApiRegistry registry) =>
            Results.Content(
                "<!doctype html><meta charset=utf-8><title>Mindstack APIs</title><h1>Mindstack APIs</h1><ul>" +
                string.Concat(registry.Mounts.OrderBy(m => m.Name).Select(m =>
                    $"<li><a href=\"/docs/{m.Name}\">{WebUtility.HtmlEncode(m.Dialect.Title)}</a> — base path <code>{m.BasePath}</code>" +
                    (m.Port is { } p ? $", own port {p}" : "") + $" · <a href=\"/openapi/{m.Name}.json\">OpenAPI</a></li>")) +
                "</ul>", "text/html; charset=utf-8")).ExcludeFromDescription();
        return routes;
    }

    private const string ReferencePage = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>{{TITLE}} reference</title>
        <style>
        body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
        .op{border:1px solid #ddd;border-radius:6px;margin:.5rem 0;padding:.5rem .8rem}
        .m{display:inline-block;min-width:4.5rem;font-weight:700;font-family:monospace}
        .GET{color:#0a7}.POST{color:#07c}.PUT{color:#a60}.PATCH{color:#a60}.DELETE{color:#c22}
        code{background:#f4f4f4;padding:0 .2rem}
        </style></head>
        <body><h1>{{TITLE}}</h1>
        <p>Machine-readable: <a href="/openapi/{{NAME}}.json"><code>/openapi/{{NAME}}.json</code></a></p>
        <div id="ops">Loading…</div>
        <script>
        fetch('/openapi/{{NAME}}.json').then(r => r.json()).then(doc => {
          const out = [];
          if (doc.info && doc.info.description) out.push('<p>' + doc.info.description + '</p>');
          for (const [path, item] of Object.entries(doc.paths || {}).sort()) {
            for (const [method, op] of Object.entries(item)) {
              if (typeof op !== 'object' || !op.responses) continue;
              const m = method.toUpperCase();
              out.push('<div class="op"><span class="m ' + m + '">' + m + '</span> <code>' + path + '</code>' +
                (op.summary ? ' — ' + op.summary : '') + '</div>');
            }
          }
          document.getElementById('ops').innerHTML = out.join('') || '<p>No endpoints yet.</p>';
        });
        </script></body></html>
        """;
}
