using Mindstack.MindSwarm.Users;

namespace Mindstack.MindSwarm.Moderation;

internal sealed record CreateReportRequest(string? TargetType, string? TargetId, string? Category, string? Description, List<string>? Evidence);

/// <summary>
/// A review of a report: <c>action</c> is dismiss, remove, warn or ban; a warning takes <c>level</c>
/// (default minor) and <c>message</c>, a ban <c>type</c> (default temporary) and <c>duration</c> (default 7d).
/// </summary>
internal sealed record ReviewReportRequest(string? Action, string? Reason, string? Level, string? Message, string? Type, string? Duration);

internal sealed record IssueWarningRequest(string? UserId, string? Level, string? Reason, string? Message);

internal sealed record CreateBanRequest(string? UserId, string? Type, string? Duration, string? Reason, string? Ip);

internal sealed record LiftBanRequest(string? Reason);

/// <summary>An appeal: with a session, or (a banned account cannot sign in) with <c>login</c> and <c>password</c>.</summary>
internal sealed record CreateAppealRequest(string? BanId, string? Reason, string? Login, string? Password);

/// <summary><c>action</c>: approve (the ban is lifted) or reject.</summary>
internal sealed record ReviewAppealRequest(string? Action, string? Reason);

/// <summary>What was reported, as a moderator sees it: a preview of the content and who answers for it.</summary>
internal sealed record ReportTargetView(string Type, string Id, UserSummary Account, string? Preview, bool Exists);

internal sealed record ReportView(
    string Id,
    string TargetType,
    string TargetId,
    string Category,
    string? Description,
    IReadOnlyList<string> Evidence,
    string Status,
    string? Action,
    string? Resolution,
    UserSummary Reporter,
    string? ReviewedBy,
    DateTime? ReviewedAt,
    DateTime CreatedAt)
{
    /// <summary>The target, in the queue and review answers; null in the reporter's own answer.</summary>
    public ReportTargetView? Target { get; init; }
    /// <summary>How many reports the same target has pending (the queue).</summary>
    public int? PendingReportsOnTarget { get; init; }
}

internal sealed record ReportEnvelope(ReportView Report, string Message);

internal sealed record ModerationQueueView(IReadOnlyList<ReportView> Reports, int Page, int Limit, int Total, bool HasMore, string Status);

internal sealed record WarningView(string Id, string UserId, string Level, string Reason, string? Message, string IssuedBy, string? ReportId,
    DateTime CreatedAt);

internal sealed record BanView(
    string Id,
    string UserId,
    string Type,
    string Reason,
    string? Duration,
    string? Ip,
    string IssuedBy,
    string Source,
    bool IsActive,
    DateTime CreatedAt,
    DateTime? ExpiresAt,
    DateTime? LiftedAt,
    string? LiftedBy,
    string? LiftReason);

internal sealed record ReviewResult(ReportView Report, int ReportsResolved, bool ContentRemoved, WarningView? Warning, BanView? Ban);

internal sealed record WarningResult(WarningView Warning, int FinalWarnings, bool Banned, BanView? Ban);

internal sealed record BanEnvelope(BanView Ban, string Message);

internal sealed record UserWarningsView(string UserId, IReadOnlyList<WarningView> Warnings, int Total, int Minor, int Major, int Final,
    int FinalWarningsUntilBan);

internal sealed record BanStatusView(
    string UserId,
    bool IsBanned,
    string? BanType,
    string? Reason,
    DateTime? ExpiresAt,
    bool IsPermanent,
    IReadOnlyList<BanView> ActiveBans,
    IReadOnlyList<BanView> History)
{
    /// <summary>Moderators only; null when the account asks about itself (a shadow ban is not told to its target).</summary>
    public bool? IsShadowBanned { get; init; }
}

internal sealed record AppealView(string Id, string BanId, string UserId, string Reason, string Status, string? ReviewedBy, string? ReviewNote,
    DateTime CreatedAt, DateTime? ReviewedAt);

internal sealed record AppealEnvelope(AppealView Appeal, string Message);

internal sealed record AppealReviewResult(AppealView Appeal, BanView Ban);

internal sealed record ReportStats(int Total, int Pending, int Resolved, int Dismissed, int LastSevenDays, IReadOnlyDictionary<string, int> ByCategory,
    IReadOnlyDictionary<string, int> ByTargetType, IReadOnlyDictionary<string, int> ByAction);

internal sealed record WarningStats(int Total, int LastSevenDays, IReadOnlyDictionary<string, int> ByLevel);

internal sealed record BanStats(int Total, int Active, int LastSevenDays, IReadOnlyDictionary<string, int> ActiveByType);

internal sealed record AppealStats(int Total, int Pending, int Approved, int Rejected);

internal sealed record ModerationStatsView(ReportStats Reports, WarningStats Warnings, BanStats Bans, AppealStats Appeals, DateTime GeneratedAt);
