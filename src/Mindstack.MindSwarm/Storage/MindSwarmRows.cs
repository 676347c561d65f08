namespace Mindstack.MindSwarm.Storage;

/// <summary>
/// MindSwarm's side of an account: profile, badges, settings, referral code and counters. The
/// account itself (email, username, password, 2FA, sessions) is the platform's. Made on first use
/// (an account created by a magic link gets one when it first signs in).
/// </summary>
internal sealed class ProfileRow
{
    public required string AccountId { get; set; }
    public string? DisplayName { get; set; }
    public string? Bio { get; set; }
    public string? Location { get; set; }
    public string? Website { get; set; }
    /// <summary>Media URL of the avatar; set by the upload endpoints.</summary>
    public string? Avatar { get; set; }
    public string? Banner { get; set; }
    /// <summary>JSON object of the social links (twitter, github…).</summary>
    public string SocialLinksJson { get; set; } = "{}";
    /// <summary>JSON object of crypto addresses (btc, eth…).</summary>
    public string CryptoAddressesJson { get; set; } = "{}";
    /// <summary>Badges, space-separated (<c>ai-enabled</c>, <c>verified</c>…).</summary>
    public string Badges { get; set; } = "";
    /// <summary>JSON object of the user's settings (privacy, notifications…).</summary>
    public string SettingsJson { get; set; } = "{}";
    public bool IsPrivate { get; set; }
    public required string ReferralCode { get; set; }
    public string? ReferredBy { get; set; }
    public int FollowerCount { get; set; }
    public int FollowingCount { get; set; }
    public int PostCount { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }

    public IReadOnlyList<string> BadgeList => Badges.Split(' ', StringSplitOptions.RemoveEmptyEntries);
}

