using Microsoft.EntityFrameworkCore;
using Mindstack.MindSwarm.Posts;
using Mindstack.MindSwarm.Storage;
using Mindstack.Platform.Events;
using Mindstack.Platform.Http;
using Mindstack.Platform.Storage;

namespace Mindstack.MindSwarm.Users;

internal sealed record FollowResult(bool Following, string Status, int FollowersCount);

internal sealed record RelationResult(string Username, bool Active, DateTime? ExpiresAt = null);

/// <summary>A Follow record as the lists answer it: <c>{_id, follower, following, status, createdAt}</c>.</summary>
internal sealed record FollowRecordView(
    [property: System.Text.Json.Serialization.JsonPropertyName("_id")] string UnderscoreId,
    UserSummary Follower,
    UserSummary Following,
    string Status,
    DateTime CreatedAt);

internal sealed record BlockRecordView(
    [property: System.Text.Json.Serialization.JsonPropertyName("_id")] string UnderscoreId,
    UserSummary Blocked,
    DateTime CreatedAt);

internal sealed record MuteRecordView(
    [property: System.Text.Json.Serialization.JsonPropertyName("_id")] string UnderscoreId,
    UserSummary Muted,
    DateTime? ExpiresAt,
    DateTime CreatedAt);

internal sealed record FollowersPage(IReadOnlyList<FollowRecordView> Followers, int Page, int Limit, int Total);

internal sealed record FollowingPage(IReadOnlyList<FollowRecordView> Following, int Page, int Limit, int Total);

internal sealed record FollowRequestsPage(IReadOnlyList<FollowRecordView> Requests, int Page, int Limit, int Total);

internal sealed record BlockedPage(IReadOnlyList<BlockRecordView> Blocked, int Page, int Limit, int Total);

internal sealed record MutedPage(IReadOnlyList<MuteRecordView> Muted, int Page, int Limit, int Total);

