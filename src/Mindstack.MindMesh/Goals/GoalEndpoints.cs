using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Mindstack.MindMesh.Runs;
using Mindstack.MindMesh.Storage;
using Mindstack.MindMesh.Tenants;
using Mindstack.Platform.Http;
using Mindstack.Platform.Limits;
using Mindstack.Platform.Storage;
using P = Mindstack.MindMesh.MindMeshApi.Permissions;

namespace Mindstack.MindMesh.Goals;

internal static class GoalEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/goals", ListAsync).Needs(P.ReadGoals).WithName("MindMeshListGoals")
            .WithSummary("List goals; page, size (max 100), status, priority, search, autonomy_level, sort_by (created_at, updated_at, priority, due_date, status), sort_order (asc, desc)")
            .ProducesPage<GoalView>();
        api.MapPost("/goals", CreateAsync).Needs(P.WriteGoals).WithName("MindMeshCreateGoal").WithSummary("Create a goal (status draft)")
            .Produces<GoalView>(StatusCodes.Status201Created);
        api.MapGet("/goals/{goal_id}", GetAsync).Needs(P.ReadGoals).WithName("MindMeshGetGoal")
            .WithSummary("A goal with its tasks and runs").Produces<GoalDetailView>();
        api.MapPut("/goals/{goal_id}", UpdateAsync).Needs(P.WriteGoals).WithName("MindMeshUpdateGoal")
            .WithSummary("Change a goal's text, priority, due date, estimates, autonomy level, constraints, metadata or status").Produces<GoalView>();
        api.MapDelete("/goals/{goal_id}", DeleteAsync).Needs(P.WriteGoals).WithName("MindMeshDeleteGoal")
            .WithSummary("Delete a goal, its tasks and finished runs (409 while a run is in progress)").Produces<MessageView>();
        api.MapPost("/goals/{goal_id}/start", StartAsync).Needs(P.WriteRuns).RateLimit(MindMeshApi.Limits.Ai, MindMeshModule.CallerKey)
            .WithName("MindMeshStartGoal").WithSummary("Start the goal: a run through the graph (intent_router … audit_logger)").Produces<StartView>();
    }

    private static async Task<IResult> ListAsync(HttpRequest request, Member member, MindstackDbContext db, MindMeshDialect dialect, CancellationToken ct)
    {
        var paging = Paging.Read(request);
        var query = db.Set<GoalRow>().AsNoTracking().Where(g => g.TenantId == member.TenantId);
        if (Paging.OneOf(request, "status", GoalRules.Statuses) is { } status)
        {
            query = query.Where(g => g.Status == status);
        }
        if (Paging.OneOf(request, "priority", GoalRules.Priorities) is { } priority)
        {
            query = query.Where(g => g.Priority == priority);
        }
        if (Paging.OneOf(request, "autonomy_level", GoalRules.AutonomyLevels) is { } level)
        {
            query = query.Where(g => g.AutonomyLevel == level);
        }
        if (request.Query["search"].ToString().Trim() is { Length: > 0 } search)
        {
            var needle = search.ToLowerInvariant();
            query = query.Where(g => g.Text.ToLower().Contains(needle));
        }
        var sortBy = Paging.OneOf(request, "sort_by", GoalRules.SortFields) ?? "created_at";
        var descending = (Paging.OneOf(request, "sort_order", ["asc", "desc"]) ?? "desc") == "desc";
        IOrderedQueryable<GoalRow> ordered = (sortBy, descending) switch
        {
            ("updated_at", false) => query.OrderBy(g => g.UpdatedAt),
            ("updated_at", true) => query.OrderByDescending(g => g.UpdatedAt),
            ("due_date", false) => query.OrderBy(g => g.DueDate),
            ("due_date", true) => query.OrderByDescending(g => g.DueDate),
            ("status", false) => query.OrderBy(g => g.Status),
            ("status", true) => query.OrderByDescending(g => g.Status),
            // By rank, not by name: low < medium < high < urgent.
            ("priority", false) => query.OrderBy(g => g.Priority == "low" ? 0 : g.Priority == "medium" ? 1 : g.Priority == "high" ? 2 : 3),
            ("priority", true) => query.OrderByDescending(g => g.Priority == "low" ? 0 : g.Priority == "medium" ? 1 : g.Priority == "high" ? 2 : 3),
            (_, false) => query.OrderBy(g => g.CreatedAt),
            _ => query.OrderByDescending(g => g.CreatedAt),
        };
        ordered = descending ? ordered.ThenByDescending(g => g.Id) : ordered.ThenBy(g => g.Id);
        var total = await query.CountAsync(ct);
        var goals = await ordered.Skip(paging.Offset).Take(paging.Limit).ToListAsync(ct);
        var ids = goals.Select(g => g.Id).ToList();
        var tasks = await db.Set<TaskRow>().AsNoTracking().Where(t => ids.Contains(t.GoalId)).OrderBy(t => t.Position).ToListAsync(ct);
        return dialect.Page(goals.Select(g => GoalViews.Of(g, tasks.Where(t => t.GoalId == g.Id)
            .Select(t => new TaskSummaryView(t.Id, t.Title, t.Status, t.Priority)).ToList())).ToList(), paging, total);
    }

    private static async Task<IResult> CreateAsync(Body<GoalRequest> body, Member member, GoalService goals, MindMeshDialect dialect, CancellationToken ct) =>
        dialect.Ok(GoalViews.Of(await goals.CreateAsync(member, body.Value, ct), null), StatusCodes.Status201Created);

    private static async Task<IResult> GetAsync(string goal_id, Member member, GoalService goals, MindstackDbContext db, MindMeshDialect dialect,
        CancellationToken ct)
    {
        var goal = await goals.GetAsync(member, goal_id, ct);
        var tasks = await db.Set<TaskRow>().AsNoTracking().Where(t => t.GoalId == goal.Id).OrderBy(t => t.Position).ToListAsync(ct);
        var runs = await db.Set<RunRow>().AsNoTracking().Where(r => r.GoalId == goal.Id).OrderByDescending(r => r.CreatedAt).ToListAsync(ct);
        return dialect.Ok(GoalViews.Detail(goal, tasks, runs));
    }

    private static async Task<IResult> UpdateAsync(string goal_id, Body<GoalRequest> body, Member member, GoalService goals, MindMeshDialect dialect,
        CancellationToken ct) =>
        dialect.Ok(GoalViews.Of(await goals.UpdateAsync(member, goal_id, body.Value, ct), null));

    private static async Task<IResult> DeleteAsync(string goal_id, Member member, GoalService goals, MindMeshDialect dialect, CancellationToken ct)
    {
        await goals.DeleteAsync(member, goal_id, ct);
        return dialect.Message("Goal deleted successfully");
    }

    private static async Task<IResult> StartAsync(string goal_id, Member member, RunService runs, MindMeshDialect dialect, CancellationToken ct)
    {
        var run = await runs.StartAsync(member, goal_id, ct);
        return dialect.Ok(new StartView(run.Id, "Goal execution started"));
    }
}
