using System.Text.Json;
using Mindstack.MindSwarm.Groups;
using Mindstack.MindSwarm.Messages;
using Mindstack.MindSwarm.Posts;
using Mindstack.Platform.Events;

namespace Mindstack.MindSwarm.Notifications;

/// <summary>
/// Notifications as a consumer of MindSwarm's domain events: one line per event, naming the
/// notification type, the actor, the target and the post (the recipient is the event's
/// <see cref="DomainEvent.AccountId"/>, the account it concerns). A feature adds a notification
/// type by publishing its event and adding its line here. Each notification is keyed by the
/// event's id, so an event offered again notifies once.
/// </summary>
internal sealed class NotificationEvents(Notifier notifier) : IEventSubscriber
{
    private static readonly Dictionary<string, Func<JsonElement, NotificationRequest?>> Map = new(StringComparer.Ordinal)
    {
        [MindSwarmEvents.PostLiked] = d => For(NotificationTypes.Like, Str(d, "actorId"), post: Str(d, "postId")),
        [MindSwarmEvents.PostReplied] = d => For(NotificationTypes.Reply, Str(d, "actorId"), post: Str(d, "postId"), target: Str(d, "targetPostId")),
        [MindSwarmEvents.PostMentioned] = d => For(NotificationTypes.Mention, Str(d, "actorId"), post: Str(d, "postId")),
        [MindSwarmEvents.PostQuoted] = d => For(NotificationTypes.Quote, Str(d, "actorId"), post: Str(d, "postId"), target: Str(d, "targetPostId")),
        [MindSwarmEvents.PostReposted] = d => For(NotificationTypes.Repost, Str(d, "actorId"), post: Str(d, "targetPostId"), target: Str(d, "postId")),
        [MindSwarmEvents.PollEnded] = d => For(NotificationTypes.PollEnded, null, post: Str(d, "postId")),
        [MindSwarmEvents.UserFollowed] = d => For(NotificationTypes.Follow, Str(d, "followerId"), target: Str(d, "followId")),
        [MindSwarmEvents.FollowRequested] = d => For(NotificationTypes.FollowRequest, Str(d, "followerId"), target: Str(d, "followId")),
        [MindSwarmEvents.FollowAccepted] = d => For(NotificationTypes.FollowAccepted, Str(d, "followingId"), target: Str(d, "followId")),
        [MindSwarmEvents.ReferralJoined] = d => For(NotificationTypes.Referral, Str(d, "accountId"), target: Str(d, "accountId")),
        [GroupEvents.GroupInvited] = d => For(NotificationTypes.GroupInvite, Str(d, "inviterId"), target: Str(d, "groupId")),
        [GroupEvents.GroupMentioned] = d => For(NotificationTypes.GroupMention, Str(d, "authorId"), post: Str(d, "postId"), target: Str(d, "groupId")),
        [GroupEvents.GroupRoleChanged] = d => For(NotificationTypes.GroupRoleChange, Str(d, "changedBy"), target: Str(d, "groupId")),
        [GroupEvents.GroupPosted] = d => For(NotificationTypes.GroupPost, Str(d, "authorId"), post: Str(d, "postId"), target: Str(d, "groupId")),
        [MessageEvents.MessageReceived] = d => For(d.TryGetProperty("request", out var r) && r.ValueKind == JsonValueKind.True
            ? NotificationTypes.DmRequest : NotificationTypes.Dm, Str(d, "senderId"), target: Str(d, "conversationId")),
    };

    /// <summary>The event types that notify.</summary>
    public static IReadOnlyCollection<string> EventTypes => Map.Keys;

    public async Task HandleAsync(DomainEvent domainEvent, CancellationToken cancellationToken)
    {
        if (domainEvent.Api != MindSwarmApi.Name || domainEvent.AccountId is not { } recipient
            || !Map.TryGetValue(domainEvent.Type, out var map) || map(domainEvent.Data) is not { } request)
        {
            return;
        }
        await notifier.NotifyAsync(request with { RecipientId = recipient, SourceKey = domainEvent.Id }, cancellationToken);
    }

    private static NotificationRequest For(string type, string? actor, string? post = null, string? target = null) =>
        new("", type) { ActorId = actor, PostId = post, TargetId = target };

    private static string? Str(JsonElement data, string name) =>
        data.ValueKind == JsonValueKind.Object && data.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;
}
