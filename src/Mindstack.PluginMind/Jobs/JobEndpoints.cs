using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Mindstack.Platform.Http;
using Mindstack.PluginMind.Auth;
using Mindstack.PluginMind.Processing;
using Mindstack.PluginMind.Usage;

namespace Mindstack.PluginMind.Jobs;

/// <summary>
/// <c>/analyze-async</c> (no session needed: the job id is the capability; a signed-in caller owns
/// the job and is charged one query) and <c>/jobs</c> (session required: the caller's jobs, an
/// admin's all — the original left these open to anyone).
/// </summary>
internal static class JobEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapPost("/analyze-async", Create).WithSummary("Queue an analysis as a background job (same body as /process; no session needed)");
        api.MapGet("/analyze-async/{job_id}", Get).WithSummary("A background job's status and, once done, its result");
        api.MapGet("/jobs", List).WithSummary("The caller's background jobs (an admin's: everyone's), newest first");
        api.MapDelete("/jobs/{job_id}", Delete).WithSummary("Delete one of the caller's background jobs");
    }

    private static async Task<IResult> Create(Body<AnalysisRequest> body, HttpContext context, AnalysisJobs jobs, ChargedAnalysis charging,
        UsageMeter usage, PluginMindDialect dialect, CancellationToken ct)
    {
        var caller = await PluginMindSession.GetAsync(context);
        var (input, type) = body.Value.Validate();
        string? period = null;
        if (caller is not null)
        {
            await ProcessingEndpoints.LimitPerUserAsync(context, caller);
            period = await charging.ReserveAsync(caller.AccountId, caller.Tier, input, type, ct);
        }
        AnalysisJob job;
        try
        {
            job = await jobs.CreateAsync(caller?.AccountId, input, type, period, ct);
        }
        catch when (caller is not null && period is not null)
        {
            await usage.ReleaseAsync(caller.AccountId, period, CancellationToken.None);
            throw;
        }
        return dialect.Json200(new
        {
            job_id = job.Id,
            status = job.Status,
            created_at = Utc(job.CreatedAt),
            message = $"Analysis job queued. Poll GET {Link(context, "/analyze-async/" + job.Id)} for its result.",
        });
    }

    private static async Task<IResult> Get(string job_id, AnalysisJobs jobs, PluginMindDialect dialect, CancellationToken ct)
    {
        var job = await jobs.FindAsync(job_id, ct) ?? throw NotFound(job_id);
        return dialect.Json200(new
        {
            job_id = job.Id,
            status = job.Status,
            analysis_type = job.AnalysisType,
            created_at = Utc(job.CreatedAt),
            completed_at = job.CompletedAt is { } done ? Utc(done) : (DateTime?)null,
            optimized_prompt = job.OptimizedPrompt,
            analysis = job.Analysis,
            error = job.Error,
        });
    }

    private static async Task<IResult> List(HttpContext context, AnalysisJobs jobs, PluginMindDialect dialect, CancellationToken ct,
        string? limit = null)
    {
        var caller = await PluginMindSession.RequireAsync(context);
        var take = Query.Int(limit, "limit", 100, 1, 1000);
        var (total, rows) = await jobs.ListAsync(caller.IsAdmin() ? null : caller.AccountId, take, ct);
        return dialect.Json200(new
        {
            total_jobs = total,
            jobs = rows.ToDictionary(j => j.Id, j => new
            {
                status = j.Status,
                analysis_type = j.AnalysisType,
                created_at = Utc(j.CreatedAt),
                completed_at = j.CompletedAt is { } done ? Utc(done) : (DateTime?)null,
                user_id = j.AccountId,
                has_error = j.Error is not null,
            }),
        });
    }

    private static async Task<IResult> Delete(string job_id, HttpContext context, AnalysisJobs jobs, PluginMindDialect dialect,
        CancellationToken ct)
    {
        var caller = await PluginMindSession.RequireAsync(context);
        var job = await jobs.FindAsync(job_id, ct);
        // Someone else's job is answered as missing: its existence is not the caller's business.
        if (job is null || (!caller.IsAdmin() && job.AccountId != caller.AccountId) || !await jobs.DeleteAsync(job, ct))
        {
            throw NotFound(job_id);
        }
        return dialect.Json200(new { message = $"Job {job_id} deleted successfully" });
    }

    private static Problem NotFound(string id) => Problem.NotFound($"Job {id} not found", "JOB_NOT_FOUND");

    private static DateTime Utc(DateTime value) => DateTime.SpecifyKind(value, DateTimeKind.Utc);

    private static string Link(HttpContext context, string path) =>
        context.Api() is { OnOwnPort: false } api ? api.Mount.BasePath + path : path;
}
