using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Mindstack.Platform.Http;

namespace Mindstack.Mindra;

/// <summary>
/// Mindra speaks camelCase JSON, errors as <c>{error, message, details, requestId}</c>, and pages
/// as <c>{data, pagination: {page, limit, total, pages, hasNext, hasPrev}}</c>.
/// </summary>
public sealed class MindraDialect : Dialect
{
    private static readonly JsonSerializerOptions Options = Strict(CreateJson(JsonNamingPolicy.CamelCase, enumNaming: false));

    /// <summary>
    /// A number sent as a string (<c>"maxAgents": "5"</c>) is a wrong type, refused like any other;
    /// a field the endpoint does not read (<c>"is_active"</c> for <c>isActive</c>) is refused by
    /// name rather than silently ignored.
    /// </summary>
    private static JsonSerializerOptions Strict(JsonSerializerOptions options)
    {
        options.NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.Strict;
        options.UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow;
        return options;
    }

    public override string Name => MindraApi.Name;

    public override string Title => "Mindra API";

    public override JsonSerializerOptions Json => Options;

    /// <summary>A page: <see cref="MindraPage{T}"/>.</summary>
    public override Type? PageEnvelope => typeof(MindraPage<>);

    /// <summary>The document's codes, each with its status; no other code is ever answered.</summary>
    private static readonly Dictionary<string, int> DocumentCodes = new(StringComparer.Ordinal)
    {
        ["INVALID_REQUEST"] = 400,
        ["UNAUTHORIZED"] = 401,
        ["INSUFFICIENT_BALANCE"] = 402,
        ["FORBIDDEN"] = 403,
        ["NOT_FOUND"] = 404,
        ["RATE_LIMIT_EXCEEDED"] = 429,
        ["INTERNAL_ERROR"] = 500,
        ["SERVICE_UNAVAILABLE"] = 503,
    };

    /// <summary>
    /// Only the document's codes, with the document's statuses (and 405/413/414/415 where HTTP itself
    /// says so). A platform code outside them becomes its kind's: a state conflict (cancelling a
    /// finished execution, an agent id taken, an idempotency key reused with another body) is
    /// <c>INVALID_REQUEST</c> 400; a request with the same idempotency key still running is
    /// <c>SERVICE_UNAVAILABLE</c> 503 with <c>Retry-After</c>, which clients retry.
    /// </summary>
    protected override (string Code, int Status) Resolve(Problem problem)
    {
        if (problem.Code == Platform.Limits.IdempotencyEndpoints.KeyInProgressCode)
        {
            return ("SERVICE_UNAVAILABLE", 503);
        }
        var (kindCode, kindStatus) = Describe(problem.Kind);
        if (problem.Code is { } code && DocumentCodes.TryGetValue(code, out var documented))
        {
            return (code, documented);
        }
        return (kindCode, kindStatus);
    }

    public override (string Code, int Status) Describe(ProblemKind kind) => kind switch
    {
        ProblemKind.BadRequest or ProblemKind.MalformedBody or ProblemKind.Validation or ProblemKind.Conflict => ("INVALID_REQUEST", 400),
        ProblemKind.Unauthorized or ProblemKind.TokenExpired => ("UNAUTHORIZED", 401),
        ProblemKind.PaymentRequired => ("INSUFFICIENT_BALANCE", 402),
        ProblemKind.Forbidden => ("FORBIDDEN", 403),
        ProblemKind.NotFound or ProblemKind.RouteNotFound => ("NOT_FOUND", 404),
        ProblemKind.PayloadTooLarge => ("INVALID_REQUEST", 413),
        ProblemKind.UriTooLong => ("INVALID_REQUEST", 414),
        ProblemKind.MethodNotAllowed => ("INVALID_REQUEST", 405),
        ProblemKind.UnsupportedMediaType => ("INVALID_REQUEST", 415),
        ProblemKind.RateLimited => ("RATE_LIMIT_EXCEEDED", 429),
        ProblemKind.Internal => ("INTERNAL_ERROR", 500),
        ProblemKind.UpstreamFailed or ProblemKind.Unavailable => ("SERVICE_UNAVAILABLE", 503),
        _ => ("INTERNAL_ERROR", 500),
    };

    /// <summary>A success body as the document frames it (no envelope: the value itself).</summary>
    public IResult Ok(object value, int status = StatusCodes.Status200OK) => Json200(value, status);

    /// <summary>A page of a list: <c>{data, pagination: {page, limit, total, pages, hasNext, hasPrev}}</c>.</summary>
    public IResult Page<T>(IReadOnlyList<T> items, PageRequest paging, int total)
    {
        var pages = total == 0 ? 0 : (int)Math.Ceiling(total / (double)paging.Limit);
        return Json200(new MindraPage<T>(items, new MindraPagination(paging.Page, paging.Limit, total, pages, paging.Page < pages, paging.Page > 1)));
    }

    protected override object ErrorBody(HttpContext context, Problem problem, string code, int status) => new
    {
        error = code,
        message = problem.Message,
        details = Details(problem),
        requestId = RequestId(context),
    };

    /// <summary>The document's <c>details</c> is text: field errors, or a platform problem's structured details, as one line.</summary>
    private static string? Details(Problem problem) => problem.Details switch
    {
        string text => text,
        null => problem.Errors is { Count: > 0 } errors ? string.Join("; ", errors.Select(e => $"{e.Field}: {e.Message}")) : null,
        var structured => JsonSerializer.SerializeToElement(structured, Options) is { ValueKind: JsonValueKind.Object } element
            ? string.Join("; ", element.EnumerateObject().Select(p => $"{p.Name}: {p.Value}"))
            : JsonSerializer.Serialize(structured, Options),
    };
}

/// <summary>A page of a list as Mindra frames it (and its OpenAPI document describes it).</summary>
internal sealed record MindraPage<T>(IReadOnlyList<T> Data, MindraPagination Pagination);

internal sealed record MindraPagination(int Page, int Limit, int Total, int Pages, bool HasNext, bool HasPrev);
