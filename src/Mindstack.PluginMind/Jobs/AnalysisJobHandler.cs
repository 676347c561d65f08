using Microsoft.EntityFrameworkCore;
using Mindstack.Platform.Ai;
using Mindstack.Platform.Http;
using Mindstack.Platform.Jobs;
using Mindstack.Platform.Storage;
using Mindstack.PluginMind.Logs;
using Mindstack.PluginMind.Processing;
using Mindstack.PluginMind.Usage;

namespace Mindstack.PluginMind.Jobs;

/// <summary>
/// Runs an <c>/analyze-async</c> job on the platform queue: queued → processing → completed or
/// failed. A provider outage (a 5xx, 429 or timeout) is retried by the queue; anything else, or
/// the last attempt, fails the job with the error, gives a reserved query back and logs the call.
/// Re-running a finished job (the queue is at-least-once) does nothing; a deleted job is skipped.
/// </summary>
internal sealed class AnalysisJobHandler(
    MindstackDbContext db,
    AnalysisService analysis,
    UsageMeter usage,
    QueryLogs logs,
    TimeProvider clock,
    Microsoft.Extensions.Options.IOptions<PluginMindOptions> options) : JobHandler<AnalysisJobHandler.Payload>
{
    public const string Name = "pluginmind.analysis";

    /// <summary>The queue's limit for one attempt; the analysis itself stops sooner (<see cref="PluginMindOptions.AnalysisTimeout"/>).</summary>
    public static readonly TimeSpan JobTimeout = TimeSpan.FromMinutes(5);

    public sealed record Payload(string AnalysisJobId);

    public static void Configure(JobHandlerOptions options)
    {
        options.MaxAttempts = 3;
        options.Backoff = JobBackoff.Schedule(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30));
        options.Timeout = JobTimeout;
    }

    public override async Task ExecuteAsync(Payload payload, JobContext job, CancellationToken cancellationToken)
    {
        var row = await db.Set<AnalysisJob>().AsNoTracking().FirstOrDefaultAsync(j => j.Id == payload.AnalysisJobId, cancellationToken);
        if (row is null || row.IsFinal)
        {
            return;
        }
        // Processing too: an earlier attempt may have died mid-run.
        if (!await MoveAsync(row.Id, [AnalysisJobStatus.Queued, AnalysisJobStatus.Processing], AnalysisJobStatus.Processing, cancellationToken))
        {
            return;
        }

        var started = clock.GetTimestamp();
        AnalysisOutcome outcome;
        var timeout = options.Value.AnalysisTimeout;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            outcome = await analysis.RunAsync(row.UserInput, row.AnalysisType, deadline.Token);
        }
        // The attempt's own deadline passing is a slow provider; the queue's token (shutdown, a
        // lost lease) is not this job's failure and is left to the queue.
        catch (Exception caught) when (caught is not OperationCanceledException
            || (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested))
        {
            var exception = caught is OperationCanceledException
                ? new TimeoutException($"The analysis did not finish within {timeout.TotalSeconds:0.#} s", caught)
                : caught;
            if (!job.IsLastAttempt && IsTransient(exception))
            {
                await MoveAsync(row.Id, [AnalysisJobStatus.Processing], AnalysisJobStatus.Queued, cancellationToken);
                if (ReferenceEquals(exception, caught))
                {
                    throw;
                }
                throw exception;
            }
            // Logged before the status changes, so a client that sees the job finished finds its log entry.
            var error = ChargedAnalysis.ErrorOf(exception);
            await logs.WriteAsync(row.AccountId, row.AnalysisType, row.UserInput, false, clock.GetElapsedTime(started), error, cancellationToken);
            // The failure and the reserved query given back commit together: a client that sees the job
            // failed finds its query returned, and a crash between the two cannot keep it.
            await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
            {
                if (await FinishAsync(row.Id, AnalysisJobStatus.Failed, null, null, error, cancellationToken) && row.AccountId is { } owner
                    && row.UsagePeriod is { } period)
                {
                    await usage.ReleaseAsync(owner, period, cancellationToken);
                }
                await transaction.CommitAsync(cancellationToken);
            }
            return;
        }
        await logs.WriteAsync(row.AccountId, row.AnalysisType, row.UserInput, true, clock.GetElapsedTime(started), null, cancellationToken);
        await FinishAsync(row.Id, AnalysisJobStatus.Completed, outcome.OptimizedPrompt, outcome.AnalysisResult, null, cancellationToken);
    }

    /// <summary>Worth another attempt: the provider was down, overloaded or slow, not refusing the request.</summary>
    private static bool IsTransient(Exception exception) => exception switch
    {
        Problem { Kind: ProblemKind.UpstreamFailed, Details: AiProblemDetails { Status: null or 408 or 429 or >= 500 } } => true,
        Problem => false,
        HttpRequestException or TimeoutException => true,
        _ => false,
    };

    private async Task<bool> MoveAsync(string id, string[] from, string to, CancellationToken ct) =>
        await db.Set<AnalysisJob>().Where(j => j.Id == id && from.Contains(j.Status))
            .ExecuteUpdateAsync(s => s.SetProperty(j => j.Status, to), ct) == 1;

    private async Task<bool> FinishAsync(string id, string status, string? optimizedPrompt, string? analysisText, string? error,
        CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return await db.Set<AnalysisJob>().Where(j => j.Id == id && j.Status == AnalysisJobStatus.Processing)
            .ExecuteUpdateAsync(s => s
                .SetProperty(j => j.Status, status)
                .SetProperty(j => j.OptimizedPrompt, optimizedPrompt)
                .SetProperty(j => j.Analysis, analysisText)
                .SetProperty(j => j.Error, error)
                .SetProperty(j => j.CompletedAt, now), ct) == 1;
    }
}
