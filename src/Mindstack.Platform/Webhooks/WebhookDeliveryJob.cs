using System.Globalization;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Mindstack.Platform.Jobs;
using Mindstack.Platform.Storage;

namespace Mindstack.Platform.Webhooks;

internal sealed record WebhookDeliveryPayload(string DeliveryId);

/// <summary>A delivery attempt that did not get a 2xx; the queue retries it.</summary>
internal sealed class WebhookDeliveryFailedException(string message) : Exception(message);

/// <summary>
/// Delivers one webhook: signs the event with the subscription's current secret in the API's shape,
/// POSTs it through the SSRF guard, logs the attempt. Non-2xx, timeouts and connection failures are
/// retried on <see cref="RetryDelays"/> for up to about three days; a refused target fails at once.
/// Deliveries of one aggregate to one subscription go out in event order: a delivery whose earlier
/// sibling is still pending or retrying waits (its job is put back until about when the earlier one
/// runs again, without spending an attempt) and goes once that one has succeeded or given up.
/// Manual redeliveries do not wait.
/// </summary>
internal sealed class WebhookDeliveryJob(
    MindstackDbContext db,
    WebhookSender sender,
    IOptionsMonitor<WebhookApiOptions> apis,
    IIdGenerator ids,
    TimeProvider clock,
    IJobQueue jobs,
    ILogger<WebhookDeliveryJob> logger) : JobHandler<WebhookDeliveryPayload>
{
    public const string Name = "webhooks.deliver";

    /// <summary>The waits between attempts: 14 attempts over about 72 hours.</summary>
    public static readonly TimeSpan[] RetryDelays =
    [
        TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(15), TimeSpan.FromMinutes(30),
        TimeSpan.FromHours(1), TimeSpan.FromHours(2), TimeSpan.FromHours(4), TimeSpan.FromHours(8),
        TimeSpan.FromHours(12), TimeSpan.FromHours(12), TimeSpan.FromHours(12), TimeSpan.FromHours(12), TimeSpan.FromHours(8),
    ];

    private static readonly TimeSpan MinWait = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxWait = TimeSpan.FromMinutes(30);

    public override async Task ExecuteAsync(WebhookDeliveryPayload payload, JobContext job, CancellationToken cancellationToken)
    {
        var delivery = await db.Set<WebhookDeliveryRow>().SingleOrDefaultAsync(d => d.Id == payload.DeliveryId, cancellationToken);
        if (delivery is null || delivery.Status is DeliveryStatuses.Succeeded or DeliveryStatuses.Cancelled)
        {
            return;
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var subscription = await db.Set<WebhookSubscriptionRow>().AsNoTracking()
            .SingleOrDefaultAsync(s => s.Id == delivery.SubscriptionId, cancellationToken);
        if (subscription is not { Active: true })
        {
            delivery.Status = DeliveryStatuses.Cancelled;
            delivery.LastError = subscription is null ? "subscription deleted" : "subscription inactive";
            delivery.CompletedAt = now;
            return;
        }

        if (delivery.RedeliveryOf is null && await EarlierSiblingRunAtAsync(delivery, cancellationToken) is { } siblingRunAt)
        {
            // Wait for the earlier delivery of this aggregate: check again just after its next run.
            var wait = siblingRunAt - now + TimeSpan.FromSeconds(1);
            wait = wait < MinWait ? MinWait : wait > MaxWait ? MaxWait : wait;
            delivery.JobId = jobs.Enqueue<WebhookDeliveryJob>(payload, new JobOptions { Delay = wait });
            return;
        }

        using var data = JsonDocument.Parse(delivery.EventData);
        var webhookEvent = new WebhookEvent(delivery.EventId, delivery.EventType, delivery.AccountId, delivery.AggregateType,
            delivery.AggregateId, data.RootElement, delivery.EventOccurredAt);
        var options = apis.Get(delivery.Api);
        var message = WebhookMessage.Build(options, webhookEvent, subscription.Secret);
        var attempt = delivery.Attempts + 1;
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            [options.SignatureHeader] = message.Signature,
            ["X-Mindstack-Event"] = delivery.EventType,
            ["X-Mindstack-Event-Id"] = delivery.EventId,
            ["X-Mindstack-Delivery"] = delivery.Id,
            ["X-Mindstack-Timestamp"] = new DateTimeOffset(delivery.EventOccurredAt).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
            ["X-Mindstack-Attempt"] = attempt.ToString(CultureInfo.InvariantCulture),
        };
        var result = await sender.SendAsync(subscription.Url, message.Body, headers, cancellationToken);

        now = clock.GetUtcNow().UtcDateTime;
        db.Add(new WebhookAttemptRow
        {
            Id = ids.New("whatt"),
            DeliveryId = delivery.Id,
            Attempt = attempt,
            Url = result.Url,
            StatusCode = result.StatusCode,
            LatencyMs = result.LatencyMs,
            ResponseExcerpt = result.ResponseExcerpt,
            Error = result.Error,
            AttemptedAt = now,
        });
        delivery.Attempts = attempt;
        delivery.LastStatusCode = result.StatusCode;
        delivery.LastError = result.Error;
        if (result.Succeeded)
        {
            delivery.Status = DeliveryStatuses.Succeeded;
            delivery.CompletedAt = now;
            return;
        }
        var giveUp = result.Refused || job.IsLastAttempt;
        delivery.Status = giveUp ? DeliveryStatuses.Failed : DeliveryStatuses.Retrying;
        delivery.CompletedAt = giveUp ? now : null;
        // The attempt is logged even though the job attempt fails.
        await db.SaveChangesAsync(CancellationToken.None);
        logger.LogInformation("Webhook delivery {DeliveryId} to {Url} failed (attempt {Attempt}): {Error}", delivery.Id, result.Url, attempt, result.Error);
        throw result.Refused
            ? new PermanentJobFailureException(result.Error!)
            : new WebhookDeliveryFailedException(result.Error!);
    }

    /// <summary>
    /// When the earliest unfinished earlier delivery of the same aggregate to the same subscription
    /// runs next (its job's run time; now if unknown), or null when there is none. Delivery ids are
    /// increasing in dispatch order, and events are dispatched in order per aggregate.
    /// </summary>
    private async Task<DateTime?> EarlierSiblingRunAtAsync(WebhookDeliveryRow delivery, CancellationToken cancellationToken)
    {
        var sibling = await db.Set<WebhookDeliveryRow>().AsNoTracking()
            .Where(d => d.SubscriptionId == delivery.SubscriptionId
                && d.AggregateType == delivery.AggregateType
                && d.AggregateId == delivery.AggregateId
                && d.RedeliveryOf == null
                && (d.Status == DeliveryStatuses.Pending || d.Status == DeliveryStatuses.Retrying)
                && string.Compare(d.Id, delivery.Id) < 0)
            .OrderBy(d => d.Id)
            .Select(d => new { d.JobId })
            .FirstOrDefaultAsync(cancellationToken);
        if (sibling is null)
        {
            return null;
        }
        var runAt = sibling.JobId is null ? null : await db.Set<QueuedJob>().AsNoTracking()
            .Where(j => j.Id == sibling.JobId && j.State == JobState.Pending)
            .Select(j => (DateTime?)j.RunAt)
            .FirstOrDefaultAsync(cancellationToken);
        return runAt ?? clock.GetUtcNow().UtcDateTime;
    }
}
