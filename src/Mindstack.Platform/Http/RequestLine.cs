using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Mindstack.Platform.Http;

/// <summary>
/// The request line limit, enforced here rather than by Kestrel so a too-long URL gets 414 in the
/// owning API's error shape: Kestrel refuses a line over its own limit before any middleware
/// runs, with an empty body. The server sets Kestrel's limit to <see cref="ServerMaxBytes"/>;
/// lines between the two reach the pipeline and are refused by <see cref="ApiMiddleware"/>.
/// </summary>
public static class RequestLine
{
    /// <summary>The longest request line (method, target, version) any API takes: Kestrel's own default.</summary>
    public const int MaxBytes = 8 * 1024;

    /// <summary>What Kestrel is set to read; only lines longer than this get its bare 414.</summary>
    public const int ServerMaxBytes = 64 * 1024;

    /// <summary>Whether this request's line (<c>GET /path?query HTTP/1.1</c> and its CRLF) is over <see cref="MaxBytes"/>.</summary>
    internal static bool IsTooLong(HttpContext context)
    {
        var request = context.Request;
        var target = context.Features.Get<IHttpRequestFeature>()?.RawTarget is { Length: > 0 } raw
            ? raw.Length
            : request.PathBase.ToUriComponent().Length + request.Path.ToUriComponent().Length + request.QueryString.ToUriComponent().Length;
        return request.Method.Length + 1 + target + 1 + request.Protocol.Length + 2 > MaxBytes;
    }
}
