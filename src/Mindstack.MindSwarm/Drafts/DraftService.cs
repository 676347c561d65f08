using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Mindstack.MindSwarm.Posts;
using Mindstack.MindSwarm.Storage;
using Mindstack.Platform.Access;
using Mindstack.Platform.Http;
using Mindstack.Platform.Jobs;
using Mindstack.Platform.Storage;

namespace Mindstack.MindSwarm.Drafts;

internal sealed record SaveDraftRequest
{
    public string? DraftId { get; init; }
    public string? Content { get; init; }
    public List<MediaRequest>? Media { get; init; }
    public string? ReplyTo { get; init; }
    public string? QuotedPost { get; init; }
    public string? ContentWarning { get; init; }
    /// <summary>When set, the draft is published by a job at this time.</summary>
    public DateTime? ScheduledAt { get; init; }
}

internal sealed record AutosaveRequest(string? DraftId, string? Content);

internal sealed record DraftVersionView(string Id, int Version, string Content, string Source, DateTime CreatedAt);

internal sealed record DraftView
{
    [System.Text.Json.Serialization.JsonPropertyName("_id")]
    public required string UnderscoreId { get; init; }
    public required string Id { get; init; }
    public required string Content { get; init; }
    public required IReadOnlyList<MediaItem> Media { get; init; }
    public string? ReplyTo { get; init; }
    public string? QuotedPost { get; init; }
    public string? ContentWarning { get; init; }
    public DateTime? ScheduledAt { get; init; }
    /// <summary><c>draft</c>, <c>scheduled</c>, <c>published</c> or <c>failed</c>.</summary>
    public required string Status { get; init; }
    public int Version { get; init; }
    public int CharacterCount { get; init; }
    public string? PublishedPostId { get; init; }
    public string? Error { get; init; }
    /// <summary>The saved versions, newest first (only on a single draft).</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<DraftVersionView>? Versions { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime UpdatedAt { get; init; }
}

internal sealed record DraftEnvelope(DraftView Draft);

internal sealed record DraftListView(IReadOnlyList<DraftView> Drafts, int Page, int Limit, int Total, bool HasMore);

internal sealed record ScheduledDraftsView(IReadOnlyList<DraftView> Drafts, int Total);

internal sealed record DraftStatsView(int Total, int Drafts, int Scheduled, int Published, int Failed, int Versions, DateTime? LastSavedAt,
    DateTime? NextScheduledAt);

internal sealed record PublishedDraftView(PostView Post, DraftView Draft);

internal sealed record DraftDeletedView(string Message);

internal sealed record DraftJobPayload(string DraftId, long ScheduledTicks);

