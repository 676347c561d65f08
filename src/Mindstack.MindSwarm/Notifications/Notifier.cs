using Microsoft.EntityFrameworkCore;
using Mindstack.MindSwarm.Storage;
using Mindstack.MindSwarm.Users;
using Mindstack.Platform.Accounts;
using Mindstack.Platform.Email;
using Mindstack.Platform.Events;
using Mindstack.Platform.Jobs;
using Mindstack.Platform.Storage;

namespace Mindstack.MindSwarm.Notifications;

/// <summary>
/// A notification to create: whom it is for, its type (<see cref="NotificationTypes"/>), who caused
/// it and what it is about. <see cref="SourceKey"/> makes it idempotent: a second request with the
/// same key creates nothing.
/// </summary>
internal sealed record NotificationRequest(string RecipientId, string Type)
{
    public string? ActorId { get; init; }
    public string? TargetId { get; init; }
    public string? PostId { get; init; }
    /// <summary>The text shown; by default <see cref="NotificationTypes.Describe"/> with the actor's @username.</summary>
    public string? Message { get; init; }
    public string? SourceKey { get; init; }
}

/// <summary>
/// Creates notifications, for the event mapping (<see cref="NotificationEvents"/>) and for features
/// that notify directly. Direct use, from a feature's service in its request transaction:
/// <code>
/// await notifier.NotifyAsync(new NotificationRequest(recipientId, NotificationTypes.TipReceived)
///     { ActorId = caller.AccountId, PostId = post.Id, TargetId = tip.Id }, ct);
/// </code>
/// (tip_*, group_*, badge_granted and warning are meant to be wired this way, or by publishing a
/// domain event and adding one line to <see cref="NotificationEvents"/>.) It skips a notification
/// to oneself and one from an account the recipient blocked, was blocked by, or muted; stores it;
/// publishes the realtime <c>notification</c> event through the outbox; queues the email (the
/// platform's email queue) and the Web Push job as the recipient's preferences allow. Everything is
/// written by its own <c>SaveChanges</c> in the caller's transaction.
/// </summary>
internal sealed class Notifier(
    MindstackDbContext db,
    IIdGenerator ids,
    TimeProvider clock,
    Relations relations,
    ProfileService profiles,
    NotificationPreferences preferences,
    IEventOutbox events,
    IEmailQueue email,
    IJobQueue jobs,
    MindSwarmDialect dialect)
{
    /// <summary>The realtime event a new notification is sent as, to the recipient's sockets.</summary>
    public const string RealtimeEvent = "notification";

    /// <summary>Creates the notification; false when it was skipped (self, blocked, muted, a shadow-banned actor, already made).</summary>
    public async Task<bool> NotifyAsync(NotificationRequest request, CancellationToken ct)
    {
        if (!NotificationTypes.PreferenceKeys.ContainsKey(request.Type))
        {
            throw new ArgumentException($"Unknown notification type {request.Type}", nameof(request));
        }
        if (request.ActorId is { } actor && (actor == request.RecipientId || await IsSilencedAsync(request.RecipientId, actor, ct)))
        {
            return false;
        }
        var recipient = await db.Set<Account>().AsNoTracking().Where(a => a.Id == request.RecipientId)
            .Select(a => new { a.Email, a.EmailVerified, a.Username }).FirstOrDefaultAsync(ct);
        if (recipient is null)
        {
            return false;
        }
        var actorSummary = request.ActorId is null ? null : (await profiles.SummariesAsync([request.ActorId], ct))[request.ActorId];
        var row = new NotificationRow
        {
            Id = ids.New("ntf"),
            AccountId = request.RecipientId,
            Type = request.Type,
            ActorId = request.ActorId,
            TargetId = request.TargetId,
            PostId = request.PostId,
            Message = Truncate(request.Message ?? NotificationTypes.Describe(request.Type, actorSummary is null ? null : "@" + actorSummary.Username)),
            SourceKey = request.SourceKey,
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        if (request.SourceKey is { } key)
        {
            await db.InsertIfAbsentAsync(row, n => n.SourceKey == key, ct);
            if (!await db.Set<NotificationRow>().AnyAsync(n => n.Id == row.Id, ct))
            {
                return false;
            }
        }
        else
        {
            db.Add(row);
            await db.SaveChangesAsync(ct);
        }
        var view = (await NotificationViews.ManyAsync(db, profiles, [row], ct))[0];
        events.Publish(new NewEvent(RealtimeEvent, "notification", row.Id)
        {
            AccountId = row.AccountId,
            Api = MindSwarmApi.Name,
            Data = view,
            Json = dialect.Json,
        });
        var chosen = await preferences.GetAsync(row.AccountId, ct);
        if (NotificationTypes.IsEmailed(row.Type) && recipient.EmailVerified && chosen.Allows(StoredPreferences.Email, row.Type))
        {
            var body = $"Hi {recipient.Username},\n\n{row.Message}.\n"
                + (view.Post is { } post ? $"\n\"{post.Content}\"\n" : "")
                + "\nYou can change which emails you get in your MindSwarm notification preferences.\n";
            email.Enqueue(new EmailMessage(recipient.Email, "MindSwarm: " + row.Message, body));
        }
        if (chosen.Allows(StoredPreferences.Push, row.Type)
            && await db.Set<PushSubscriptionRow>().AnyAsync(s => s.AccountId == row.AccountId, ct))
        {
            jobs.Enqueue<WebPushJob>(new WebPushPayload(row.Id));
        }
        await db.SaveChangesAsync(ct);
        return true;
    }

    private async Task<bool> IsSilencedAsync(string recipientId, string actorId, CancellationToken ct)
    {
        // A shadow-banned account reaches no one: none of its likes, replies, mentions or follows notify.
        if (await relations.IsBlockedEitherWayAsync(recipientId, actorId, ct) || await relations.IsShadowBannedAsync(actorId, ct))
        {
            return true;
        }
        var now = clock.GetUtcNow().UtcDateTime;
        return await db.Set<MuteRow>().AnyAsync(m => m.MuterId == recipientId && m.MutedId == actorId && (m.ExpiresAt == null || m.ExpiresAt > now), ct);
    }

    private static string Truncate(string text) => text.Length <= 500 ? text : text[..500];
}
