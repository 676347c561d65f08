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

namespace Mindstack.MindMesh.Runs;

internal sealed record RunMetricsView(int TokensUsed, int ApiCalls, double? ExecutionTime);

internal sealed record RunView(string Id, string TenantId, string GoalId, string CreatedBy, string GraphVersion, string Status, string? CurrentNode,
    double Progress, JsonElement Checkpoints, JsonElement Artifacts, double Cost, RunMetricsView Metrics, string? ErrorMessage, DateTime? StartedAt,
    DateTime? CompletedAt, DateTime CreatedAt, DateTime UpdatedAt);

internal sealed record RunGoalView(string Id, string Text, string Status);

internal sealed record RunApprovalView(string Id, string State, JsonElement Payload, DateTime Deadline);

internal sealed record RunDetailView(string Id, string TenantId, string GoalId, string CreatedBy, string GraphVersion, string Status,
    string? CurrentNode, double Progress, JsonElement Checkpoints, JsonElement Artifacts, double Cost, RunMetricsView Metrics, string? ErrorMessage,
    DateTime? StartedAt, DateTime? CompletedAt, DateTime CreatedAt, DateTime UpdatedAt, RunGoalView? Goal, IReadOnlyList<RunApprovalView> Approvals);

internal static class RunViews
{
    public static RunMetricsView Metrics(RunRow r) => new(r.TokensUsed, r.ApiCalls,
        r.StartedAt is { } started ? Math.Round(((r.CompletedAt ?? r.UpdatedAt) - started).TotalSeconds, 3) : null);

    public static RunView Of(RunRow r) => new(r.Id, r.TenantId, r.GoalId, r.CreatedBy, r.GraphVersion, r.Status, r.CurrentNode, Graph.Progress(r),
        GoalViews.Json(r.CheckpointsJson), GoalViews.Json(r.ArtifactsJson), Math.Round(r.Cost, 6), Metrics(r), r.ErrorMessage, r.StartedAt,
        r.CompletedAt, r.CreatedAt, r.UpdatedAt);

    public static RunDetailView Detail(RunRow r, GoalRow? goal, IEnumerable<ApprovalRow> approvals) => new(r.Id, r.TenantId, r.GoalId, r.CreatedBy,
        r.GraphVersion, r.Status, r.CurrentNode, Graph.Progress(r), GoalViews.Json(r.CheckpointsJson), GoalViews.Json(r.ArtifactsJson),
        Math.Round(r.Cost, 6), Metrics(r), r.ErrorMessage, r.StartedAt, r.CompletedAt, r.CreatedAt, r.UpdatedAt,
        goal is null ? null : new RunGoalView(goal.Id, goal.Text, goal.Status),
        approvals.Select(a => new RunApprovalView(a.Id, a.State, GoalViews.Json(a.PayloadJson), a.Deadline)).ToList());
}

internal static class RunEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/runs", ListAsync).Needs(P.ReadRuns).WithName("MindMeshListRuns")
            .WithSummary("List runs; page, size (max 100), status (pending, running, paused, completed, failed, cancelled), goal_id, created_by")
            .ProducesPage<RunView>();
        api.MapGet("/runs/{run_id}", GetAsync).Needs(P.ReadRuns).WithName("MindMeshGetRun")
            .WithSummary("A run: status, current node, each node's checkpoint (input, result, cost, latency, model), its goal and approvals")
            .Produces<RunDetailView>();
        api.MapPost("/runs/{run_id}/pause", PauseAsync).Needs(P.WriteRuns).WithName("MindMeshPauseRun")
            .WithSummary("Pause at the next node boundary").Produces<MessageView>();
        api.MapPost("/runs/{run_id}/resume", ResumeAsync).Needs(P.WriteRuns).WithName("MindMeshResumeRun")
            .WithSummary("Resume a paused run from its current node").Produces<MessageView>();
        api.MapDelete("/runs/{run_id}", CancelAsync).Needs(P.WriteRuns).WithName("MindMeshCancelRun")
            .WithSummary("Cancel a run that has not ended").Produces<MessageView>();
    }

    private static async Task<IResult> ListAsync(HttpRequest request, Member member, MindstackDbContext db, MindMeshDialect dialect, CancellationToken ct)
    {
        var paging = Paging.Read(request);
        var query = db.Set<RunRow>().AsNoTracking().Where(r => r.TenantId == member.TenantId);
        if (Paging.OneOf(request, "status", RunStatus.All) is { } status)
        {
            query = query.Where(r => r.Status == status);
        }
        if (request.Query["goal_id"].ToString().Trim() is { Length: > 0 } goalId)
        {
            query = query.Where(r => r.GoalId == goalId);
        }
        if (request.Query["created_by"].ToString().Trim() is { Length: > 0 } createdBy)
        {
            query = query.Where(r => r.CreatedBy == createdBy);
        }
        var total = await query.CountAsync(ct);
        var rows = await query.OrderByDescending(r => r.CreatedAt).ThenByDescending(r => r.Id).Skip(paging.Offset).Take(paging.Limit).ToListAsync(ct);
        return dialect.Page(rows.Select(RunViews.Of).ToList(), paging, total);
    }

    private static async Task<IResult> GetAsync(string run_id, Member member, MindstackDbContext db, MindMeshDialect dialect, CancellationToken ct)
    {
        var run = await db.Set<RunRow>().AsNoTracking().FirstOrDefaultAsync(r => r.Id == run_id && r.TenantId == member.TenantId, ct)
            ?? throw Problem.NotFound("Run not found");
        var goal = await db.Set<GoalRow>().AsNoTracking().FirstOrDefaultAsync(g => g.Id == run.GoalId, ct);
        var approvals = await db.Set<ApprovalRow>().AsNoTracking().Where(a => a.RunId == run.Id).OrderBy(a => a.CreatedAt).ThenBy(a => a.Id).ToListAsync(ct);
        return dialect.Ok(RunViews.Detail(run, goal, approvals));
    }

    private static async Task<IResult> PauseAsync(string run_id, Member member, RunService runs, MindMeshDialect dialect, CancellationToken ct)
    {
        await runs.PauseAsync(member, run_id, ct);
        return dialect.Message("Run paused successfully");
    }

    private static async Task<IResult> ResumeAsync(string run_id, Member member, RunService runs, MindMeshDialect dialect, CancellationToken ct)
    {
        await runs.ResumeAsync(member, run_id, ct);
        return dialect.Message("Run resumed successfully");
    }

    private static async Task<IResult> CancelAsync(string run_id, Member member, RunService runs, MindMeshDialect dialect, CancellationToken ct)
    {
        await runs.CancelAsync(member, run_id, ct);
        return dialect.Message("Run cancelled successfully");
    }
}
