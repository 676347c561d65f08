using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;

namespace Mindstack.Platform.Http;

/// <summary>How a rate limit is announced on the wire.</summary>
public enum RateLimitHeaderStyle
{
    /// <summary><c>X-RateLimit-Limit</c>, <c>X-RateLimit-Remaining</c>, <c>X-RateLimit-Reset</c> (unix seconds).</summary>
    XRateLimit,
    /// <summary><c>RateLimit-Remaining</c>, <c>RateLimit-Reset</c> (seconds until reset).</summary>
    IetfDraft,
}

/// <summary>
/// How one API speaks: its success and error bodies, pagination shape, JSON naming and its
/// rate-limit headers. Nothing else in a module knows these. The rest of the API's facts
/// (credentials, keys, tiers, limits) are in its <see cref="ApiDefinition"/>.
/// </summary>
public abstract class Dialect
{
    /// <summary>The API's name, as in <c>/openapi/{name}.json</c>: its definition's <see cref="ApiDefinition.Name"/>.</summary>
    public abstract string Name { get; }

    /// <summary>The API's human title.</summary>
    public abstract string Title { get; }

    /// <summary>JSON options for bodies read and written by this API (naming policy, enums…).</summary>
    public abstract JsonSerializerOptions Json { get; }

    public virtual RateLimitHeaderStyle RateLimitHeaders => RateLimitHeaderStyle.XRateLimit;

    /// <summary>
    /// How a success value is framed on the wire, as an open generic type of one parameter (the
    /// value's type), e.g. <c>{success, data, message}</c>; null when values go as they are. The
    /// OpenAPI document describes answers with it (<see cref="ApiResponses.ProducesEnvelope{T}"/>),
    /// so a Dialect should frame its answers with this same type.
    /// </summary>
    public virtual Type? SuccessEnvelope => null;

    /// <summary>
    /// How a page of items is framed, as an open generic type of one parameter (the item's type);
    /// null when a page is a bare array. Described by <see cref="ApiResponses.ProducesPage{T}"/>.
    /// </summary>
    public virtual Type? PageEnvelope => null;

    /// <summary>
    /// The web defaults (case-insensitive reads, numbers from strings) with <paramref name="naming"/>
    /// for property names, and enums written as strings — in the same naming unless
    /// <paramref name="enumNaming"/> is false, when they keep their C# names. Strings read must hold
    /// no NUL, free-form JSON no unpaired surrogate (see <c>StorableText</c>).
    /// </summary>
    protected static JsonSerializerOptions CreateJson(JsonNamingPolicy naming, bool enumNaming = true) =>
        new(JsonSerializerDefaults.Web)
        {
            // Set, not left for the serializer to fill in on first use, so the contract can be read
            // (GetTypeInfo: OpenAPI schemas, field names in errors) before any body was.
            TypeInfoResolver = new DefaultJsonTypeInfoResolver(),
            PropertyNamingPolicy = naming,
            Converters = { enumNaming ? new JsonStringEnumConverter(naming) : new JsonStringEnumConverter(), new StorableStringConverter(), new StorableElementConverter() },
        };

    /// <summary>The API's code and status for a problem kind.</summary>
    public abstract (string Code, int Status) Describe(ProblemKind kind);

    /// <summary>The error body for a problem, given its resolved code and status.</summary>
    protected abstract object ErrorBody(HttpContext context, Problem problem, string code, int status);

    /// <summary>
    /// The code and status a problem is answered with: its own when it carries them, else its
    /// kind's. An API whose document fixes a closed set of codes overrides this to stay inside it.
    /// </summary>
    protected virtual (string Code, int Status) Resolve(Problem problem)
    {
        var (defaultCode, defaultStatus) = Describe(problem.Kind);
        return (problem.Code ?? defaultCode, problem.Status ?? defaultStatus);
    }

    /// <summary>Renders any problem in this API's error shape.</summary>
    public IResult Error(HttpContext context, Problem problem)
    {
        var (code, status) = Resolve(problem);
        foreach (var (name, value) in problem.Headers)
        {
            context.Response.Headers[name] = value;
        }
        return Results.Json(ErrorBody(context, problem, code, status), Json, "application/json", status);
    }

    /// <summary>A success body as is (for APIs whose documents frame nothing).</summary>
    public IResult Json200(object? value, int status = StatusCodes.Status200OK) =>
        Results.Json(value, Json, "application/json", status);

    /// <summary>A request id for a request that brought none (or one not acceptable).</summary>
    public virtual string NewRequestId() => "req_" + Guid.NewGuid().ToString("N");

    /// <summary>The largest request body this API accepts, unless an endpoint says otherwise.</summary>
    public virtual long MaxRequestBodyBytes => 1024 * 1024;

    /// <summary>The request id of this request (as echoed in <c>X-Request-ID</c>).</summary>
    protected static string RequestId(HttpContext context) => RequestIds.Get(context);
}
