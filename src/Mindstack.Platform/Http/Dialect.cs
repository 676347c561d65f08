using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;
using Mindstack.Platform.Access;

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
/// How one API speaks: its success and error bodies, pagination shape, JSON naming, the
/// credentials it reads and its rate-limit headers. Nothing else in a module knows these.
/// </summary>
public abstract class Dialect
{
    /// <summary>The API's name, as in <c>/openapi/{name}.json</c>.</summary>
    public abstract string Name { get; }

    /// <summary>The API's human title.</summary>
    public abstract string Title { get; }

    /// <summary>JSON options for bodies read and written by this API (naming policy, enums…).</summary>
    public abstract JsonSerializerOptions Json { get; }

    public virtual RateLimitHeaderStyle RateLimitHeaders => RateLimitHeaderStyle.XRateLimit;

    /// <summary>
    /// The web defaults (case-insensitive reads, numbers from strings) with <paramref name="naming"/>
    /// for property names, and enums written as strings — in the same naming unless
    /// <paramref name="enumNaming"/> is false, when they keep their C# names. Strings read must hold
    /// no NUL, free-form JSON no unpaired surrogate (see <c>StorableText</c>).
    /// </summary>
    protected static JsonSerializerOptions CreateJson(JsonNamingPolicy naming, bool enumNaming = true) =>
        new(JsonSerializerDefaults.Web)
        {
            PropertyNamingPolicy = naming,
            Converters = { enumNaming ? new JsonStringEnumConverter(naming) : new JsonStringEnumConverter(), new StorableStringConverter(), new StorableElementConverter() },
        };

    /// <summary>
    /// Which credentials the API reads (bearer JWT of its audience, an API key header, a cookie…),
    /// resolved once per request into a <see cref="Access.Caller"/>. None by default: every caller
    /// is anonymous unless an endpoint sets its own with <c>WithCredentials</c>.
    /// </summary>
    public virtual ApiCredentials Credentials => ApiCredentials.None;

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
