using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Mindstack.MindSwarm.Ads;
using Mindstack.MindSwarm.Ai;
using Mindstack.MindSwarm.Analytics;
using Mindstack.MindSwarm.Boosts;
using Mindstack.MindSwarm.Crypto;
using Mindstack.MindSwarm.Drafts;
using Mindstack.MindSwarm.Groups;
using Mindstack.MindSwarm.Lists;
using Mindstack.MindSwarm.Media;
using Mindstack.MindSwarm.Messages;
using Mindstack.MindSwarm.Moderation;
using Mindstack.MindSwarm.Notifications;
using Mindstack.MindSwarm.ProfileImages;
using Mindstack.MindSwarm.Services;
using Mindstack.MindSwarm.Storage;
using Mindstack.MindSwarm.Support;
using Mindstack.MindSwarm.Tips;
using Mindstack.MindSwarm.VideoDownloads;
using Mindstack.Platform.Accounts;
using Mindstack.Platform.Media;
using Mindstack.Platform.Storage;

namespace Mindstack.MindSwarm.Export;

/// <summary>
/// Deletes an account for good, table by table (the README's "Account deletion" lists each
/// decision). What is the account's alone goes; what others keep — the other side of a
/// conversation, staff replies on someone's ticket, a group it owned, a spent crypto transaction —
/// stays with the account replaced by a fresh "ghost" id that shows as the user <c>deleted</c>;
/// counters on others' posts and profiles are given back. Rows go in one transaction; the files
/// (media, exports, video downloads) are deleted from the blob store after it commits. The platform
/// account is shared by every API: it goes too only when no other module still uses it.
/// </summary>
internal sealed class AccountEraser(MindstackDbContext db, IIdGenerator ids, IAccountErasure platform, IBlobStore store, MediaQuota quota)
{
    /// <summary>
    /// The deletion job's work: claims the scheduled deletion, erases every MindSwarm row of the
    /// account, then the platform account itself unless another API still uses it (then only its
    /// MindSwarm sessions and keys go). Files go after the commit.
    /// </summary>
    public async Task EraseAsync(string accountId, CancellationToken ct)
    {
        List<string> blobs;
        await using (var transaction = await db.Database.BeginTransactionAsync(ct))
        {
            // Claims the deletion: a concurrent cancel either went first (nothing to do) or finds nothing.
            if (await db.Set<AccountDeletionRow>().Where(d => d.AccountId == accountId).ExecuteDeleteAsync(ct) == 0)
            {
                return;
            }
            blobs = await EraseRowsAsync(accountId, ct);
            await platform.EraseUnlessUsedElsewhereAsync(accountId, MindSwarmApi.Name, ct);
            await transaction.CommitAsync(ct);
        }
        await DeleteBlobsAsync(blobs);
    }

    /// <summary>MindSwarm's footprint only (the platform account stays): for another module that deletes the account.</summary>
    public async Task EraseFootprintAsync(string accountId, CancellationToken ct)
    {
        List<string> blobs;
        await using (var transaction = await db.Database.BeginTransactionAsync(ct))
        {
            await db.Set<AccountDeletionRow>().Where(d => d.AccountId == accountId).ExecuteDeleteAsync(ct);
            blobs = await EraseRowsAsync(accountId, ct);
            await transaction.CommitAsync(ct);
        }
        await DeleteBlobsAsync(blobs);
    }

    /// <summary>Every MindSwarm row of the account, in the caller's transaction; the blob keys to delete after it commits.</summary>
    private async Task<List<string>> EraseRowsAsync(string accountId, CancellationToken ct)
    {
        var ghost = ids.New("deleted");
        await PostsAsync(accountId, ct);
        await SocialAsync(accountId, ct);
        await MessagesAsync(accountId, ghost, ct);
        await GroupsAsync(accountId, ghost, ct);
        await ListsAsync(accountId, ct);
        await NotificationsAsync(accountId, ct);
        var blobs = await FilesAsync(accountId, ct);
        await OwnedAsync(accountId, ghost, ct);
        await ModerationAsync(accountId, ghost, ct);
        await PaidAndAiAsync(accountId, ghost, ct);
        await quota.ForgetAsync(MediaLibrary.QuotaOwner(accountId), ct);
        return blobs;
    }