/// <summary>
/// Section 13: drafts saved and autosaved with versions (the last <see cref="MaxVersions"/> kept),
/// restored to a version, scheduled (published by <see cref="PublishScheduledDraftJob"/>), and
/// published into a real post through <see cref="PostService"/>, so every post rule applies.
/// </summary>
internal sealed class DraftService(
    MindstackDbContext db,
    IIdGenerator ids,
    TimeProvider clock,
    MediaReferences media,
    PostService posts,
    PostViews views,
    IJobQueue jobs)
{
    public const int MaxVersions = 50;
    public const int MaxDraftsPerUser = 200;

    public async Task<DraftView> SaveAsync(Caller caller, SaveDraftRequest request, CancellationToken ct)
    {
        var items = await media.ResolveAsync(caller.AccountId, request.Media, ct);
        var content = ContentRules.Content(request.Content, allowEmpty: true);
        if (content.Length == 0 && items.Count == 0)
        {
            throw Problem.Invalid("content", "A draft needs content or media");
        }
        var warning = string.IsNullOrWhiteSpace(request.ContentWarning) ? null : request.ContentWarning.Trim();
        if (warning is { Length: > ContentRules.MaxContentWarningLength })
        {
            throw Problem.Invalid("contentWarning", $"contentWarning must be at most {ContentRules.MaxContentWarningLength} characters");
        }
        var now = clock.GetUtcNow().UtcDateTime;
        DateTime? scheduled = null;
        if (request.ScheduledAt is { } at)
        {
            // Whole milliseconds: the job compares its time with the stored one, and PostgreSQL keeps microseconds.
            var utc = at.ToUniversalTime();
            scheduled = new DateTime(utc.Ticks - (utc.Ticks % TimeSpan.TicksPerMillisecond), DateTimeKind.Utc);
            if (scheduled <= now)
            {
                throw Problem.Invalid("scheduledAt", "scheduledAt must be in the future");
            }
            if (scheduled > now.AddDays(365))
            {
                throw Problem.Invalid("scheduledAt", "scheduledAt must be within a year");
            }
        }
        var replyTo = Reference(request.ReplyTo, "replyTo");
        var quoted = Reference(request.QuotedPost, "quotedPost");
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var row = await OpenAsync(caller, request.DraftId, now, ct);
        row.Content = content;
        row.MediaJson = PostViews.WriteMedia(items);
        row.ReplyToId = replyTo;
        row.QuotedPostId = quoted;
        row.ContentWarning = warning;
        row.ScheduledAt = scheduled;
        row.Status = scheduled is null ? DraftStatus.Draft : DraftStatus.Scheduled;
        row.Error = null;
        await AddVersionAsync(row, "save", now, ct);
        if (scheduled is { } runAt)
        {
            // A later reschedule queues its own job; this one then finds another time and does nothing.
            jobs.Enqueue<PublishScheduledDraftJob>(new DraftJobPayload(row.Id, runAt.Ticks), new JobOptions { RunAt = runAt });
        }
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return View(row, null);
    }

    /// <summary>Saves the text only (a new version when it changed); makes the draft when there is none yet.</summary>
    public async Task<DraftView> AutosaveAsync(Caller caller, AutosaveRequest request, CancellationToken ct)
    {
        var content = ContentRules.Content(request.Content, allowEmpty: true);
        var now = clock.GetUtcNow().UtcDateTime;
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var row = await OpenAsync(caller, request.DraftId, now, ct);
        if (row.Version == 0 || row.Content != content)
        {
            row.Content = content;
            await AddVersionAsync(row, "autosave", now, ct);
        }
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return View(row, null);
    }

    public async Task<DraftListView> ListAsync(Caller caller, PageRequest paging, CancellationToken ct)
    {
        var drafts = db.Set<DraftRow>().AsNoTracking()
            .Where(d => d.AccountId == caller.AccountId && (d.Status == DraftStatus.Draft || d.Status == DraftStatus.Failed));
        var total = await drafts.CountAsync(ct);
        var rows = await drafts.OrderByDescending(d => d.UpdatedAt).ThenByDescending(d => d.Id).Skip(paging.Offset).Take(paging.Limit).ToListAsync(ct);
        return new DraftListView(rows.Select(r => View(r, null)).ToList(), paging.Page, paging.Limit, total, paging.Offset + rows.Count < total);
    }

    public async Task<ScheduledDraftsView> ScheduledAsync(Caller caller, CancellationToken ct)
    {
        var rows = await db.Set<DraftRow>().AsNoTracking()
            .Where(d => d.AccountId == caller.AccountId && d.Status == DraftStatus.Scheduled)
            .OrderBy(d => d.ScheduledAt).ThenBy(d => d.Id).ToListAsync(ct);
        return new ScheduledDraftsView(rows.Select(r => View(r, null)).ToList(), rows.Count);
    }

    public async Task<DraftStatsView> StatsAsync(Caller caller, CancellationToken ct)
    {
        var mine = db.Set<DraftRow>().AsNoTracking().Where(d => d.AccountId == caller.AccountId);
        var counts = await mine.GroupBy(d => d.Status).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(x => x.Key, x => x.Count, ct);
        var draftIds = mine.Select(d => d.Id);
        var versions = await db.Set<DraftVersionRow>().CountAsync(v => draftIds.Contains(v.DraftId), ct);
        var lastSaved = await mine.OrderByDescending(d => d.UpdatedAt).Select(d => (DateTime?)d.UpdatedAt).FirstOrDefaultAsync(ct);
        var next = await mine.Where(d => d.Status == DraftStatus.Scheduled).OrderBy(d => d.ScheduledAt).Select(d => d.ScheduledAt).FirstOrDefaultAsync(ct);
        return new DraftStatsView(counts.Values.Sum(), counts.GetValueOrDefault(DraftStatus.Draft), counts.GetValueOrDefault(DraftStatus.Scheduled),
            counts.GetValueOrDefault(DraftStatus.Published), counts.GetValueOrDefault(DraftStatus.Failed), versions, lastSaved, next);
    }

    public async Task<DraftView> GetAsync(Caller caller, string draftId, CancellationToken ct)
    {
        var row = await RequireAsync(caller, draftId, ct);
        return View(row, await VersionsAsync(row.Id, ct));
    }

    /// <summary>Makes the draft a post now, through the post rules; the draft is kept as <c>published</c> with the post's id.</summary>
    public async Task<PublishedDraftView> PublishAsync(Author author, string draftId, CancellationToken ct)
    {
        var row = await RequireAsync(author.Caller, draftId, ct);
        if (row.Status == DraftStatus.Published)
        {
            throw Problem.BadRequest("This draft is already published", "DRAFT_ALREADY_PUBLISHED");
        }
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var post = await PublishRowAsync(author, row, ct);
        await transaction.CommitAsync(ct);
        return new PublishedDraftView(await views.CreatedAsync(post, author.Caller.AccountId, ct), View(row, null));
    }

    /// <summary>Publishes in the caller's transaction: the post, its events and the draft's new state commit together.</summary>
    public async Task<PostRow> PublishRowAsync(Author author, DraftRow row, CancellationToken ct)
    {
        var request = new CreatePostRequest
        {
            Content = row.Content,
            Media = PostViews.ReadMedia(row.MediaJson).Select(m => new MediaRequest(m.Type, m.Url, m.ThumbnailUrl, null)).ToList(),
            ReplyTo = row.ReplyToId,
            QuotedPost = row.QuotedPostId,
            ContentWarning = row.ContentWarning,
        };
        var post = await posts.CreateAsync(author, request, ct);
        row.Status = DraftStatus.Published;
        row.PublishedPostId = post.Id;
        row.Error = null;
        row.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(ct);
        return post;
    }

    public async Task DeleteAsync(Caller caller, string draftId, CancellationToken ct)
    {
        var row = await RequireAsync(caller, draftId, ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await db.Set<DraftVersionRow>().Where(v => v.DraftId == row.Id).ExecuteDeleteAsync(ct);
        await db.Set<DraftRow>().Where(d => d.Id == row.Id).ExecuteDeleteAsync(ct);
        await transaction.CommitAsync(ct);
    }

    /// <summary>Brings back a version's text (by version id or number) as a new version.</summary>
    public async Task<DraftView> RestoreAsync(Caller caller, string draftId, string versionId, CancellationToken ct)
    {
        var row = await RequireAsync(caller, draftId, ct);
        if (row.Status == DraftStatus.Published)
        {
            throw Problem.BadRequest("This draft is already published", "DRAFT_ALREADY_PUBLISHED");
        }
        var key = versionId?.Trim() ?? "";
        var number = int.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1;
        var version = await db.Set<DraftVersionRow>().AsNoTracking()
            .FirstOrDefaultAsync(v => v.DraftId == row.Id && (v.Id == key || v.Version == number), ct)
            ?? throw Problem.NotFound("Version not found", "VERSION_NOT_FOUND");
        var now = clock.GetUtcNow().UtcDateTime;
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        row.Content = version.Content;
        await AddVersionAsync(row, "restore", now, ct);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return View(row, await VersionsAsync(row.Id, ct));
    }

    /// <summary>The caller's draft to change (tracked), or a new one when no id is given.</summary>
    private async Task<DraftRow> OpenAsync(Caller caller, string? draftId, DateTime now, CancellationToken ct)
    {
        if (!string.IsNullOrWhiteSpace(draftId))
        {
            var existing = await RequireAsync(caller, draftId, ct);
            if (existing.Status == DraftStatus.Published)
            {
                throw Problem.BadRequest("This draft is already published", "DRAFT_ALREADY_PUBLISHED");
            }
            return existing;
        }
        if (await db.Set<DraftRow>().CountAsync(d => d.AccountId == caller.AccountId && d.Status != DraftStatus.Published, ct) >= MaxDraftsPerUser)
        {
            throw Problem.BadRequest($"You can keep at most {MaxDraftsPerUser} drafts", "DRAFT_LIMIT_REACHED");
        }
        var row = new DraftRow
        {
            Id = ids.New("draft"),
            AccountId = caller.AccountId,
            Content = "",
            MediaJson = "[]",
            Status = DraftStatus.Draft,
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Add(row);
        return row;
    }

    private async Task AddVersionAsync(DraftRow row, string source, DateTime now, CancellationToken ct)
    {
        row.Version++;
        row.UpdatedAt = now;
        db.Add(new DraftVersionRow { Id = ids.New("dver"), DraftId = row.Id, Version = row.Version, Content = row.Content, Source = source, CreatedAt = now });
        var oldest = row.Version - MaxVersions;
        if (oldest > 0)
        {
            await db.Set<DraftVersionRow>().Where(v => v.DraftId == row.Id && v.Version <= oldest).ExecuteDeleteAsync(ct);
        }
    }

    private async Task<DraftRow> RequireAsync(Caller caller, string draftId, CancellationToken ct)
    {
        var key = draftId?.Trim() ?? "";
        var row = key.Length is 0 or > 64 ? null : await db.Set<DraftRow>().FirstOrDefaultAsync(d => d.Id == key && d.AccountId == caller.AccountId, ct);
        return row ?? throw Problem.NotFound("Draft not found", "DRAFT_NOT_FOUND");
    }

    private async Task<IReadOnlyList<DraftVersionView>> VersionsAsync(string draftId, CancellationToken ct) =>
        await db.Set<DraftVersionRow>().AsNoTracking().Where(v => v.DraftId == draftId).OrderByDescending(v => v.Version)
            .Select(v => new DraftVersionView(v.Id, v.Version, v.Content, v.Source, v.CreatedAt)).ToListAsync(ct);

    private static string? Reference(string? id, string field)
    {
        var text = id?.Trim();
        return string.IsNullOrEmpty(text) ? null : text.Length > 64 ? throw Problem.Invalid(field, $"{field} is not a post id") : text;
    }

    private static DraftView View(DraftRow row, IReadOnlyList<DraftVersionView>? versions) => new()
    {
        UnderscoreId = row.Id,
        Id = row.Id,
        Content = row.Content,
        Media = PostViews.ReadMedia(row.MediaJson),
        ReplyTo = row.ReplyToId,
        QuotedPost = row.QuotedPostId,
        ContentWarning = row.ContentWarning,
        ScheduledAt = row.ScheduledAt,
        Status = row.Status,
        Version = row.Version,
        CharacterCount = row.Content.Length,
        PublishedPostId = row.PublishedPostId,
        Error = row.Error,
        Versions = versions,
        CreatedAt = row.CreatedAt,
        UpdatedAt = row.UpdatedAt,
    };
}
