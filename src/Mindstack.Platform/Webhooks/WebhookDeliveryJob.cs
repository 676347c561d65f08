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
/// </summary>
internal sealed class WebhookDeliveryJob(
    MindstackDbContext db,
    WebhookSender sender,
    IOptionsMonitor<WebhookApiOptions> apis,
    IIdGenerator ids,
    TimeProvider clock,
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
}