/// <summary>
/// A post, a reply (<see cref="ReplyToId"/>), a quote (<see cref="QuotedPostId"/> with content) or a
/// plain repost (<see cref="RepostOfId"/>, no content). Counters are kept on the row (atomic
/// increments) so feeds rank and page without aggregating.
/// </summary>
internal sealed class PostRow
{
    public required string Id { get; set; }
    /// <summary>12 URL-safe characters; used in URLs and accepted wherever a post id is.</summary>
    public required string ShortId { get; set; }
    public required string AuthorId { get; set; }
    public required string Content { get; set; }
    /// <summary>JSON array of media items <c>{type, url, thumbnailUrl}</c> (up to 4).</summary>
    public string MediaJson { get; set; } = "[]";
    public string? ReplyToId { get; set; }
    /// <summary>The top of the thread a reply belongs to (the post itself when it is not a reply).</summary>
    public string? ThreadRootId { get; set; }
    public string? QuotedPostId { get; set; }
    public string? RepostOfId { get; set; }
    /// <summary>A group the post was made in (groups are another feature); null for the public timeline.</summary>
    public string? GroupId { get; set; }
    /// <summary><c>both</c>, <c>humans</c> or <c>ai</c>: who may reply.</summary>
    public string ReplyAudience { get; set; } = "both";
    public string? ContentWarning { get; set; }
    public DateTime? PollEndsAt { get; set; }
    public bool PollClosed { get; set; }
    /// <summary>When it goes out: now, or its <c>scheduledAt</c>.</summary>
    public DateTime? ScheduledAt { get; set; }
    /// <summary>Null until published (a scheduled post, by the publishing job); feeds show only published posts.</summary>
    public DateTime? PublishedAt { get; set; }
    public bool IsAiGenerated { get; set; }
    /// <summary>The developer app whose key made the post ("API" badge); null for a signed-in user.</summary>
    public string? ViaAppId { get; set; }
    /// <summary>JSON of the AI detection result, filled by a job; null until scanned.</summary>
    public string? AiDetectionJson { get; set; }
    /// <summary>The detection's verdict (<c>ai_generated</c>, <c>human</c>, <c>uncertain</c>), kept apart for the ai/human feeds.</summary>
    public string? AiVerdict { get; set; }
    /// <summary>JSON of the link preview, filled by a job; null until fetched.</summary>
    public string? LinkPreviewJson { get; set; }
    /// <summary>JSON of the crypto analysis of the addresses the text names, filled by a job; null until analysed or when it names none.</summary>
    public string? CryptoAnalysisJson { get; set; }
    public int LikeCount { get; set; }
    public int ReplyCount { get; set; }
    public int RepostCount { get; set; }
    public int QuoteCount { get; set; }
    public int SaveCount { get; set; }
    public int ViewCount { get; set; }
    public bool ReplyBlurred { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
    public DateTime? EditedAt { get; set; }
    public DateTime? DeletedAt { get; set; }
}

/// <summary>One earlier version of an edited post.</summary>
internal sealed class PostEditRow
{
    public required string Id { get; set; }
    public required string PostId { get; set; }
    public required string Content { get; set; }
    /// <summary>When this version was replaced.</summary>
    public DateTime EditedAt { get; set; }
}

internal sealed class PollOptionRow
{
    public required string PostId { get; set; }
    public int Position { get; set; }
    public required string Text { get; set; }
    public int Votes { get; set; }
}

/// <summary>One vote per account per poll (the primary key holds it).</summary>
internal sealed class PollVoteRow
{
    public required string PostId { get; set; }
    public required string AccountId { get; set; }
    public int Position { get; set; }
    public DateTime CreatedAt { get; set; }
}

internal sealed class LikeRow
{
    public required string PostId { get; set; }
    public required string AccountId { get; set; }
    public DateTime CreatedAt { get; set; }
}

internal sealed class SaveRow
{
    public required string PostId { get; set; }
    public required string AccountId { get; set; }
    public string? Collection { get; set; }
    public DateTime CreatedAt { get; set; }
}

internal sealed class PinRow
{
    public required string AccountId { get; set; }
    public required string PostId { get; set; }
    public int Position { get; set; }
}

internal sealed class HashtagRow
{
    public required string PostId { get; set; }
    /// <summary>Lowercase, without the <c>#</c>.</summary>
    public required string Tag { get; set; }
    public DateTime CreatedAt { get; set; }
}

internal sealed class MentionRow
{
    public required string PostId { get; set; }
    public required string AccountId { get; set; }
}

/// <summary>One view of a post (analytics): who (when signed in) and where from.</summary>
internal sealed class PostViewRow
{
    public required string Id { get; set; }
    public required string PostId { get; set; }
    public string? ViewerId { get; set; }
    public string? Referrer { get; set; }
    public DateTime ViewedAt { get; set; }
}

internal static class FollowStatus
{
    public const string Accepted = "accepted";
    public const string Pending = "pending";
}

/// <summary>A follow, or a request to follow a private account (<see cref="FollowStatus.Pending"/>).</summary>
internal sealed class FollowRow
{
    public required string Id { get; set; }
    public required string FollowerId { get; set; }
    public required string FollowingId { get; set; }
    public required string Status { get; set; }
    public DateTime CreatedAt { get; set; }
}

internal sealed class BlockRow
{
    public required string Id { get; set; }
    public required string BlockerId { get; set; }
    public required string BlockedId { get; set; }
    public DateTime CreatedAt { get; set; }
}

internal sealed class MuteRow
{
    public required string Id { get; set; }
    public required string MuterId { get; set; }
    public required string MutedId { get; set; }
    /// <summary>Null: until unmuted.</summary>
    public DateTime? ExpiresAt { get; set; }
    public DateTime CreatedAt { get; set; }
}

internal static class AppStatus
{
    public const string Active = "active";
    public const string Inactive = "inactive";
    public const string Archived = "archived";
}

/// <summary>A developer app: its one <c>msk_</c> key is a platform API key (<see cref="KeyId"/>).</summary>
internal sealed class DeveloperAppRow
{
    public required string Id { get; set; }
    public required string AccountId { get; set; }
    public required string Name { get; set; }
    public string? Description { get; set; }
    public string? Website { get; set; }
    public required string KeyId { get; set; }
    public required string Status { get; set; }
    public int RequestsPerMinute { get; set; } = 60;
    public int RequestsPerDay { get; set; } = 10_000;
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

/// <summary>A challenge answered at registration: spent once (the primary key holds it).</summary>
internal sealed class SpentChallengeRow
{
    public required string Nonce { get; set; }
    public DateTime ExpiresAt { get; set; }
}

/// <summary>Values made once per installation (the challenge signing key…), shared by every node.</summary>
internal sealed class InstallationSecretRow
{
    public required string Name { get; set; }
    public required string Value { get; set; }
    public DateTime CreatedAt { get; set; }
}
