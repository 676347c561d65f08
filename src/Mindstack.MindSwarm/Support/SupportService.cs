using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;
using Mindstack.MindSwarm.Notifications;
using Mindstack.MindSwarm.Users;
using Mindstack.Platform.Access;
using Mindstack.Platform.Accounts;
using Mindstack.Platform.Http;
using Mindstack.Platform.Storage;

namespace Mindstack.MindSwarm.Support;

/// <summary><c>POST /support</c>: <c>content</c> (the document) or <c>description</c> (what its client sends).</summary>
internal sealed record CreateTicketRequest(string? Subject, string? Content, string? Description, string? Category);

/// <summary><c>POST /support/{id}/reply</c>: <c>content</c> (the document) or <c>message</c> (its client).</summary>
internal sealed record TicketReplyRequest(string? Content, string? Message);

internal sealed record TicketStatusRequest(string? Status);

internal sealed record TicketReplyView(
    [property: JsonPropertyName("_id")] string UnderscoreId,
    string Id,
    UserSummary Author,
    string Content,
    bool IsStaff,
    DateTime CreatedAt);

internal sealed record TicketView
{
    [JsonPropertyName("_id")]
    public required string UnderscoreId { get; init; }
    public required string Id { get; init; }
    public required UserSummary User { get; init; }
    public required string Subject { get; init; }
    public required string Content { get; init; }
    /// <summary>One of bug, account, abuse, feature, billing, other.</summary>
    public required string Category { get; init; }
    /// <summary>open, in_progress, resolved or closed.</summary>
    public required string Status { get; init; }
    public int ReplyCount { get; init; }
    /// <summary>Oldest first; only on a single ticket.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<TicketReplyView>? Replies { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime UpdatedAt { get; init; }
    public DateTime? ClosedAt { get; init; }
}

internal sealed record TicketEnvelope(TicketView Ticket);

internal sealed record TicketReplyEnvelope(TicketReplyView Reply, TicketView Ticket);

internal sealed record TicketListView(IReadOnlyList<TicketView> Tickets, int Page, int Limit, int Total, bool HasMore, int OpenCount, int MaxOpen);

/// <summary>The list filters: <c>status</c> and <c>category</c> (both optional), and for staff <c>userId</c>.</summary>
internal sealed record TicketFilter(string? Status, string? Category, string? UserId);

