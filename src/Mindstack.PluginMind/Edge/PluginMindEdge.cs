using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Mindstack.Platform.Http;
using Mindstack.PluginMind.Auth;

namespace Mindstack.PluginMind.Edge;

/// <summary>
/// What the original backend put on every answer, errors and unknown routes included: the
/// security headers, and CORS for the configured front-end origins with credentials (the session
/// is a cookie, so a wildcard origin is never sent), and a refusal (415) of cookie-carrying
/// unsafe requests whose body is not JSON. It runs in front of the platform pipeline and
/// acts only on PluginMind's requests (its base path or its own port).
/// </summary>
internal sealed class PluginMindEdgeStartupFilter : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.UseMiddleware<PluginMindEdgeMiddleware>();
        next(app);
    };
}

internal sealed class PluginMindEdgeMiddleware(
    RequestDelegate next,
    ApiRegistry registry,
    IOptions<PluginMindOptions> options,
    IHostEnvironment environment)
{
    private const string AllowedMethods = "GET, POST, PUT, PATCH, DELETE, OPTIONS";
    private const string DefaultAllowedHeaders = "Content-Type, Authorization, X-Request-ID";

    /// <summary>The original backend's development front end, allowed in Development when no origin is configured.</summary>
    internal const string DevelopmentOrigin = "http://localhost:3000";

    private readonly IReadOnlyList<string> _origins = options.Value.AllowedOrigins.Count == 0 && environment.IsDevelopment()
        ? [DevelopmentOrigin]
        : options.Value.AllowedOrigins;

    public Task InvokeAsync(HttpContext context)
    {
        if (Mount(context) is not { } dialect)
        {
            return next(context);
        }
        var origin = context.Request.Headers.Origin.ToString();
        var allowed = origin.Length > 0 && _origins.Any(o => string.Equals(o.TrimEnd('/'), origin, StringComparison.OrdinalIgnoreCase));
        var headers = context.Response.Headers;
        context.Response.OnStarting(() =>
        {
            headers.XFrameOptions = "DENY";
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "strict-origin-when-cross-origin";
            headers.ContentSecurityPolicy = "default-src 'none'; frame-ancestors 'none'";
            if (!environment.IsDevelopment())
            {
                headers.StrictTransportSecurity = "max-age=31536000; includeSubDomains";
            }
            if (allowed)
            {
                headers.AccessControlAllowOrigin = origin;
                headers.AccessControlAllowCredentials = "true";
                headers.AccessControlExposeHeaders = "X-Request-ID, Retry-After, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset";
            }
            headers.Append("Vary", "Origin");
            return Task.CompletedTask;
        });

        // A CORS preflight is answered here; it never reaches an endpoint.
        if (HttpMethods.IsOptions(context.Request.Method) && context.Request.Headers.AccessControlRequestMethod.Count > 0)
        {
            if (allowed)
            {
                var requested = context.Request.Headers.AccessControlRequestHeaders.ToString();
                headers.AccessControlAllowMethods = AllowedMethods;
                headers.AccessControlAllowHeaders = requested.Length > 0 ? requested : DefaultAllowedHeaders;
                headers.AccessControlMaxAge = "600";
            }
            if (!allowed)
            {
                // In PluginMind's error shape, like every other refusal.
                headers[RequestIds.Header] = RequestIds.Get(context);
                var problem = Problem.Forbidden(origin.Length == 0
                    ? "CORS preflight without an Origin header"
                    : $"Origin {origin} is not allowed to call this API");
                return dialect.Error(context, problem).ExecuteAsync(context);
            }
            context.Response.StatusCode = StatusCodes.Status204NoContent;
            return Task.CompletedTask;
        }

        if (IsFormShaped(context.Request))
        {
            headers[RequestIds.Header] = RequestIds.Get(context);
            var problem = new Problem(ProblemKind.UnsupportedMediaType,
                "A request with the session cookie that carries a body must send it as Content-Type: application/json");
            return dialect.Error(context, problem).ExecuteAsync(context);
        }
        return next(context);
    }

    /// <summary>
    /// A state-changing request riding on the session cookie that a cross-site HTML form (or any
    /// request a browser sends without a CORS preflight) could have made: its body is not JSON.
    /// A form always sends a Content-Type (urlencoded, multipart or text/plain), so requiring
    /// <c>application/json</c> — which a browser only sends cross-origin after a preflight this
    /// edge refuses for unknown origins — shuts that door. A request with no body and no
    /// Content-Type (logout, <c>DELETE /jobs/{id}</c>, as the document's clients send them) is
    /// nothing a form can make, and passes.
    /// </summary>
    private static bool IsFormShaped(HttpRequest request)
    {
        if (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method)
            || HttpMethods.IsTrace(request.Method) || !request.Cookies.ContainsKey(PluginMindSession.CookieName))
        {
            return false;
        }
        if (string.IsNullOrEmpty(request.ContentType))
        {
            var hasBody = request.ContentLength is > 0 || request.Headers.TransferEncoding.Count > 0;
            return hasBody;
        }
        return !MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType)
            || !string.Equals(mediaType.MediaType.Value, "application/json", StringComparison.OrdinalIgnoreCase);
    }

    private PluginMindDialect? Mount(HttpContext context)
    {
        var mount = registry.ByPort(context.Connection.LocalPort) ?? registry.ByPath(context.Request.Path);
        return mount?.Dialect as PluginMindDialect;
    }
}