    private async Task DeleteBlobsAsync(List<string> blobs)
    {
        foreach (var key in blobs)
        {
            await store.DeleteAsync(key, CancellationToken.None);
        }
    }

    /// <summary>Its posts (replies, reposts, scheduled ones) and everything hanging on them; its likes, saves and votes on others' posts.</summary>
    private async Task PostsAsync(string accountId, CancellationToken ct)
    {
        var posts = db.Set<PostRow>().Where(p => p.AuthorId == accountId);
        var own = posts.Select(p => p.Id);
        // Counters of others' posts it replied to, reposted or quoted.
        foreach (var parent in await posts.Where(p => p.ReplyToId != null && p.DeletedAt == null).GroupBy(p => p.ReplyToId!)
                     .Select(g => new { Id = g.Key, Count = g.Count() }).ToListAsync(ct))
        {
            await db.Set<PostRow>().Where(p => p.Id == parent.Id)
                .ExecuteUpdateAsync(u => u.SetProperty(p => p.ReplyCount, p => p.ReplyCount > parent.Count ? p.ReplyCount - parent.Count : 0), ct);
        }
        foreach (var original in await posts.Where(p => p.RepostOfId != null).GroupBy(p => p.RepostOfId!)
                     .Select(g => new { Id = g.Key, Count = g.Count() }).ToListAsync(ct))
        {
            await db.Set<PostRow>().Where(p => p.Id == original.Id)
                .ExecuteUpdateAsync(u => u.SetProperty(p => p.RepostCount, p => p.RepostCount > original.Count ? p.RepostCount - original.Count : 0), ct);
        }
        foreach (var quoted in await posts.Where(p => p.QuotedPostId != null && p.RepostOfId == null).GroupBy(p => p.QuotedPostId!)
                     .Select(g => new { Id = g.Key, Count = g.Count() }).ToListAsync(ct))
        {
            await db.Set<PostRow>().Where(p => p.Id == quoted.Id)
                .ExecuteUpdateAsync(u => u.SetProperty(p => p.QuoteCount, p => p.QuoteCount > quoted.Count ? p.QuoteCount - quoted.Count : 0), ct);
        }
        foreach (var liked in await db.Set<LikeRow>().Where(l => l.AccountId == accountId && !own.Contains(l.PostId)).Select(l => l.PostId).ToListAsync(ct))
        {
            await db.Set<PostRow>().Where(p => p.Id == liked)
                .ExecuteUpdateAsync(u => u.SetProperty(p => p.LikeCount, p => p.LikeCount > 0 ? p.LikeCount - 1 : 0), ct);
        }
        foreach (var saved in await db.Set<SaveRow>().Where(s => s.AccountId == accountId && !own.Contains(s.PostId)).Select(s => s.PostId).ToListAsync(ct))
        {
            await db.Set<PostRow>().Where(p => p.Id == saved)
                .ExecuteUpdateAsync(u => u.SetProperty(p => p.SaveCount, p => p.SaveCount > 0 ? p.SaveCount - 1 : 0), ct);
        }
        foreach (var vote in await db.Set<PollVoteRow>().Where(v => v.AccountId == accountId && !own.Contains(v.PostId)).ToListAsync(ct))
        {
            await db.Set<PollOptionRow>().Where(o => o.PostId == vote.PostId && o.Position == vote.Position)
                .ExecuteUpdateAsync(u => u.SetProperty(o => o.Votes, o => o.Votes > 0 ? o.Votes - 1 : 0), ct);
        }
        await db.Set<LikeRow>().Where(l => l.AccountId == accountId || own.Contains(l.PostId)).ExecuteDeleteAsync(ct);
        await db.Set<SaveRow>().Where(s => s.AccountId == accountId || own.Contains(s.PostId)).ExecuteDeleteAsync(ct);
        await db.Set<PollVoteRow>().Where(v => v.AccountId == accountId || own.Contains(v.PostId)).ExecuteDeleteAsync(ct);
        await db.Set<PollOptionRow>().Where(o => own.Contains(o.PostId)).ExecuteDeleteAsync(ct);
        await db.Set<PinRow>().Where(p => p.AccountId == accountId || own.Contains(p.PostId)).ExecuteDeleteAsync(ct);
        await db.Set<HashtagRow>().Where(h => own.Contains(h.PostId)).ExecuteDeleteAsync(ct);
        // Mentions of it in others' posts go too (the text stays the author's).
        await db.Set<MentionRow>().Where(m => m.AccountId == accountId || own.Contains(m.PostId)).ExecuteDeleteAsync(ct);
        await db.Set<PostViewRow>().Where(v => own.Contains(v.PostId)).ExecuteDeleteAsync(ct);
        await db.Set<PostViewRow>().Where(v => v.ViewerId == accountId).ExecuteUpdateAsync(u => u.SetProperty(v => v.ViewerId, (string?)null), ct);
        await db.Set<PostEditRow>().Where(e => own.Contains(e.PostId)).ExecuteDeleteAsync(ct);
        await db.Set<BoostRow>().Where(b => b.AccountId == accountId || own.Contains(b.PostId)).ExecuteDeleteAsync(ct);
        await posts.ExecuteDeleteAsync(ct);
    }

