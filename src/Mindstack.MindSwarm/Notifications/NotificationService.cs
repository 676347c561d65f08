using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;
using Mindstack.MindSwarm.Storage;
using Mindstack.MindSwarm.Users;
using Mindstack.Platform.Http;
using Mindstack.Platform.Storage;

namespace Mindstack.MindSwarm.Notifications;

/// <summary>The post a notification is about, briefly.</summary>
internal sealed record NotificationPostView([property: JsonPropertyName("_id")] string UnderscoreId, string Id, string ShortId, string Content);

/// <summary>
/// A notification as the list and the socket answer it: <c>{_id, type, read, sender, post, targetId,
/// message, createdAt}</c> (<c>sender</c> is who caused it; <c>targetId</c> a follow request, a
/// conversation or a group).
/// </summary>
internal sealed record NotificationView(
    [property: JsonPropertyName("_id")] string UnderscoreId,
    string Id,
    string Type,
    bool Read,
    UserSummary? Sender,
    NotificationPostView? Post,
    string? TargetId,
    string? Message,
    DateTime CreatedAt);

internal sealed record NotificationsPage(IReadOnlyList<NotificationView> Notifications, int Page, int Limit, int Total, int UnreadCount);

internal sealed record UnreadCountView(int Count, int UnreadCount);

internal sealed record MarkReadResult(int Modified, int UnreadCount);

internal sealed record DeletedResult(int Deleted);

/// <summary><c>{notificationIds: [...]}</c> or <c>{markAll: true}</c>.</summary>
internal sealed record MarkReadRequest(List<string>? NotificationIds, bool? MarkAll);

internal static class NotificationViews
{
    public static async Task<IReadOnlyList<NotificationView>> ManyAsync(MindstackDbContext db, ProfileService profiles,
        IReadOnlyList<NotificationRow> rows, CancellationToken ct)
    {
        var users = await profiles.SummariesAsync(rows.Where(r => r.ActorId is not null).Select(r => r.ActorId!), ct);
        var postIds = rows.Where(r => r.PostId is not null).Select(r => r.PostId!).Distinct().ToList();
        var posts = postIds.Count == 0
            ? []
            : await db.Set<PostRow>().AsNoTracking().Where(p => postIds.Contains(p.Id))
                .Select(p => new { p.Id, p.ShortId, p.Content, p.DeletedAt }).ToDictionaryAsync(p => p.Id, ct);
        return rows.Select(r => new NotificationView(r.Id, r.Id, r.Type, r.Read,
            r.ActorId is null ? null : users[r.ActorId],
            r.PostId is not null && posts.TryGetValue(r.PostId, out var p) && p.DeletedAt is null
                ? new NotificationPostView(p.Id, p.Id, p.ShortId, p.Content.Length <= 280 ? p.Content : p.Content[..280])
                : null,
            r.TargetId, r.Message, r.CreatedAt)).ToList();
    }
}

/// <summary>Section 5: an account's notifications — list, read, count, delete.</summary>
internal sealed class NotificationService(MindstackDbContext db, ProfileService profiles)
{
    public async Task<NotificationsPage> ListAsync(string accountId, PageRequest paging, bool unreadOnly, string? type, CancellationToken ct)
    {
        var query = db.Set<NotificationRow>().AsNoTracking().Where(n => n.AccountId == accountId);
        if (unreadOnly)
        {
            query = query.Where(n => !n.Read);
        }
        if (type is not null)
        {
            if (!NotificationTypes.PreferenceKeys.ContainsKey(type))
            {
                throw Problem.Invalid("type", "Unknown notification type");
            }
            query = query.Where(n => n.Type == type);
        }
        var total = await query.CountAsync(ct);
        var rows = await query.OrderByDescending(n => n.CreatedAt).ThenByDescending(n => n.Id).Skip(paging.Offset).Take(paging.Limit).ToListAsync(ct);
        return new NotificationsPage(await NotificationViews.ManyAsync(db, profiles, rows, ct), paging.Page, paging.Limit, total,
            await UnreadAsync(accountId, ct));
    }

    public Task<int> UnreadAsync(string accountId, CancellationToken ct) =>
        db.Set<NotificationRow>().CountAsync(n => n.AccountId == accountId && !n.Read, ct);

    public async Task<MarkReadResult> MarkReadAsync(string accountId, MarkReadRequest request, CancellationToken ct)
    {
        var query = db.Set<NotificationRow>().Where(n => n.AccountId == accountId && !n.Read);
        if (request.MarkAll != true)
        {
            var ids = request.NotificationIds?.Where(i => !string.IsNullOrWhiteSpace(i)).Distinct().ToList();
            if (ids is null || ids.Count == 0)
            {
                throw Problem.Invalid("notificationIds", "Send notificationIds (a non-empty array) or markAll: true");
            }
            if (ids.Count > 500)
            {
                throw Problem.Invalid("notificationIds", "At most 500 ids at once");
            }
            query = query.Where(n => ids.Contains(n.Id));
        }
        var modified = await query.ExecuteUpdateAsync(u => u.SetProperty(n => n.Read, true), ct);
        return new MarkReadResult(modified, await UnreadAsync(accountId, ct));
    }

    public async Task<DeletedResult> DeleteAllAsync(string accountId, CancellationToken ct) =>
        new(await db.Set<NotificationRow>().Where(n => n.AccountId == accountId).ExecuteDeleteAsync(ct));
}
