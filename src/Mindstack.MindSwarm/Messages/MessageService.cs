using Microsoft.EntityFrameworkCore;
using Mindstack.MindSwarm.Posts;
using Mindstack.MindSwarm.Users;
using Mindstack.Platform.Access;
using Mindstack.Platform.Accounts;
using Mindstack.Platform.Events;
using Mindstack.Platform.Http;
using Mindstack.Platform.Realtime;
using Mindstack.Platform.Storage;

namespace Mindstack.MindSwarm.Messages;

/// <summary>
/// Section 6, Direct Messages: one-to-one and group conversations, messages (1–2000 characters, up
/// to 4 media, validated as posts' media are), reactions, deletion, unread counts and read
/// receipts (fetching a conversation's messages reads it). Neither side of a block can start a
/// one-to-one conversation or write in one. Every change publishes its realtime event to the
/// members' sockets through the outbox, in the change's transaction.
/// </summary>
internal sealed class MessageService(
    MindstackDbContext db,
    IIdGenerator ids,
    TimeProvider clock,
    Relations relations,
    ProfileService profiles,
    MediaReferences media,
    IEventOutbox events,
    MindSwarmDialect dialect)
{
    public const int MaxContent = 2000;
    public const int MaxGroupMembers = 50;
    public const int MaxEmojiLength = 32;

    public async Task<(ConversationView View, bool Created)> StartAsync(Caller caller, StartConversationRequest request, CancellationToken ct)
    {
        var recipient = await RequireAccountAsync(request.RecipientId ?? request.Username, "recipientId", ct);
        if (recipient == caller.AccountId)
        {
            throw Problem.Invalid("recipientId", "You cannot message yourself");
        }
        await EnsureNotBlockedAsync(caller.AccountId, recipient, ct);
        var key = string.CompareOrdinal(caller.AccountId, recipient) < 0 ? caller.AccountId + "|" + recipient : recipient + "|" + caller.AccountId;
        var now = clock.GetUtcNow().UtcDateTime;
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var id = ids.New("conv");
        await db.InsertIfAbsentAsync(new ConversationRow { Id = id, DirectKey = key, CreatedById = caller.AccountId, CreatedAt = now, LastMessageAt = now },
            c => c.DirectKey == key, ct);
        var conversation = await db.Set<ConversationRow>().AsNoTracking().FirstAsync(c => c.DirectKey == key, ct);
        var created = conversation.Id == id;
        if (created)
        {
            db.AddRange(
                new ConversationMemberRow { ConversationId = id, AccountId = caller.AccountId, JoinedAt = now },
                new ConversationMemberRow { ConversationId = id, AccountId = recipient, JoinedAt = now });
            await db.SaveChangesAsync(ct);
        }
        await transaction.CommitAsync(ct);
        return (await ViewAsync(conversation, caller.AccountId, ct), created);
    }

    public async Task<ConversationView> StartGroupAsync(Caller caller, GroupConversationRequest request, CancellationToken ct)
    {
        var requested = request.ParticipantIds?.Where(p => !string.IsNullOrWhiteSpace(p)).Select(p => p.Trim()).Distinct().ToList() ?? [];
        if (requested.Count == 0)
        {
            throw Problem.Invalid("participantIds", "participantIds must name at least one other user");
        }
        if (requested.Count >= MaxGroupMembers)
        {
            throw Problem.Invalid("participantIds", $"A group conversation has at most {MaxGroupMembers} members");
        }
        var name = (request.GroupName ?? request.Name)?.Trim();
        if (name is { Length: > 100 })
        {
            throw Problem.Invalid("groupName", "groupName must be at most 100 characters");
        }
        var members = new List<string>();
        foreach (var participant in requested)
        {
            var account = await RequireAccountAsync(participant, "participantIds", ct);
            if (account != caller.AccountId && !members.Contains(account))
            {
                await EnsureNotBlockedAsync(caller.AccountId, account, ct);
                members.Add(account);
            }
        }
        if (members.Count == 0)
        {
            throw Problem.Invalid("participantIds", "participantIds must name at least one other user");
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var conversation = new ConversationRow
        {
            Id = ids.New("conv"),
            IsGroup = true,
            Name = string.IsNullOrEmpty(name) ? null : name,
            CreatedById = caller.AccountId,
            CreatedAt = now,
            LastMessageAt = now,
        };
        db.Add(conversation);
        db.Add(new ConversationMemberRow { ConversationId = conversation.Id, AccountId = caller.AccountId, JoinedAt = now });
        db.AddRange(members.Select(m => new ConversationMemberRow { ConversationId = conversation.Id, AccountId = m, JoinedAt = now }));
        await db.SaveChangesAsync(ct);
        return await ViewAsync(conversation, caller.AccountId, ct);
    }

    public async Task<ConversationsPage> ListAsync(string accountId, PageRequest paging, CancellationToken ct)
    {
        var mine = db.Set<ConversationMemberRow>().Where(m => m.AccountId == accountId).Select(m => m.ConversationId);
        var query = db.Set<ConversationRow>().AsNoTracking().Where(c => mine.Contains(c.Id));
        var total = await query.CountAsync(ct);
        var rows = await query.OrderByDescending(c => c.LastMessageAt).ThenByDescending(c => c.Id).Skip(paging.Offset).Take(paging.Limit).ToListAsync(ct);
        var views = new List<ConversationView>(rows.Count);
        foreach (var row in rows)
        {
            views.Add(await ViewAsync(row, accountId, ct));
        }
        return new ConversationsPage(views, paging.Page, paging.Limit, total);
    }

    /// <summary>A page of messages, newest first; reading it marks the conversation read (a read receipt to the others).</summary>
    public async Task<MessagesPage> MessagesAsync(string accountId, string conversationId, PageRequest paging, CancellationToken ct)
    {
        var (conversation, membership) = await RequireMemberAsync(conversationId, accountId, ct);
        var query = db.Set<MessageRow>().AsNoTracking().Where(m => m.ConversationId == conversation.Id);
        var total = await query.CountAsync(ct);
        var rows = await query.OrderByDescending(m => m.CreatedAt).ThenByDescending(m => m.Id).Skip(paging.Offset).Take(paging.Limit).ToListAsync(ct);
        var now = clock.GetUtcNow().UtcDateTime;
        var unread = await query.AnyAsync(m => m.SenderId != accountId && (membership.LastReadAt == null || m.CreatedAt > membership.LastReadAt), ct);
        if (unread)
        {
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            await db.Set<ConversationMemberRow>().Where(m => m.ConversationId == conversation.Id && m.AccountId == accountId)
                .ExecuteUpdateAsync(u => u.SetProperty(m => m.LastReadAt, now), ct);
            var others = await MemberIdsAsync(conversation.Id, ct);
            Publish(MessageEvents.MessagesRead, conversation.Id, others.Where(o => o != accountId), new MessagesReadData(conversation.Id, accountId, now));
            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
        }
        return new MessagesPage(await MessageViewsAsync(conversation.Id, rows, ct), paging.Page, paging.Limit, total);
    }

    public async Task<MessageView> SendAsync(Caller caller, string conversationId, SendMessageRequest request, CancellationToken ct)
    {
        var (conversation, _) = await RequireMemberAsync(conversationId, caller.AccountId, ct);
        var members = await MemberIdsAsync(conversation.Id, ct);
        var others = members.Where(m => m != caller.AccountId).ToList();
        if (!conversation.IsGroup)
        {
            foreach (var other in others)
            {
                await EnsureNotBlockedAsync(caller.AccountId, other, ct);
            }
        }
        var items = await media.ResolveAsync(caller.AccountId, request.Media, ct);
        var content = (request.Content ?? "").Trim();
        if (content.Length == 0 && items.Count == 0)
        {
            throw Problem.Invalid("content", "content is required (1–2000 characters)");
        }
        if (content.Length > MaxContent)
        {
            throw Problem.Invalid("content", $"content must be at most {MaxContent} characters");
        }
        var now = clock.GetUtcNow().UtcDateTime;
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        // Whether each recipient has answered in this conversation yet (before this message is stored).
        var answered = await db.Set<MessageRow>().Where(m => m.ConversationId == conversation.Id && m.SenderId != caller.AccountId)
            .Select(m => m.SenderId).Distinct().ToListAsync(ct);
        var row = new MessageRow
        {
            Id = ids.New("msg"),
            ConversationId = conversation.Id,
            SenderId = caller.AccountId,
            Content = content,
            MediaJson = items.Count == 0 ? null : PostViews.WriteMedia(items),
            CreatedAt = now,
        };
        db.Add(row);
        await db.SaveChangesAsync(ct);
        await db.Set<ConversationRow>().Where(c => c.Id == conversation.Id).ExecuteUpdateAsync(u => u.SetProperty(c => c.LastMessageAt, now), ct);
        await db.Set<ConversationMemberRow>().Where(m => m.ConversationId == conversation.Id && m.AccountId == caller.AccountId)
            .ExecuteUpdateAsync(u => u.SetProperty(m => m.LastReadAt, now), ct);
        var view = (await MessageViewsAsync(conversation.Id, [row], ct))[0];
        Publish(MessageEvents.NewMessage, conversation.Id, members, view);
        foreach (var other in others)
        {
            // A first message from someone the recipient does not follow, unanswered so far, is a message request.
            var isRequest = !conversation.IsGroup && !answered.Contains(other)
                && !await relations.Followed(other).AnyAsync(f => f == caller.AccountId, ct);
            events.Publish(new NewEvent(MessageEvents.MessageReceived, "conversation", conversation.Id)
            {
                AccountId = other,
                Api = MindSwarmApi.Name,
                Data = new MessageReceivedData(conversation.Id, row.Id, caller.AccountId, isRequest),
                Json = dialect.Json,
                ToAccountChannel = false,
            });
        }
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return view;
    }

    /// <summary>Adds the caller's reaction, or takes it back when already given.</summary>
    public async Task<ReactionResult> ReactAsync(Caller caller, string messageId, string? emoji, CancellationToken ct)
    {
        var value = emoji?.Trim();
        if (string.IsNullOrEmpty(value) || value.Length > MaxEmojiLength)
        {
            throw Problem.Invalid("emoji", $"emoji is required (at most {MaxEmojiLength} characters)");
        }
        var message = await RequireMessageAsync(messageId, caller.AccountId, ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var removed = await db.Set<MessageReactionRow>()
            .Where(r => r.MessageId == message.Id && r.AccountId == caller.AccountId && r.Emoji == value).ExecuteDeleteAsync(ct);
        if (removed == 0)
        {
            await db.InsertIfAbsentAsync(new MessageReactionRow
            {
                MessageId = message.Id,
                AccountId = caller.AccountId,
                Emoji = value,
                CreatedAt = clock.GetUtcNow().UtcDateTime,
            }, r => r.MessageId == message.Id && r.AccountId == caller.AccountId && r.Emoji == value, ct);
        }
        var reactions = (await ReactionsAsync([message.Id], ct)).GetValueOrDefault(message.Id) ?? [];
        Publish(MessageEvents.MessageReaction, message.ConversationId, await MemberIdsAsync(message.ConversationId, ct),
            new ReactionEventData(message.ConversationId, message.Id, caller.AccountId, value, removed == 0, reactions));
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return new ReactionResult(message.Id, removed == 0, reactions);
    }

    public async Task DeleteAsync(Caller caller, string messageId, CancellationToken ct)
    {
        var message = await RequireMessageAsync(messageId, caller.AccountId, ct);
        if (message.SenderId != caller.AccountId)
        {
            throw Problem.Forbidden("You can only delete your own messages", "NOT_MESSAGE_SENDER");
        }
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await db.Set<MessageReactionRow>().Where(r => r.MessageId == message.Id).ExecuteDeleteAsync(ct);
        await db.Set<MessageRow>().Where(m => m.Id == message.Id).ExecuteDeleteAsync(ct);
        await transaction.CommitAsync(ct);
    }

    public async Task<UnreadMessagesView> UnreadAsync(string accountId, CancellationToken ct)
    {
        var counts = await (
            from member in db.Set<ConversationMemberRow>()
            where member.AccountId == accountId
            join message in db.Set<MessageRow>() on member.ConversationId equals message.ConversationId
            where message.SenderId != accountId && (member.LastReadAt == null || message.CreatedAt > member.LastReadAt)
            group message by message.ConversationId into g
            select new { ConversationId = g.Key, Count = g.Count() }).ToListAsync(ct);
        var total = counts.Sum(c => c.Count);
        return new UnreadMessagesView(total, total, counts.OrderBy(c => c.ConversationId, StringComparer.Ordinal)
            .Select(c => new UnreadConversationView(c.ConversationId, c.Count)).ToList());
    }

    /// <summary>Whether the account is a member (for socket events such as <c>typing</c>); the other members when it is.</summary>
    public async Task<IReadOnlyList<string>?> OtherMembersAsync(string conversationId, string accountId, CancellationToken ct)
    {
        var members = await MemberIdsAsync(conversationId, ct);
        return members.Contains(accountId) ? members.Where(m => m != accountId).ToList() : null;
    }

    private async Task<(ConversationRow Conversation, ConversationMemberRow Membership)> RequireMemberAsync(string conversationId, string accountId,
        CancellationToken ct)
    {
        var found = await (
            from c in db.Set<ConversationRow>().AsNoTracking()
            join m in db.Set<ConversationMemberRow>().AsNoTracking() on c.Id equals m.ConversationId
            where c.Id == conversationId && m.AccountId == accountId
            select new { c, m }).FirstOrDefaultAsync(ct);
        return found is null ? throw Problem.NotFound("Conversation not found", "CONVERSATION_NOT_FOUND") : (found.c, found.m);
    }

    private async Task<MessageRow> RequireMessageAsync(string messageId, string accountId, CancellationToken ct)
    {
        var message = await db.Set<MessageRow>().AsNoTracking().FirstOrDefaultAsync(m => m.Id == messageId, ct);
        if (message is null || !await db.Set<ConversationMemberRow>().AnyAsync(m => m.ConversationId == message.ConversationId && m.AccountId == accountId, ct))
        {
            throw Problem.NotFound("Message not found", "MESSAGE_NOT_FOUND");
        }
        return message;
    }

    private async Task<string> RequireAccountAsync(string? idOrUsername, string field, CancellationToken ct)
    {
        var value = idOrUsername?.Trim();
        if (string.IsNullOrEmpty(value))
        {
            throw Problem.Invalid(field, $"{field} is required");
        }
        var normalized = value.TrimStart('@').ToLowerInvariant();
        var account = await db.Set<Account>().AsNoTracking()
            .Where(a => a.Id == value || a.NormalizedUsername == normalized)
            .Select(a => new { a.Id, a.Status }).FirstOrDefaultAsync(ct);
        return account is null || account.Status == AccountStatus.Banned ? throw Problem.NotFound("User not found", "USER_NOT_FOUND") : account.Id;
    }

    private async Task EnsureNotBlockedAsync(string a, string b, CancellationToken ct)
    {
        if (await relations.IsBlockedEitherWayAsync(a, b, ct))
        {
            throw Problem.Forbidden("You cannot message this user", "USER_BLOCKED");
        }
    }

    private Task<List<string>> MemberIdsAsync(string conversationId, CancellationToken ct) =>
        db.Set<ConversationMemberRow>().AsNoTracking().Where(m => m.ConversationId == conversationId).OrderBy(m => m.JoinedAt)
            .Select(m => m.AccountId).ToListAsync(ct);

    private async Task<ConversationView> ViewAsync(ConversationRow row, string viewerId, CancellationToken ct)
    {
        var members = await db.Set<ConversationMemberRow>().AsNoTracking().Where(m => m.ConversationId == row.Id).ToListAsync(ct);
        var users = await profiles.SummariesAsync(members.Select(m => m.AccountId), ct);
        var last = await db.Set<MessageRow>().AsNoTracking().Where(m => m.ConversationId == row.Id)
            .OrderByDescending(m => m.CreatedAt).ThenByDescending(m => m.Id).FirstOrDefaultAsync(ct);
        var readAt = members.FirstOrDefault(m => m.AccountId == viewerId)?.LastReadAt;
        var unread = await db.Set<MessageRow>().CountAsync(m => m.ConversationId == row.Id && m.SenderId != viewerId
            && (readAt == null || m.CreatedAt > readAt), ct);
        return new ConversationView(row.Id, row.Id, row.IsGroup, row.Name,
            members.OrderBy(m => m.JoinedAt).Select(m => users[m.AccountId]).ToList(),
            last is null ? null : (await MessageViewsAsync(row.Id, [last], ct))[0],
            unread, row.CreatedAt, row.LastMessageAt);
    }

    private async Task<IReadOnlyList<MessageView>> MessageViewsAsync(string conversationId, IReadOnlyList<MessageRow> rows, CancellationToken ct)
    {
        if (rows.Count == 0)
        {
            return [];
        }
        var members = await db.Set<ConversationMemberRow>().AsNoTracking().Where(m => m.ConversationId == conversationId)
            .Select(m => new { m.AccountId, m.LastReadAt }).ToListAsync(ct);
        var users = await profiles.SummariesAsync(rows.Select(r => r.SenderId), ct);
        var reactions = await ReactionsAsync(rows.Select(r => r.Id).ToList(), ct);
        return rows.Select(r => new MessageView(r.Id, r.Id, r.ConversationId, users[r.SenderId], r.Content,
            r.MediaJson is null ? [] : PostViews.ReadMedia(r.MediaJson),
            reactions.GetValueOrDefault(r.Id) ?? [],
            members.Where(m => m.AccountId != r.SenderId && m.LastReadAt >= r.CreatedAt).Select(m => m.AccountId).ToList(),
            r.CreatedAt)).ToList();
    }

    private async Task<Dictionary<string, IReadOnlyList<ReactionView>>> ReactionsAsync(IReadOnlyList<string> messageIds, CancellationToken ct)
    {
        var rows = await db.Set<MessageReactionRow>().AsNoTracking().Where(r => messageIds.Contains(r.MessageId)).ToListAsync(ct);
        return rows.GroupBy(r => r.MessageId).ToDictionary(g => g.Key, g => (IReadOnlyList<ReactionView>)g
            .GroupBy(r => r.Emoji)
            .Select(e => new ReactionView(e.Key, e.Count(), e.OrderBy(r => r.CreatedAt).Select(r => r.AccountId).ToList()))
            .OrderByDescending(e => e.Count).ThenBy(e => e.Emoji, StringComparer.Ordinal).ToList());
    }

    private void Publish(string type, string conversationId, IEnumerable<string> recipients, object data)
    {
        var channels = recipients.Select(RealtimeChannels.Account).ToList();
        if (channels.Count == 0)
        {
            return;
        }
        events.Publish(new NewEvent(type, "conversation", conversationId)
        {
            Api = MindSwarmApi.Name,
            Data = data,
            Json = dialect.Json,
            Channels = channels,
            ToAccountChannel = false,
        });
    }
}