    /// <summary>Follows both ways (the other side's counters given back), blocks, mutes, and its profile.</summary>
    private async Task SocialAsync(string accountId, CancellationToken ct)
    {
        var following = await db.Set<FollowRow>().Where(f => f.FollowerId == accountId && f.Status == FollowStatus.Accepted).Select(f => f.FollowingId).ToListAsync(ct);
        await db.Set<ProfileRow>().Where(p => following.Contains(p.AccountId))
            .ExecuteUpdateAsync(u => u.SetProperty(p => p.FollowerCount, p => p.FollowerCount > 0 ? p.FollowerCount - 1 : 0), ct);
        var followers = await db.Set<FollowRow>().Where(f => f.FollowingId == accountId && f.Status == FollowStatus.Accepted).Select(f => f.FollowerId).ToListAsync(ct);
        await db.Set<ProfileRow>().Where(p => followers.Contains(p.AccountId))
            .ExecuteUpdateAsync(u => u.SetProperty(p => p.FollowingCount, p => p.FollowingCount > 0 ? p.FollowingCount - 1 : 0), ct);
        await db.Set<FollowRow>().Where(f => f.FollowerId == accountId || f.FollowingId == accountId).ExecuteDeleteAsync(ct);
        await db.Set<BlockRow>().Where(b => b.BlockerId == accountId || b.BlockedId == accountId).ExecuteDeleteAsync(ct);
        await db.Set<MuteRow>().Where(m => m.MuterId == accountId || m.MutedId == accountId).ExecuteDeleteAsync(ct);
        await db.Set<ProfileRow>().Where(p => p.AccountId == accountId).ExecuteDeleteAsync(ct);
        await db.Set<ProfileImageRow>().Where(i => i.AccountId == accountId).ExecuteDeleteAsync(ct);
    }

    /// <summary>
    /// Conversations left by everyone else go whole; in the others, its messages stay for the other
    /// side under the ghost (who shows as "deleted"), its membership and reactions go.
    /// </summary>
    private async Task MessagesAsync(string accountId, string ghost, CancellationToken ct)
    {
        var mine = await db.Set<ConversationMemberRow>().Where(m => m.AccountId == accountId).Select(m => m.ConversationId).ToListAsync(ct);
        await db.Set<ConversationMemberRow>().Where(m => m.AccountId == accountId).ExecuteDeleteAsync(ct);
        await db.Set<MessageReactionRow>().Where(r => r.AccountId == accountId).ExecuteDeleteAsync(ct);
        var shared = await db.Set<ConversationMemberRow>().Where(m => mine.Contains(m.ConversationId)).Select(m => m.ConversationId).Distinct().ToListAsync(ct);
        var alone = mine.Except(shared).ToList();
        var aloneMessages = db.Set<MessageRow>().Where(m => alone.Contains(m.ConversationId)).Select(m => m.Id);
        await db.Set<MessageReactionRow>().Where(r => aloneMessages.Contains(r.MessageId)).ExecuteDeleteAsync(ct);
        await db.Set<MessageRow>().Where(m => alone.Contains(m.ConversationId)).ExecuteDeleteAsync(ct);
        await db.Set<ConversationRow>().Where(c => alone.Contains(c.Id)).ExecuteDeleteAsync(ct);
        await db.Set<MessageRow>().Where(m => m.SenderId == accountId).ExecuteUpdateAsync(u => u.SetProperty(m => m.SenderId, ghost), ct);
        await db.Set<ConversationRow>().Where(c => c.CreatedById == accountId).ExecuteUpdateAsync(u => u.SetProperty(c => c.CreatedById, ghost), ct);
        // A one-to-one conversation's key names the pair: the ghost takes the account's place (still unique).
        foreach (var conversation in await db.Set<ConversationRow>().Where(c => shared.Contains(c.Id) && c.DirectKey != null).ToListAsync(ct))
        {
            var pair = conversation.DirectKey!.Split('|').Select(id => id == accountId ? ghost : id).Order(StringComparer.Ordinal);
            conversation.DirectKey = string.Join('|', pair);
        }
        await db.SaveChangesAsync(ct);
        db.ChangeTracker.Clear();
    }

