using Microsoft.EntityFrameworkCore;
using Mindstack.MindMesh.Storage;
using Mindstack.Platform.Jobs;
using Mindstack.Platform.Storage;

namespace Mindstack.MindMesh.Connectors;

/// <summary>
/// Every minute: each enabled connector that reads content (<c>local_files</c>, Gmail, Calendar,
/// Slack) whose <c>sync_frequency</c> (seconds; 0 = manual only) has passed since its last sync
/// (or its creation) starts a sync, as <c>POST /connectors/{id}/sync</c> would.
/// </summary>
internal sealed class ConnectorsDueJob(MindstackDbContext db, IJobQueue jobs, TimeProvider clock) : IJobHandler
{
    public const string Name = "mindmesh.connectors.due";

    /// <summary>A sync still "syncing" after this long is taken as lost (its job dead), so the schedule starts another.</summary>
    private static readonly TimeSpan StuckAfter = TimeSpan.FromHours(1);

    private static readonly string[] Readers = [ConnectorProviders.LocalFiles, .. ConnectorProviders.OAuth];

    public async Task ExecuteAsync(JobContext job, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var candidates = await db.Set<ConnectorRow>()
            .Where(c => c.IsEnabled && c.SyncFrequency > 0 && Readers.Contains(c.Provider))
            .ToListAsync(cancellationToken);
        foreach (var connector in candidates.Where(c => IsDue(c, now)))
        {
            connector.Status = ConnectorProviders.Status.Syncing;
            connector.UpdatedAt = now;
            jobs.Enqueue<ConnectorSyncJob>(new ConnectorSyncJob.Payload(connector.Id));
        }
        await db.SaveChangesAsync(cancellationToken);
    }

    internal static bool IsDue(ConnectorRow c, DateTime now) =>
        c.Status == ConnectorProviders.Status.Syncing
            ? c.UpdatedAt <= now - StuckAfter
            : (c.LastSync ?? c.CreatedAt).AddSeconds(c.SyncFrequency) <= now;
}
