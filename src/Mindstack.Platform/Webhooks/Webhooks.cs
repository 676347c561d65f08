using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Mindstack.Platform.Http;
using Mindstack.Platform.Jobs;
using Mindstack.Platform.Storage;

namespace Mindstack.Platform.Webhooks;

/// <summary>A webhook subscription of an account on one API.</summary>
public sealed record WebhookSubscription(
    string Id,
    string AccountId,
    string Api,
    string Url,
    IReadOnlyList<string> Events,
    string Secret,
    bool Active,
    string? Description,
    string? AggregateId,
    DateTime CreatedAt,
    DateTime UpdatedAt,
    DateTime? LastTriggeredAt);

/// <summary>A subscription to create. <see cref="Secret"/> null makes one (<c>whsec_…</c>).</summary>
public sealed record NewWebhookSubscription(string AccountId, string Api, string Url, IReadOnlyList<string> Events)
{
    public string? Secret { get; init; }

    public bool Active { get; init; } = true;

    public string? Description { get; init; }

    /// <summary>Only events of this aggregate (e.g. a webhook given with one request, for its events only).</summary>
    public string? AggregateId { get; init; }
}

/// <summary>Changes to a subscription; null members stay as they are.</summary>
public sealed record WebhookSubscriptionChanges
{
    public string? Url { get; init; }

    public IReadOnlyList<string>? Events { get; init; }

    public string? Secret { get; init; }

    public bool? Active { get; init; }

    public string? Description { get; init; }
}

/// <summary>One event sent (or being sent) to one subscription, with its attempts.</summary>
public sealed record WebhookDelivery(
    string Id,
    string SubscriptionId,
    string EventId,
    string EventType,
    string Status,
    int Attempts,
    int? LastStatusCode,
    string? LastError,
    DateTime CreatedAt,
    DateTime? CompletedAt,
    string? RedeliveryOf,
    IReadOnlyList<WebhookAttempt> Log);

/// <summary>One POST (its redirects included): status, latency, the first KB of the answer, or the error.</summary>
public sealed record WebhookAttempt(int Attempt, string Url, int? StatusCode, long LatencyMs, string? ResponseExcerpt, string? Error, DateTime AttemptedAt);

/// <summary>
/// Webhook subscriptions and their deliveries, for a module's routes to expose. Every call is
/// scoped to an account and an API: another account's subscription is not found. Deliveries are
/// made from domain events (see <see cref="Events.IEventOutbox"/>) by the platform. Scoped; each
/// change is saved at once.
/// </summary>
public interface IWebhooks
{
    /// <summary>Creates a subscription; an invalid URL or event list is a validation problem.</summary>
    Task<WebhookSubscription> CreateAsync(NewWebhookSubscription subscription, CancellationToken cancellationToken = default);

