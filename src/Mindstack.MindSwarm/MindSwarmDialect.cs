using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Mindstack.Platform.Http;

namespace Mindstack.MindSwarm;

/// <summary>
/// MindSwarm speaks camelCase JSON as <c>{success: true, data}</c>, errors as
/// <c>{success: false, error: "Human-readable message"}</c> (plus a machine <c>code</c>, such as
/// <c>API_KEY_READ_ONLY</c>), and announces limits with <c>RateLimit-Remaining</c>/<c>RateLimit-Reset</c>.
/// </summary>
public sealed class MindSwarmDialect : Dialect
{
    private static readonly JsonSerializerOptions Options = CreateJson(JsonNamingPolicy.CamelCase);

    public override string Name => MindSwarmApi.Name;

    public override string Title => "MindSwarm API";

    public override JsonSerializerOptions Json => Options;

    public override RateLimitHeaderStyle RateLimitHeaders => RateLimitHeaderStyle.IetfDraft;

    /// <summary><see cref="MindSwarmEnvelope{T}"/>: <c>{success: true, data}</c>.</summary>
    public override Type? SuccessEnvelope => typeof(MindSwarmEnvelope<>);

    public override (string Code, int Status) Describe(ProblemKind kind) => kind switch
    {
        ProblemKind.MalformedBody or ProblemKind.Validation => ("VALIDATION_ERROR", 400),
        _ => StandardCodes.Describe(kind),
    };

    protected override object ErrorBody(HttpContext context, Problem problem, string code, int status) =>
        problem.Errors is { Count: > 0 } errors
            ? new { success = false, error = problem.Message, code, errors = errors.Select(e => new { field = e.Field, message = e.Message }) }
            : problem.Details is StatusDetail detail
                ? new { success = false, error = problem.Message, code, status = detail.Status }
                : new { success = false, error = problem.Message, code };

    /// <summary><c>{success: true, data}</c>.</summary>
    public IResult Ok(object? data, int status = StatusCodes.Status200OK) => Json200(new { success = true, data }, status);
}

/// <summary>A problem's detail naming the resource's current status, sent as the error's <c>status</c> (an ad refused in its state).</summary>
internal sealed record StatusDetail(string Status);

/// <summary>Every success answer: <c>{success: true, data}</c>.</summary>
internal sealed record MindSwarmEnvelope<T>(bool Success, T Data);
