using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Mindstack.MindPeeker.Sessions;
using Mindstack.MindPeeker.Users;
using Mindstack.Platform.Accounts;
using Mindstack.Platform.Storage;

namespace Mindstack.MindPeeker.Admin;

/// <summary>Users by period and tier, for <c>/admin/analytics/users</c>.</summary>
internal sealed record UserAnalytics(int TotalUsers, int ActiveUsers, int NewUsers, double RetentionRate, Dictionary<string, int> TierDistribution);

/// <summary>The admin figures that come from MindPeeker's own data.</summary>
internal sealed class AdminService(MindstackDbContext db, TimeProvider clock, IOptions<MindPeekerOptions> options)
{
    /// <summary>A pending session this long past its start is stuck: the queue is not being worked.</summary>
    private static readonly TimeSpan StalledAfter = TimeSpan.FromMinutes(10);

    /// <summary>Sessions processing, waiting, and waiting past their start by more than <see cref="StalledAfter"/>.</summary>
    public async Task<(int Active, int Queued, int Stalled)> SessionQueueAsync(CancellationToken cancellationToken)
    {
        var active = await db.Set<PeekSession>().CountAsync(s => s.Status == SessionStatus.Processing, cancellationToken);
        var queued = await db.Set<PeekSession>().CountAsync(s => s.Status == SessionStatus.Pending, cancellationToken);
        var stalledBefore = clock.GetUtcNow().UtcDateTime - StalledAfter - options.Value.StartDelay;
        var stalled = await db.Set<PeekSession>().CountAsync(s => s.Status == SessionStatus.Pending && s.CreatedAt < stalledBefore, cancellationToken);
        return (active, queued, stalled);
    }

    /// <summary>MindPeeker's users (of <paramref name="tier"/> when given): active, new and retained over the range.</summary>
    public async Task<UserAnalytics> UsersAsync(StatsRange range, string? tier, CancellationToken cancellationToken)
    {
        var users = await (from p in db.Set<PeekerProfile>().AsNoTracking()
                           join a in db.Set<Account>().AsNoTracking() on p.AccountId equals a.Id
                           select new { a.Id, a.Tier, a.CreatedAt, a.LastLoginAt }).ToListAsync(cancellationToken);
        if (tier is not null)
        {
            users = users.Where(u => Tier.Of(u.Tier).Name == tier).ToList();
        }
        var ids = users.Select(u => u.Id).ToHashSet();
        var sessionUsers = (await db.Set<PeekSession>().AsNoTracking().Where(s => s.CreatedAt >= range.From)
            .Select(s => s.AccountId).Distinct().ToListAsync(cancellationToken)).Where(ids.Contains).ToHashSet();
        var active = users.Where(u => sessionUsers.Contains(u.Id) || u.LastLoginAt >= range.From).ToList();
        var existing = users.Where(u => u.CreatedAt < range.From).ToList();
        return new UserAnalytics(
            users.Count,
            active.Count,
            users.Count(u => u.CreatedAt >= range.From),
            // Of the users who existed before the period, the share active during it.
            existing.Count == 0 ? 0 : Math.Round((double)existing.Count(u => active.Contains(u)) / existing.Count, 3),
            Tier.All.ToDictionary(t => t.Name, t => users.Count(u => Tier.Of(u.Tier).Name == t.Name)));
    }
}
