using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Mindstack.Platform.Events;
using Mindstack.Platform.Jobs;
using Mindstack.Platform.Observability;
using Mindstack.Platform.Storage;

namespace Mindstack.Platform.Webhooks;

/// <summary>
/// Turns each dispatched event into one delivery (and its job) per matching active subscription of
/// the event's account and API, in the dispatch transaction: an event is fanned out exactly once.
/// </summary>
internal sealed class WebhookFanout(MindstackDbContext db, IJobQueue jobs, IIdGenerator ids, TimeProvider clock) : IEventSubscriber
{
    public async Task HandleAsync(DomainEvent domainEvent, CancellationToken cancellationToken)
    {
        if (domainEvent.AccountId is not { } accountId)
        {
            return;
        }
        // Read whole before anything is added: no statement runs while its reader is open.
        var subscriptions = new List<WebhookSubscriptionRow>();
        await foreach (var subscription in ActiveSubscriptions.For(db)(db, accountId, domainEvent.Api).WithCancellation(cancellationToken))
        {
            subscriptions.Add(subscription);
        }
        var now = clock.GetUtcNow().UtcDateTime;
        foreach (var subscription in subscriptions.Where(s => Matches(s, domainEvent)))
        {
            var delivery = new WebhookDeliveryRow
            {
                Id = ids.New("dlv"),
                SubscriptionId = subscription.Id,
                AccountId = accountId,
                Api = subscription.Api,
                EventId = domainEvent.Id,
                EventType = domainEvent.Type,
                AggregateType = domainEvent.AggregateType,
                AggregateId = domainEvent.AggregateId,
                EventData = domainEvent.Data.GetRawText(),
                EventOccurredAt = domainEvent.OccurredAt,
                Status = DeliveryStatuses.Pending,
                CreatedAt = now,
            };
            delivery.JobId = jobs.Enqueue<WebhookDeliveryJob>(new WebhookDeliveryPayload(delivery.Id));
            db.Add(delivery);
            subscription.LastTriggeredAt = now;
        }
    }

    // Read for every dispatched event that names an account: compiled once per model, so a dispatch
    // builds and hashes no LINQ tree for it.
    private static readonly CompiledQuery<Func<MindstackDbContext, string, string?, IAsyncEnumerable<WebhookSubscriptionRow>>> ActiveSubscriptions = new(() =>
        EF.CompileAsyncQuery((MindstackDbContext db, string accountId, string? api) =>
            db.Set<WebhookSubscriptionRow>()
                .Where(s => s.AccountId == accountId && s.Active && (api == null || s.Api == api))
                .OrderBy(s => s.Id).AsQueryable()));

    internal static bool Matches(WebhookSubscriptionRow subscription, DomainEvent domainEvent) =>
        (subscription.AggregateId is null || subscription.AggregateId == domainEvent.AggregateId)
        && EventTypesOf(subscription).Any(pattern => TypeMatches(pattern, domainEvent.Type));

    /// <summary><c>*</c> matches every type, <c>session.*</c> every type under <c>session.</c>, anything else itself.</summary>
    internal static bool TypeMatches(string pattern, string type) =>
        pattern == "*"
        || string.Equals(pattern, type, StringComparison.Ordinal)
        || (pattern.EndsWith(".*", StringComparison.Ordinal) && type.StartsWith(pattern[..^1], StringComparison.Ordinal));

    internal static IReadOnlyList<string> EventTypesOf(WebhookSubscriptionRow subscription) =>
        JsonSerializer.Deserialize<string[]>(subscription.EventTypes) ?? [];
}

/// <summary>Webhook deliveries by status, for <c>/metrics/prometheus</c>.</summary>
internal sealed class WebhooksMetrics(MindstackDbContext db) : IMetricsSource
{
    public async Task WriteAsync(StringBuilder output, CancellationToken cancellationToken)
    {
        var counts = await db.Set<WebhookDeliveryRow>().GroupBy(d => d.Status)
            .Select(g => new { Status = g.Key, Count = g.Count() })
            .ToDictionaryAsync(g => g.Status, g => g.Count, cancellationToken);
        output.AppendLine("# HELP mindstack_webhook_deliveries Webhook deliveries, by status.");
        output.AppendLine("# TYPE mindstack_webhook_deliveries gauge");
        foreach (var status in new[] { DeliveryStatuses.Pending, DeliveryStatuses.Retrying, DeliveryStatuses.Succeeded, DeliveryStatuses.Failed, DeliveryStatuses.Cancelled })
        {
            output.Append(CultureInfo.InvariantCulture, $"mindstack_webhook_deliveries{{status=\"{status}\"}} {counts.GetValueOrDefault(status)}\n");
        }
    }
}
