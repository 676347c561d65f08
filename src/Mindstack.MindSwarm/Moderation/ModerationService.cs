using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Mindstack.MindSwarm.Groups;
using Mindstack.MindSwarm.Messages;
using Mindstack.MindSwarm.Notifications;
using Mindstack.MindSwarm.Posts;
using Mindstack.MindSwarm.Storage;
using Mindstack.MindSwarm.Users;
using Mindstack.Platform.Access;
using Mindstack.Platform.Accounts;
using Mindstack.Platform.Http;
using Mindstack.Platform.Limits;
using Mindstack.Platform.Storage;

namespace Mindstack.MindSwarm.Moderation;

/// <summary>
/// Section 16: reports, the queue and its reviews, warnings (two final warnings ban the account),
/// bans (temporary, permanent, ip, shadow) and their lifting, appeals, and what moderators count.
/// Moderators are accounts with the platform role <c>moderator</c> or <c>admin</c>; a moderator acts
/// only on accounts ranked below it (an admin on moderators too).
/// </summary>
internal sealed class ModerationService(
    MindstackDbContext db,
    IIdGenerator ids,
    TimeProvider clock,
    ProfileService profiles,
    PostService posts,
    Notifier notifier,
    ISessionService sessions,
    IAccountService accounts,
    IRateLimiter limiter,
    ICallerChanges callerChanges)
{
    private const int MaxReason = 1000;
    private const int MaxText = 2000;
    private const int MaxEvidence = 10;

    public async Task<ReportView> ReportAsync(Caller caller, CreateReportRequest request, CancellationToken ct)
    {
        var validation = new Validation();
        var type = request.TargetType?.Trim().ToLowerInvariant();
        if (type is null || !ReportTargets.All.Contains(type))
        {
            validation.Add("targetType", "targetType must be Post, User, Group or Message");
        }
        var targetId = request.TargetId?.Trim() ?? "";
        if (targetId.Length is 0 or > 64)
        {
            validation.Add("targetId", "targetId is required");
        }
        var category = request.Category?.Trim().ToLowerInvariant();
        if (category is null || !ReportCategories.All.Contains(category))
        {
            validation.Add("category", "category must be one of " + string.Join(", ", ReportCategories.All));
        }
        var description = string.IsNullOrWhiteSpace(request.Description) ? null : request.Description.Trim();
        if (description is { Length: > MaxText })
        {
            validation.Add("description", $"description must be at most {MaxText} characters");
        }
        var evidence = request.Evidence ?? [];
        if (evidence.Count > MaxEvidence)
        {
            validation.Add("evidence", $"evidence holds at most {MaxEvidence} URLs");
        }
        else if (evidence.Any(e => e is null || e.Length > 500 || !Uri.TryCreate(e.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
        {
            validation.Add("evidence", "evidence must be http or https URLs");
        }
        validation.ThrowIfInvalid();

        var (resolvedId, accountId) = await ResolveTargetAsync(type!, targetId, caller.AccountId, ct);
        if (accountId == caller.AccountId)
        {
            throw Problem.BadRequest("You cannot report yourself or your own content", "CANNOT_REPORT_SELF");
        }
        var row = new ReportRow
        {
            Id = ids.New("report"),
            ReporterId = caller.AccountId,
            TargetType = type!,
            TargetId = resolvedId,
            TargetAccountId = accountId,
            Category = category!,
            Description = description,
            EvidenceJson = JsonSerializer.Serialize(evidence.Select(e => e.Trim()).ToList()),
            Status = ReportStatus.Pending,
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        // Insert-first on (reporter, target): a second report of the same thing is refused, even when both arrive at once.
        await db.InsertIfAbsentAsync(row, r => r.ReporterId == row.ReporterId && r.TargetType == row.TargetType && r.TargetId == row.TargetId, ct);
        if (!await db.Set<ReportRow>().AnyAsync(r => r.Id == row.Id, ct))
        {
            throw Problem.Conflict("You have already reported this", "ALREADY_REPORTED");
        }
        return (await ViewsAsync([row], withTargets: false, ct))[0];
    }

    public async Task<ModerationQueueView> QueueAsync(string? status, string? category, string? targetType, PageRequest paging, CancellationToken ct)
    {
        var wanted = string.IsNullOrWhiteSpace(status) ? ReportStatus.Pending : status.Trim().ToLowerInvariant();
        if (wanted is not (ReportStatus.Pending or ReportStatus.Resolved or ReportStatus.Dismissed or "all"))
        {
            throw Problem.Invalid("status", "status must be pending, resolved, dismissed or all");
        }
        var query = db.Set<ReportRow>().AsNoTracking();
        if (wanted != "all")
        {
            query = query.Where(r => r.Status == wanted);
        }
        if (!string.IsNullOrWhiteSpace(category))
        {
            var c = category.Trim().ToLowerInvariant();
            query = ReportCategories.All.Contains(c) ? query.Where(r => r.Category == c) : throw Problem.Invalid("category", "Unknown category");
        }
        if (!string.IsNullOrWhiteSpace(targetType))
        {
            var t = targetType.Trim().ToLowerInvariant();
            query = ReportTargets.All.Contains(t) ? query.Where(r => r.TargetType == t) : throw Problem.Invalid("targetType", "Unknown targetType");
        }
        var total = await query.CountAsync(ct);
        // Pending reports are worked oldest first; reviewed ones are read newest first.
        var ordered = wanted == ReportStatus.Pending
            ? query.OrderBy(r => r.CreatedAt).ThenBy(r => r.Id)
            : query.OrderByDescending(r => r.CreatedAt).ThenByDescending(r => r.Id);
        var rows = await ordered.Skip(paging.Offset).Take(paging.Limit).ToListAsync(ct);
        return new ModerationQueueView(await ViewsAsync(rows, withTargets: true, ct), paging.Page, paging.Limit, total,
            paging.Offset + rows.Count < total, wanted);
    }

    public async Task<ReviewResult> ReviewAsync(Caller moderator, string reportId, ReviewReportRequest request, CancellationToken ct)
    {
        var report = await db.Set<ReportRow>().AsNoTracking().FirstOrDefaultAsync(r => r.Id == reportId, ct)
            ?? throw Problem.NotFound("Report not found", "REPORT_NOT_FOUND");
        var action = request.Action?.Trim().ToLowerInvariant();
        if (action is null || !ReviewActions.All.Contains(action))
        {
            throw Problem.Invalid("action", "action must be dismiss, remove, warn or ban");
        }
        var reason = Text(request.Reason, "reason", MaxReason) ?? DefaultResolution(action, report.Category);
        // Everything the action needs is checked before the report is claimed, so a mistake leaves it pending.
        if (action == ReviewActions.Remove && report.TargetType is not (ReportTargets.Post or ReportTargets.Message))
        {
            throw Problem.BadRequest("Only posts and messages can be removed; warn or ban the account instead", "INVALID_ACTION");
        }
        string? level = null;
        (string Type, TimeSpan? Length, string? Duration)? ban = null;
        if (action is ReviewActions.Warn or ReviewActions.Ban)
        {
            await RequireRankAboveAsync(moderator, report.TargetAccountId, ct);
        }
        if (action == ReviewActions.Warn)
        {
            level = Level(request.Level ?? WarningLevels.Minor);
            Text(request.Message, "message", MaxText);
        }
        if (action == ReviewActions.Ban)
        {
            ban = BanTerms(request.Type ?? BanTypes.Temporary, request.Duration ?? (request.Type is null or BanTypes.Temporary ? "7d" : null));
            if (ban.Value.Type == BanTypes.Ip)
            {
                throw Problem.Invalid("type", "An ip ban is made with POST /moderation/bans (it names the address)");
            }
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var status = action == ReviewActions.Dismiss ? ReportStatus.Dismissed : ReportStatus.Resolved;
        // The claim: one review wins; the other pending reports of the same target are settled with it.
        var claimed = await db.Set<ReportRow>().Where(r => r.Id == report.Id && r.Status == ReportStatus.Pending)
            .ExecuteUpdateAsync(u => u.SetProperty(r => r.Status, status).SetProperty(r => r.Action, action).SetProperty(r => r.Resolution, reason)
                .SetProperty(r => r.ReviewedBy, moderator.AccountId).SetProperty(r => r.ReviewedAt, now), ct);
        if (claimed == 0)
        {
            throw Problem.Conflict("This report has already been reviewed", "REPORT_ALREADY_REVIEWED");
        }
        var others = await db.Set<ReportRow>()
            .Where(r => r.TargetType == report.TargetType && r.TargetId == report.TargetId && r.Status == ReportStatus.Pending)
            .ExecuteUpdateAsync(u => u.SetProperty(r => r.Status, status).SetProperty(r => r.Action, action).SetProperty(r => r.Resolution, reason)
                .SetProperty(r => r.ReviewedBy, moderator.AccountId).SetProperty(r => r.ReviewedAt, now), ct);

        var removed = false;
        WarningView? warning = null;
        BanView? banView = null;
        switch (action)
        {
            case ReviewActions.Remove:
                removed = await RemoveContentAsync(moderator, report, ct);
                break;
            case ReviewActions.Warn:
                warning = (await WarnAsync(moderator, report.TargetAccountId, level!, reason, request.Message, report.Id, ct)).Warning;
                break;
            case ReviewActions.Ban:
                banView = await BanAsync(moderator, report.TargetAccountId, ban!.Value, reason, ip: null, "report", ct);
                break;
            case ReviewActions.Dismiss:
                break;
            default:
                throw new InvalidOperationException("unknown action " + action);
        }
        var fresh = await db.Set<ReportRow>().AsNoTracking().FirstAsync(r => r.Id == report.Id, ct);
        return new ReviewResult((await ViewsAsync([fresh], withTargets: true, ct))[0], 1 + others, removed, warning, banView);
    }

    public async Task<WarningResult> IssueWarningAsync(Caller moderator, IssueWarningRequest request, CancellationToken ct)
    {
        var validation = new Validation();
        if (string.IsNullOrWhiteSpace(request.UserId))
        {
            validation.Add("userId", "userId is required");
        }
        if (string.IsNullOrWhiteSpace(request.Reason))
        {
            validation.Add("reason", "reason is required");
        }
        validation.ThrowIfInvalid();
        var level = Level(request.Level ?? WarningLevels.Minor);
        var reason = Text(request.Reason, "reason", MaxReason)!;
        var account = await RequireAccountAsync(request.UserId!, ct);
        await RequireRankAboveAsync(moderator, account.Id, ct);
        return await WarnAsync(moderator, account.Id, level, reason, request.Message, null, ct);
    }

    public async Task<BanView> CreateBanAsync(Caller moderator, CreateBanRequest request, CancellationToken ct)
    {
        var validation = new Validation();
        if (string.IsNullOrWhiteSpace(request.UserId))
        {
            validation.Add("userId", "userId is required");
        }
        if (string.IsNullOrWhiteSpace(request.Type))
        {
            validation.Add("type", "type must be temporary, permanent, ip or shadow");
        }
        if (string.IsNullOrWhiteSpace(request.Reason))
        {
            validation.Add("reason", "reason is required");
        }
        validation.ThrowIfInvalid();
        var terms = BanTerms(request.Type!, request.Duration);
        var reason = Text(request.Reason, "reason", MaxReason)!;
        string? ip = null;
        if (!string.IsNullOrWhiteSpace(request.Ip))
        {
            ip = terms.Type == BanTypes.Ip
                ? Bans.NormalizeIp(request.Ip) ?? throw Problem.Invalid("ip", "ip must be an IPv4 or IPv6 address")
                : throw Problem.Invalid("ip", "ip is for ip bans");
        }
        var account = await RequireAccountAsync(request.UserId!, ct);
        await RequireRankAboveAsync(moderator, account.Id, ct);
        if (terms.Type == BanTypes.Ip && ip is null)
        {
            // The address the account last signed in to MindSwarm from.
            var last = await db.Set<AccountSession>().AsNoTracking()
                .Where(s => s.AccountId == account.Id && s.Api == MindSwarmApi.Name && s.IpAddress != null)
                .OrderByDescending(s => s.LastSeenAt).Select(s => s.IpAddress).FirstOrDefaultAsync(ct);
            ip = Bans.NormalizeIp(last) ?? throw Problem.Invalid("ip", "No address is known for this account: give ip");
        }
        return await BanAsync(moderator, account.Id, terms, reason, ip, "moderator", ct);
    }

    public async Task<BanView> LiftAsync(Caller moderator, string banId, string? reason, CancellationToken ct)
    {
        var ban = await db.Set<BanRow>().AsNoTracking().FirstOrDefaultAsync(b => b.Id == banId, ct)
            ?? throw Problem.NotFound("Ban not found", "BAN_NOT_FOUND");
        var note = Text(reason, "reason", MaxReason);
        if (!await LiftRowAsync(ban.Id, moderator.AccountId, note ?? "Lifted by a moderator", ct))
        {
            throw Problem.Conflict("This ban is no longer active", "BAN_NOT_ACTIVE");
        }
        return View(await db.Set<BanRow>().AsNoTracking().FirstAsync(b => b.Id == ban.Id, ct), clock.GetUtcNow().UtcDateTime);
    }

    /// <summary>
    /// A banned account appeals one of its active bans, once. A banned account cannot sign in, so
    /// without a session it proves itself with its login and password (failures count against the
    /// same limit as failed sign-ins).
    /// </summary>
    public async Task<AppealView> AppealAsync(HttpContext context, CreateAppealRequest request, CancellationToken ct)
    {
        var validation = new Validation();
        if (string.IsNullOrWhiteSpace(request.BanId))
        {
            validation.Add("banId", "banId is required");
        }
        if (string.IsNullOrWhiteSpace(request.Reason))
        {
            validation.Add("reason", "reason is required");
        }
        var caller = await context.GetCallerAsync();
        if (caller is null && (string.IsNullOrWhiteSpace(request.Login) || string.IsNullOrEmpty(request.Password)))
        {
            validation.Add("login", "Sign in, or give login and password");
        }
        validation.ThrowIfInvalid();
        var reason = Text(request.Reason, "reason", MaxText)!;
        var accountId = caller?.AccountId ?? await VerifyCredentialsAsync(context, request.Login!, request.Password!, ct);
        var now = clock.GetUtcNow().UtcDateTime;
        var ban = await db.Set<BanRow>().AsNoTracking()
            .FirstOrDefaultAsync(b => b.Id == request.BanId!.Trim() && b.AccountId == accountId && b.Type != BanTypes.Shadow, ct)
            ?? throw Problem.NotFound("Ban not found", "BAN_NOT_FOUND");
        if (!IsActive(ban, now))
        {
            throw Problem.Conflict("This ban is no longer active", "BAN_NOT_ACTIVE");
        }
        var row = new AppealRow
        {
            BanId = ban.Id,
            Id = ids.New("appeal"),
            AccountId = accountId,
            Reason = reason,
            Status = AppealStatus.Pending,
            CreatedAt = now,
        };
        await db.InsertIfAbsentAsync(row, a => a.BanId == ban.Id, ct);
        var stored = await db.Set<AppealRow>().AsNoTracking().FirstAsync(a => a.BanId == ban.Id, ct);
        return stored.Id == row.Id ? View(stored) : throw Problem.Conflict("This ban has already been appealed", "APPEAL_EXISTS");
    }

    public async Task<AppealReviewResult> ReviewAppealAsync(Caller moderator, string banId, ReviewAppealRequest request, CancellationToken ct)
    {
        var action = request.Action?.Trim().ToLowerInvariant();
        var status = action switch
        {
            "approve" or "approved" or "accept" => AppealStatus.Approved,
            "reject" or "rejected" or "deny" => AppealStatus.Rejected,
            _ => throw Problem.Invalid("action", "action must be approve or reject"),
        };
        var note = Text(request.Reason, "reason", MaxReason);
        var appeal = await db.Set<AppealRow>().AsNoTracking().FirstOrDefaultAsync(a => a.BanId == banId || a.Id == banId, ct)
            ?? throw Problem.NotFound("Appeal not found", "APPEAL_NOT_FOUND");
        var now = clock.GetUtcNow().UtcDateTime;
        var decided = await db.Set<AppealRow>().Where(a => a.BanId == appeal.BanId && a.Status == AppealStatus.Pending)
            .ExecuteUpdateAsync(u => u.SetProperty(a => a.Status, status).SetProperty(a => a.ReviewedBy, moderator.AccountId)
                .SetProperty(a => a.ReviewNote, note).SetProperty(a => a.ReviewedAt, now), ct);
        if (decided == 0)
        {
            throw Problem.Conflict("This appeal has already been reviewed", "APPEAL_ALREADY_REVIEWED");
        }
        if (status == AppealStatus.Approved)
        {
            await LiftRowAsync(appeal.BanId, moderator.AccountId, note ?? "Appeal approved", ct);
        }
        var ban = await db.Set<BanRow>().AsNoTracking().FirstAsync(b => b.Id == appeal.BanId, ct);
        var fresh = await db.Set<AppealRow>().AsNoTracking().FirstAsync(a => a.BanId == appeal.BanId, ct);
        return new AppealReviewResult(View(fresh), View(ban, now));
    }

    public async Task<UserWarningsView> WarningsAsync(Caller caller, string user, CancellationToken ct)
    {
        var account = await RequireSelfOrModeratedAsync(caller, user, ct);
        var rows = await db.Set<WarningRow>().AsNoTracking().Where(w => w.AccountId == account.Id)
            .OrderByDescending(w => w.CreatedAt).ThenByDescending(w => w.Id).ToListAsync(ct);
        var finals = rows.Count(w => w.Level == WarningLevels.Final);
        return new UserWarningsView(account.Id, rows.Select(View).ToList(), rows.Count, rows.Count(w => w.Level == WarningLevels.Minor),
            rows.Count(w => w.Level == WarningLevels.Major), finals, Math.Max(0, WarningLevels.FinalsToBan - finals));
    }

    public async Task<BanStatusView> BanStatusAsync(Caller caller, string user, CancellationToken ct)
    {
        var account = await RequireSelfOrModeratedAsync(caller, user, ct);
        var moderator = caller.IsInRole(AccountRoles.Moderator);
        var now = clock.GetUtcNow().UtcDateTime;
        var rows = await db.Set<BanRow>().AsNoTracking().Where(b => b.AccountId == account.Id)
            .OrderByDescending(b => b.CreatedAt).ThenByDescending(b => b.Id).ToListAsync(ct);
        // A shadow ban is never told to the account it hides.
        var shown = rows.Where(b => moderator || b.Type != BanTypes.Shadow).Select(b => moderator ? View(b, now) : View(b, now) with { Ip = null }).ToList();
        var active = shown.Where(b => b.IsActive).ToList();
        var blocking = active.Where(b => BanTypes.Blocks(b.Type)).OrderBy(b => b.ExpiresAt is null ? 0 : 1).ThenByDescending(b => b.ExpiresAt).FirstOrDefault();
        return new BanStatusView(account.Id, blocking is not null, blocking?.Type, blocking?.Reason, blocking?.ExpiresAt,
            blocking is { ExpiresAt: null }, active, shown)
        {
            IsShadowBanned = moderator ? active.Any(b => b.Type == BanTypes.Shadow) : null,
        };
    }

    public async Task<ModerationStatsView> StatsAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var weekAgo = now.AddDays(-7);
        var reports = db.Set<ReportRow>().AsNoTracking();
        var byStatus = await Count(reports.GroupBy(r => r.Status).Select(g => new KeyValuePair<string, int>(g.Key, g.Count())), ct);
        var reportStats = new ReportStats(
            byStatus.Values.Sum(),
            byStatus.GetValueOrDefault(ReportStatus.Pending),
            byStatus.GetValueOrDefault(ReportStatus.Resolved),
            byStatus.GetValueOrDefault(ReportStatus.Dismissed),
            await reports.CountAsync(r => r.CreatedAt > weekAgo, ct),
            await Count(reports.GroupBy(r => r.Category).Select(g => new KeyValuePair<string, int>(g.Key, g.Count())), ct),
            (await Count(reports.GroupBy(r => r.TargetType).Select(g => new KeyValuePair<string, int>(g.Key, g.Count())), ct))
                .ToDictionary(p => ReportTargets.Display(p.Key), p => p.Value, StringComparer.Ordinal),
            await Count(reports.Where(r => r.Action != null).GroupBy(r => r.Action!).Select(g => new KeyValuePair<string, int>(g.Key, g.Count())), ct));
        var warnings = db.Set<WarningRow>().AsNoTracking();
        var byLevel = await Count(warnings.GroupBy(w => w.Level).Select(g => new KeyValuePair<string, int>(g.Key, g.Count())), ct);
        var warningStats = new WarningStats(byLevel.Values.Sum(), await warnings.CountAsync(w => w.CreatedAt > weekAgo, ct), byLevel);
        var activeByType = await Count(Bans.Active(db, now).GroupBy(b => b.Type).Select(g => new KeyValuePair<string, int>(g.Key, g.Count())), ct);
        var banStats = new BanStats(await db.Set<BanRow>().CountAsync(ct), activeByType.Values.Sum(),
            await db.Set<BanRow>().CountAsync(b => b.CreatedAt > weekAgo, ct), activeByType);
        var appeals = await Count(db.Set<AppealRow>().GroupBy(a => a.Status).Select(g => new KeyValuePair<string, int>(g.Key, g.Count())), ct);
        var appealStats = new AppealStats(appeals.Values.Sum(), appeals.GetValueOrDefault(AppealStatus.Pending),
            appeals.GetValueOrDefault(AppealStatus.Approved), appeals.GetValueOrDefault(AppealStatus.Rejected));
        return new ModerationStatsView(reportStats, warningStats, banStats, appealStats, now);
    }

    /// <summary>
    /// Stores the warning and notifies its account (a <c>warning</c> notification, from no one, so no
    /// block silences it). Warnings of one account are taken one at a time (a lock on its profile row),
    /// so the second final warning always sees the first and bans.
    /// </summary>
    private async Task<WarningResult> WarnAsync(Caller moderator, string accountId, string level, string reason, string? message, string? reportId,
        CancellationToken ct)
    {
        var text = Text(message, "message", MaxText);
        await profiles.EnsureAsync(accountId, ct: ct);
        var now = clock.GetUtcNow().UtcDateTime;
        var row = new WarningRow
        {
            Id = ids.New("warning"),
            AccountId = accountId,
            Level = level,
            Reason = reason,
            Message = text,
            IssuedBy = moderator.AccountId,
            ReportId = reportId,
            CreatedAt = now,
        };
        BanRow? ban = null;
        int finals;
        await using (var transaction = await db.Database.BeginTransactionAsync(ct))
        {
            await db.Set<ProfileRow>().Where(p => p.AccountId == accountId).ExecuteUpdateAsync(u => u.SetProperty(p => p.UpdatedAt, p => p.UpdatedAt), ct);
            db.Add(row);
            await db.SaveChangesAsync(ct);
            finals = await db.Set<WarningRow>().CountAsync(w => w.AccountId == accountId && w.Level == WarningLevels.Final, ct);
            if (level == WarningLevels.Final && finals >= WarningLevels.FinalsToBan
                && !await Bans.Active(db, now).AnyAsync(b => b.AccountId == accountId && b.Type != BanTypes.Shadow && b.ExpiresAt == null, ct))
            {
                ban = NewBan(moderator, accountId, (BanTypes.Permanent, null, null), $"{finals} final warnings: {reason}", null, "final_warnings", now);
                db.Add(ban);
                await db.SaveChangesAsync(ct);
            }
            await notifier.NotifyAsync(new NotificationRequest(accountId, NotificationTypes.Warning)
            {
                TargetId = row.Id,
                Message = $"You received a {level} warning: {reason}" + (text is null ? "" : " — " + text),
            }, ct);
            await transaction.CommitAsync(ct);
        }
        if (ban is not null)
        {
            await SignOutBannedAsync(accountId, ct);
        }
        return new WarningResult(View(row), finals, ban is not null, ban is null ? null : View(ban, now));
    }

    private async Task<BanView> BanAsync(Caller moderator, string accountId, (string Type, TimeSpan? Length, string? Duration) terms, string reason,
        string? ip, string source, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var row = NewBan(moderator, accountId, terms, reason, ip, source, now);
        db.Add(row);
        await db.SaveChangesAsync(ct);
        if (BanTypes.Blocks(row.Type))
        {
            await SignOutBannedAsync(accountId, ct);
        }
        return View(row, now);
    }

    /// <summary>
    /// Signed-in devices are signed out at once (signing in again is refused while the ban lasts);
    /// the account's change is published even when no session was left, so every node closes its
    /// sockets opened with the account's app keys too (<see cref="BannedSocketCheck"/>).
    /// </summary>
    private async Task SignOutBannedAsync(string accountId, CancellationToken ct)
    {
        if (await sessions.RevokeAllSessionsAsync(accountId, MindSwarmApi.Name, "banned", ct) == 0)
        {
            await callerChanges.AccountChangedAsync(accountId, ct);
        }
    }

    private BanRow NewBan(Caller moderator, string accountId, (string Type, TimeSpan? Length, string? Duration) terms, string reason, string? ip,
        string source, DateTime now) => new()
        {
            Id = ids.New("ban"),
            AccountId = accountId,
            Type = terms.Type,
            Reason = reason,
            Duration = terms.Duration,
            Ip = ip,
            IssuedBy = moderator.AccountId,
            Source = source,
            CreatedAt = now,
            ExpiresAt = terms.Length is { } length ? now + length : null,
        };

    /// <summary>Lifts a ban that is still active; false when it was lifted already or has ended.</summary>
    private async Task<bool> LiftRowAsync(string banId, string by, string reason, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return await db.Set<BanRow>().Where(b => b.Id == banId && b.LiftedAt == null && (b.ExpiresAt == null || b.ExpiresAt > now))
            .ExecuteUpdateAsync(u => u.SetProperty(b => b.LiftedAt, now).SetProperty(b => b.LiftedBy, by).SetProperty(b => b.LiftReason, reason), ct) == 1;
    }

    private async Task<bool> RemoveContentAsync(Caller moderator, ReportRow report, CancellationToken ct)
    {
        if (report.TargetType == ReportTargets.Post)
        {
            if (!await db.Set<PostRow>().AnyAsync(p => p.Id == report.TargetId && p.DeletedAt == null, ct))
            {
                return false;
            }
            await posts.DeleteAsync(moderator, report.TargetId, ct);
            return true;
        }
        await db.Set<MessageReactionRow>().Where(r => r.MessageId == report.TargetId).ExecuteDeleteAsync(ct);
        return await db.Set<MessageRow>().Where(m => m.Id == report.TargetId).ExecuteDeleteAsync(ct) == 1;
    }

    /// <summary>The target's stored id and the account answerable for it; 404 when the reporter cannot see it.</summary>
    private async Task<(string Id, string AccountId)> ResolveTargetAsync(string type, string targetId, string reporterId, CancellationToken ct)
    {
        switch (type)
        {
            case ReportTargets.Post:
                var post = await posts.RequireVisibleAsync(targetId, reporterId, ct);
                return (post.Id, post.AuthorId);
            case ReportTargets.User:
                var account = await RequireAccountAsync(targetId, ct);
                return (account.Id, account.Id);
            case ReportTargets.Group:
                var key = targetId.ToLowerInvariant();
                var group = await db.Set<GroupRow>().AsNoTracking().Where(g => g.Id == targetId || g.Slug == key)
                    .Select(g => new { g.Id, g.OwnerId }).FirstOrDefaultAsync(ct) ?? throw Problem.NotFound("Group not found", "GROUP_NOT_FOUND");
                return (group.Id, group.OwnerId);
            case ReportTargets.Message:
                // Only a member of the conversation can have read (and so report) the message.
                var message = await (from m in db.Set<MessageRow>().AsNoTracking()
                                     where m.Id == targetId
                                     join member in db.Set<ConversationMemberRow>() on m.ConversationId equals member.ConversationId
                                     where member.AccountId == reporterId
                                     select new { m.Id, m.SenderId }).FirstOrDefaultAsync(ct)
                    ?? throw Problem.NotFound("Message not found", "MESSAGE_NOT_FOUND");
                return (message.Id, message.SenderId);
            default:
                throw new InvalidOperationException("unknown target " + type);
        }
    }

    private async Task<Account> RequireAccountAsync(string idOrUsername, CancellationToken ct)
    {
        var key = idOrUsername.Trim();
        var normalized = key.TrimStart('@').ToLowerInvariant();
        return key.Length is 0 or > 64 ? throw Problem.NotFound("User not found", "USER_NOT_FOUND")
            : await db.Set<Account>().AsNoTracking().FirstOrDefaultAsync(a => a.Id == key || a.NormalizedUsername == normalized, ct)
                ?? throw Problem.NotFound("User not found", "USER_NOT_FOUND");
    }

    /// <summary>An account's own moderation record is its own and moderators' to read.</summary>
    private async Task<Account> RequireSelfOrModeratedAsync(Caller caller, string user, CancellationToken ct)
    {
        var account = await RequireAccountAsync(user, ct);
        return account.Id == caller.AccountId || caller.IsInRole(AccountRoles.Moderator)
            ? account
            : throw Problem.Forbidden("Only moderators can see another user's moderation record", "FORBIDDEN");
    }

    /// <summary>A moderator acts on users; only an admin acts on a moderator; no one on an admin or on themselves.</summary>
    private async Task RequireRankAboveAsync(Caller moderator, string accountId, CancellationToken ct)
    {
        if (accountId == moderator.AccountId)
        {
            throw Problem.BadRequest("You cannot warn or ban yourself", "CANNOT_MODERATE_SELF");
        }
        var role = await db.Set<Account>().Where(a => a.Id == accountId).Select(a => a.Role).FirstOrDefaultAsync(ct) ?? AccountRoles.User;
        if (Rank(role) >= Rank(moderator.Role))
        {
            throw Problem.Forbidden("You cannot warn or ban an account of your rank or above", "INSUFFICIENT_ROLE");
        }
    }

    private static int Rank(string role) => role switch
    {
        AccountRoles.Admin => 2,
        AccountRoles.Moderator => 1,
        _ => 0,
    };

    private async Task<string> VerifyCredentialsAsync(HttpContext context, string login, string password, CancellationToken ct)
    {
        var key = "appeal|" + ClientAddress.NetworkOf(context) + "|" + login.Trim().ToLowerInvariant();
        var decision = await limiter.PeekAsync(MindSwarmApi.Limits.FailedLogin, key, ct);
        if (!decision.Allowed)
        {
            throw decision.ToProblem();
        }
        var account = await accounts.FindByLoginAsync(login, ct);
        if (account is null || !accounts.VerifyPassword(account, password))
        {
            await limiter.AcquireAsync(MindSwarmApi.Limits.FailedLogin, key, ct);
            throw Problem.Unauthorized("Invalid email or password", "INVALID_CREDENTIALS");
        }
        return account.Id;
    }

    private static string Level(string text)
    {
        var level = text.Trim().ToLowerInvariant();
        return WarningLevels.All.Contains(level) ? level : throw Problem.Invalid("level", "level must be minor, major or final");
    }

    /// <summary>The type, how long (null: no end) and the duration as given; every rule of section 16's ban types.</summary>
    private static (string Type, TimeSpan? Length, string? Duration) BanTerms(string typeText, string? durationText)
    {
        var type = typeText.Trim().ToLowerInvariant();
        if (!BanTypes.All.Contains(type))
        {
            throw Problem.Invalid("type", "type must be temporary, permanent, ip or shadow");
        }
        var duration = string.IsNullOrWhiteSpace(durationText) ? null : durationText.Trim().ToLowerInvariant();
        if (duration is null)
        {
            return type == BanTypes.Temporary ? throw Problem.Invalid("duration", "A temporary ban needs a duration (30m, 12h, 7d, 2w)") : (type, null, null);
        }
        if (type == BanTypes.Permanent)
        {
            throw Problem.Invalid("duration", "A permanent ban has no duration");
        }
        var length = Bans.ParseDuration(duration)
            ?? throw Problem.Invalid("duration", "duration must be minutes, hours, days or weeks (30m, 12h, 7d, 2w), at most 3650 days");
        return (type, length, duration);
    }

    private static string? Text(string? text, string field, int max)
    {
        var value = string.IsNullOrWhiteSpace(text) ? null : text.Trim();
        return value is { Length: var n } && n > max ? throw Problem.Invalid(field, $"{field} must be at most {max} characters") : value;
    }

    private static string DefaultResolution(string action, string category) => action switch
    {
        ReviewActions.Dismiss => "No violation found",
        _ => "Violation: " + category,
    };

    private static bool IsActive(BanRow ban, DateTime now) => ban.LiftedAt is null && (ban.ExpiresAt is null || ban.ExpiresAt > now);

    private static async Task<Dictionary<string, int>> Count(IQueryable<KeyValuePair<string, int>> query, CancellationToken ct) =>
        (await query.ToListAsync(ct)).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);

    private static WarningView View(WarningRow w) => new(w.Id, w.AccountId, w.Level, w.Reason, w.Message, w.IssuedBy, w.ReportId, w.CreatedAt);

    private static BanView View(BanRow b, DateTime now) => new(b.Id, b.AccountId, b.Type, b.Reason, b.Duration, b.Ip, b.IssuedBy, b.Source,
        IsActive(b, now), b.CreatedAt, b.ExpiresAt, b.LiftedAt, b.LiftedBy, b.LiftReason);

    private static AppealView View(AppealRow a) => new(a.Id, a.BanId, a.AccountId, a.Reason, a.Status, a.ReviewedBy, a.ReviewNote, a.CreatedAt,
        a.ReviewedAt);

    private async Task<IReadOnlyList<ReportView>> ViewsAsync(IReadOnlyList<ReportRow> rows, bool withTargets, CancellationToken ct)
    {
        if (rows.Count == 0)
        {
            return [];
        }
        var users = await profiles.SummariesAsync(rows.Select(r => r.ReporterId).Concat(withTargets ? rows.Select(r => r.TargetAccountId) : []), ct);
        Dictionary<string, string?> previews = new(StringComparer.Ordinal);
        Dictionary<(string, string), int> pending = [];
        if (withTargets)
        {
            previews = await PreviewsAsync(rows, ct);
            var targetIds = rows.Select(r => r.TargetId).Distinct().ToList();
            pending = (await db.Set<ReportRow>().AsNoTracking().Where(r => r.Status == ReportStatus.Pending && targetIds.Contains(r.TargetId))
                .GroupBy(r => new { r.TargetType, r.TargetId }).Select(g => new { g.Key.TargetType, g.Key.TargetId, Count = g.Count() }).ToListAsync(ct))
                .ToDictionary(x => (x.TargetType, x.TargetId), x => x.Count);
        }
        return rows.Select(r => new ReportView(r.Id, ReportTargets.Display(r.TargetType), r.TargetId, r.Category, r.Description,
            JsonSerializer.Deserialize<List<string>>(r.EvidenceJson) ?? [], r.Status, r.Action, r.Resolution, users[r.ReporterId], r.ReviewedBy,
            r.ReviewedAt, r.CreatedAt)
        {
            Target = withTargets
                ? new ReportTargetView(ReportTargets.Display(r.TargetType), r.TargetId, users[r.TargetAccountId],
                    previews.GetValueOrDefault(Key(r)), previews.ContainsKey(Key(r)))
                : null,
            PendingReportsOnTarget = withTargets ? pending.GetValueOrDefault((r.TargetType, r.TargetId)) : null,
        }).ToList();
    }

    private static string Key(ReportRow r) => r.TargetType + ":" + r.TargetId;

    /// <summary>What each target says now (a post's or message's text, a user's name, a group's name); absent when it is gone.</summary>
    private async Task<Dictionary<string, string?>> PreviewsAsync(IReadOnlyList<ReportRow> rows, CancellationToken ct)
    {
        List<string> Of(string type) => rows.Where(r => r.TargetType == type).Select(r => r.TargetId).Distinct().ToList();
        var result = new Dictionary<string, string?>(StringComparer.Ordinal);
        var postIds = Of(ReportTargets.Post);
        foreach (var p in await db.Set<PostRow>().AsNoTracking().Where(p => postIds.Contains(p.Id) && p.DeletedAt == null)
            .Select(p => new { p.Id, p.Content }).ToListAsync(ct))
        {
            result[ReportTargets.Post + ":" + p.Id] = Preview(p.Content);
        }
        var userIds = Of(ReportTargets.User);
        foreach (var a in await db.Set<Account>().AsNoTracking().Where(a => userIds.Contains(a.Id)).Select(a => new { a.Id, a.Username }).ToListAsync(ct))
        {
            result[ReportTargets.User + ":" + a.Id] = "@" + a.Username;
        }
        var groupIds = Of(ReportTargets.Group);
        foreach (var g in await db.Set<GroupRow>().AsNoTracking().Where(g => groupIds.Contains(g.Id)).Select(g => new { g.Id, g.Name }).ToListAsync(ct))
        {
            result[ReportTargets.Group + ":" + g.Id] = g.Name;
        }
        var messageIds = Of(ReportTargets.Message);
        foreach (var m in await db.Set<MessageRow>().AsNoTracking().Where(m => messageIds.Contains(m.Id)).Select(m => new { m.Id, m.Content }).ToListAsync(ct))
        {
            result[ReportTargets.Message + ":" + m.Id] = Preview(m.Content);
        }
        return result;
    }

    private static string Preview(string text) => text.Length <= 280 ? text : text[..280];
}
