using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Mindstack.Platform.Http;
using Mindstack.Platform.Limits;
using Mindstack.PluginMind.Auth;
using Mindstack.PluginMind.Processing;
using Mindstack.PluginMind.Usage;

namespace Mindstack.PluginMind.Jobs;

/// <summary>
/// <c>/analyze-async</c> and <c>/jobs</c>. Without a session, <c>/analyze-async</c> queues a job
/// whose random id is the capability to read it, within a daily quota per client network
/// (<see cref="PluginMindOptions.AnonymousQueriesPerDay"/>). With one, the job is the caller's,
/// is charged one query of the month and rate-limited like <c>/process</c>, and is readable only
/// with that user's session (or an admin's). <c>/jobs</c> needs a session: the caller's jobs, an
/// admin's all (the original left these open to anyone).
/// </summary>
internal sealed record JobQueuedView(string JobId, string Status, DateTime CreatedAt, string Message);

internal sealed record JobView(string JobId, string Status, string AnalysisType, DateTime CreatedAt, DateTime? CompletedAt, string? OptimizedPrompt,
    string? Analysis, string? Error);

internal sealed record JobDeletedView(string Message);

internal static class JobEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapPost("/analyze-async", Create).WithSummary("Queue an analysis as a background job (same body as /process; no session needed)")
            .ProducesEnvelope<JobQueuedView>();
        api.MapGet("/analyze-async/{job_id}", Get).WithSummary("A background job's status and, once done, its result").ProducesEnvelope<JobView>();
        api.MapGet("/jobs", List).WithSummary("The caller's background jobs (an admin's: everyone's), newest first");
        api.MapDelete("/jobs/{job_id}", Delete).WithSummary("Delete one of the caller's background jobs").ProducesEnvelope<JobDeletedView>();
    }

    /// <summary>What queuing a job uses.</summary>
    internal sealed record CreateServices(AnalysisJobs Jobs, ChargedAnalysis Charging, UsageMeter Usage, AnonymousUsage Anonymous);

    private static async Task<IResult> Create(Body<AnalysisRequest> body, HttpContext context, [AsParameters] CreateServices services,
        PluginMindDialect dialect, CancellationToken ct)
    {
        var caller = await PluginMindSession.GetAsync(context);
        var (input, type) = body.Value.Validate();
        string? period = null;
        string? anonymousDay = null;
        var network = ClientAddress.NetworkOf(context);
        if (caller is not null)
        {
            await ProcessingEndpoints.LimitPerUserAsync(context, caller);
            period = await services.Charging.ReserveAsync(caller.AccountId, caller.Tier, input, type, ct);
        }
        else
        {
            anonymousDay = await services.Anonymous.ReserveAsync(network, ct);
        }
        AnalysisJob job;
        try
        {
            job = await services.Jobs.CreateAsync(caller?.AccountId, input, type, period, ct);
        }
        catch
        {
            if (caller is not null && period is not null)
            {
                await services.Usage.ReleaseAsync(caller.AccountId, period, CancellationToken.None);
            }
            if (anonymousDay is not null)
            {
                await services.Anonymous.ReleaseAsync(network, anonymousDay, CancellationToken.None);
            }
            throw;
        }
        return dialect.Json200(new JobQueuedView(job.Id, job.Status, Utc(job.CreatedAt),
            $"Analysis job queued. Poll GET {Link(context, "/analyze-async/" + job.Id)} for its result."));
    }

    private static async Task<IResult> Get(string job_id, HttpContext context, AnalysisJobs jobs, PluginMindDialect dialect, CancellationToken ct)
    {
        var job = await jobs.FindAsync(job_id, ct) ?? throw NotFound(job_id);
        if (job.AccountId is { } owner)
        {
            // A signed-in user's job is theirs alone: its id is no capability. Anyone else is told
            // it does not exist, as DELETE does.
            var caller = await PluginMindSession.GetAsync(context);
            if (caller is null || (caller.AccountId != owner && !caller.IsAdmin()))
            {
                throw NotFound(job_id);
            }
        }
        return dialect.Json200(new JobView(job.Id, job.Status, job.AnalysisType, Utc(job.CreatedAt),
            job.CompletedAt is { } done ? Utc(done) : null, job.OptimizedPrompt, job.Analysis, job.Error));
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
        return dialect.Json200(new JobDeletedView($"Job {job_id} deleted successfully"));
    }

    private static Problem NotFound(string id) => Problem.NotFound($"Job {id} not found", "JOB_NOT_FOUND");

    private static DateTime Utc(DateTime value) => DateTime.SpecifyKind(value, DateTimeKind.Utc);

    private static string Link(HttpContext context, string path) =>
        context.Api() is { OnOwnPort: false } api ? api.Mount.BasePath + path : path;
}
