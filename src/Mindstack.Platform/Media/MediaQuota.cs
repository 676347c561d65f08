using Microsoft.EntityFrameworkCore;
using Mindstack.Platform.Storage;

namespace Mindstack.Platform.Media;

/// <summary>
/// Bytes of storage in use per owner (a module names its owners, e.g. an API and an account).
/// A reservation is one conditional update — <c>used + n ≤ quota</c> — so two concurrent uploads
/// can never both squeeze past the quota, on any node.
/// </summary>
public sealed class MediaQuota(MindstackDbContext db)
{
    /// <summary>Adds <paramref name="bytes"/> to the owner's use if that stays within <paramref name="quota"/>; false otherwise.</summary>
    public async Task<bool> TryReserveAsync(string owner, long bytes, long quota, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        await db.InsertIfAbsentAsync(new MediaUsageRow { Owner = owner }, u => u.Owner == owner, cancellationToken);
        var updated = await db.Set<MediaUsageRow>()
            .Where(u => u.Owner == owner && u.UsedBytes + bytes <= quota)
            .ExecuteUpdateAsync(s => s.SetProperty(u => u.UsedBytes, u => u.UsedBytes + bytes), cancellationToken);
        return updated == 1;
    }

    /// <summary>Gives back bytes reserved earlier (a failed upload, a deleted file).</summary>
    public async Task ReleaseAsync(string owner, long bytes, CancellationToken cancellationToken)
    {
        await db.Set<MediaUsageRow>()
            .Where(u => u.Owner == owner)
            .ExecuteUpdateAsync(s => s.SetProperty(u => u.UsedBytes, u => u.UsedBytes > bytes ? u.UsedBytes - bytes : 0), cancellationToken);
    }

    /// <summary>Forgets the owner (an erased account): its usage row goes.</summary>
    public Task ForgetAsync(string owner, CancellationToken cancellationToken) =>
        db.Set<MediaUsageRow>().Where(u => u.Owner == owner).ExecuteDeleteAsync(cancellationToken);

    /// <summary>The owner's bytes in use.</summary>
    public async Task<long> UsedAsync(string owner, CancellationToken cancellationToken) =>
        await db.Set<MediaUsageRow>().Where(u => u.Owner == owner).Select(u => u.UsedBytes).FirstOrDefaultAsync(cancellationToken);
}