    Task<WebhookSubscription?> FindAsync(string accountId, string api, string id, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<WebhookSubscription>> ListAsync(string accountId, string api, CancellationToken cancellationToken = default);

    /// <summary>Applies changes; <see cref="ProblemKind.NotFound"/> if there is no such subscription.</summary>
    Task<WebhookSubscription> UpdateAsync(string accountId, string api, string id, WebhookSubscriptionChanges changes,
        CancellationToken cancellationToken = default);

    /// <summary>Deletes a subscription (pending deliveries are cancelled); false if there was none.</summary>
    Task<bool> DeleteAsync(string accountId, string api, string id, CancellationToken cancellationToken = default);

    /// <summary>A subscription's deliveries, newest first.</summary>
    Task<IReadOnlyList<WebhookDelivery>> ListDeliveriesAsync(string accountId, string api, string subscriptionId, int limit = 50,
        CancellationToken cancellationToken = default);

    Task<WebhookDelivery?> FindDeliveryAsync(string accountId, string api, string deliveryId, CancellationToken cancellationToken = default);

    /// <summary>Sends a delivery's event again as a new delivery (same event id); the subscription must be active.</summary>
    Task<WebhookDelivery> RedeliverAsync(string accountId, string api, string deliveryId, CancellationToken cancellationToken = default);
}

internal sealed partial class WebhookService(
    MindstackDbContext db,
    IJobQueue jobs,
    IIdGenerator ids,
    TimeProvider clock,
    WebhookTargetGuard guard) : IWebhooks
{
    [GeneratedRegex(@"^(\*|[A-Za-z0-9_\-]+(\.[A-Za-z0-9_\-]+)*(\.\*)?)$")]
    private static partial Regex EventPattern();

    public async Task<WebhookSubscription> CreateAsync(NewWebhookSubscription subscription, CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var row = new WebhookSubscriptionRow
        {
            Id = ids.New("webhook"),
            AccountId = subscription.AccountId,
            Api = subscription.Api,
            Url = ValidUrl(subscription.Url),
            EventTypes = JsonSerializer.Serialize(ValidEvents(subscription.Events)),
            Secret = subscription.Secret is null ? NewSecret() : ValidSecret(subscription.Secret),
            Active = subscription.Active,
            Description = ValidDescription(subscription.Description),
            AggregateId = subscription.AggregateId,
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Add(row);
        await db.SaveChangesAsync(cancellationToken);
        return View(row);
    }

    public async Task<WebhookSubscription?> FindAsync(string accountId, string api, string id, CancellationToken cancellationToken = default) =>
        await Owned(accountId, api).AsNoTracking().SingleOrDefaultAsync(s => s.Id == id, cancellationToken) is { } row ? View(row) : null;

    public async Task<IReadOnlyList<WebhookSubscription>> ListAsync(string accountId, string api, CancellationToken cancellationToken = default) =>
        (await Owned(accountId, api).AsNoTracking().OrderBy(s => s.CreatedAt).ThenBy(s => s.Id).ToListAsync(cancellationToken)).Select(View).ToList();

    public async Task<WebhookSubscription> UpdateAsync(string accountId, string api, string id, WebhookSubscriptionChanges changes,
        CancellationToken cancellationToken = default)
    {
        var row = await Owned(accountId, api).SingleOrDefaultAsync(s => s.Id == id, cancellationToken)
            ?? throw Problem.NotFound($"No webhook '{id}'");
        if (changes.Url is not null)
        {
            row.Url = ValidUrl(changes.Url);
        }
        if (changes.Events is not null)
        {
            row.EventTypes = JsonSerializer.Serialize(ValidEvents(changes.Events));
        }
        if (changes.Secret is not null)
        {
            row.Secret = ValidSecret(changes.Secret);
        }
        if (changes.Active is { } active)
        {
            row.Active = active;
        }
        if (changes.Description is not null)
        {
            row.Description = ValidDescription(changes.Description);
        }
        row.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(cancellationToken);
        return View(row);
    }

    public async Task<bool> DeleteAsync(string accountId, string api, string id, CancellationToken cancellationToken = default) =>
        // Its queued deliveries find no subscription and end as cancelled.
        await Owned(accountId, api).Where(s => s.Id == id).ExecuteDeleteAsync(cancellationToken) > 0;

    public async Task<IReadOnlyList<WebhookDelivery>> ListDeliveriesAsync(string accountId, string api, string subscriptionId, int limit = 50,
        CancellationToken cancellationToken = default)
    {
        var rows = await db.Set<WebhookDeliveryRow>().AsNoTracking()
            .Where(d => d.AccountId == accountId && d.Api == api && d.SubscriptionId == subscriptionId)
            .OrderByDescending(d => d.CreatedAt).ThenByDescending(d => d.Id)
            .Take(Math.Clamp(limit, 1, 500))
            .ToListAsync(cancellationToken);
        return await WithLogsAsync(rows, cancellationToken);
    }

    public async Task<WebhookDelivery?> FindDeliveryAsync(string accountId, string api, string deliveryId, CancellationToken cancellationToken = default)
    {
        var row = await db.Set<WebhookDeliveryRow>().AsNoTracking()
            .SingleOrDefaultAsync(d => d.Id == deliveryId && d.AccountId == accountId && d.Api == api, cancellationToken);
        return row is null ? null : (await WithLogsAsync([row], cancellationToken))[0];
    }

    public async Task<WebhookDelivery> RedeliverAsync(string accountId, string api, string deliveryId, CancellationToken cancellationToken = default)
    {
        var original = await db.Set<WebhookDeliveryRow>().AsNoTracking()
            .SingleOrDefaultAsync(d => d.Id == deliveryId && d.AccountId == accountId && d.Api == api, cancellationToken)
            ?? throw Problem.NotFound($"No webhook delivery '{deliveryId}'");
        var subscription = await Owned(accountId, api).AsNoTracking().SingleOrDefaultAsync(s => s.Id == original.SubscriptionId, cancellationToken)
            ?? throw Problem.NotFound($"The webhook of delivery '{deliveryId}' no longer exists");
        if (!subscription.Active)
        {
            throw Problem.Conflict($"Webhook '{subscription.Id}' is inactive");
        }
        var again = new WebhookDeliveryRow
        {
            Id = ids.New("dlv"),
            SubscriptionId = original.SubscriptionId,
            AccountId = original.AccountId,
            Api = original.Api,
            EventId = original.EventId,
            EventType = original.EventType,
            AggregateType = original.AggregateType,
            AggregateId = original.AggregateId,
            EventData = original.EventData,
            EventOccurredAt = original.EventOccurredAt,
            Status = DeliveryStatuses.Pending,
            RedeliveryOf = original.Id,
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        again.JobId = jobs.Enqueue<WebhookDeliveryJob>(new WebhookDeliveryPayload(again.Id));
        db.Add(again);
        await db.SaveChangesAsync(cancellationToken);
        return (await WithLogsAsync([again], cancellationToken))[0];
    }

    private IQueryable<WebhookSubscriptionRow> Owned(string accountId, string api) =>
        db.Set<WebhookSubscriptionRow>().Where(s => s.AccountId == accountId && s.Api == api);

    private async Task<IReadOnlyList<WebhookDelivery>> WithLogsAsync(List<WebhookDeliveryRow> rows, CancellationToken cancellationToken)
    {
        var ids = rows.Select(r => r.Id).ToList();
        var attempts = (await db.Set<WebhookAttemptRow>().AsNoTracking()
                .Where(a => ids.Contains(a.DeliveryId))
                .ToListAsync(cancellationToken))
            .OrderBy(a => a.Attempt)
            .ToLookup(a => a.DeliveryId);
        return rows.Select(r => new WebhookDelivery(r.Id, r.SubscriptionId, r.EventId, r.EventType, r.Status, r.Attempts, r.LastStatusCode,
                r.LastError, r.CreatedAt, r.CompletedAt, r.RedeliveryOf,
                attempts[r.Id].Select(a => new WebhookAttempt(a.Attempt, a.Url, a.StatusCode, a.LatencyMs, a.ResponseExcerpt, a.Error, a.AttemptedAt)).ToList()))
            .ToList();
    }

    private string ValidUrl(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || url.Length > 2048)
        {
            throw Problem.Invalid("url", "The webhook URL must be an absolute http or https URL of at most 2048 characters");
        }
        // Names are resolved and checked when connecting; an address or localhost can be refused now.
        var host = uri.Host.Trim('[', ']');
        var literal = IPAddress.TryParse(host, out var address) ? address
            : string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase) ? IPAddress.Loopback
            : null;
        if (literal is not null && guard.Refusal(uri.Host, uri.Port, literal) is { } refusal)
        {
            throw Problem.Invalid("url", $"The webhook URL points to a {refusal} address, which is not allowed");
        }
        return url;
    }

    private static List<string> ValidEvents(IReadOnlyList<string>? events)
    {
        if (events is null || events.Count == 0 || events.Count > 100)
        {
            throw Problem.Invalid("events", "Name between 1 and 100 event types");
        }
        var bad = events.FirstOrDefault(e => e is null || e.Length > 200 || !EventPattern().IsMatch(e));
        return bad is not null || events.Any(e => e is null)
            ? throw Problem.Invalid("events", $"'{bad}' is not an event type (such as session.completed, session.* or *)")
            : events.Distinct(StringComparer.Ordinal).ToList();
    }

    private static string ValidSecret(string secret) =>
        secret.Length is >= 8 and <= 256 ? secret : throw Problem.Invalid("secret", "The secret must be 8 to 256 characters");

    private static string? ValidDescription(string? description) =>
        description is { Length: > 1000 } ? throw Problem.Invalid("description", "The description must be at most 1000 characters") : description;

    private static string NewSecret() => "whsec_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    private static WebhookSubscription View(WebhookSubscriptionRow r) =>
        new(r.Id, r.AccountId, r.Api, r.Url, WebhookFanout.EventTypesOf(r), r.Secret, r.Active, r.Description, r.AggregateId,
            r.CreatedAt, r.UpdatedAt, r.LastTriggeredAt);
}