    /// <summary>
    /// Its memberships go (member counts given back); a group it owned passes to its longest-standing
    /// admin, else moderator, else member, and is deleted when no one else is in it.
    /// </summary>
    private async Task GroupsAsync(string accountId, string ghost, CancellationToken ct)
    {
        foreach (var group in await db.Set<GroupRow>().Where(g => g.OwnerId == accountId).ToListAsync(ct))
        {
            var heir = (await db.Set<GroupMemberRow>()
                    .Where(m => m.GroupId == group.Id && m.AccountId != accountId && m.Status == MembershipStatus.Active).ToListAsync(ct))
                .OrderBy(m => m.Role switch { GroupRoles.Admin => 0, GroupRoles.Moderator => 1, _ => 2 })
                .ThenBy(m => m.JoinedAt ?? m.CreatedAt)
                .FirstOrDefault();
            if (heir is null)
            {
                await db.Set<GroupMemberRow>().Where(m => m.GroupId == group.Id).ExecuteDeleteAsync(ct);
                await db.Set<GroupBanRow>().Where(b => b.GroupId == group.Id).ExecuteDeleteAsync(ct);
                await db.Set<GroupInviteRow>().Where(i => i.GroupId == group.Id).ExecuteDeleteAsync(ct);
                db.Remove(group);
                continue;
            }
            heir.Role = GroupRoles.Owner;
            group.OwnerId = heir.AccountId;
        }
        await db.SaveChangesAsync(ct);
        db.ChangeTracker.Clear();
        var joined = await db.Set<GroupMemberRow>().Where(m => m.AccountId == accountId && m.Status == MembershipStatus.Active).Select(m => m.GroupId).ToListAsync(ct);
        await db.Set<GroupRow>().Where(g => joined.Contains(g.Id))
            .ExecuteUpdateAsync(u => u.SetProperty(g => g.MemberCount, g => g.MemberCount > 0 ? g.MemberCount - 1 : 0), ct);
        await db.Set<GroupMemberRow>().Where(m => m.AccountId == accountId).ExecuteDeleteAsync(ct);
        await db.Set<GroupBanRow>().Where(b => b.AccountId == accountId).ExecuteDeleteAsync(ct);
        // A ban it gave as a group admin stays (the banned one stays banned), given by the ghost.
        await db.Set<GroupBanRow>().Where(b => b.BannedBy == accountId).ExecuteUpdateAsync(u => u.SetProperty(b => b.BannedBy, ghost), ct);
        await db.Set<GroupInviteRow>().Where(i => i.CreatedBy == accountId || i.InvitedId == accountId).ExecuteDeleteAsync(ct);
    }

    /// <summary>Its lists (with their members and subscribers), its place on others' lists, its subscriptions.</summary>
    private async Task ListsAsync(string accountId, CancellationToken ct)
    {
        var owned = db.Set<ListRow>().Where(l => l.OwnerId == accountId).Select(l => l.Id);
        await db.Set<ListMemberRow>().Where(m => owned.Contains(m.ListId) || m.AccountId == accountId).ExecuteDeleteAsync(ct);
        await db.Set<ListSubscriptionRow>().Where(s => owned.Contains(s.ListId) || s.AccountId == accountId).ExecuteDeleteAsync(ct);
        await db.Set<ListRow>().Where(l => l.OwnerId == accountId).ExecuteDeleteAsync(ct);
    }

