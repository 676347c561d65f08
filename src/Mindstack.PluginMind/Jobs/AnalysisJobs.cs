using Microsoft.EntityFrameworkCore;
using Mindstack.Platform.Jobs;
using Mindstack.Platform.Storage;
using Mindstack.PluginMind.Usage;

namespace Mindstack.PluginMind.Jobs;

/// <summary>The async analysis jobs: created with their queue entry in one transaction, read, listed and deleted.</summary>
internal sealed class AnalysisJobs(MindstackDbContext db, IJobQueue queue, UsageMeter usage, TimeProvider clock,
    Microsoft.Extensions.Options.IOptions<PluginMindOptions> options)
{
    /// <summary>
    /// Stores the job and enqueues its run in the same transaction, so a job row never exists
    /// without its queue entry (or the reverse), and a restart loses neither.
    /// </summary>
    public async Task<AnalysisJob> CreateAsync(string? accountId, string input, string type, string? usagePeriod, CancellationToken ct)
    {
        var job = new AnalysisJob
        {
            // A random UUID, not a time-ordered platform id: the id is the capability to read the
            // job without a session, so it must not be guessable from another job's id.
            Id = Guid.NewGuid().ToString(),
            AccountId = accountId,
            Status = AnalysisJobStatus.Queued,
            AnalysisType = type,
            UserInput = input,
            CreatedAt = clock.GetUtcNow().UtcDateTime,
            UsagePeriod = usagePeriod,
        };
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        db.Add(job);
        queue.Enqueue<AnalysisJobHandler>(new AnalysisJobHandler.Payload(job.Id), new JobOptions { MaxAttempts = options.Value.AnalysisAttempts });
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        db.Entry(job).State = EntityState.Detached;
        return job;
    }

    public Task<AnalysisJob?> FindAsync(string id, CancellationToken ct) =>
        db.Set<AnalysisJob>().AsNoTracking().FirstOrDefaultAsync(j => j.Id == id, ct);

    /// <summary>The newest jobs of one account, or everyone's (null), and how many there are in all.</summary>
    public async Task<(int Total, IReadOnlyList<AnalysisJob> Jobs)> ListAsync(string? accountId, int limit, CancellationToken ct)
    {
        var query = db.Set<AnalysisJob>().AsNoTracking();
        if (accountId is not null)
        {
            query = query.Where(j => j.AccountId == accountId);
        }
        var total = await query.CountAsync(ct);
        var jobs = await query.OrderByDescending(j => j.CreatedAt).ThenByDescending(j => j.Id).Take(limit).ToListAsync(ct);
        return (total, jobs);
    }

    /// <summary>
    /// Deletes the job; a job deleted before it ran gives its reserved query back (its queue entry
    /// then finds no row and does nothing). False when there was nothing to delete.
    /// </summary>
    public async Task<bool> DeleteAsync(AnalysisJob job, CancellationToken ct)
    {
        // The deletion and the query given back commit together, as a failed job's do.
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        // Conditional on the status read, so a job that starts meanwhile is not refunded.
        var deleted = await db.Set<AnalysisJob>().Where(j => j.Id == job.Id && j.Status == job.Status).ExecuteDeleteAsync(ct);
        if (deleted == 0)
        {
            deleted = await db.Set<AnalysisJob>().Where(j => j.Id == job.Id).ExecuteDeleteAsync(ct);
        }
        else if (job.Status == AnalysisJobStatus.Queued && job.AccountId is { } owner && job.UsagePeriod is { } period)
        {
            await usage.ReleaseAsync(owner, period, ct);
        }
        await transaction.CommitAsync(ct);
        return deleted > 0;
    }
}
