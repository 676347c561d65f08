using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Mindstack.MindSwarm.Storage;
using Mindstack.Platform.Accounts;
using Mindstack.Platform.Http;
using Mindstack.Platform.Storage;

namespace Mindstack.MindSwarm.Users;

/// <summary>MindSwarm profiles next to platform accounts: made on first use, read in bulk for posts and lists.</summary>
internal sealed class ProfileService(MindstackDbContext db, TimeProvider clock, Relations relations)
{
    public const string AiBadge = "ai-enabled";
    private const string ReferralAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

    /// <summary>The account's profile, made now if it has none (insert-first: two first uses make one).</summary>
    public async Task<ProfileRow> EnsureAsync(string accountId, string? referredBy = null, CancellationToken ct = default)
    {
        var existing = await db.Set<ProfileRow>().FirstOrDefaultAsync(p => p.AccountId == accountId, ct);
        if (existing is not null)
        {
            return existing;
        }
        var now = clock.GetUtcNow().UtcDateTime;
        for (var attempt = 0; ; attempt++)
        {
            var row = new ProfileRow
            {
                AccountId = accountId,
                ReferralCode = NewReferralCode(),
                ReferredBy = referredBy,
                CreatedAt = now,
                UpdatedAt = now,
            };
            await db.InsertIfAbsentAsync(row, p => p.AccountId == accountId, ct);
            var made = await db.Set<ProfileRow>().FirstOrDefaultAsync(p => p.AccountId == accountId, ct);
            if (made is not null)
            {
                return made;
            }
            if (attempt > 3)
            {
                throw new InvalidOperationException("Could not create a profile");
            }
        }
    }

