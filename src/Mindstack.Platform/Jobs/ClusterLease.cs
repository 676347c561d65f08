using Microsoft.EntityFrameworkCore;
using Mindstack.Platform.Storage;

namespace Mindstack.Platform.Jobs;

/// <summary>
/// A named lease in <c>jobs_leases</c> that one node holds at a time, for work that must have a
/// single runner across the cluster (the event dispatcher). Held until it expires unless renewed;
/// a node that dies loses it after its duration. Scoped.
/// </summary>
public sealed class ClusterLease(MindstackDbContext db, TimeProvider clock)
{
    /// <summary>Takes or renews <paramref name="name"/> for <paramref name="owner"/>; false while another owner's lease is current.</summary>
    public async Task<bool> TryAcquireAsync(string name, string owner, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var until = now + duration;
        var inserted = await db.Database.ExecuteSqlAsync(
            $"INSERT INTO jobs_leases (name, owner, expires_at) VALUES ({name}, {owner}, {until}) ON CONFLICT (name) DO NOTHING",
            cancellationToken);
        if (inserted == 1)
        {
            return true;
        }
        var taken = await db.Database.ExecuteSqlAsync(
            $"UPDATE jobs_leases SET owner = {owner}, expires_at = {until} WHERE name = {name} AND (owner = {owner} OR expires_at < {now})",
            cancellationToken);
        return taken == 1;
    }

    /// <summary>Gives the lease up at once, if <paramref name="owner"/> holds it.</summary>
    public async Task ReleaseAsync(string name, string owner, CancellationToken cancellationToken = default)
    {
        var past = clock.GetUtcNow().UtcDateTime.AddSeconds(-1);
        await db.Database.ExecuteSqlAsync(
            $"UPDATE jobs_leases SET expires_at = {past} WHERE name = {name} AND owner = {owner}",
            cancellationToken);
    }
}
