namespace Mindstack.MindSwarm.Groups;

/// <summary>
/// The group events written to the platform outbox in the transaction of the change. Each names
/// in <see cref="Platform.Events.NewEvent.AccountId"/> (and in its data) the account to notify;
/// none goes to that account's socket channel — notifications decide. <see cref="GroupPost"/> is
/// the exception: one event per post to the realtime channel <c>group:{groupId}</c> (the group's room).
/// </summary>
internal static class GroupEvents
{
    public const string GroupInvited = "group-invited";
    public const string GroupMentioned = "group-mentioned";
    public const string GroupRoleChanged = "group-role-changed";
    public const string GroupPosted = "group-posted";

    /// <summary>A new post in the group, to its room.</summary>
    public const string GroupPost = "group-post";

    public static string Room(string groupId) => "group:" + groupId;
}

/// <summary>Someone was invited to a group (an invite code made for them).</summary>
internal sealed record GroupInvitedData(string RecipientId, string GroupId, string GroupSlug, string GroupName, string InviterId, string InviteCode);

/// <summary>A member was mentioned in a group post.</summary>
internal sealed record GroupMentionedData(string RecipientId, string GroupId, string GroupSlug, string PostId, string ShortId, string AuthorId);

/// <summary>A member's role changed.</summary>
internal sealed record GroupRoleChangedData(string RecipientId, string GroupId, string GroupSlug, string OldRole, string NewRole, string ChangedBy);

/// <summary>A post in a group the recipient belongs to.</summary>
internal sealed record GroupPostedData(string RecipientId, string GroupId, string GroupSlug, string PostId, string ShortId, string AuthorId,
    string Content);