    public static string NewReferralCode() =>
        string.Create(8, 0, (span, _) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = ReferralAlphabet[RandomNumberGenerator.GetInt32(ReferralAlphabet.Length)];
            }
        });

    /// <summary>The account with this username (any case), active or not; NOT_FOUND otherwise.</summary>
    public async Task<Account> RequireByUsernameAsync(string username, CancellationToken ct)
    {
        var normalized = (username ?? "").Trim().TrimStart('@').ToLowerInvariant();
        var account = normalized.Length == 0 ? null
            : await db.Set<Account>().AsNoTracking().FirstOrDefaultAsync(a => a.NormalizedUsername == normalized, ct);
        return account is null || account.Status == AccountStatus.Banned
            ? throw Problem.NotFound("User not found", "USER_NOT_FOUND")
            : account;
    }

    /// <summary>A user for a viewer: 404 when either has blocked the other (blocks hide both ways).</summary>
    public async Task<Account> RequireVisibleAsync(string username, string? viewerId, CancellationToken ct)
    {
        var account = await RequireByUsernameAsync(username, ct);
        if (viewerId is not null && viewerId != account.Id && await relations.IsBlockedEitherWayAsync(viewerId, account.Id, ct))
        {
            throw Problem.NotFound("User not found", "USER_NOT_FOUND");
        }
        return account;
    }

    public async Task<UserView> ViewAsync(Account account, string? viewerId, CancellationToken ct)
    {
        var profile = await EnsureAsync(account.Id, ct: ct);
        var self = viewerId == account.Id;
        var view = UserView.Of(account, profile, self);
        if (await HiddenFollowersAsync(account.Id, viewerId, ct) is > 0 and var hidden)
        {
            view = view with { FollowersCount = Math.Max(0, profile.FollowerCount - hidden) };
        }
        if (self)
        {
            var referrals = await db.Set<ProfileRow>().CountAsync(p => p.ReferredBy == account.Id, ct);
            return view with { ReferralCount = referrals };
        }
        if (viewerId is null)
        {
            return view;
        }
        var follow = await db.Set<FollowRow>().AsNoTracking()
            .Where(f => f.FollowerId == viewerId && f.FollowingId == account.Id).Select(f => f.Status).FirstOrDefaultAsync(ct);
        var followsYou = await db.Set<FollowRow>()
            .AnyAsync(f => f.FollowerId == account.Id && f.FollowingId == viewerId && f.Status == FollowStatus.Accepted, ct);
        var blocked = await db.Set<BlockRow>().AnyAsync(b => b.BlockerId == viewerId && b.BlockedId == account.Id, ct);
        var now = clock.GetUtcNow().UtcDateTime;
        var muted = await db.Set<MuteRow>()
            .AnyAsync(m => m.MuterId == viewerId && m.MutedId == account.Id && (m.ExpiresAt == null || m.ExpiresAt > now), ct);
        return view with
        {
            IsFollowing = follow == FollowStatus.Accepted,
            FollowStatus = follow ?? "none",
            FollowsYou = followsYou,
            IsBlocked = blocked,
            IsMuted = muted,
        };
    }

    /// <summary>An account's followers count as this viewer's GET of the account shows it (what follow and unfollow answer).</summary>
    public async Task<int> FollowersShownAsync(string accountId, string? viewerId, CancellationToken ct)
    {
        var stored = await db.Set<ProfileRow>().Where(p => p.AccountId == accountId).Select(p => p.FollowerCount).FirstOrDefaultAsync(ct);
        return Math.Max(0, stored - await HiddenFollowersAsync(accountId, viewerId, ct));
    }

    /// <summary>Follows by shadow-banned accounts (but the viewer's own), left out of the count others see.</summary>
    private async Task<int> HiddenFollowersAsync(string accountId, string? viewerId, CancellationToken ct)
    {
        var actors = await relations.ShadowActorsHiddenFromAsync(viewerId, ct);
        return actors.Count == 0 ? 0 : await db.Set<FollowRow>().CountAsync(f => f.FollowingId == accountId && f.Status == FollowStatus.Accepted
            && actors.Contains(f.FollowerId), ct);
    }

    /// <summary>Light views of many accounts at once (posts, Follow records).</summary>
    public async Task<Dictionary<string, UserSummary>> SummariesAsync(IEnumerable<string> accountIds, CancellationToken ct)
    {
        var ids = accountIds.Distinct(StringComparer.Ordinal).ToList();
        if (ids.Count == 0)
        {
            return new(StringComparer.Ordinal);
        }
        var rows = await (
            from account in db.Set<Account>().AsNoTracking()
            where ids.Contains(account.Id)
            join profile in db.Set<ProfileRow>().AsNoTracking() on account.Id equals profile.AccountId into profiles
            from profile in profiles.DefaultIfEmpty()
            select new { account.Id, account.Username, Profile = profile })
            .ToListAsync(ct);
        var found = rows.ToDictionary(r => r.Id, r => UserSummary.Of(r.Id, r.Username, r.Profile), StringComparer.Ordinal);
        foreach (var id in ids.Where(id => !found.ContainsKey(id)))
        {
            found[id] = UserSummary.Unknown(id);
        }
        return found;
    }

    /// <summary>Adds to a profile counter in one atomic update (concurrent follows on any node add up).</summary>
    public Task AdjustFollowersAsync(string accountId, int by, CancellationToken ct) =>
        db.Set<ProfileRow>().Where(p => p.AccountId == accountId)
            .ExecuteUpdateAsync(u => u.SetProperty(p => p.FollowerCount, p => p.FollowerCount + by), ct);

    public Task AdjustFollowingAsync(string accountId, int by, CancellationToken ct) =>
        db.Set<ProfileRow>().Where(p => p.AccountId == accountId)
            .ExecuteUpdateAsync(u => u.SetProperty(p => p.FollowingCount, p => p.FollowingCount + by), ct);

    /// <summary>
    /// Run by every post, so written as SQL: an ExecuteUpdate builds, funcletizes and looks up its
    /// LINQ tree on every call (about 4% of a posting server's CPU in a profile), and EF cannot
    /// compile one ahead. The same single atomic statement on both databases.
    /// </summary>
    public Task AdjustPostsAsync(string accountId, int by, CancellationToken ct) =>
        db.Database.ExecuteSqlAsync($"UPDATE mindswarm_profiles SET post_count = post_count + {by} WHERE account_id = {accountId}", ct);
}
