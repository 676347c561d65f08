using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Mindstack.Platform.Http;
using Mindstack.Platform.Limits;
using Mindstack.Platform.Storage;

namespace Mindstack.Platform.Tests.Limits;

/// <summary>
/// Test-only routes under each API's base path (<c>…/__limits/…</c>): rate-limited GETs, and an
/// idempotent POST that counts its runs and can be told to be slow, to wait, to fail or to answer 5xx.
/// </summary>
public sealed class LimitsProbeRoutes : IEndpointContributor
{
    public static readonly string[] BasePaths = ["/mindpeeker/v1", "/mindra", "/pluginmind", "/mindswarm/api", "/mindmesh"];

    public static readonly RateLimitPolicy ThreePerMinute = new("probe.three", RateLimitWindow.PerMinute(3));
    public static readonly RateLimitPolicy MinuteAndDay = new("probe.minute-day", RateLimitWindow.PerMinute(3), RateLimitWindow.PerDay(5));
    public static readonly RateLimitPolicy General = new("probe.general", RateLimitWindow.PerMinute(10));
    public static readonly RateLimitPolicy Tight = new("probe.tight", RateLimitWindow.PerMinute(2));

    /// <summary>
    /// <paramref name="Name"/> names the run counter; <paramref name="DelayMs"/> keeps the run busy
    /// so concurrent retries overlap it; <paramref name="WaitForRelease"/> holds it until the test
    /// opens its gate; the first <paramref name="FailTimes"/> runs throw; <paramref name="Status"/>
    /// answers that status instead of 201.
    /// </summary>
    public sealed record ThingRequest(string Name, int DelayMs = 0, bool WaitForRelease = false, int FailTimes = 0, int? Status = null);

    private static string? KeyFromHeader(HttpContext context) => context.Request.Headers["X-Test-Key"].ToString() is { Length: > 0 } key ? key : null;

    private static string? ScopeFromHeader(HttpContext context) => context.Request.Headers["X-Test-Scope"].ToString() is { Length: > 0 } scope ? scope : null;

    public void Map(IEndpointRouteBuilder routes)
    {
        foreach (var basePath in BasePaths)
        {
            var group = routes.MapGroup(basePath + "/__limits").ExcludeFromDescription();
            group.MapGet("/limited", () => Results.Json(new { ok = true })).RateLimit(ThreePerMinute, KeyFromHeader);
            group.MapGet("/windows", () => Results.Json(new { ok = true })).RateLimit(MinuteAndDay, KeyFromHeader);
            group.MapGet("/by-address", () => Results.Json(new { ok = true })).RateLimit(ThreePerMinute);
            group.MapGet("/missing", IResult () => throw Problem.NotFound("Nothing here")).RateLimit(ThreePerMinute, KeyFromHeader);

            var stacked = group.MapGroup("/stacked").RateLimit(General, KeyFromHeader);
            stacked.MapGet("/tight", () => Results.Json(new { ok = true })).RateLimit(Tight, KeyFromHeader);

            var things = group.MapGroup("/things").Idempotent(ScopeFromHeader);
            things.MapPost("/", CreateThing);
        }
    }

    private static async Task<IResult> CreateThing(Body<ThingRequest> body, LimitsProbeState state, IIdGenerator ids, HttpContext context)
    {
        var request = body.Value;
        var run = state.Run(request.Name);
        if (request.DelayMs > 0)
        {
            await Task.Delay(request.DelayMs);
        }
        if (request.WaitForRelease)
        {
            state.Started(request.Name).TrySetResult();
            await state.Gate(request.Name).Task;
        }
        if (run <= request.FailTimes)
        {
            throw new InvalidOperationException("probe failure");
        }
        if (request.Status is { } status)
        {
            return context.Dialect().Json200(new { failed = true, run }, status);
        }
        var id = ids.New("thing");
        context.Response.Headers.Location = "/things/" + id;
        context.Response.Headers["X-Thing-Run"] = run.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return context.Dialect().Json200(new { id, name = request.Name, run }, StatusCodes.Status201Created);
    }
}
