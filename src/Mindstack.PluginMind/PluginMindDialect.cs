using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Mindstack.Platform.Http;

namespace Mindstack.PluginMind;

/// <summary>
/// PluginMind speaks snake_case JSON with errors as
/// <c>{"error": {message, code, correlation_id}}</c>; the correlation id is the request id, a
/// UUID when the client sent none.
/// </summary>
public sealed class PluginMindDialect : Dialect
{
    private static readonly JsonSerializerOptions Options = CreateJson(JsonNamingPolicy.SnakeCaseLower);

    public override string Name => PluginMindApi.Name;

    public override string Title => "PluginMind API";

    public override JsonSerializerOptions Json => Options;

    public override string NewRequestId() => Guid.NewGuid().ToString();

    public override (string Code, int Status) Describe(ProblemKind kind) => kind switch
    {
        ProblemKind.BadRequest => ("INVALID_INPUT", 400),
        ProblemKind.MalformedBody or ProblemKind.Validation => ("INVALID_INPUT", 422),
        ProblemKind.Unauthorized or ProblemKind.TokenExpired => ("AUTHENTICATION_FAILED", 401),
        ProblemKind.PaymentRequired => ("HTTP_EXCEPTION", 402),
        ProblemKind.Forbidden => ("HTTP_EXCEPTION", 403),
        ProblemKind.NotFound or ProblemKind.RouteNotFound => ("HTTP_EXCEPTION", 404),
        ProblemKind.MethodNotAllowed => ("HTTP_EXCEPTION", 405),
        ProblemKind.Conflict => ("HTTP_EXCEPTION", 409),
        ProblemKind.UnsupportedMediaType => ("HTTP_EXCEPTION", 415),
        ProblemKind.UpstreamFailed => ("AI_SERVICE_ERROR", 502),
        _ => StandardCodes.Describe(kind),
    };

    protected override object ErrorBody(HttpContext context, Problem problem, string code, int status)
    {
        // Validation keeps the original's fixed message; the field errors ride along as details.
        var message = problem.Kind is ProblemKind.Validation or ProblemKind.MalformedBody && problem.Code is null
            ? "Invalid request payload."
            : problem.Message;
        object error = problem switch
        {
            { Errors: { Count: > 0 } errors } =>
                new { message, code, correlation_id = RequestId(context), details = errors.Select(e => new { field = e.Field, message = e.Message }) },
            // Only PluginMind's own structured details are shown; another problem's details stay private.
            { Details: NotReadyDetails notReady } => new { message, code, correlation_id = RequestId(context), details = notReady },
            _ => new { message, code, correlation_id = RequestId(context) },
        };
        return new { error };
    }
}
