using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Mindstack.Platform.Events;
using Mindstack.Platform.Storage;
using Mindstack.Platform.Tests.Jobs;
using Mindstack.Platform.Webhooks;

namespace Mindstack.Platform.Tests.Webhooks;

/// <summary>
/// The server for webhook tests: private targets allowed (the receiver is on loopback) unless a
/// subclass says otherwise, a 2 s attempt timeout, and a test API shaped like Mindra (its own
/// signature header and the signature inside the payload).
/// </summary>
public class WebhookFactory : WorkFactory
{
    public const string Api = "testapi";
    public const string MindraLike = "testmindra";

    public WebhookFactory()
        : this(allowPrivateTargets: true)
    {
    }

    protected WebhookFactory(bool allowPrivateTargets)
    {
        WithSetting("Mindstack:Webhooks:AllowPrivateTargets", allowPrivateTargets ? "true" : "false");
        WithSetting("Mindstack:Webhooks:TimeoutSeconds", "2");
        WithServices(s => s.AddWebhookApi(MindraLike, o =>
        {
            o.SignatureHeader = "X-Mindra-Signature";
            o.SignatureField = "signature";
            o.Payload = e => new JsonObject
            {
                ["event"] = e.Type,
                ["executionId"] = e.AggregateId,
                ["timestamp"] = WebhookPayloads.Timestamp(e.OccurredAt),
                ["signature"] = null,
                ["data"] = JsonNode.Parse(e.Data.GetRawText()),
            };
        }));
    }

    public Task<WebhookSubscription> SubscribeAsync(NewWebhookSubscription subscription) =>
        InScopeAsync(sp => sp.GetRequiredService<IWebhooks>().CreateAsync(subscription));

    public Task<string> PublishAsync(NewEvent newEvent) =>
        InScopeAsync(async sp =>
        {
            var id = sp.GetRequiredService<IEventOutbox>().Publish(newEvent);
            await sp.GetRequiredService<MindstackDbContext>().SaveChangesAsync();
            return id;
        });

    public Task<IReadOnlyList<WebhookDelivery>> DeliveriesAsync(WebhookSubscription subscription) =>
        InScopeAsync(sp => sp.GetRequiredService<IWebhooks>().ListDeliveriesAsync(subscription.AccountId, subscription.Api, subscription.Id));

    /// <summary>Waits until the subscription's newest delivery satisfies <paramref name="done"/>.</summary>
    public async Task<WebhookDelivery> DeliveryAsync(WebhookSubscription subscription, Func<WebhookDelivery, bool> done, string what) =>
        (await Eventually.UntilAsync(() => DeliveriesAsync(subscription), list => list.Count > 0 && done(list[0]), what))[0];
}
