using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Mindstack.MindSwarm.Feeds;
using Mindstack.MindSwarm.Posts;
using Mindstack.MindSwarm.Storage;
using Mindstack.MindSwarm.Users;
using Mindstack.Platform.Access;
using Mindstack.Platform.Accounts;
using Mindstack.Platform.Events;
using Mindstack.Platform.Http;
using Mindstack.Platform.Storage;

namespace Mindstack.MindSwarm.Groups;

internal sealed record CreateGroupRequest(string? Name, string? Description, string? Privacy);

internal sealed record UpdateGroupRequest(string? Name, string? Description, string? Privacy);

internal sealed record RoleRequest(string? Role);

internal sealed record BanRequest(string? Reason);

internal sealed record InviteRequest(string? UserId, int? MaxUses, int? ExpiresInHours);

/// <summary>A group as the API answers it, with the viewer's membership.</summary>
internal sealed record GroupView
{
    [System.Text.Json.Serialization.JsonPropertyName("_id")]
    public required string UnderscoreId { get; init; }
    public required string Id { get; init; }
    public required string Slug { get; init; }
    public required string Name { get; init; }
    public string? Description { get; init; }
    public required string Privacy { get; init; }
    public required UserSummary Owner { get; init; }
    public int MemberCount { get; init; }
    public int PostCount { get; init; }
    public bool IsMember { get; init; }
    /// <summary>The viewer's role when a member; null otherwise.</summary>
    public string? Role { get; init; }
    /// <summary><c>active</c>, <c>pending</c> (a join request waits) or null.</summary>
    public string? MembershipStatus { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime UpdatedAt { get; init; }
}

internal sealed record GroupEnvelope(GroupView Group);

internal sealed record GroupListView(IReadOnlyList<GroupView> Groups, int Page, int Limit, int Total, bool HasMore);

internal sealed record GroupMemberView(UserSummary User, string Role, string Status, DateTime? JoinedAt, DateTime CreatedAt);

internal sealed record GroupMembersView(IReadOnlyList<GroupMemberView> Members, int Page, int Limit, int Total, bool HasMore);

internal sealed record JoinRequestsView(IReadOnlyList<GroupMemberView> Requests, int Page, int Limit, int Total, bool HasMore);

internal sealed record MembershipResult(string GroupId, string? Status, string? Role, string Message);

internal sealed record RoleResult(string GroupId, string UserId, string Role);

internal sealed record BanResult(string GroupId, string UserId, bool Banned, string? Reason);

internal sealed record InviteView(string InviteCode, string Code, string GroupId, string Url, DateTime ExpiresAt, int? MaxUses, int Uses,
    string? InvitedUserId);

internal sealed record GroupPostsView(string GroupId, IReadOnlyList<PostView> Posts, string? NextCursor, bool HasMore, int Limit);

/// <summary>Section 4: groups, memberships and their roles, join requests, invites, bans, and group posts.</summary>
internal sealed class GroupService(
    MindstackDbContext db,
    IIdGenerator ids,
    TimeProvider clock,
    ProfileService profiles,
    Relations relations,
    PostService posts,
    PostViews views,
    IEventOutbox events,
    MindSwarmDialect dialect)
{
    public const int MaxNameLength = 100;
    public const int MinNameLength = 3;
    public const int MaxDescriptionLength = 500;
    public const int MaxReasonLength = 500;
    private static readonly TimeSpan DefaultInviteLifetime = TimeSpan.FromDays(7);
    private const int MaxInviteHours = 24 * 30;

    public async Task<GroupView> CreateAsync(Caller caller, CreateGroupRequest request, CancellationToken ct)
    {
        var name = Name(request.Name);
        var description = Description(request.Description);
        var privacy = Privacy(request.Privacy) ?? GroupPrivacy.Public;
        var now = clock.GetUtcNow().UtcDateTime;
        var row = new GroupRow
        {
            Id = ids.New("group"),
            Slug = await FreeSlugAsync(name, ct),
            Name = name,
            Description = description,
            Privacy = privacy,
            OwnerId = caller.AccountId,
            MemberCount = 1,
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Add(row);
        db.Add(new GroupMemberRow
        {
            GroupId = row.Id,
            AccountId = caller.AccountId,
            Role = GroupRoles.Owner,
            Status = MembershipStatus.Active,
            CreatedAt = now,
            JoinedAt = now,
        });
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // Two groups named alike at once: the unique slug keeps one.
            throw Problem.Conflict("A group with this name was just created; try again", "GROUP_SLUG_TAKEN");
        }
        return (await ViewsAsync([row], caller.AccountId, ct))[0];
    }

    public async Task<GroupView> GetAsync(string idOrSlug, string? viewerId, CancellationToken ct)
    {
        var row = await GroupAccess.RequireVisibleAsync(db, idOrSlug, viewerId, ct);
        return (await ViewsAsync([row], viewerId, ct))[0];
    }

    public async Task<GroupView> UpdateAsync(Caller caller, string groupId, UpdateGroupRequest request, CancellationToken ct)
    {
        var row = await GroupAccess.RequireVisibleAsync(db, groupId, caller.AccountId, ct, tracked: true);
        var me = await RequireRoleAsync(row, caller.AccountId, GroupRoles.Admin, "Only the owner and admins can edit the group", ct);
        if (request.Name is not null)
        {
            row.Name = Name(request.Name);
        }
        if (request.Description is not null)
        {
            row.Description = Description(request.Description);
        }
        if (Privacy(request.Privacy) is { } privacy)
        {
            row.Privacy = privacy;
        }
        row.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(ct);
        return (await ViewsAsync([row], me.AccountId, ct))[0];
    }

    public async Task<GroupListView> ListAsync(string? viewerId, string? privacy, PageRequest paging, CancellationToken ct)
    {
        var groups = GroupAccess.Listed(db, viewerId);
        if (Privacy(privacy) is { } only)
        {
            groups = groups.Where(g => g.Privacy == only);
        }
        return await PageAsync(groups.OrderByDescending(g => g.MemberCount).ThenByDescending(g => g.CreatedAt).ThenBy(g => g.Id), viewerId, paging, ct);
    }

    public async Task<GroupListView> SearchAsync(string? viewerId, string? q, PageRequest paging, CancellationToken ct)
    {
        var text = q?.Trim().ToLowerInvariant() ?? "";
        if (text.Length is 0 or > 100)
        {
            throw Problem.Invalid("q", "q is 1-100 characters");
        }
        var groups = GroupAccess.Listed(db, viewerId)
            .Where(g => g.Name.ToLower().Contains(text) || g.Slug.Contains(text) || (g.Description != null && g.Description.ToLower().Contains(text)));
        return await PageAsync(groups.OrderByDescending(g => g.MemberCount).ThenBy(g => g.Id), viewerId, paging, ct);
    }

    /// <summary>The groups a user belongs to, as the viewer may see them (secret ones only to fellow members).</summary>
    public async Task<GroupListView> OfUserAsync(string userIdOrName, string? viewerId, PageRequest paging, CancellationToken ct)
    {
        var account = await RequireAccountAsync(userIdOrName, ct);
        if (viewerId is not null && viewerId != account.Id && await relations.IsBlockedEitherWayAsync(viewerId, account.Id, ct))
        {
            throw Problem.NotFound("User not found", "USER_NOT_FOUND");
        }
        var theirs = db.Set<GroupMemberRow>().Where(m => m.AccountId == account.Id && m.Status == MembershipStatus.Active).Select(m => m.GroupId);
        var groups = GroupAccess.Listed(db, viewerId).Where(g => theirs.Contains(g.Id));
        return await PageAsync(groups.OrderBy(g => g.Name).ThenBy(g => g.Id), viewerId, paging, ct);
    }

    /// <summary>Joins a public group, or asks to join a private one; a secret group is joined only by invite code.</summary>
    public async Task<MembershipResult> JoinAsync(Caller caller, string groupId, CancellationToken ct)
    {
        var group = await GroupAccess.RequireVisibleAsync(db, groupId, caller.AccountId, ct);
        await RefuseBannedAsync(group.Id, caller.AccountId, ct);
        var existing = await MembershipAsync(group.Id, caller.AccountId, ct);
        if (existing is not null)
        {
            return new MembershipResult(group.Id, existing.Status, existing.Role,
                existing.Status == MembershipStatus.Active ? "Already a member" : "Join request pending");
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var active = group.Privacy == GroupPrivacy.Public;
        db.Add(new GroupMemberRow
        {
            GroupId = group.Id,
            AccountId = caller.AccountId,
            Role = GroupRoles.Member,
            Status = active ? MembershipStatus.Active : MembershipStatus.Pending,
            CreatedAt = now,
            JoinedAt = active ? now : null,
        });
        await SaveMembershipAsync(group.Id, active ? 1 : 0, ct);
        return active
            ? new MembershipResult(group.Id, MembershipStatus.Active, GroupRoles.Member, "Joined the group")
            : new MembershipResult(group.Id, MembershipStatus.Pending, GroupRoles.Member, "Join request sent");
    }

    public async Task<MembershipResult> LeaveAsync(Caller caller, string groupId, CancellationToken ct)
    {
        var group = await GroupAccess.RequireVisibleAsync(db, groupId, caller.AccountId, ct);
        var membership = await MembershipAsync(group.Id, caller.AccountId, ct) ?? throw Problem.BadRequest("You are not a member of this group", "NOT_A_MEMBER");
        if (membership.Role == GroupRoles.Owner)
        {
            throw Problem.BadRequest("The owner cannot leave the group", "OWNER_CANNOT_LEAVE");
        }
        await RemoveMembershipAsync(membership, ct);
        return new MembershipResult(group.Id, null, null, membership.Status == MembershipStatus.Active ? "Left the group" : "Join request withdrawn");
    }

    /// <summary>Joins by invite code, whatever the group's privacy (a pending request becomes a membership).</summary>
    public async Task<MembershipResult> JoinByCodeAsync(Caller caller, string code, CancellationToken ct)
    {
        var key = code?.Trim() ?? "";
        var invite = key.Length is 0 or > 32 ? null : await db.Set<GroupInviteRow>().FirstOrDefaultAsync(i => i.Code == key, ct);
        var now = clock.GetUtcNow().UtcDateTime;
        if (invite is null || invite.ExpiresAt <= now || (invite.MaxUses is { } max && invite.Uses >= max))
        {
            throw Problem.NotFound("Invite not found or expired", "INVITE_INVALID");
        }
        await RefuseBannedAsync(invite.GroupId, caller.AccountId, ct);
        var existing = await db.Set<GroupMemberRow>().FirstOrDefaultAsync(m => m.GroupId == invite.GroupId && m.AccountId == caller.AccountId, ct);
        if (existing is { Status: MembershipStatus.Active })
        {
            return new MembershipResult(invite.GroupId, existing.Status, existing.Role, "Already a member");
        }
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        // Counted in one update, so concurrent uses cannot pass the limit.
        var used = await db.Set<GroupInviteRow>().Where(i => i.Code == invite.Code && (i.MaxUses == null || i.Uses < i.MaxUses))
            .ExecuteUpdateAsync(u => u.SetProperty(i => i.Uses, i => i.Uses + 1), ct);
        if (used == 0)
        {
            throw Problem.NotFound("Invite not found or expired", "INVITE_INVALID");
        }
        if (existing is null)
        {
            db.Add(new GroupMemberRow
            {
                GroupId = invite.GroupId,
                AccountId = caller.AccountId,
                Role = GroupRoles.Member,
                Status = MembershipStatus.Active,
                CreatedAt = now,
                JoinedAt = now,
            });
        }
        else
        {
            existing.Status = MembershipStatus.Active;
            existing.JoinedAt = now;
        }
        await SaveMembershipAsync(invite.GroupId, 1, ct);
        await transaction.CommitAsync(ct);
        return new MembershipResult(invite.GroupId, MembershipStatus.Active, GroupRoles.Member, "Joined the group");
    }

    public async Task<GroupMembersView> MembersAsync(string groupId, string? viewerId, PageRequest paging, CancellationToken ct)
    {
        var group = await RequireReadableAsync(groupId, viewerId, ct);
        var rows = db.Set<GroupMemberRow>().AsNoTracking().Where(m => m.GroupId == group.Id && m.Status == MembershipStatus.Active);
        if (viewerId is not null)
        {
            var hidden = relations.HiddenFrom(viewerId);
            rows = rows.Where(m => !hidden.Contains(m.AccountId));
        }
        var (items, total) = await MemberPageAsync(rows.OrderBy(m => m.JoinedAt).ThenBy(m => m.AccountId), paging, ct);
        return new GroupMembersView(items, paging.Page, paging.Limit, total, paging.Offset + items.Count < total);
    }

    public async Task<JoinRequestsView> RequestsAsync(Caller caller, string groupId, PageRequest paging, CancellationToken ct)
    {
        var group = await GroupAccess.RequireVisibleAsync(db, groupId, caller.AccountId, ct);
        await RequireRoleAsync(group, caller.AccountId, GroupRoles.Moderator, "Only moderators and above see join requests", ct);
        var rows = db.Set<GroupMemberRow>().AsNoTracking().Where(m => m.GroupId == group.Id && m.Status == MembershipStatus.Pending);
        var (items, total) = await MemberPageAsync(rows.OrderBy(m => m.CreatedAt).ThenBy(m => m.AccountId), paging, ct);
        return new JoinRequestsView(items, paging.Page, paging.Limit, total, paging.Offset + items.Count < total);
    }

    /// <summary>Approves or denies a join request (owner, admins, moderators).</summary>
    public async Task<MembershipResult> AnswerRequestAsync(Caller caller, string groupId, string userId, bool approve, CancellationToken ct)
    {
        var group = await GroupAccess.RequireVisibleAsync(db, groupId, caller.AccountId, ct);
        await RequireRoleAsync(group, caller.AccountId, GroupRoles.Moderator, "Only moderators and above answer join requests", ct);
        var account = await RequireAccountAsync(userId, ct);
        var request = await db.Set<GroupMemberRow>()
            .FirstOrDefaultAsync(m => m.GroupId == group.Id && m.AccountId == account.Id && m.Status == MembershipStatus.Pending, ct)
            ?? throw Problem.NotFound("Join request not found", "JOIN_REQUEST_NOT_FOUND");
        if (!approve)
        {
            db.Remove(request);
            await db.SaveChangesAsync(ct);
            return new MembershipResult(group.Id, null, null, "Join request denied");
        }
        request.Status = MembershipStatus.Active;
        request.JoinedAt = clock.GetUtcNow().UtcDateTime;
        await SaveMembershipAsync(group.Id, 1, ct);
        return new MembershipResult(group.Id, MembershipStatus.Active, request.Role, "Join request approved");
    }

    public async Task<RoleResult> SetRoleAsync(Caller caller, string groupId, string userId, string? role, CancellationToken ct)
    {
        var group = await GroupAccess.RequireVisibleAsync(db, groupId, caller.AccountId, ct);
        var newRole = role?.Trim().ToLowerInvariant() ?? "";
        if (!GroupRoles.Assignable.Contains(newRole))
        {
            throw Problem.Invalid("role", newRole == GroupRoles.Owner ? "Ownership cannot be assigned" : "role must be admin, moderator or member");
        }
        var me = await RequireRoleAsync(group, caller.AccountId, GroupRoles.Admin, "Only the owner and admins can change roles", ct);
        var target = await RequireTargetAsync(group, me, userId, ct);
        if (GroupRoles.Rank(newRole) >= GroupRoles.Rank(me.Role))
        {
            throw Problem.Forbidden($"You cannot give the role {newRole}", "GROUP_PERMISSION_DENIED");
        }
        var old = target.Role;
        if (old != newRole)
        {
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            target.Role = newRole;
            Publish(GroupEvents.GroupRoleChanged, group, target.AccountId,
                new GroupRoleChangedData(target.AccountId, group.Id, group.Slug, old, newRole, caller.AccountId));
            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
        }
        return new RoleResult(group.Id, target.AccountId, newRole);
    }

    public async Task<MembershipResult> RemoveMemberAsync(Caller caller, string groupId, string userId, CancellationToken ct)
    {
        var group = await GroupAccess.RequireVisibleAsync(db, groupId, caller.AccountId, ct);
        var me = await RequireRoleAsync(group, caller.AccountId, GroupRoles.Moderator, "Only moderators and above can remove members", ct);
        var target = await RequireTargetAsync(group, me, userId, ct);
        await RemoveMembershipAsync(target, ct);
        return new MembershipResult(group.Id, null, null, "Member removed");
    }

    /// <summary>Bans an account (a member ranked below the actor, or anyone not in the group): its membership ends, it cannot rejoin, its posts are hidden.</summary>
    public async Task<BanResult> BanAsync(Caller caller, string groupId, string userId, string? reason, CancellationToken ct)
    {
        var group = await GroupAccess.RequireVisibleAsync(db, groupId, caller.AccountId, ct);
        var me = await RequireRoleAsync(group, caller.AccountId, GroupRoles.Moderator, "Only moderators and above can ban", ct);
        var text = string.IsNullOrWhiteSpace(reason) ? null : reason.Trim();
        if (text is { Length: > MaxReasonLength })
        {
            throw Problem.Invalid("reason", $"reason must be at most {MaxReasonLength} characters");
        }
        var account = await RequireAccountAsync(userId, ct);
        if (account.Id == caller.AccountId)
        {
            throw Problem.BadRequest("You cannot ban yourself");
        }
        var membership = await MembershipAsync(group.Id, account.Id, ct);
        if (membership is not null && GroupRoles.Rank(membership.Role) >= GroupRoles.Rank(me.Role))
        {
            throw Problem.Forbidden("You cannot ban a member of your rank or above", "GROUP_PERMISSION_DENIED");
        }
        if (await db.Set<GroupBanRow>().AnyAsync(b => b.GroupId == group.Id && b.AccountId == account.Id, ct))
        {
            return new BanResult(group.Id, account.Id, true, text);
        }
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        db.Add(new GroupBanRow { GroupId = group.Id, AccountId = account.Id, Reason = text, BannedBy = caller.AccountId, CreatedAt = clock.GetUtcNow().UtcDateTime });
        if (membership is not null)
        {
            await RemoveMembershipAsync(membership, ct);
        }
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return new BanResult(group.Id, account.Id, true, text);
    }

    public async Task<BanResult> UnbanAsync(Caller caller, string groupId, string userId, CancellationToken ct)
    {
        var group = await GroupAccess.RequireVisibleAsync(db, groupId, caller.AccountId, ct);
        await RequireRoleAsync(group, caller.AccountId, GroupRoles.Moderator, "Only moderators and above can lift bans", ct);
        var account = await RequireAccountAsync(userId, ct);
        var removed = await db.Set<GroupBanRow>().Where(b => b.GroupId == group.Id && b.AccountId == account.Id).ExecuteDeleteAsync(ct);
        return removed == 0 ? throw Problem.NotFound("This user is not banned", "BAN_NOT_FOUND") : new BanResult(group.Id, account.Id, false, null);
    }

    /// <summary>An invite code (moderators and above; in a public group any member), optionally for one user (notified).</summary>
    public async Task<InviteView> InviteAsync(Caller caller, string groupId, InviteRequest request, CancellationToken ct)
    {
        var group = await GroupAccess.RequireVisibleAsync(db, groupId, caller.AccountId, ct);
        var me = await MembershipAsync(group.Id, caller.AccountId, ct);
        if (me is not { Status: MembershipStatus.Active })
        {
            throw Problem.Forbidden("Only members can invite", "NOT_A_MEMBER");
        }
        if (group.Privacy != GroupPrivacy.Public && GroupRoles.Rank(me.Role) < GroupRoles.Rank(GroupRoles.Moderator))
        {
            throw Problem.Forbidden("Only moderators and above can invite to a private or secret group", "GROUP_PERMISSION_DENIED");
        }
        if (request.MaxUses is < 1 or > 10_000)
        {
            throw Problem.Invalid("maxUses", "maxUses is 1-10000");
        }
        if (request.ExpiresInHours is < 1 or > MaxInviteHours)
        {
            throw Problem.Invalid("expiresInHours", $"expiresInHours is 1-{MaxInviteHours}");
        }
        Account? invited = null;
        if (!string.IsNullOrWhiteSpace(request.UserId))
        {
            invited = await RequireAccountAsync(request.UserId, ct);
            if (await db.Set<GroupBanRow>().AnyAsync(b => b.GroupId == group.Id && b.AccountId == invited.Id, ct))
            {
                throw Problem.BadRequest("This user is banned from the group", "GROUP_BANNED");
            }
            if (await relations.IsBlockedEitherWayAsync(caller.AccountId, invited.Id, ct))
            {
                throw Problem.NotFound("User not found", "USER_NOT_FOUND");
            }
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var invite = new GroupInviteRow
        {
            Code = NewCode(),
            GroupId = group.Id,
            CreatedBy = caller.AccountId,
            InvitedId = invited?.Id,
            MaxUses = request.MaxUses ?? (invited is null ? null : 1),
            ExpiresAt = request.ExpiresInHours is { } hours ? now.AddHours(hours) : now + DefaultInviteLifetime,
            CreatedAt = now,
        };
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        db.Add(invite);
        if (invited is not null)
        {
            Publish(GroupEvents.GroupInvited, group, invited.Id,
                new GroupInvitedData(invited.Id, group.Id, group.Slug, group.Name, caller.AccountId, invite.Code));
        }
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return new InviteView(invite.Code, invite.Code, group.Id, "/groups/join/" + invite.Code, invite.ExpiresAt, invite.MaxUses, 0, invite.InvitedId);
    }

    /// <summary>
    /// A post in the group through the post rules (content, media, mentions, hashtags, post events),
    /// then the group's own events — to each other member, to the mentioned members, and to the
    /// group's realtime room — in the same transaction.
    /// </summary>
    public async Task<PostRow> PostAsync(Author author, string groupId, CreatePostRequest request, CancellationToken ct)
    {
        var caller = author.Caller;
        var group = await GroupAccess.RequireVisibleAsync(db, groupId, caller.AccountId, ct);
        await RefuseBannedAsync(group.Id, caller.AccountId, ct);
        if (!await GroupAccess.IsActiveMemberAsync(db, group.Id, caller.AccountId, ct))
        {
            throw Problem.Forbidden("Join the group to post in it", "NOT_A_MEMBER");
        }
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var row = await posts.CreateAsync(author, request, ct, group.Id);
        // A scheduled one is announced when its job publishes it.
        if (row.PublishedAt is not null)
        {
            await AnnounceAsync(group, row, ct);
        }
        await transaction.CommitAsync(ct);
        return row;
    }

    /// <summary>
    /// A published group post's own effects, in the caller's transaction: the group's post count,
    /// <c>group-posted</c> to each other member, <c>group-mentioned</c> to the mentioned members,
    /// and <c>group-post</c> to the group's realtime room.
    /// </summary>
    public async Task AnnounceAsync(GroupRow group, PostRow row, CancellationToken ct)
    {
        await db.Set<GroupRow>().Where(g => g.Id == group.Id).ExecuteUpdateAsync(u => u.SetProperty(g => g.PostCount, g => g.PostCount + 1), ct);
        var members = await db.Set<GroupMemberRow>().AsNoTracking()
            .Where(m => m.GroupId == group.Id && m.Status == MembershipStatus.Active && m.AccountId != row.AuthorId)
            .Select(m => m.AccountId).ToListAsync(ct);
        var preview = row.Content.Length <= 200 ? row.Content : row.Content[..200];
        foreach (var member in members)
        {
            Publish(GroupEvents.GroupPosted, group, member,
                new GroupPostedData(member, group.Id, group.Slug, row.Id, row.ShortId, row.AuthorId, preview));
        }
        var mentioned = await db.Set<MentionRow>().AsNoTracking().Where(m => m.PostId == row.Id).Select(m => m.AccountId).ToListAsync(ct);
        foreach (var member in mentioned.Where(members.Contains))
        {
            Publish(GroupEvents.GroupMentioned, group, member,
                new GroupMentionedData(member, group.Id, group.Slug, row.Id, row.ShortId, row.AuthorId));
        }
        // A shadow-banned author's post goes to no one's screen but its own.
        if (!await relations.IsShadowBannedAsync(row.AuthorId, ct))
        {
            var view = await views.OneAsync(row, null, ct);
            events.Publish(new NewEvent(GroupEvents.GroupPost, "group", group.Id)
            {
                Api = MindSwarmApi.Name,
                Data = new { groupId = group.Id, post = view },
                Json = dialect.Json,
                Channels = [GroupEvents.Room(group.Id)],
            });
        }
        await db.SaveChangesAsync(ct);
    }

    /// <summary>The group's posts, newest first, by keyset cursor; banned, blocked and muted authors left out.</summary>
    public async Task<GroupPostsView> PostsAsync(string groupId, string? viewerId, string? cursor, int limit, CancellationToken ct)
    {
        var group = await RequireReadableAsync(groupId, viewerId, ct);
        var banned = db.Set<GroupBanRow>().Where(b => b.GroupId == group.Id).Select(b => b.AccountId);
        var query = relations.WithoutShadowBanned(db.Set<PostRow>().AsNoTracking()
            .Where(p => p.GroupId == group.Id && p.PublishedAt != null && p.DeletedAt == null && p.ReplyToId == null && !banned.Contains(p.AuthorId)),
            viewerId);
        if (viewerId is not null)
        {
            var hidden = relations.HiddenFrom(viewerId);
            query = query.Where(p => !hidden.Contains(p.AuthorId));
        }
        if (cursor is not null)
        {
            var (at, id) = FeedService.ReadKeyset(cursor);
            query = query.Where(p => p.PublishedAt < at || (p.PublishedAt == at && string.Compare(p.Id, id) < 0));
        }
        var rows = await query.OrderByDescending(p => p.PublishedAt).ThenByDescending(p => p.Id).Take(limit + 1).ToListAsync(ct);
        var more = rows.Count > limit;
        var page = rows.Take(limit).ToList();
        var next = more ? FeedService.WriteKeyset(page[^1].PublishedAt!.Value, page[^1].Id) : null;
        return new GroupPostsView(group.Id, await views.ManyAsync(page, viewerId, ct), next, more, limit);
    }

    /// <summary>A group whose members and posts the viewer may read: public, or the viewer is a member (private: 403, secret: 404).</summary>
    private async Task<GroupRow> RequireReadableAsync(string groupId, string? viewerId, CancellationToken ct)
    {
        var group = await GroupAccess.RequireVisibleAsync(db, groupId, viewerId, ct);
        if (group.Privacy != GroupPrivacy.Public && !await GroupAccess.IsActiveMemberAsync(db, group.Id, viewerId, ct))
        {
            throw Problem.Forbidden("This group is private: join it to see its members and posts", "GROUP_PRIVATE");
        }
        return group;
    }

    private async Task<GroupMemberRow> RequireRoleAsync(GroupRow group, string accountId, string least, string message, CancellationToken ct)
    {
        var me = await MembershipAsync(group.Id, accountId, ct);
        return me is { Status: MembershipStatus.Active } && GroupRoles.Rank(me.Role) >= GroupRoles.Rank(least)
            ? me
            : throw Problem.Forbidden(message, "GROUP_PERMISSION_DENIED");
    }

    /// <summary>Another active member, ranked below the actor.</summary>
    private async Task<GroupMemberRow> RequireTargetAsync(GroupRow group, GroupMemberRow me, string userId, CancellationToken ct)
    {
        var account = await RequireAccountAsync(userId, ct);
        if (account.Id == me.AccountId)
        {
            throw Problem.BadRequest("You cannot do this to yourself");
        }
        var target = await db.Set<GroupMemberRow>()
            .FirstOrDefaultAsync(m => m.GroupId == group.Id && m.AccountId == account.Id && m.Status == MembershipStatus.Active, ct)
            ?? throw Problem.NotFound("Member not found", "MEMBER_NOT_FOUND");
        return GroupRoles.Rank(target.Role) < GroupRoles.Rank(me.Role)
            ? target
            : throw Problem.Forbidden("You cannot act on a member of your rank or above", "GROUP_PERMISSION_DENIED");
    }

    private Task<GroupMemberRow?> MembershipAsync(string groupId, string accountId, CancellationToken ct) =>
        db.Set<GroupMemberRow>().FirstOrDefaultAsync(m => m.GroupId == groupId && m.AccountId == accountId, ct);

    private async Task RefuseBannedAsync(string groupId, string accountId, CancellationToken ct)
    {
        if (await db.Set<GroupBanRow>().AnyAsync(b => b.GroupId == groupId && b.AccountId == accountId, ct))
        {
            throw Problem.Forbidden("You are banned from this group", "GROUP_BANNED");
        }
    }

    private async Task RemoveMembershipAsync(GroupMemberRow membership, CancellationToken ct)
    {
        var active = membership.Status == MembershipStatus.Active;
        db.Remove(membership);
        await SaveMembershipAsync(membership.GroupId, active ? -1 : 0, ct);
    }

    /// <summary>Saves membership changes and moves the member count in one atomic update.</summary>
    private async Task SaveMembershipAsync(string groupId, int by, CancellationToken ct)
    {
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // The same join twice at once: the key keeps one.
            throw Problem.Conflict("Membership changed meanwhile; try again", "MEMBERSHIP_CONFLICT");
        }
        if (by != 0)
        {
            await db.Set<GroupRow>().Where(g => g.Id == groupId)
                .ExecuteUpdateAsync(u => u.SetProperty(g => g.MemberCount, g => g.MemberCount + by).SetProperty(g => g.UpdatedAt, clock.GetUtcNow().UtcDateTime), ct);
        }
    }

    private async Task<(List<GroupMemberView> Items, int Total)> MemberPageAsync(IQueryable<GroupMemberRow> rows, PageRequest paging, CancellationToken ct)
    {
        var total = await rows.CountAsync(ct);
        var page = await rows.Skip(paging.Offset).Take(paging.Limit).ToListAsync(ct);
        var users = await profiles.SummariesAsync(page.Select(m => m.AccountId), ct);
        return (page.Select(m => new GroupMemberView(users[m.AccountId], m.Role, m.Status, m.JoinedAt, m.CreatedAt)).ToList(), total);
    }

    private async Task<GroupListView> PageAsync(IQueryable<GroupRow> groups, string? viewerId, PageRequest paging, CancellationToken ct)
    {
        var total = await groups.CountAsync(ct);
        var rows = await groups.Skip(paging.Offset).Take(paging.Limit).ToListAsync(ct);
        var items = await ViewsAsync(rows, viewerId, ct);
        return new GroupListView(items, paging.Page, paging.Limit, total, paging.Offset + items.Count < total);
    }

    private async Task<IReadOnlyList<GroupView>> ViewsAsync(IReadOnlyList<GroupRow> rows, string? viewerId, CancellationToken ct)
    {
        var owners = await profiles.SummariesAsync(rows.Select(r => r.OwnerId), ct);
        var groupIds = rows.Select(r => r.Id).ToList();
        var mine = viewerId is null ? [] : await db.Set<GroupMemberRow>().AsNoTracking()
            .Where(m => m.AccountId == viewerId && groupIds.Contains(m.GroupId)).ToDictionaryAsync(m => m.GroupId, ct);
        return rows.Select(r =>
        {
            var membership = mine.GetValueOrDefault(r.Id);
            return new GroupView
            {
                UnderscoreId = r.Id,
                Id = r.Id,
                Slug = r.Slug,
                Name = r.Name,
                Description = r.Description,
                Privacy = r.Privacy,
                Owner = owners[r.OwnerId],
                MemberCount = r.MemberCount,
                PostCount = r.PostCount,
                IsMember = membership?.Status == MembershipStatus.Active,
                Role = membership?.Status == MembershipStatus.Active ? membership.Role : null,
                MembershipStatus = membership?.Status,
                CreatedAt = r.CreatedAt,
                UpdatedAt = r.UpdatedAt,
            };
        }).ToList();
    }

    /// <summary>An account by id or username; NOT_FOUND otherwise.</summary>
    private async Task<Account> RequireAccountAsync(string idOrName, CancellationToken ct)
    {
        var key = idOrName?.Trim().TrimStart('@') ?? "";
        var normalized = key.ToLowerInvariant();
        var account = key.Length is 0 or > 64 ? null
            : await db.Set<Account>().AsNoTracking().FirstOrDefaultAsync(a => a.Id == key || a.NormalizedUsername == normalized, ct);
        return account is null || account.Status == AccountStatus.Banned ? throw Problem.NotFound("User not found", "USER_NOT_FOUND") : account;
    }

    private void Publish(string type, GroupRow group, string recipientId, object data) =>
        events.Publish(new NewEvent(type, "group", group.Id)
        {
            AccountId = recipientId,
            Api = MindSwarmApi.Name,
            Data = data,
            Json = dialect.Json,
            ToAccountChannel = false,
        });

    private static string Name(string? name)
    {
        var text = name?.Trim() ?? "";
        return text.Length is < MinNameLength or > MaxNameLength
            ? throw Problem.Invalid("name", $"name is {MinNameLength}-{MaxNameLength} characters")
            : text;
    }

    private static string? Description(string? description)
    {
        var text = description?.Trim();
        return text is { Length: > MaxDescriptionLength }
            ? throw Problem.Invalid("description", $"description must be at most {MaxDescriptionLength} characters")
            : string.IsNullOrEmpty(text) ? null : text;
    }

    private static string? Privacy(string? privacy)
    {
        if (string.IsNullOrWhiteSpace(privacy))
        {
            return null;
        }
        var value = privacy.Trim().ToLowerInvariant();
        return GroupPrivacy.All.Contains(value) ? value : throw Problem.Invalid("privacy", "privacy must be public, private or secret");
    }

    /// <summary>A slug from the name (lowercase letters, digits, dashes), with a random tail when taken.</summary>
    private async Task<string> FreeSlugAsync(string name, CancellationToken ct)
    {
        var builder = new StringBuilder();
        foreach (var c in name.ToLowerInvariant())
        {
            if (c is >= 'a' and <= 'z' or >= '0' and <= '9')
            {
                builder.Append(c);
            }
            else if (builder.Length > 0 && builder[^1] != '-')
            {
                builder.Append('-');
            }
        }
        var slug = builder.ToString().Trim('-');
        slug = slug.Length == 0 ? "group" : slug[..Math.Min(slug.Length, 60)].Trim('-');
        if (!await db.Set<GroupRow>().AnyAsync(g => g.Slug == slug, ct))
        {
            return slug;
        }
        return slug + "-" + NewCode()[..6].ToLowerInvariant();
    }

    private const string CodeAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";

    /// <summary>12 random characters (about 70 bits): not guessable.</summary>
    private static string NewCode() =>
        string.Create(12, 0, (span, _) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = CodeAlphabet[RandomNumberGenerator.GetInt32(CodeAlphabet.Length)];
            }
        });
}