    /// <summary>Its notifications, preferences and push subscriptions; in others' notifications it is no longer named.</summary>
    private async Task NotificationsAsync(string accountId, CancellationToken ct)
    {
        await db.Set<NotificationRow>().Where(n => n.AccountId == accountId).ExecuteDeleteAsync(ct);
        await db.Set<NotificationRow>().Where(n => n.ActorId == accountId).ExecuteUpdateAsync(u => u.SetProperty(n => n.ActorId, (string?)null), ct);
        await db.Set<NotificationPreferenceRow>().Where(p => p.AccountId == accountId).ExecuteDeleteAsync(ct);
        await db.Set<PushSubscriptionRow>().Where(s => s.AccountId == accountId).ExecuteDeleteAsync(ct);
    }

    /// <summary>Rows of its files (uploads, video downloads, exports); their blob keys, deleted after the commit.</summary>
    private async Task<List<string>> FilesAsync(string accountId, CancellationToken ct)
    {
        var keys = new List<string>();
        foreach (var media in await db.Set<MediaRow>().Where(m => m.AccountId == accountId).Select(m => new { m.BlobKey, m.ThumbnailKey }).ToListAsync(ct))
        {
            keys.Add(media.BlobKey);
            if (media.ThumbnailKey is { } thumbnail)
            {
                keys.Add(thumbnail);
            }
        }
        keys.AddRange(await db.Set<VideoDownloadRow>().Where(v => v.AccountId == accountId).Select(v => v.BlobKey).ToListAsync(ct));
        keys.AddRange(await db.Set<DataExportRow>().Where(e => e.AccountId == accountId && e.BlobKey != null).Select(e => e.BlobKey!).ToListAsync(ct));
        await db.Set<MediaRow>().Where(m => m.AccountId == accountId).ExecuteDeleteAsync(ct);
        await db.Set<VideoDownloadRow>().Where(v => v.AccountId == accountId).ExecuteDeleteAsync(ct);
        await db.Set<DataExportRow>().Where(e => e.AccountId == accountId).ExecuteDeleteAsync(ct);
        return keys;
    }

    /// <summary>
    /// Reports about it, warnings to it, its bans and appeals go — except an ip ban, whose address stays
    /// banned under the ghost; what it did as a moderator and the reports it filed stay, from the ghost.
    /// </summary>
    private async Task ModerationAsync(string accountId, string ghost, CancellationToken ct)
    {
        await db.Set<ReportRow>().Where(r => r.TargetAccountId == accountId).ExecuteDeleteAsync(ct);
        await db.Set<ReportRow>().Where(r => r.ReporterId == accountId).ExecuteUpdateAsync(u => u.SetProperty(r => r.ReporterId, ghost), ct);
        await db.Set<ReportRow>().Where(r => r.ReviewedBy == accountId).ExecuteUpdateAsync(u => u.SetProperty(r => r.ReviewedBy, ghost), ct);
        await db.Set<WarningRow>().Where(w => w.AccountId == accountId).ExecuteDeleteAsync(ct);
        await db.Set<WarningRow>().Where(w => w.IssuedBy == accountId).ExecuteUpdateAsync(u => u.SetProperty(w => w.IssuedBy, ghost), ct);
        await db.Set<AppealRow>().Where(a => a.AccountId == accountId).ExecuteDeleteAsync(ct);
        await db.Set<AppealRow>().Where(a => a.ReviewedBy == accountId).ExecuteUpdateAsync(u => u.SetProperty(a => a.ReviewedBy, ghost), ct);
        await db.Set<BanRow>().Where(b => b.AccountId == accountId && b.Type != BanTypes.Ip).ExecuteDeleteAsync(ct);
        await db.Set<BanRow>().Where(b => b.AccountId == accountId).ExecuteUpdateAsync(u => u.SetProperty(b => b.AccountId, ghost), ct);
        await db.Set<BanRow>().Where(b => b.IssuedBy == accountId).ExecuteUpdateAsync(u => u.SetProperty(b => b.IssuedBy, ghost), ct);
        await db.Set<BanRow>().Where(b => b.LiftedBy == accountId).ExecuteUpdateAsync(u => u.SetProperty(b => b.LiftedBy, ghost), ct);
    }