/// <summary>Follows (with requests for private accounts), blocks (hiding both ways) and mutes (with a duration).</summary>
internal sealed class SocialGraph(
    MindstackDbContext db,
    IIdGenerator ids,
    TimeProvider clock,
    ProfileService profiles,
    Relations relations,
    IEventOutbox events,
    MindSwarmDialect dialect)
{
    public async Task<FollowResult> FollowAsync(string followerId, string username, CancellationToken ct)
    {
        var target = await profiles.RequireVisibleAsync(username, followerId, ct);
        if (target.Id == followerId)
        {
            throw Problem.BadRequest("You cannot follow yourself", "CANNOT_FOLLOW_SELF");
        }
        var profile = await profiles.EnsureAsync(target.Id, ct: ct);
        await profiles.EnsureAsync(followerId, ct: ct);
        var existing = await db.Set<FollowRow>().AsNoTracking().FirstOrDefaultAsync(f => f.FollowerId == followerId && f.FollowingId == target.Id, ct);
        if (existing is not null)
        {
            return new FollowResult(existing.Status == FollowStatus.Accepted, existing.Status, await profiles.FollowersShownAsync(target.Id, followerId, ct));
        }
        var status = profile.IsPrivate ? FollowStatus.Pending : FollowStatus.Accepted;
        var row = new FollowRow { Id = ids.New("follow"), FollowerId = followerId, FollowingId = target.Id, Status = status, CreatedAt = clock.GetUtcNow().UtcDateTime };
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        db.Add(row);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // A concurrent follow of the same pair won: the unique index keeps one.
            await transaction.RollbackAsync(ct);
            db.ChangeTracker.Clear();
            var winner = await db.Set<FollowRow>().AsNoTracking().FirstAsync(f => f.FollowerId == followerId && f.FollowingId == target.Id, ct);
            return new FollowResult(winner.Status == FollowStatus.Accepted, winner.Status, await profiles.FollowersShownAsync(target.Id, followerId, ct));
        }
        if (status == FollowStatus.Accepted)
        {
            await profiles.AdjustFollowersAsync(target.Id, 1, ct);
            await profiles.AdjustFollowingAsync(followerId, 1, ct);
        }
        Publish(status == FollowStatus.Accepted ? MindSwarmEvents.UserFollowed : MindSwarmEvents.FollowRequested, row, target.Id);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return new FollowResult(status == FollowStatus.Accepted, status, await profiles.FollowersShownAsync(target.Id, followerId, ct));
    }

    public async Task<FollowResult> UnfollowAsync(string followerId, string username, CancellationToken ct)
    {
        var target = await profiles.RequireByUsernameAsync(username, ct);
        await RemoveFollowAsync(followerId, target.Id, ct);
        return new FollowResult(false, "none", await profiles.FollowersShownAsync(target.Id, followerId, ct));
    }

    /// <summary>Accepts or rejects a request to follow the caller.</summary>
    public async Task<FollowRecordView> AnswerRequestAsync(string accountId, string requestId, string? action, CancellationToken ct)
    {
        var verb = action?.Trim().ToLowerInvariant();
        if (verb is not ("accept" or "reject" or "decline"))
        {
            throw Problem.Invalid("action", "action must be accept or reject");
        }
        var row = await db.Set<FollowRow>().FirstOrDefaultAsync(f => f.Id == requestId && f.FollowingId == accountId && f.Status == FollowStatus.Pending, ct)
            ?? throw Problem.NotFound("Follow request not found", "FOLLOW_REQUEST_NOT_FOUND");
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        if (verb == "accept")
        {
            var accepted = await db.Set<FollowRow>().Where(f => f.Id == row.Id && f.Status == FollowStatus.Pending)
                .ExecuteUpdateAsync(u => u.SetProperty(f => f.Status, FollowStatus.Accepted), ct);
            if (accepted == 1)
            {
                await profiles.AdjustFollowersAsync(accountId, 1, ct);
                await profiles.AdjustFollowingAsync(row.FollowerId, 1, ct);
                Publish(MindSwarmEvents.FollowAccepted, row, row.FollowerId);
                await db.SaveChangesAsync(ct);
            }
            row.Status = FollowStatus.Accepted;
        }
        else
        {
            await db.Set<FollowRow>().Where(f => f.Id == row.Id && f.Status == FollowStatus.Pending).ExecuteDeleteAsync(ct);
            row.Status = "rejected";
        }
        await transaction.CommitAsync(ct);
        var users = await profiles.SummariesAsync([row.FollowerId, row.FollowingId], ct);
        return new FollowRecordView(row.Id, users[row.FollowerId], users[row.FollowingId], row.Status, row.CreatedAt);
    }

    public async Task<RelationResult> BlockAsync(string blockerId, string username, CancellationToken ct)
    {
        var target = await profiles.RequireByUsernameAsync(username, ct);
        if (target.Id == blockerId)
        {
            throw Problem.BadRequest("You cannot block yourself", "CANNOT_BLOCK_SELF");
        }
        await db.InsertIfAbsentAsync(new BlockRow { Id = ids.New("block"), BlockerId = blockerId, BlockedId = target.Id, CreatedAt = clock.GetUtcNow().UtcDateTime },
            b => b.BlockerId == blockerId && b.BlockedId == target.Id, ct);
        // A block ends the follows between the two, both ways.
        await RemoveFollowAsync(blockerId, target.Id, ct);
        await RemoveFollowAsync(target.Id, blockerId, ct);
        return new RelationResult(target.NormalizedUsername!, true);
    }

    public async Task<RelationResult> UnblockAsync(string blockerId, string username, CancellationToken ct)
    {
        var target = await profiles.RequireByUsernameAsync(username, ct);
        await db.Set<BlockRow>().Where(b => b.BlockerId == blockerId && b.BlockedId == target.Id).ExecuteDeleteAsync(ct);
        return new RelationResult(target.NormalizedUsername!, false);
    }

    /// <summary>Mutes for <paramref name="durationSeconds"/> (absent or 0: until unmuted).</summary>
    public async Task<RelationResult> MuteAsync(string muterId, string username, long? durationSeconds, CancellationToken ct)
    {
        var target = await profiles.RequireVisibleAsync(username, muterId, ct);
        if (target.Id == muterId)
        {
            throw Problem.BadRequest("You cannot mute yourself", "CANNOT_MUTE_SELF");
        }
        if (durationSeconds is < 0 or > 10L * 365 * 24 * 3600)
        {
            throw Problem.Invalid("duration", "duration is seconds, 0 (until unmuted) to ten years");
        }
        var now = clock.GetUtcNow().UtcDateTime;
        DateTime? expires = durationSeconds is > 0 ? now.AddSeconds(durationSeconds.Value) : null;
        await db.InsertIfAbsentAsync(new MuteRow { Id = ids.New("mute"), MuterId = muterId, MutedId = target.Id, ExpiresAt = expires, CreatedAt = now },
            m => m.MuterId == muterId && m.MutedId == target.Id, ct);
        await db.Set<MuteRow>().Where(m => m.MuterId == muterId && m.MutedId == target.Id)
            .ExecuteUpdateAsync(u => u.SetProperty(m => m.ExpiresAt, expires), ct);
        return new RelationResult(target.NormalizedUsername!, true, expires);
    }

    public async Task<RelationResult> UnmuteAsync(string muterId, string username, CancellationToken ct)
    {
        var target = await profiles.RequireByUsernameAsync(username, ct);
        await db.Set<MuteRow>().Where(m => m.MuterId == muterId && m.MutedId == target.Id).ExecuteDeleteAsync(ct);
        return new RelationResult(target.NormalizedUsername!, false);
    }

    public async Task<FollowersPage> FollowersAsync(string accountId, PageRequest paging, CancellationToken ct)
    {
        var (records, total) = await FollowPageAsync(db.Set<FollowRow>().Where(f => f.FollowingId == accountId && f.Status == FollowStatus.Accepted), paging, ct);
        return new FollowersPage(records, paging.Page, paging.Limit, total);
    }

    public async Task<FollowingPage> FollowingAsync(string accountId, PageRequest paging, CancellationToken ct)
    {
        var (records, total) = await FollowPageAsync(db.Set<FollowRow>().Where(f => f.FollowerId == accountId && f.Status == FollowStatus.Accepted), paging, ct);
        return new FollowingPage(records, paging.Page, paging.Limit, total);
    }

    public async Task<FollowRequestsPage> RequestsAsync(string accountId, PageRequest paging, CancellationToken ct)
    {
        var (records, total) = await FollowPageAsync(db.Set<FollowRow>().Where(f => f.FollowingId == accountId && f.Status == FollowStatus.Pending), paging, ct);
        return new FollowRequestsPage(records, paging.Page, paging.Limit, total);
    }

    public async Task<BlockedPage> BlockedAsync(string accountId, PageRequest paging, CancellationToken ct)
    {
        var query = db.Set<BlockRow>().AsNoTracking().Where(b => b.BlockerId == accountId);
        var total = await query.CountAsync(ct);
        var rows = await query.OrderByDescending(b => b.CreatedAt).ThenByDescending(b => b.Id).Skip(paging.Offset).Take(paging.Limit).ToListAsync(ct);
        var users = await profiles.SummariesAsync(rows.Select(r => r.BlockedId), ct);
        return new BlockedPage(rows.Select(r => new BlockRecordView(r.Id, users[r.BlockedId], r.CreatedAt)).ToList(), paging.Page, paging.Limit, total);
    }

    public async Task<MutedPage> MutedAsync(string accountId, PageRequest paging, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var query = db.Set<MuteRow>().AsNoTracking().Where(m => m.MuterId == accountId && (m.ExpiresAt == null || m.ExpiresAt > now));
        var total = await query.CountAsync(ct);
        var rows = await query.OrderByDescending(m => m.CreatedAt).ThenByDescending(m => m.Id).Skip(paging.Offset).Take(paging.Limit).ToListAsync(ct);
        var users = await profiles.SummariesAsync(rows.Select(r => r.MutedId), ct);
        return new MutedPage(rows.Select(r => new MuteRecordView(r.Id, users[r.MutedId], r.ExpiresAt, r.CreatedAt)).ToList(), paging.Page, paging.Limit, total);
    }

    /// <summary>Whether a viewer may list this account's follows (a private account: itself and its followers).</summary>
    public async Task EnsureCanSeeAsync(string accountId, string? viewerId, CancellationToken ct)
    {
        if (!await relations.CanSeePostsOfAsync(accountId, viewerId, ct))
        {
            throw Problem.Forbidden("This account is private", "PRIVATE_ACCOUNT");
        }
    }

    private async Task<(IReadOnlyList<FollowRecordView> Records, int Total)> FollowPageAsync(IQueryable<FollowRow> query, PageRequest paging, CancellationToken ct)
    {
        var total = await query.CountAsync(ct);
        var rows = await query.AsNoTracking().OrderByDescending(f => f.CreatedAt).ThenByDescending(f => f.Id).Skip(paging.Offset).Take(paging.Limit).ToListAsync(ct);
        var users = await profiles.SummariesAsync(rows.SelectMany(r => new[] { r.FollowerId, r.FollowingId }), ct);
        return (rows.Select(r => new FollowRecordView(r.Id, users[r.FollowerId], users[r.FollowingId], r.Status, r.CreatedAt)).ToList(), total);
    }

    private async Task RemoveFollowAsync(string followerId, string followingId, CancellationToken ct)
    {
        var row = await db.Set<FollowRow>().AsNoTracking().FirstOrDefaultAsync(f => f.FollowerId == followerId && f.FollowingId == followingId, ct);
        if (row is null)
        {
            return;
        }
        var removed = await db.Set<FollowRow>().Where(f => f.Id == row.Id).ExecuteDeleteAsync(ct);
        if (removed == 1 && row.Status == FollowStatus.Accepted)
        {
            await profiles.AdjustFollowersAsync(followingId, -1, ct);
            await profiles.AdjustFollowingAsync(followerId, -1, ct);
        }
    }

    private void Publish(string type, FollowRow row, string concerns) =>
        events.Publish(new NewEvent(type, "follow", row.Id)
        {
            AccountId = concerns,
            Api = MindSwarmApi.Name,
            Data = new FollowEventData(row.Id, row.FollowerId, row.FollowingId, row.Status),
            Json = dialect.Json,
            ToAccountChannel = false,
        });
}
