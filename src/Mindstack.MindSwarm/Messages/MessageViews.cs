using System.Text.Json.Serialization;
using Mindstack.MindSwarm.Posts;
using Mindstack.MindSwarm.Users;

namespace Mindstack.MindSwarm.Messages;

/// <summary>The realtime events of direct messages, as the document's socket names them.</summary>
internal static class MessageEvents
{
    /// <summary>To every member's sockets: a message was sent (its <see cref="MessageView"/>).</summary>
    public const string NewMessage = "new-message";
    /// <summary>To every member's sockets: a reaction was added or taken back.</summary>
    public const string MessageReaction = "message-reaction";
    /// <summary>To the other members' sockets: someone read the conversation up to <c>readAt</c>.</summary>
    public const string MessagesRead = "messages-read";
    /// <summary>Client → server → the other members: someone is typing.</summary>
    public const string Typing = "typing";
    /// <summary>Not realtime: one per recipient, for the <c>dm</c> / <c>dm_request</c> notification.</summary>
    public const string MessageReceived = "message-received";
}

internal sealed record ReactionView(string Emoji, int Count, IReadOnlyList<string> Users);

/// <summary>A message: <c>{_id, conversationId, sender, content, media, reactions, readBy, createdAt}</c>.</summary>
internal sealed record MessageView(
    [property: JsonPropertyName("_id")] string UnderscoreId,
    string Id,
    string ConversationId,
    UserSummary Sender,
    string Content,
    IReadOnlyList<MediaItem> Media,
    IReadOnlyList<ReactionView> Reactions,
    IReadOnlyList<string> ReadBy,
    DateTime CreatedAt);

/// <summary>A conversation: <c>{_id, isGroup, name, participants, lastMessage, unreadCount, createdAt, updatedAt}</c>.</summary>
internal sealed record ConversationView(
    [property: JsonPropertyName("_id")] string UnderscoreId,
    string Id,
    bool IsGroup,
    string? Name,
    IReadOnlyList<UserSummary> Participants,
    MessageView? LastMessage,
    int UnreadCount,
    DateTime CreatedAt,
    DateTime UpdatedAt);

internal sealed record ConversationEnvelope(ConversationView Conversation);

internal sealed record MessageEnvelope(MessageView Message);

internal sealed record ConversationsPage(IReadOnlyList<ConversationView> Conversations, int Page, int Limit, int Total);

internal sealed record MessagesPage(IReadOnlyList<MessageView> Messages, int Page, int Limit, int Total);

internal sealed record ReactionResult(string MessageId, bool Added, IReadOnlyList<ReactionView> Reactions);

internal sealed record UnreadConversationView(string ConversationId, int Count);

internal sealed record UnreadMessagesView(int Count, int UnreadCount, IReadOnlyList<UnreadConversationView> Conversations);

internal sealed record StartConversationRequest(string? RecipientId, string? Username);

internal sealed record GroupConversationRequest(List<string>? ParticipantIds, string? GroupName, string? Name);

internal sealed record SendMessageRequest(string? Content, List<MediaRequest>? Media);

internal sealed record ReactRequest(string? Emoji);

/// <summary>What realtime clients receive with <c>messages-read</c> and <c>typing</c>, and what the notification mapping reads.</summary>
internal sealed record MessagesReadData(string ConversationId, string UserId, DateTime ReadAt);

internal sealed record ReactionEventData(string ConversationId, string MessageId, string UserId, string Emoji, bool Added, IReadOnlyList<ReactionView> Reactions);

internal sealed record MessageReceivedData(string ConversationId, string MessageId, string SenderId, bool Request);
