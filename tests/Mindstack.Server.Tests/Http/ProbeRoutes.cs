using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Mindstack.Platform.Http;
using Mindstack.Platform.Storage;

namespace Mindstack.Platform.Tests.Http;

/// <summary>
/// A test-only route group under each API's base path: it reads a JSON body with the API's
/// binder, raises problems and throws, so the Dialect's rendering is seen over HTTP.
/// </summary>
public sealed class ProbeRoutes : IEndpointContributor
{
    public static readonly string[] BasePaths = ["/mindpeeker/v1", "/mindra", "/pluginmind", "/mindswarm/api", "/mindmesh"];

    public sealed record EchoRequest(string? Text, EchoOptions? Options = null);

    public sealed record EchoOptions(int Count);

    public void Map(IEndpointRouteBuilder routes)
    {
        foreach (var basePath in BasePaths)
        {
            var group = routes.MapGroup(basePath + "/__probe").ExcludeFromDescription();
            group.MapPost("/echo", (Body<EchoRequest> body) => Results.Json(new { text = body.Value.Text }));
            group.MapGet("/protected", () => Results.Json(new { ok = true }))
                .AddEndpointFilter((context, next) => context.HttpContext.Request.Headers.Authorization.Count == 0
                    ? throw Problem.Unauthorized("Authentication required")
                    : next(context));
            group.MapGet("/crash", IResult () => throw new InvalidOperationException("secret internal detail"));
            // Hands a query-string value to the database as it is (no body rule sees it).
            group.MapGet("/store", async (string text, MindstackDbContext db) =>
                Results.Json(new { text = await db.Database.SqlQuery<string>($"SELECT {text} AS \"Value\"").SingleAsync() }));
            // A query parameter bound by the framework: a value that is not an int is the caller's mistake.
            group.MapGet("/paged", (int? limit) => Results.Json(new { limit }));
            group.MapGet("/invalid", IResult () => throw Problem.Invalid("email", "Invalid email format"));
        }
    }
}
