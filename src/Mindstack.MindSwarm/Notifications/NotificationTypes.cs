namespace Mindstack.MindSwarm.Notifications;

/// <summary>
/// The document's notification types (section 5), and the preference key each is switched by
/// (<c>PUT /notifications/preferences {email: {likes: false}}</c>). Email goes out for every type
/// except like, poll_ended and referral, which stay in-site only.
/// </summary>
internal static class NotificationTypes
{
    public const string Like = "like";
    public const string Reply = "reply";
    public const string Mention = "mention";
    public const string Repost = "repost";
    public const string Quote = "quote";
    public const string Follow = "follow";
    public const string FollowRequest = "follow_request";
    public const string FollowAccepted = "follow_accepted";
    public const string TipReceived = "tip_received";
    public const string TipVerified = "tip_verified";
    public const string Dm = "dm";
    public const string DmRequest = "dm_request";
    public const string GroupInvite = "group_invite";
    public const string GroupMention = "group_mention";
    public const string GroupRoleChange = "group_role_change";
    public const string GroupPost = "group_post";
    public const string PollEnded = "poll_ended";
    public const string BadgeGranted = "badge_granted";
    public const string Referral = "referral";
    public const string Warning = "warning";

    /// <summary>Type → its preference key.</summary>
    public static IReadOnlyDictionary<string, string> PreferenceKeys { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [Like] = "likes",
        [Reply] = "replies",
        [Mention] = "mentions",
        [Repost] = "reposts",
        [Quote] = "quotes",
        [Follow] = "follows",
        [FollowRequest] = "followRequests",
        [FollowAccepted] = "followAccepted",
        [TipReceived] = "tips",
        [TipVerified] = "tips",
        [Dm] = "messages",
        [DmRequest] = "messageRequests",
        [GroupInvite] = "groups",
        [GroupMention] = "groups",
        [GroupRoleChange] = "groups",
        [GroupPost] = "groups",
        [PollEnded] = "polls",
        [BadgeGranted] = "badges",
        [Referral] = "referrals",
        [Warning] = "warnings",
    };

    public static IReadOnlyCollection<string> All => (IReadOnlyCollection<string>)PreferenceKeys.Keys;

    /// <summary>In-site only: never emailed.</summary>
    public static bool IsEmailed(string type) => type is not (Like or PollEnded or Referral);

    /// <summary>What the notification says, e.g. "@ada liked your post".</summary>
    public static string Describe(string type, string? actor) => type switch
    {
        Like => $"{actor} liked your post",
        Reply => $"{actor} replied to your post",
        Mention => $"{actor} mentioned you",
        Repost => $"{actor} reposted your post",
        Quote => $"{actor} quoted your post",
        Follow => $"{actor} followed you",
        FollowRequest => $"{actor} asked to follow you",
        FollowAccepted => $"{actor} accepted your follow request",
        TipReceived => $"{actor} sent you a tip",
        TipVerified => $"Your tip from {actor} was verified",
        Dm => $"{actor} sent you a message",
        DmRequest => $"{actor} wants to send you a message",
        GroupInvite => $"{actor} invited you to a group",
        GroupMention => $"{actor} mentioned you in a group",
        GroupRoleChange => $"{actor} changed your role in a group",
        GroupPost => $"{actor} posted in a group",
        PollEnded => "A poll you created has ended",
        BadgeGranted => "You were granted a badge",
        Referral => $"{actor} joined with your referral code",
        Warning => "You received a moderation warning",
        _ => "You have a new notification",
    };
}
