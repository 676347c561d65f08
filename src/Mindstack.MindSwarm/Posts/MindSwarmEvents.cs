namespace Mindstack.MindSwarm.Posts;

/// <summary>
/// The domain events MindSwarm writes to the platform outbox, in the transaction of the change.
/// <see cref="Platform.Events.NewEvent.AccountId"/> is the account the event concerns (the one to
/// notify): the liked post's author, the followed user, the mentioned user. Only
/// <see cref="PostLiked"/> also goes to that account's realtime channel (the document's
/// <c>post-liked</c> socket event); the others are for subscribers (notifications) to act on.
/// </summary>
internal static class MindSwarmEvents
{
    public const string PostCreated = "post-created";
    public const string PostLiked = "post-liked";
    public const string PostReplied = "post-replied";
    public const string PostMentioned = "post-mentioned";
    public const string PostQuoted = "post-quoted";
    public const string PostReposted = "post-reposted";
    public const string PostUpdated = "post-updated";
    public const string PollEnded = "poll-ended";
    public const string UserFollowed = "user-followed";
    public const string FollowRequested = "follow-requested";
    public const string FollowAccepted = "follow-accepted";
    public const string ReferralJoined = "referral-joined";
}

/// <summary>What a post event carries: the post, who acted, and who it concerns.</summary>
internal sealed record PostEventData(string PostId, string ShortId, string AuthorId, string ActorId, string? TargetPostId = null,
    string? Content = null);

internal sealed record FollowEventData(string FollowId, string FollowerId, string FollowingId, string Status);

internal sealed record PollEndedData(string PostId, string ShortId, string AuthorId, IReadOnlyList<PollOptionView> Options, int TotalVotes);
