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
/// The active subscriptions of every account of a dispatch batch are read in one query when the
/// batch begins, not once per event.
/// </summary>
internal sealed class WebhookFanout(MindstackDbContext db, IJobQueue jobs, IIdGenerator ids, TimeProvider clock) : IEventSubscriber, IEventBatchSubscriber
{
    /// <summary>Names the fan-out's subscriptions query in its SQL (tests count it).</summary>
    internal const string FanoutQueryTag = "webhooks.fanout";

    /// <summary>The batch's active subscriptions by account (untracked), in id order; null outside a batch.</summary>
    private Dictionary<string, List<WebhookSubscriptionRow>>? _batch;

    public async Task BeginBatchAsync(IReadOnlyList<DomainEvent> events, CancellationToken cancellationToken)
    {
        var accounts = events.Select(e => e.AccountId).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
        _batch = await ActiveSubscriptionsAsync(accounts, cancellationToken);
    }

    public Task CompleteBatchAsync(IReadOnlyCollection<long> dispatchedSequences, CancellationToken cancellationToken)
    {
        _batch = null;
        return Task.CompletedTask;
    }

    public async Task HandleAsync(DomainEvent domainEvent, CancellationToken cancellationToken)
    {
        if (domainEvent.AccountId is not { } accountId)
        {
            return;
        }
        var byAccount = _batch ?? await ActiveSubscriptionsAsync([accountId], cancellationToken);
        if (!byAccount.TryGetValue(accountId, out var subscriptions))
        {
            return;
        }
        var now = clock.GetUtcNow().UtcDateTime;
        foreach (var subscription in subscriptions.Where(s => (domainEvent.Api is null || s.Api == domainEvent.Api) && Matches(s, domainEvent)))
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
            // The row was read untracked (the dispatcher clears the tracker after each event):
            // attach it to update this one column.
            var entry = db.Attach(subscription);
            entry.Property(s => s.LastTriggeredAt).CurrentValue = now;
            entry.Property(s => s.LastTriggeredAt).IsModified = true;
        }
    }

    // Read at every dispatch batch: compiled once per model, so a batch builds and hashes no LINQ tree for it.
    private static readonly CompiledQuery<Func<MindstackDbContext, List<string>, IAsyncEnumerable<WebhookSubscriptionRow>>> ActiveSubscriptionsOf = new(() =>
        EF.CompileAsyncQuery((MindstackDbContext db, List<string> accounts) => db.Set<WebhookSubscriptionRow>().AsNoTracking()
            .TagWith(FanoutQueryTag)
            .Where(s => accounts.Contains(s.AccountId) && s.Active)
            .OrderBy(s => s.Id)
            .AsQueryable()));

    private async Task<Dictionary<string, List<WebhookSubscriptionRow>>> ActiveSubscriptionsAsync(List<string> accounts,
        CancellationToken cancellationToken)
    {
        if (accounts.Count == 0)
        {
            return [];
        }
        var rows = new List<WebhookSubscriptionRow>();
        await foreach (var row in ActiveSubscriptionsOf.For(db)(db, accounts).WithCancellation(cancellationToken))
        {
            rows.Add(row);
        }
        return rows.GroupBy(s => s.AccountId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
    }

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
