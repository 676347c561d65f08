using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Mindstack.Mindra.Auth;
using Mindstack.Mindra.Orchestration;
using Mindstack.Mindra.Storage;
using Mindstack.Platform.Access;
using Mindstack.Platform.Http;
using Mindstack.Platform.Limits;
using Mindstack.Platform.Storage;

namespace Mindstack.Mindra.Executions;

internal static class ExecutionEndpoints
{
    public static void Map(RouteGroupBuilder v1)
    {
        v1.MapGet("/executions", List).RequirePermission(MindraPermissions.ExecutionsRead)
            .WithName("MindraListExecutions")
            .WithSummary("List executions; page, limit (max 100), status, vertical, startDate, endDate, sort=field|-field")
            .ProducesPage<ExecutionView>();
        v1.MapGet("/executions/{id}", Get).RequirePermission(MindraPermissions.ExecutionsRead)
            .WithName("MindraGetExecution").WithSummary("Get an execution with its steps, result, cost and timings")
            .ProducesEnvelope<ExecutionView>();
        v1.MapPost("/executions/{id}/cancel", Cancel).RequirePermission(MindraPermissions.Orchestrate).Idempotent(MindraCallers.Scope)
            .WithName("MindraCancelExecution").WithSummary("Cancel a pending or running execution, releasing what was not spent")
            .ProducesEnvelope<ExecutionView>();
    }

    private static readonly string[] SortFields = ["createdAt", "updatedAt", "completedAt", "status", "cost"];

    private static async Task<IResult> List(HttpRequest request, Caller caller, MindstackDbContext db, MindraDialect dialect, CancellationToken ct)
    {
        var paging = Query.Pages(request, defaultLimit: 20, maxLimit: 100);
        var query = db.Set<ExecutionRow>().AsNoTracking().Where(e => e.AccountId == caller.AccountId && e.Sandbox == caller.Sandbox);
        var status = request.Query["status"].ToString();
        if (status.Length > 0)
        {
            var wanted = status.ToUpperInvariant();
            if (!ExecutionStatus.All.Contains(wanted, StringComparer.Ordinal))
            {
                throw Problem.Invalid("status", $"status must be one of {string.Join(", ", ExecutionStatus.All)}");
            }
            query = query.Where(e => e.Status == wanted);
        }
        var vertical = request.Query["vertical"].ToString().ToLowerInvariant();
        if (vertical.Length > 0)
        {
            // Any of the execution's agents' verticals; a bar in the value matches none.
            var needle = ExecutionVerticals.Needle(vertical.Replace("|", "", StringComparison.Ordinal));
            query = query.Where(e => e.Verticals.Contains(needle));
        }
        if (Query.Date(request.Query["startDate"], "startDate", endOfDay: false) is { } start)
        {
            query = query.Where(e => e.CreatedAt >= start);
        }
        if (Query.Date(request.Query["endDate"], "endDate", endOfDay: true) is { } end)
        {
            query = query.Where(e => e.CreatedAt <= end);
        }
        var sort = request.Query["sort"].ToString();
        var descending = sort.StartsWith('-');
        var field = sort.TrimStart('-', '+');
        if (field.Length == 0)
        {
            (field, descending) = ("createdAt", true);
        }
        if (!SortFields.Contains(field, StringComparer.Ordinal))
        {
            throw Problem.Invalid("sort", $"sort must be one of {string.Join(", ", SortFields)}, optionally prefixed with -");
        }
        IOrderedQueryable<ExecutionRow> ordered = (field, descending) switch
        {
            ("createdAt", false) => query.OrderBy(e => e.CreatedAt),
            ("createdAt", true) => query.OrderByDescending(e => e.CreatedAt),
            ("updatedAt", false) => query.OrderBy(e => e.UpdatedAt),
            ("updatedAt", true) => query.OrderByDescending(e => e.UpdatedAt),
            ("completedAt", false) => query.OrderBy(e => e.CompletedAt),
            ("completedAt", true) => query.OrderByDescending(e => e.CompletedAt),
            ("status", false) => query.OrderBy(e => e.Status),
            ("status", true) => query.OrderByDescending(e => e.Status),
            ("cost", false) => query.OrderBy(e => e.CostCents),
            _ => query.OrderByDescending(e => e.CostCents),
        };
        ordered = descending ? ordered.ThenByDescending(e => e.Id) : ordered.ThenBy(e => e.Id);
        var total = await query.CountAsync(ct);
        var rows = await ordered.Skip(paging.Offset).Take(paging.Limit).ToListAsync(ct);
        return dialect.Page(rows.Select(r => ExecutionViews.Of(r, null)).ToList(), paging, total);
    }

    private static async Task<IResult> Get(string id, Caller caller, Orchestrator orchestrator, MindstackDbContext db, MindraDialect dialect,
        CancellationToken ct)
    {
        var row = await orchestrator.Find(caller.Owner(), id).AsNoTracking().FirstOrDefaultAsync(ct)
            ?? throw Problem.NotFound($"Execution '{id}' not found");
        var steps = await db.Set<ExecutionStepRow>().AsNoTracking().Where(s => s.ExecutionId == id).ToListAsync(ct);
        return dialect.Ok(ExecutionViews.Of(row, steps));
    }

    private static async Task<IResult> Cancel(string id, Caller caller, Orchestrator orchestrator, MindstackDbContext db, MindraDialect dialect,
        CancellationToken ct)
    {
        var row = await orchestrator.CancelAsync(caller.Owner(), id, ct);
        var steps = await db.Set<ExecutionStepRow>().AsNoTracking().Where(s => s.ExecutionId == id).ToListAsync(ct);
        return dialect.Ok(ExecutionViews.Of(row, steps));
    }
}
