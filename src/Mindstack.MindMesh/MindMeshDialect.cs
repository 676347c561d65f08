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

    /// <summary>A page: <see cref="MindMeshPage{T}"/>.</summary>
    public override Type? PageEnvelope => typeof(MindMeshPage<>);

    /// <summary>A value as it is (the document frames nothing).</summary>
    public IResult Ok(object value, int status = StatusCodes.Status200OK) => Json200(value, status);

    /// <summary><c>{"message": …}</c>, the document's answer to actions.</summary>
    public IResult Message(string message, int status = StatusCodes.Status200OK) => Json200(new MessageView(message), status);

    /// <summary>A page of a list: <c>{items, total, page, size, pages}</c>.</summary>
    public IResult Page<T>(IReadOnlyList<T> items, PageRequest paging, int total) =>
        Json200(new MindMeshPage<T>(items, total, paging.Page, paging.Limit, total == 0 ? 0 : (int)Math.Ceiling(total / (double)paging.Limit)));

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

/// <summary>A page of a list as MindMesh frames it (and its OpenAPI document describes it).</summary>
internal sealed record MindMeshPage<T>(IReadOnlyList<T> Items, int Total, int Page, int Size, int Pages);

/// <summary>The document's answer to an action: <c>{"message": …}</c>.</summary>
internal sealed record MessageView(string Message);
