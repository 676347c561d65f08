using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Mindstack.MindMesh.Storage;
using Mindstack.MindMesh.Tenants;
using Mindstack.Platform.Access;
using Mindstack.Platform.Http;
using Mindstack.Platform.Observability;
using Mindstack.Platform.Storage;

namespace Mindstack.MindMesh.Operations;

internal sealed record HealthView(string Status, DateTime Timestamp, string Version, IReadOnlyDictionary<string, string> Services);

internal sealed record MetricsView(int RequestsPerMinute, double AverageResponseTime, double ErrorRate, int ActiveUsers, int TotalGoals, int TotalRuns,
    double AiCostToday);

/// <summary>This node's MindMesh requests of the last 15 minutes: what <c>/metrics</c> reports.</summary>
internal sealed class RequestStats(TimeProvider clock)
{
    private static readonly TimeSpan Keep = TimeSpan.FromMinutes(15);
    private readonly ConcurrentQueue<(DateTime At, double Milliseconds, int Status, string? AccountId)> _requests = new();

    public void Record(double milliseconds, int status, string? accountId)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        _requests.Enqueue((now, milliseconds, status, accountId));
        while (_requests.TryPeek(out var oldest) && oldest.At < now - Keep)
        {
            _requests.TryDequeue(out _);
        }
    }

    /// <summary>Requests and their average time and error share over the last minute; accounts seen over the last 15.</summary>
    public (int Count, double AverageMs, double ErrorRate, IReadOnlySet<string> Accounts) Snapshot()
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var all = _requests.ToArray().Where(r => r.At >= now - Keep).ToList();
        var minute = all.Where(r => r.At >= now.AddMinutes(-1)).ToList();
        return (minute.Count,
            minute.Count == 0 ? 0 : Math.Round(minute.Average(r => r.Milliseconds), 2),
            minute.Count == 0 ? 0 : Math.Round(minute.Count(r => r.Status >= 400) / (double)minute.Count, 4),
            all.Select(r => r.AccountId).OfType<string>().ToHashSet(StringComparer.Ordinal));
    }

    /// <summary>Times every request of the group and records its status (a raised problem by the status the Dialect gives it).</summary>
    public static async ValueTask<object?> Filter(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next)
    {
        var context = invocation.HttpContext;
        var stats = context.RequestServices.GetService(typeof(RequestStats)) as RequestStats;
        var watch = Stopwatch.StartNew();
        try
        {
            var result = await next(invocation);
            stats?.Record(watch.Elapsed.TotalMilliseconds, result is IStatusCodeHttpResult { StatusCode: { } code } ? code : 200, context.PeekCaller()?.AccountId);
            return result;
        }
        catch (Problem problem)
        {
            var status = context.RequestServices.GetService(typeof(MindMeshDialect)) is MindMeshDialect dialect
                ? problem.Status ?? dialect.Describe(problem.Kind).Status
                : 500;
            stats?.Record(watch.Elapsed.TotalMilliseconds, status, context.PeekCaller()?.AccountId);
            throw;
        }
    }
}

internal static class OperationsEndpoints
{
    public static void MapHealth(RouteGroupBuilder api) =>
        api.MapGet("/health", HealthAsync).WithName("MindMeshHealth").WithSummary("System health: the database and the AI engine (provider and model of each operation)")
            .Produces<HealthView>();

    public static void MapMetrics(RouteGroupBuilder api) =>
        api.MapGet("/metrics", MetricsAsync).WithName("MindMeshMetrics")
            .WithSummary("Figures: this node's requests per minute, average response time (ms) and error rate over the last minute; users active in the last 15 minutes; the tenant's goals, runs and AI cost today")
            .Produces<MetricsView>();

    private static async Task<IResult> HealthAsync(HealthService health, MindMeshDialect dialect, CancellationToken ct)
    {
        var snapshot = await health.SnapshotAsync(ct);
        return dialect.Json200(new HealthView(snapshot.Healthy ? "healthy" : "unhealthy", snapshot.Timestamp, snapshot.Version, snapshot.ServiceStates),
            snapshot.Healthy ? 200 : 503);
    }

    private static async Task<IResult> MetricsAsync(Member member, RequestStats stats, MindstackDbContext db, TimeProvider clock, MindMeshDialect dialect,
        CancellationToken ct)
    {
        var (count, average, errors, accounts) = stats.Snapshot();
        var members = await db.Set<MemberRow>().AsNoTracking().Where(m => m.TenantId == member.TenantId).Select(m => m.AccountId).ToListAsync(ct);
        var today = clock.GetUtcNow().UtcDateTime.Date;
        var goals = await db.Set<GoalRow>().CountAsync(g => g.TenantId == member.TenantId, ct);
        var runs = await db.Set<RunRow>().CountAsync(r => r.TenantId == member.TenantId, ct);
        var costs = await db.Set<RunRow>().Where(r => r.TenantId == member.TenantId && r.UpdatedAt >= today).Select(r => r.Cost).ToListAsync(ct);
        return dialect.Ok(new MetricsView(count, average, errors, members.Count(accounts.Contains), goals, runs, Math.Round(costs.Sum(), 6)));
    }
}
