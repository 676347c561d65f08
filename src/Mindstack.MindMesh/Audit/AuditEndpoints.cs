using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Mindstack.MindMesh.Goals;
using Mindstack.MindMesh.Storage;
using Mindstack.MindMesh.Tenants;
using Mindstack.Platform.Http;
using Mindstack.Platform.Storage;
using P = Mindstack.MindMesh.MindMeshApi.Permissions;

namespace Mindstack.MindMesh.Audit;

internal sealed record AuditLogView(string Id, string TenantId, string? UserId, string Action, string ResourceType, string? ResourceId,
    JsonElement Details, string? IpAddress, string? UserAgent, bool Success, string? ErrorMessage, DateTime CreatedAt);

internal sealed record RunTrailEntryView(DateTime Timestamp, string? Node, string Action, JsonElement Details);

internal sealed record RunTrailView(string RunId, IReadOnlyList<RunTrailEntryView> Logs);

internal static class AuditEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/audit/logs", ListAsync).Needs(P.ReadAudit).WithName("MindMeshAuditLogs")
            .WithSummary("The tenant's audit log; page, size (max 100), user_id, action (a trailing * matches a prefix), resource_type, success, date_from, date_to")
            .ProducesPage<AuditLogView>();
        api.MapGet("/audit/{run_id}", RunTrailAsync).Needs(P.ReadAudit).WithName("MindMeshRunAudit")
            .WithSummary("A run's trail: each node's action with its input, output, cost, latency and model, and the decisions on its approvals")
            .Produces<RunTrailView>();
    }

    private static async Task<IResult> ListAsync(HttpRequest request, Member member, MindstackDbContext db, MindMeshDialect dialect, CancellationToken ct)
    {
        var paging = Paging.Read(request);
        var query = db.Set<AuditRow>().AsNoTracking().Where(a => a.TenantId == member.TenantId);
        if (request.Query["user_id"].ToString().Trim() is { Length: > 0 } userId)
        {
            query = query.Where(a => a.UserId == userId);
        }
        if (request.Query["action"].ToString().Trim() is { Length: > 0 } action)
        {
            query = action.EndsWith('*') ? query.Where(a => a.Action.StartsWith(action.TrimEnd('*'))) : query.Where(a => a.Action == action);
        }
        if (request.Query["resource_type"].ToString().Trim() is { Length: > 0 } resourceType)
        {
            query = query.Where(a => a.ResourceType == resourceType);
        }
        if (Paging.Bool(request, "success") is { } success)
        {
            query = query.Where(a => a.Success == success);
        }
        if (Query.Date(request.Query["date_from"], "date_from") is { } from)
        {
            query = query.Where(a => a.CreatedAt >= from);
        }
        if (Query.Date(request.Query["date_to"], "date_to", endOfDay: true) is { } to)
        {
            query = query.Where(a => a.CreatedAt <= to);
        }
        var total = await query.CountAsync(ct);
        var rows = await query.OrderByDescending(a => a.CreatedAt).ThenByDescending(a => a.Sequence).ThenByDescending(a => a.Id)
            .Skip(paging.Offset).Take(paging.Limit).ToListAsync(ct);
        return dialect.Page(rows.Select(a => new AuditLogView(a.Id, a.TenantId, a.UserId, a.Action, a.ResourceType, a.ResourceId,
            GoalViews.Json(a.DetailsJson), a.IpAddress, a.UserAgent, a.Success, a.ErrorMessage, a.CreatedAt)).ToList(), paging, total);
    }

    private static async Task<IResult> RunTrailAsync(string run_id, Member member, MindstackDbContext db, MindMeshDialect dialect, CancellationToken ct)
    {
        if (!await db.Set<RunRow>().AnyAsync(r => r.Id == run_id && r.TenantId == member.TenantId, ct))
        {
            throw Problem.NotFound("Run not found");
        }
        var rows = await db.Set<AuditRow>().AsNoTracking().Where(a => a.RunId == run_id && a.TenantId == member.TenantId)
            .OrderBy(a => a.CreatedAt).ThenBy(a => a.Sequence).ThenBy(a => a.Id).ToListAsync(ct);
        return dialect.Ok(new RunTrailView(run_id, rows.Select(a => new RunTrailEntryView(a.CreatedAt, a.Node, a.Action, GoalViews.Json(a.DetailsJson))).ToList()));
    }
}