    /// <summary>Drafts, support tickets, developer apps (their keys go with the platform's rows), spent transactions.</summary>
    private async Task OwnedAsync(string accountId, string ghost, CancellationToken ct)
    {
        var drafts = db.Set<DraftRow>().Where(d => d.AccountId == accountId).Select(d => d.Id);
        await db.Set<DraftVersionRow>().Where(v => drafts.Contains(v.DraftId)).ExecuteDeleteAsync(ct);
        await db.Set<DraftRow>().Where(d => d.AccountId == accountId).ExecuteDeleteAsync(ct);
        var tickets = db.Set<TicketRow>().Where(t => t.AccountId == accountId).Select(t => t.Id);
        await db.Set<TicketReplyRow>().Where(r => tickets.Contains(r.TicketId)).ExecuteDeleteAsync(ct);
        await db.Set<TicketRow>().Where(t => t.AccountId == accountId).ExecuteDeleteAsync(ct);
        // Its answers as staff on others' tickets stay for them, from the ghost.
        await db.Set<TicketReplyRow>().Where(r => r.AuthorId == accountId).ExecuteUpdateAsync(u => u.SetProperty(r => r.AuthorId, ghost), ct);
        await db.Set<DeveloperAppRow>().Where(a => a.AccountId == accountId).ExecuteDeleteAsync(ct);
        // A transaction hash stays spent (it must never be claimed twice), no longer tied to the account.
        await db.Set<UsedTransactionRow>().Where(t => t.AccountId == accountId).ExecuteUpdateAsync(u => u.SetProperty(t => t.AccountId, ghost), ct);
    }

    /// <summary>Its analytics, AI keys and usage, ads; tips stay for the other side, from the ghost.</summary>
    private async Task PaidAndAiAsync(string accountId, string ghost, CancellationToken ct)
    {
        await db.Set<AnalyticsEventRow>().Where(e => e.AccountId == accountId || (e.TargetType == "User" && e.TargetId == accountId))
            .ExecuteDeleteAsync(ct);
        await db.Set<AttributionRow>().Where(a => a.AccountId == accountId).ExecuteDeleteAsync(ct);
        await db.Set<AiKeyRow>().Where(k => k.AccountId == accountId).ExecuteDeleteAsync(ct);
        await db.Set<AiUsageRow>().Where(u => u.AccountId == accountId).ExecuteDeleteAsync(ct);
        await db.Set<AutoReplyRow>().Where(r => r.AccountId == accountId).ExecuteDeleteAsync(ct);
        await db.Set<AutoReplyDoneRow>().Where(r => r.AccountId == accountId).ExecuteDeleteAsync(ct);
        var ads = db.Set<AdRow>().Where(a => a.AccountId == accountId).Select(a => a.Id);
        await db.Set<AdViewerRow>().Where(v => ads.Contains(v.AdId)).ExecuteDeleteAsync(ct);
        await db.Set<AdDailyRow>().Where(d => ads.Contains(d.AdId)).ExecuteDeleteAsync(ct);
        await db.Set<AdRow>().Where(a => a.AccountId == accountId).ExecuteDeleteAsync(ct);
        await db.Set<TipRow>().Where(t => t.SenderId == accountId)
            .ExecuteUpdateAsync(u => u.SetProperty(t => t.SenderId, ghost).SetProperty(t => t.Message, (string?)null), ct);
        await db.Set<TipRow>().Where(t => t.RecipientId == accountId).ExecuteUpdateAsync(u => u.SetProperty(t => t.RecipientId, ghost), ct);
        await db.Set<ServiceToggleRow>().Where(t => t.UpdatedBy == accountId).ExecuteUpdateAsync(u => u.SetProperty(t => t.UpdatedBy, ghost), ct);
    }
}

/// <summary>MindSwarm's part of a platform account, as other modules' deletions ask about it.</summary>
internal sealed class MindSwarmFootprint(MindstackDbContext db, IServiceProvider services) : IAccountFootprint
{
    public string Api => MindSwarmApi.Name;

    /// <summary>A profile is made on first use; posts, follows and media hang on it.</summary>
    public async Task<bool> HoldsAsync(string accountId, CancellationToken cancellationToken = default) =>
        await db.Set<ProfileRow>().AnyAsync(p => p.AccountId == accountId, cancellationToken)
        || await db.Set<PostRow>().AnyAsync(p => p.AuthorId == accountId, cancellationToken)
        || await db.Set<MediaRow>().AnyAsync(m => m.AccountId == accountId, cancellationToken);

    public Task EraseAsync(string accountId, CancellationToken cancellationToken = default) =>
        services.GetRequiredService<AccountEraser>().EraseFootprintAsync(accountId, cancellationToken);
}
