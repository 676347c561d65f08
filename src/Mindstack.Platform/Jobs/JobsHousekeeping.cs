using Microsoft.Extensions.Logging;

namespace Mindstack.Platform.Jobs;

/// <summary>Hourly: deletes finished jobs older than <see cref="JobsSettings.Retention"/> (dead ones stay).</summary>
internal sealed class JobsHousekeeping(JobStore store, ILogger<JobsHousekeeping> logger) : IJobHandler
{
    public const string Name = "jobs.housekeeping";

    public async Task ExecuteAsync(JobContext job, CancellationToken cancellationToken)
    {
        var deleted = await store.PurgeFinishedAsync(cancellationToken);
        if (deleted > 0)
        {
            logger.LogInformation("Deleted {Count} finished job(s) past retention", deleted);
        }
    }
}
