using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Mindstack.Platform.Http;

namespace Mindstack.MindMesh;

/// <summary>
/// MindMesh speaks snake_case JSON with FastAPI-style errors <c>{detail}</c> (validation adds
/// <c>errors: [{field, message}]</c>, a server error adds <c>error_id</c>) and pages as
/// <c>{items, total, page, size, pages}</c>.
/// </summary>
public sealed class MindMeshDialect : Dialect
{
    private static readonly JsonSerializerOptions Options = CreateJson(JsonNamingPolicy.SnakeCaseLower);

    public override string Name => MindMeshApi.Name;

    public override string Title => "MindMesh API";

    public override JsonSerializerOptions Json => Options;

    public override (string Code, int Status) Describe(ProblemKind kind) => kind switch
    {
        ProblemKind.MalformedBody => ("VALIDATION_ERROR", 422),
        _ => StandardCodes.Describe(kind),
    };

    protected override object ErrorBody(HttpContext context, Problem problem, string code, int status)
    {
        if (problem.Errors is { Count: > 0 } errors)
        {
            return new
            {
                detail = status == 422 ? "Request validation failed" : "Validation error",
                errors = errors.Select(e => new { field = e.Field, message = e.Message }),
            };
        }
        if (problem.Kind == ProblemKind.MalformedBody)
        {
            return new { detail = "Request validation failed", errors = new[] { new { field = "body", message = problem.Message } } };
        }
        return status >= 500 && problem.Kind == ProblemKind.Internal
            ? new { detail = "Internal server error", error_id = "err_" + RequestId(context) }
            : new { detail = problem.Message };
    }
}
