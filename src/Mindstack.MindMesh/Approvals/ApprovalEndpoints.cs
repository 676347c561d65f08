using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Mindstack.MindMesh.Goals;
using Mindstack.MindMesh.Runs;
using Mindstack.MindMesh.Storage;
using Mindstack.MindMesh.Tenants;
using Mindstack.Platform.Http;
using Mindstack.Platform.Storage;
using P = Mindstack.MindMesh.MindMeshApi.Permissions;

namespace Mindstack.MindMesh.Approvals;

internal sealed record ApprovalView(string Id, string RunId, string? DecidedBy, JsonElement Payload, string State, string? Decision, string? Comments,
    DateTime Deadline, DateTime CreatedAt, DateTime? DecidedAt, DateTime UpdatedAt);

internal sealed record ApprovalRunView(string Id, string GoalId, string Status);

internal sealed record ApprovalDetailView(string Id, string RunId, string? DecidedBy, JsonElement Payload, string State, string? Decision,
    string? Comments, DateTime Deadline, DateTime CreatedAt, DateTime? DecidedAt, DateTime UpdatedAt, ApprovalRunView? Run);

internal static class ApprovalEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/approvals", ListAsync).Needs(P.ReadRuns).WithName("MindMeshListApprovals")
            .WithSummary("List approvals; page, size (max 100), state (pending, approved, rejected, edited), run_id").ProducesPage<ApprovalView>();
        api.MapGet("/approvals/{approval_id}", GetAsync).Needs(P.ReadRuns).WithName("MindMeshGetApproval")
            .WithSummary("An approval with its run").Produces<ApprovalDetailView>();
        api.MapPost("/approvals/{approval_id}", DecideAsync).Needs(P.ApproveActions).WithName("MindMeshDecideApproval")
            .WithSummary("Decide: approve, reject, or edit (with payload: the edited action); a second decision is 409").Produces<MessageView>();
    }

    private static ApprovalView View(ApprovalRow a) => new(a.Id, a.RunId, a.DecidedBy, GoalViews.Json(a.PayloadJson), a.State, a.Decision, a.Comments,
        a.Deadline, a.CreatedAt, a.DecidedAt, a.UpdatedAt);

    private static async Task<IResult> ListAsync(HttpRequest request, Member member, MindstackDbContext db, MindMeshDialect dialect, CancellationToken ct)
    {
        var paging = Paging.Read(request);
        var query = db.Set<ApprovalRow>().AsNoTracking().Where(a => a.TenantId == member.TenantId);
        if (Paging.OneOf(request, "state", ApprovalStates.All) is { } state)
        {
            query = query.Where(a => a.State == state);
        }
        if (request.Query["run_id"].ToString().Trim() is { Length: > 0 } runId)
        {
            query = query.Where(a => a.RunId == runId);
        }
        var total = await query.CountAsync(ct);
        var rows = await query.OrderByDescending(a => a.CreatedAt).ThenBy(a => a.Id).Skip(paging.Offset).Take(paging.Limit).ToListAsync(ct);
        return dialect.Page(rows.Select(View).ToList(), paging, total);
    }

    private static async Task<IResult> GetAsync(string approval_id, Member member, MindstackDbContext db, MindMeshDialect dialect, CancellationToken ct)
    {
        var a = await db.Set<ApprovalRow>().AsNoTracking().FirstOrDefaultAsync(x => x.Id == approval_id && x.TenantId == member.TenantId, ct)
            ?? throw Problem.NotFound("Approval not found");
        var run = await db.Set<RunRow>().AsNoTracking().FirstOrDefaultAsync(r => r.Id == a.RunId, ct);
        return dialect.Ok(new ApprovalDetailView(a.Id, a.RunId, a.DecidedBy, GoalViews.Json(a.PayloadJson), a.State, a.Decision, a.Comments, a.Deadline,
            a.CreatedAt, a.DecidedAt, a.UpdatedAt, run is null ? null : new ApprovalRunView(run.Id, run.GoalId, run.Status)));
    }

    private static async Task<IResult> DecideAsync(string approval_id, Body<DecisionRequest> body, Member member, ApprovalService approvals,
        MindMeshDialect dialect, CancellationToken ct)
    {
        await approvals.DecideAsync(member, approval_id, body.Value, ct);
        return dialect.Message("Approval decision submitted successfully");
    }
}
