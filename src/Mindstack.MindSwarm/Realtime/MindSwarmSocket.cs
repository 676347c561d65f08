using System.Text.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Mindstack.MindSwarm.Groups;
using Mindstack.MindSwarm.Messages;
using Mindstack.MindSwarm.Moderation;
using Mindstack.MindSwarm.Storage;
using Mindstack.Platform.Http;
using Mindstack.Platform.Realtime;
using Mindstack.Platform.Realtime.SocketIo;
using Mindstack.Platform.Storage;

namespace Mindstack.MindSwarm.Realtime;

/// <summary>
/// Section 21: Socket.IO at <c>{base}/socket.io/</c> (<c>/mindswarm/socket.io/</c> on the main port,
/// <c>/socket.io/</c> on MindSwarm's own), authenticated with <c>auth: {token}</c> — an access
/// token or an <c>msk_</c> key. A socket receives its account's events (<c>notification</c>,
/// <c>post-liked</c>, <c>new-message</c>, <c>message-reaction</c>, <c>messages-read</c>), the
/// <c>post-created</c> of the accounts it follows (it joins their author channels on connecting),
/// and sends <c>typing {conversationId, isTyping}</c>, which goes to the conversation's other
/// members only. Events come from the outbox through the platform's forwarder and backplane, so
/// any node's socket receives them.
/// </summary>
internal static class MindSwarmSocket
{
    public const string Path = "/socket.io";

    /// <summary>How many followed authors a socket follows live; beyond that, the feed is the way.</summary>
    public const int MaxFollowedChannels = 2000;

    /// <summary>The channel of an author's new posts, which their followers' sockets join.</summary>
    public static string AuthorChannel(string accountId) => "mindswarm-author:" + accountId;

    public static void Map(IEndpointRouteBuilder api)
    {
        var services = api.ServiceProvider;
        api.MapSocketIo(Path, options =>
        {
            options.Json = services.GetRequiredService<MindSwarmDialect>().Json;
            options.Document = Document;
            options.OnConnect = async (socket, ct) =>
            {
                await using var scope = services.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<MindstackDbContext>();
                // A banned owner's app key still authenticates (the key is not revoked); the ban refuses it here.
                var now = services.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime;
                if (await Bans.BlockingAsync(db, now, socket.Caller.SubjectId, null, ct) is { } ban)
                {
                    throw Bans.Refusal(ban);
                }
                var followed = await db.Set<FollowRow>().AsNoTracking()
                    .Where(f => f.FollowerId == socket.Caller.SubjectId && f.Status == FollowStatus.Accepted)
                    .OrderByDescending(f => f.CreatedAt).Select(f => f.FollowingId).Take(MaxFollowedChannels).ToListAsync(ct);
                foreach (var author in followed)
                {
                    socket.Join(AuthorChannel(author));
                }
                // The rooms of the groups the account is an active member of (group-post).
                var groups = await db.Set<GroupMemberRow>().AsNoTracking()
                    .Where(m => m.AccountId == socket.Caller.SubjectId && m.Status == MembershipStatus.Active)
                    .Select(m => m.GroupId).Take(MaxFollowedChannels).ToListAsync(ct);
                foreach (var group in groups)
                {
                    socket.Join(GroupEvents.Room(group));
                }
            };
            options.On(MessageEvents.Typing, async (socket, message, ct) =>
            {
                var (conversationId, isTyping) = ReadTyping(message);
                await using var scope = services.CreateAsyncScope();
                var others = await scope.ServiceProvider.GetRequiredService<MessageService>()
                    .OtherMembersAsync(conversationId, socket.Caller.SubjectId, ct)
                    ?? throw Problem.NotFound("Conversation not found", "CONVERSATION_NOT_FOUND");
                var data = new TypingData(conversationId, socket.Caller.SubjectId, isTyping);
                foreach (var other in others)
                {
                    await socket.BroadcastAsync(RealtimeChannels.Account(other), MessageEvents.Typing, data, ct);
                }
                return new TypingAck(true);
            });
        });
    }

    /// <summary>How <c>/openapi/mindswarm.json</c> lists the route (section 21's events).</summary>
    private static readonly SocketIoDocument Document = new()
    {
        Summary = "Real-time events (Socket.IO)",
        Description = "The signed-in account's events as they happen, across every node.",
        TokenDescription = "an access token or an msk_ API key",
        Emits = new Dictionary<string, string>
        {
            [Notifications.Notifier.RealtimeEvent] = "a new notification of the account (the notification object)",
            [Posts.MindSwarmEvents.PostLiked] = "someone liked one of the account's posts {postId, shortId, authorId, actorId}",
            [Posts.MindSwarmEvents.PostCreated] = "an account it follows posted {postId, shortId, authorId, actorId, content}",
            [MessageEvents.NewMessage] = "a message in one of its conversations (the message object)",
            [MessageEvents.MessageReaction] = "a reaction added to or removed from a message in one of its conversations",
            [MessageEvents.MessagesRead] = "a member read a conversation up to a message",
            [MessageEvents.Typing] = "another member is typing {conversationId, userId, isTyping}",
            [GroupEvents.GroupPost] = "a new post in a group the account is an active member of",
        },
        Handles = new Dictionary<string, string>
        {
            [MessageEvents.Typing] = "{conversationId, isTyping}: tells the conversation's other members; the ack is {ok: true}",
        },
    };

    private static (string ConversationId, bool IsTyping) ReadTyping(SocketIoEvent message)
    {
        var data = message.Args.Count > 0 ? message.Args[0] : default;
        var conversationId = data.ValueKind switch
        {
            JsonValueKind.String => data.GetString(),
            JsonValueKind.Object when data.TryGetProperty("conversationId", out var id) && id.ValueKind == JsonValueKind.String => id.GetString(),
            _ => null,
        };
        if (string.IsNullOrWhiteSpace(conversationId))
        {
            throw Problem.Invalid("conversationId", "typing needs {conversationId, isTyping}");
        }
        var isTyping = data.ValueKind != JsonValueKind.Object || !data.TryGetProperty("isTyping", out var flag) || flag.ValueKind != JsonValueKind.False;
        return (conversationId, isTyping);
    }
}

/// <summary>What the other members receive with <c>typing</c>.</summary>
internal sealed record TypingData(string ConversationId, string UserId, bool IsTyping);

internal sealed record TypingAck(bool Ok);
