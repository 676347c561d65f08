using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Mindstack.Platform.Http;

/// <summary>The platform's own paths (<c>/health</c>, <c>/metrics</c>, <c>/openapi</c>): a plain error shape.</summary>
public sealed class PlatformDialect : Dialect
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

    public override string Name => "mindstack";

    public override string Title => "Mindstack";

    public override JsonSerializerOptions Json => Options;

    public override (string Code, int Status) Describe(ProblemKind kind) => StandardCodes.Describe(kind);

    protected override object ErrorBody(HttpContext context, Problem problem, string code, int status) =>
        new { error = new { code, message = problem.Message }, request_id = RequestId(context) };
}

/// <summary>Upper-snake codes and statuses shared by most APIs, for dialects to start from.</summary>
public static class StandardCodes
{
    public static (string Code, int Status) Describe(ProblemKind kind) => kind switch
    {
        ProblemKind.BadRequest => ("BAD_REQUEST", 400),
        ProblemKind.MalformedBody => ("INVALID_REQUEST_BODY", 400),
        ProblemKind.Validation => ("VALIDATION_ERROR", 422),
        ProblemKind.Unauthorized => ("UNAUTHORIZED", 401),
        ProblemKind.TokenExpired => ("TOKEN_EXPIRED", 401),
        ProblemKind.PaymentRequired => ("PAYMENT_REQUIRED", 402),
        ProblemKind.Forbidden => ("FORBIDDEN", 403),
        ProblemKind.NotFound => ("NOT_FOUND", 404),
        ProblemKind.RouteNotFound => ("NOT_FOUND", 404),
        ProblemKind.MethodNotAllowed => ("METHOD_NOT_ALLOWED", 405),
        ProblemKind.Conflict => ("CONFLICT", 409),
        ProblemKind.PayloadTooLarge => ("REQUEST_TOO_LARGE", 413),
        ProblemKind.UriTooLong => ("URI_TOO_LONG", 414),
        ProblemKind.UnsupportedMediaType => ("UNSUPPORTED_MEDIA_TYPE", 415),
        ProblemKind.RateLimited => ("RATE_LIMIT_EXCEEDED", 429),
        ProblemKind.Internal => ("INTERNAL_SERVER_ERROR", 500),
        ProblemKind.UpstreamFailed => ("UPSTREAM_ERROR", 502),
        ProblemKind.Unavailable => ("SERVICE_UNAVAILABLE", 503),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };
}
