using Microsoft.EntityFrameworkCore;
using Mindstack.MindSwarm.Feeds;
using Mindstack.MindSwarm.Posts;
using Mindstack.MindSwarm.Users;
using Mindstack.Platform.Access;
using Mindstack.Platform.Accounts;
using Mindstack.Platform.Http;
using Mindstack.Platform.Storage;

namespace Mindstack.MindSwarm.Lists;

internal sealed record CreateListRequest(string? Name, string? Description, bool? IsPrivate);

internal sealed record UpdateListRequest(string? Name, string? Description, bool? IsPrivate);

internal sealed record ListMemberRequest(string? UserId);

internal sealed record ListView
{
    [System.Text.Json.Serialization.JsonPropertyName("_id")]
    public required string UnderscoreId { get; init; }
    public required string Id { get; init; }
    public required string Name { get; init; }
    public string? Description { get; init; }
    public bool IsPrivate { get; init; }
    public required UserSummary Owner { get; init; }
    public int MemberCount { get; init; }
    public int SubscriberCount { get; init; }
    public bool IsOwner { get; init; }
    public bool IsSubscribed { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime UpdatedAt { get; init; }
}

internal sealed record ListEnvelope(ListView List);

internal sealed record ListDetailView(ListView List, IReadOnlyList<UserSummary> Members);

/// <summary>Your lists and the lists you subscribe to.</summary>
internal sealed record ListsView(IReadOnlyList<ListView> Lists, IReadOnlyList<ListView> Subscribed, int Total, int Max);

internal sealed record ListMembershipResult(string ListId, string UserId, bool IsMember, int MemberCount);

internal sealed record ListSubscriptionResult(string ListId, bool Subscribed, int SubscriberCount);

internal sealed record ListTimelineView(string ListId, IReadOnlyList<PostView> Posts, string? NextCursor, bool HasMore, int Limit);

internal sealed record ListDeletedView(string Message);

/// <summary>Section 12: lists (at most 20 a user, 500 members each), private lists, timelines, subscriptions.</summary>
internal sealed class ListService(
    MindstackDbContext db,
    IIdGenerator ids,
    TimeProvider clock,
    ProfileService profiles,
    Relations relations,
    FeedService feeds,
    PostViews views)
{
    public const int MaxListsPerUser = 20;
    public const int MaxMembersPerList = 500;
    public const int MaxNameLength = 50;
    public const int MaxDescriptionLength = 200;

    public async Task<ListsView> MineAsync(Caller caller, CancellationToken ct)
    {
        var own = await db.Set<ListRow>().AsNoTracking().Where(l => l.OwnerId == caller.AccountId)
            .OrderBy(l => l.CreatedAt).ThenBy(l => l.Id).ToListAsync(ct);
        var subscribedIds = db.Set<ListSubscriptionRow>().Where(s => s.AccountId == caller.AccountId).Select(s => s.ListId);
        var subscribed = await db.Set<ListRow>().AsNoTracking()
            .Where(l => subscribedIds.Contains(l.Id) && (!l.IsPrivate || l.OwnerId == caller.AccountId))
            .OrderBy(l => l.Name).ThenBy(l => l.Id).ToListAsync(ct);
        var all = await ViewsAsync([.. own, .. subscribed], caller.AccountId, ct);
        return new ListsView(all.Take(own.Count).ToList(), all.Skip(own.Count).ToList(), own.Count, MaxListsPerUser);
    }

    public async Task<ListView> CreateAsync(Caller caller, CreateListRequest request, CancellationToken ct)
    {
        var name = Name(request.Name);
        var description = Description(request.Description);
        var now = clock.GetUtcNow().UtcDateTime;
        var row = new ListRow
        {
            Id = ids.New("list"),
            OwnerId = caller.AccountId,
            Name = name,
            Description = description,
            IsPrivate = request.IsPrivate ?? false,
            CreatedAt = now,
            UpdatedAt = now,
        };
        // Insert-first on the (owner, slot) unique index, as support tickets: two concurrent creates
        // for the last free slot cannot both land, on either database; the loser tries the next one.
        for (var attempt = 0; attempt <= MaxListsPerUser; attempt++)
        {
            row.Slot = FreeSlot(await db.Set<ListRow>().Where(l => l.OwnerId == caller.AccountId && l.Slot != null)
                .Select(l => l.Slot!.Value).ToListAsync(ct), MaxListsPerUser) ?? throw ListLimitReached();
            db.Add(row);
            try
            {
                await db.SaveChangesAsync(ct);
                return (await ViewsAsync([row], caller.AccountId, ct))[0];
            }
            catch (DbUpdateException)
            {
                db.Entry(row).State = EntityState.Detached;
                if (!await db.Set<ListRow>().AsNoTracking().AnyAsync(l => l.OwnerId == caller.AccountId && l.Slot == row.Slot, ct))
                {
                    throw;
                }
            }
        }
        throw ListLimitReached();
    }

    private static Problem ListLimitReached() => Problem.BadRequest($"You can have at most {MaxListsPerUser} lists", "LIST_LIMIT_REACHED");

    /// <summary>The lowest slot of 1..<paramref name="max"/> not in <paramref name="used"/>; null when all are taken.</summary>
    private static int? FreeSlot(List<int> used, int max)
    {
        var taken = used.ToHashSet();
        for (var slot = 1; slot <= max; slot++)
        {
            if (!taken.Contains(slot))
            {
                return slot;
            }
        }
        return null;
    }

    public async Task<ListDetailView> GetAsync(string listId, string? viewerId, CancellationToken ct)
    {
        var row = await RequireVisibleAsync(listId, viewerId, ct);
        var memberIds = db.Set<ListMemberRow>().Where(m => m.ListId == row.Id);
        if (viewerId is not null)
        {
            var hidden = relations.HiddenFrom(viewerId);
            memberIds = memberIds.Where(m => !hidden.Contains(m.AccountId));
        }
        var accounts = await memberIds.OrderBy(m => m.AddedAt).ThenBy(m => m.AccountId).Select(m => m.AccountId).ToListAsync(ct);
        var users = await profiles.SummariesAsync(accounts, ct);
        return new ListDetailView((await ViewsAsync([row], viewerId, ct))[0], accounts.Select(a => users[a]).ToList());
    }

    public async Task<ListView> UpdateAsync(Caller caller, string listId, UpdateListRequest request, CancellationToken ct)
    {
        var row = await RequireOwnAsync(caller, listId, ct);
        if (request.Name is not null)
        {
            row.Name = Name(request.Name);
        }
        if (request.Description is not null)
        {
            row.Description = Description(request.Description);
        }
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        if (request.IsPrivate is { } isPrivate)
        {
            if (isPrivate && !row.IsPrivate)
            {
                // A list made private is no longer anyone else's to follow.
                await db.Set<ListSubscriptionRow>().Where(s => s.ListId == row.Id).ExecuteDeleteAsync(ct);
            }
            row.IsPrivate = isPrivate;
        }
        row.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return (await ViewsAsync([row], caller.AccountId, ct))[0];
    }

    public async Task DeleteAsync(Caller caller, string listId, CancellationToken ct)
    {
        var row = await RequireOwnAsync(caller, listId, ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await db.Set<ListMemberRow>().Where(m => m.ListId == row.Id).ExecuteDeleteAsync(ct);
        await db.Set<ListSubscriptionRow>().Where(s => s.ListId == row.Id).ExecuteDeleteAsync(ct);
        await db.Set<ListRow>().Where(l => l.Id == row.Id).ExecuteDeleteAsync(ct);
        await transaction.CommitAsync(ct);
    }

    public async Task<ListMembershipResult> AddMemberAsync(Caller caller, string listId, string? userId, CancellationToken ct)
    {
        var row = await RequireOwnAsync(caller, listId, ct);
        if (string.IsNullOrWhiteSpace(userId))
        {
            throw Problem.Invalid("userId", "userId is required");
        }
        var account = await RequireAccountAsync(userId, ct);
        if (account.Id != caller.AccountId && await relations.IsBlockedEitherWayAsync(caller.AccountId, account.Id, ct))
        {
            throw Problem.NotFound("User not found", "USER_NOT_FOUND");
        }
        var members = db.Set<ListMemberRow>().Where(m => m.ListId == row.Id);
        var member = new ListMemberRow { ListId = row.Id, AccountId = account.Id, AddedAt = clock.GetUtcNow().UtcDateTime };
        // Insert-first on the (list, slot) unique index: the 501st member cannot land, however many
        // owners' requests race; a loser reads again (someone took its slot, or added the same person).
        for (var attempt = 0; ; attempt++)
        {
            if (await members.AnyAsync(m => m.AccountId == account.Id, ct))
            {
                break;
            }
            member.Slot = FreeSlot(await members.Where(m => m.Slot != null).Select(m => m.Slot!.Value).ToListAsync(ct), MaxMembersPerList)
                ?? throw Problem.BadRequest($"A list has at most {MaxMembersPerList} members", "LIST_MEMBER_LIMIT_REACHED");
            db.Add(member);
            try
            {
                await db.SaveChangesAsync(ct);
                break;
            }
            catch (DbUpdateException)
            {
                db.Entry(member).State = EntityState.Detached;
                if (attempt >= MaxMembersPerList)
                {
                    throw Problem.Conflict("The list changed meanwhile; try again", "LIST_CONFLICT");
                }
            }
        }
        return new ListMembershipResult(row.Id, account.Id, true, await members.CountAsync(ct));
    }

    public async Task<ListMembershipResult> RemoveMemberAsync(Caller caller, string listId, string userId, CancellationToken ct)
    {
        var row = await RequireOwnAsync(caller, listId, ct);
        var account = await RequireAccountAsync(userId, ct);
        var removed = await db.Set<ListMemberRow>().Where(m => m.ListId == row.Id && m.AccountId == account.Id).ExecuteDeleteAsync(ct);
        if (removed == 0)
        {
            throw Problem.NotFound("This user is not on the list", "LIST_MEMBER_NOT_FOUND");
        }
        return new ListMembershipResult(row.Id, account.Id, false, await db.Set<ListMemberRow>().CountAsync(m => m.ListId == row.Id, ct));
    }

    /// <summary>Posts of the list's members the viewer may see, newest first, by keyset cursor (as the feeds).</summary>
    public async Task<ListTimelineView> TimelineAsync(string listId, string? viewerId, string? cursor, int limit, CancellationToken ct)
    {
        var row = await RequireVisibleAsync(listId, viewerId, ct);
        var members = db.Set<ListMemberRow>().Where(m => m.ListId == row.Id).Select(m => m.AccountId);
        var posts = feeds.Visible(viewerId).Where(p => members.Contains(p.AuthorId));
        if (cursor is not null)
        {
            var (at, id) = FeedService.ReadKeyset(cursor);
            posts = posts.Where(p => p.PublishedAt < at || (p.PublishedAt == at && string.Compare(p.Id, id) < 0));
        }
        var rows = await posts.OrderByDescending(p => p.PublishedAt).ThenByDescending(p => p.Id).Take(limit + 1).ToListAsync(ct);
        var more = rows.Count > limit;
        var page = rows.Take(limit).ToList();
        var next = more ? FeedService.WriteKeyset(page[^1].PublishedAt!.Value, page[^1].Id) : null;
        return new ListTimelineView(row.Id, await views.ManyAsync(page, viewerId, ct), next, more, limit);
    }

    public async Task<ListSubscriptionResult> SubscribeAsync(Caller caller, string listId, bool subscribe, CancellationToken ct)
    {
        var row = await RequireVisibleAsync(listId, caller.AccountId, ct);
        if (row.OwnerId == caller.AccountId)
        {
            throw Problem.BadRequest("You cannot subscribe to your own list", "OWN_LIST");
        }
        var existing = db.Set<ListSubscriptionRow>().Where(s => s.ListId == row.Id && s.AccountId == caller.AccountId);
        if (!subscribe)
        {
            await existing.ExecuteDeleteAsync(ct);
        }
        else if (!await existing.AnyAsync(ct))
        {
            db.Add(new ListSubscriptionRow { ListId = row.Id, AccountId = caller.AccountId, CreatedAt = clock.GetUtcNow().UtcDateTime });
            await SaveAsync(ct);
        }
        return new ListSubscriptionResult(row.Id, subscribe, await db.Set<ListSubscriptionRow>().CountAsync(s => s.ListId == row.Id, ct));
    }

    /// <summary>A list the viewer may see: a private list (or one whose owner blocked either way) is 404 to anyone but its owner.</summary>
    private async Task<ListRow> RequireVisibleAsync(string listId, string? viewerId, CancellationToken ct)
    {
        var key = listId?.Trim() ?? "";
        var row = key.Length is 0 or > 64 ? null : await db.Set<ListRow>().FirstOrDefaultAsync(l => l.Id == key, ct);
        if (row is null || (row.OwnerId != viewerId
            && (row.IsPrivate || (viewerId is not null && await relations.IsBlockedEitherWayAsync(viewerId, row.OwnerId, ct)))))
        {
            throw Problem.NotFound("List not found", "LIST_NOT_FOUND");
        }
        return row;
    }

    private async Task<ListRow> RequireOwnAsync(Caller caller, string listId, CancellationToken ct)
    {
        var row = await RequireVisibleAsync(listId, caller.AccountId, ct);
        return row.OwnerId == caller.AccountId ? row : throw Problem.Forbidden("Only the list's owner can change it", "NOT_LIST_OWNER");
    }

    private async Task SaveAsync(CancellationToken ct)
    {
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            throw Problem.Conflict("The list changed meanwhile; try again", "LIST_CONFLICT");
        }
    }

    private async Task<IReadOnlyList<ListView>> ViewsAsync(IReadOnlyList<ListRow> rows, string? viewerId, CancellationToken ct)
    {
        if (rows.Count == 0)
        {
            return [];
        }
        var listIds = rows.Select(r => r.Id).Distinct().ToList();
        var memberCounts = await db.Set<ListMemberRow>().Where(m => listIds.Contains(m.ListId)).GroupBy(m => m.ListId)
            .Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(x => x.Key, x => x.Count, ct);
        var subscriberCounts = await db.Set<ListSubscriptionRow>().Where(s => listIds.Contains(s.ListId)).GroupBy(s => s.ListId)
            .Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(x => x.Key, x => x.Count, ct);
        var mine = viewerId is null ? [] : await db.Set<ListSubscriptionRow>()
            .Where(s => s.AccountId == viewerId && listIds.Contains(s.ListId)).Select(s => s.ListId).ToListAsync(ct);
        var owners = await profiles.SummariesAsync(rows.Select(r => r.OwnerId), ct);
        return rows.Select(r => new ListView
        {
            UnderscoreId = r.Id,
            Id = r.Id,
            Name = r.Name,
            Description = r.Description,
            IsPrivate = r.IsPrivate,
            Owner = owners[r.OwnerId],
            MemberCount = memberCounts.GetValueOrDefault(r.Id),
            SubscriberCount = subscriberCounts.GetValueOrDefault(r.Id),
            IsOwner = r.OwnerId == viewerId,
            IsSubscribed = mine.Contains(r.Id),
            CreatedAt = r.CreatedAt,
            UpdatedAt = r.UpdatedAt,
        }).ToList();
    }

    private async Task<Account> RequireAccountAsync(string idOrName, CancellationToken ct)
    {
        var key = idOrName?.Trim().TrimStart('@') ?? "";
        var normalized = key.ToLowerInvariant();
        var account = key.Length is 0 or > 64 ? null
            : await db.Set<Account>().AsNoTracking().FirstOrDefaultAsync(a => a.Id == key || a.NormalizedUsername == normalized, ct);
        return account is null || account.Status == AccountStatus.Banned ? throw Problem.NotFound("User not found", "USER_NOT_FOUND") : account;
    }

    private static string Name(string? name)
    {
        var text = name?.Trim() ?? "";
        return text.Length is 0 or > MaxNameLength ? throw Problem.Invalid("name", $"name is 1-{MaxNameLength} characters") : text;
    }

    private static string? Description(string? description)
    {
        var text = description?.Trim();
        return text is { Length: > MaxDescriptionLength }
            ? throw Problem.Invalid("description", $"description must be at most {MaxDescriptionLength} characters")
            : string.IsNullOrEmpty(text) ? null : text;
    }
}