/// <summary>
/// Section 14: support tickets in the document's categories, at most <see cref="MaxOpen"/> open
/// per user, replies by the owner and by staff (accounts holding the platform's <c>moderator</c>
/// role, which admins hold too), and status changes by staff notified to the owner.
/// </summary>
internal sealed class SupportService(
    MindstackDbContext db,
    IIdGenerator ids,
    TimeProvider clock,
    ProfileService profiles,
    Notifier notifier)
{
    public const int MaxOpen = 5;
    public const int MaxSubjectLength = 200;
    public const int MaxContentLength = 5000;

    public static readonly IReadOnlyList<string> Categories = ["bug", "account", "abuse", "feature", "billing", "other"];

    public async Task<TicketView> CreateAsync(Caller caller, CreateTicketRequest request, CancellationToken ct)
    {
        var subject = request.Subject?.Trim() ?? "";
        if (subject.Length is 0 or > MaxSubjectLength)
        {
            throw Problem.Invalid("subject", $"subject is required (1-{MaxSubjectLength} characters)");
        }
        var content = Text(request.Content ?? request.Description, "content");
        var category = request.Category?.Trim().ToLowerInvariant() ?? "";
        if (!Categories.Contains(category))
        {
            throw Problem.Invalid("category", $"category must be one of {string.Join(", ", Categories)}");
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var row = new TicketRow
        {
            Id = ids.New("tkt"),
            AccountId = caller.AccountId,
            Subject = subject,
            Content = content,
            Category = category,
            Status = TicketStatus.Open,
            CreatedAt = now,
            UpdatedAt = now,
        };
        // Insert-first on the (account, slot) unique index: two concurrent requests for the last
        // free slot cannot both land, on either database; the loser tries the next free slot.
        for (var attempt = 0; attempt <= MaxOpen; attempt++)
        {
            row.OpenSlot = await FreeSlotAsync(caller.AccountId, ct) ?? throw LimitReached();
            db.Add(row);
            try
            {
                await db.SaveChangesAsync(ct);
                return await ViewAsync(row, null, ct);
            }
            catch (DbUpdateException)
            {
                db.Entry(row).State = EntityState.Detached;
                if (!await SlotTakenAsync(caller.AccountId, row.OpenSlot.Value, ct))
                {
                    throw;
                }
            }
        }
        throw LimitReached();
    }

    public async Task<TicketListView> MineAsync(Caller caller, TicketFilter filter, PageRequest page, CancellationToken ct) =>
        await ListAsync(filter with { UserId = caller.AccountId }, page, caller.AccountId, ct);

    public Task<TicketListView> AllAsync(TicketFilter filter, PageRequest page, CancellationToken ct) => ListAsync(filter, page, null, ct);

    public async Task<TicketView> GetAsync(Caller caller, string ticketId, CancellationToken ct)
    {
        var row = await FindAsync(caller, ticketId, ct);
        return await ViewAsync(row, await RepliesAsync(row.Id, ct), ct);
    }

    public async Task<TicketReplyEnvelope> ReplyAsync(Caller caller, string ticketId, TicketReplyRequest request, CancellationToken ct)
    {
        var content = Text(request.Content ?? request.Message, "content");
        var row = await FindAsync(caller, ticketId, ct);
        if (row.Status == TicketStatus.Closed)
        {
            throw Problem.BadRequest("This ticket is closed", "TICKET_CLOSED");
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var reply = new TicketReplyRow
        {
            Id = ids.New("tkr"),
            TicketId = row.Id,
            AuthorId = caller.AccountId,
            Content = content,
            // A moderator answering someone else's ticket answers as staff; on their own ticket, as its owner.
            IsStaff = row.AccountId != caller.AccountId,
            CreatedAt = now,
        };
        db.Add(reply);
        await db.SaveChangesAsync(ct);
        await db.Set<TicketRow>().Where(t => t.Id == row.Id)
            .ExecuteUpdateAsync(u => u.SetProperty(t => t.ReplyCount, t => t.ReplyCount + 1).SetProperty(t => t.UpdatedAt, now), ct);
        row.ReplyCount++;
        row.UpdatedAt = now;
        var author = (await profiles.SummariesAsync([caller.AccountId], ct))[caller.AccountId];
        return new TicketReplyEnvelope(Reply(reply, author), await ViewAsync(row, null, ct));
    }

    /// <summary>Staff only: moves the ticket to a status and tells its owner. Reopening needs a free slot like a new ticket.</summary>
    public async Task<TicketView> SetStatusAsync(Caller staff, string ticketId, TicketStatusRequest request, CancellationToken ct)
    {
        var status = request.Status?.Trim().ToLowerInvariant() ?? "";
        if (!TicketStatus.All.Contains(status))
        {
            throw Problem.Invalid("status", $"status must be one of {string.Join(", ", TicketStatus.All)}");
        }
        for (var attempt = 0; attempt <= MaxOpen; attempt++)
        {
            var row = await db.Set<TicketRow>().FirstOrDefaultAsync(t => t.Id == ticketId, ct) ?? throw NotFound();
            if (row.Status == status)
            {
                return await ViewAsync(row, null, ct);
            }
            var now = clock.GetUtcNow().UtcDateTime;
            if (TicketStatus.IsOpen(status) && row.OpenSlot is null)
            {
                row.OpenSlot = await FreeSlotAsync(row.AccountId, ct)
                    ?? throw Problem.BadRequest($"The user already has {MaxOpen} open tickets", "TICKET_LIMIT_REACHED");
            }
            else if (!TicketStatus.IsOpen(status))
            {
                row.OpenSlot = null;
            }
            row.Status = status;
            row.UpdatedAt = now;
            row.ClosedAt = TicketStatus.IsOpen(status) ? null : now;
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateException) when (TicketStatus.IsOpen(status))
            {
                // Another ticket of the user took that slot meanwhile: read again and take the next.
                await transaction.RollbackAsync(ct);
                db.ChangeTracker.Clear();
                continue;
            }
            await notifier.NotifyAsync(new NotificationRequest(row.AccountId, NotificationTypes.Dm)
            {
                TargetId = row.Id,
                Message = $"Your support ticket \"{Shorten(row.Subject)}\" is now {status.Replace('_', ' ')}",
            }, ct);
            await transaction.CommitAsync(ct);
            return await ViewAsync(row, null, ct);
        }
        throw Problem.BadRequest($"The user already has {MaxOpen} open tickets", "TICKET_LIMIT_REACHED");
    }

    private async Task<TicketListView> ListAsync(TicketFilter filter, PageRequest page, string? owner, CancellationToken ct)
    {
        var query = db.Set<TicketRow>().AsNoTracking();
        if (filter.UserId is { Length: > 0 } userId)
        {
            query = query.Where(t => t.AccountId == userId);
        }
        if (filter.Status is { Length: > 0 } status)
        {
            if (!TicketStatus.All.Contains(status))
            {
                throw Problem.Invalid("status", $"status must be one of {string.Join(", ", TicketStatus.All)}");
            }
            query = query.Where(t => t.Status == status);
        }
        if (filter.Category is { Length: > 0 } category)
        {
            if (!Categories.Contains(category))
            {
                throw Problem.Invalid("category", $"category must be one of {string.Join(", ", Categories)}");
            }
            query = query.Where(t => t.Category == category);
        }
        var total = await query.CountAsync(ct);
        var rows = await query.OrderByDescending(t => t.CreatedAt).ThenByDescending(t => t.Id).Skip(page.Offset).Take(page.Limit).ToListAsync(ct);
        var summaries = await profiles.SummariesAsync(rows.Select(r => r.AccountId), ct);
        var open = owner is null ? 0 : await db.Set<TicketRow>().CountAsync(t => t.AccountId == owner && t.OpenSlot != null, ct);
        return new TicketListView(rows.Select(r => View(r, summaries[r.AccountId], null)).ToList(), page.Page, page.Limit, total,
            page.Offset + rows.Count < total, open, MaxOpen);
    }

    /// <summary>The ticket, to its owner or staff; 404 to anyone else (its existence is not shown).</summary>
    private async Task<TicketRow> FindAsync(Caller caller, string ticketId, CancellationToken ct)
    {
        var row = await db.Set<TicketRow>().AsNoTracking().FirstOrDefaultAsync(t => t.Id == ticketId, ct);
        if (row is null || (row.AccountId != caller.AccountId && !IsStaff(caller)))
        {
            throw NotFound();
        }
        return row;
    }

    public static bool IsStaff(Caller caller) => caller.IsInRole(AccountRoles.Moderator);

    private async Task<int?> FreeSlotAsync(string accountId, CancellationToken ct)
    {
        var used = await db.Set<TicketRow>().Where(t => t.AccountId == accountId && t.OpenSlot != null).Select(t => t.OpenSlot!.Value).ToListAsync(ct);
        var free = Enumerable.Range(1, MaxOpen).Except(used).ToList();
        return free.Count == 0 ? null : free[0];
    }

    private Task<bool> SlotTakenAsync(string accountId, int slot, CancellationToken ct) =>
        db.Set<TicketRow>().AsNoTracking().AnyAsync(t => t.AccountId == accountId && t.OpenSlot == slot, ct);

    private async Task<List<TicketReplyRow>> RepliesAsync(string ticketId, CancellationToken ct) =>
        await db.Set<TicketReplyRow>().AsNoTracking().Where(r => r.TicketId == ticketId).OrderBy(r => r.CreatedAt).ThenBy(r => r.Id).ToListAsync(ct);

    private async Task<TicketView> ViewAsync(TicketRow row, List<TicketReplyRow>? replies, CancellationToken ct)
    {
        var summaries = await profiles.SummariesAsync([row.AccountId, .. replies?.Select(r => r.AuthorId) ?? []], ct);
        return View(row, summaries[row.AccountId], replies?.Select(r => Reply(r, summaries[r.AuthorId])).ToList());
    }

    private static TicketView View(TicketRow row, UserSummary user, IReadOnlyList<TicketReplyView>? replies) => new()
    {
        UnderscoreId = row.Id,
        Id = row.Id,
        User = user,
        Subject = row.Subject,
        Content = row.Content,
        Category = row.Category,
        Status = row.Status,
        ReplyCount = row.ReplyCount,
        Replies = replies,
        CreatedAt = row.CreatedAt,
        UpdatedAt = row.UpdatedAt,
        ClosedAt = row.ClosedAt,
    };

    private static TicketReplyView Reply(TicketReplyRow row, UserSummary author) =>
        new(row.Id, row.Id, author, row.Content, row.IsStaff, row.CreatedAt);

    private static string Text(string? value, string field)
    {
        var text = value?.Trim() ?? "";
        if (text.Length is 0 or > MaxContentLength)
        {
            throw Problem.Invalid(field, $"{field} is required (1-{MaxContentLength} characters)");
        }
        return text;
    }

    private static string Shorten(string text) => text.Length <= 60 ? text : text[..60] + "…";

    private static Problem NotFound() => Problem.NotFound("Ticket not found", "TICKET_NOT_FOUND");

    private static Problem LimitReached() =>
        Problem.BadRequest($"You can have at most {MaxOpen} open tickets; wait for one to be resolved", "TICKET_LIMIT_REACHED");
}
