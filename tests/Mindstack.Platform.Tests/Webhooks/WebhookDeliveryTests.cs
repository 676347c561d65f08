using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Mindstack.Platform.Events;
using Mindstack.Platform.Http;
using Mindstack.Platform.Jobs;
using Mindstack.Platform.Webhooks;

namespace Mindstack.Platform.Tests.Webhooks;

/// <summary>Events become signed POSTs to a real loopback receiver, with retries, a log and redelivery.</summary>
public sealed class WebhookDeliveryTests(WebhookFactory factory) : IClassFixture<WebhookFactory>, IAsyncLifetime
{
    private LoopbackReceiver _receiver = null!;
    private readonly string _account = "acct_" + Guid.NewGuid().ToString("N")[..12];

    public async Task InitializeAsync() => _receiver = await LoopbackReceiver.StartAsync();

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    /// <summary>The signature a receiver computes on its own: HMAC-SHA256 of the bytes with the secret, lowercase hex.</summary>
    private static string IndependentSignature(string secret, byte[] body)
    {
        using var hmac = new HMACSHA256(Encoding.UTF8.GetBytes(secret));
        return "sha256=" + string.Concat(hmac.ComputeHash(body).Select(b => b.ToString("x2", CultureInfo.InvariantCulture)));
    }

    [Fact]
    public async Task Delivery_SignedEvent_HeaderMatchesAnIndependentHmacOfTheRawBody()
    {
        const string secret = "whsec_test_secret_1";
        var subscription = await factory.SubscribeAsync(new NewWebhookSubscription(_account, WebhookFactory.Api, _receiver.Url(), ["session.completed"])
        {
            Secret = secret,
            Description = "test hook",
        });
        var eventId = await factory.PublishAsync(new NewEvent("session.completed", "session", "sess_1")
        {
            AccountId = _account,
            Api = WebhookFactory.Api,
            Data = new { sessionId = "sess_1", creditsUsed = 8, note = "naïve <tag> & \"quotes\"" },
        });

        var delivery = await factory.DeliveryAsync(subscription, d => d.Status == "succeeded", "the delivery to succeed");
        var request = Assert.Single(_receiver.Requests);
        Assert.Equal(IndependentSignature(secret, request.Body), request.Header("X-Mindstack-Signature"));
        Assert.NotEqual(IndependentSignature("another secret", request.Body), request.Header("X-Mindstack-Signature"));
        Assert.StartsWith("application/json", request.Header("Content-Type"), StringComparison.Ordinal);
        Assert.Equal(eventId, request.Header("X-Mindstack-Event-Id"));
        Assert.Equal("session.completed", request.Header("X-Mindstack-Event"));
        Assert.Equal(delivery.Id, request.Header("X-Mindstack-Delivery"));

        var json = request.Json;
        Assert.Equal(eventId, json.GetProperty("id").GetString());
        Assert.Equal("session.completed", json.GetProperty("event").GetString());
        var timestamp = DateTime.Parse(json.GetProperty("timestamp").GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal);
        Assert.InRange((DateTime.UtcNow - timestamp).Duration(), TimeSpan.Zero, TimeSpan.FromMinutes(5));
        Assert.Equal(8, json.GetProperty("data").GetProperty("creditsUsed").GetInt32());
        Assert.Equal("naïve <tag> & \"quotes\"", json.GetProperty("data").GetProperty("note").GetString());

        var attempt = Assert.Single(delivery.Log);
        Assert.Equal(200, attempt.StatusCode);
        Assert.Equal("ok", attempt.ResponseExcerpt);
        Assert.Null(attempt.Error);
        Assert.Equal(eventId, delivery.EventId);
        Assert.NotNull((await factory.InScopeAsync(sp => sp.GetRequiredService<IWebhooks>().FindAsync(_account, WebhookFactory.Api, subscription.Id)))!.LastTriggeredAt);
    }

    [Fact]
    public async Task Delivery_ApiWithSignatureInPayload_FieldSignsTheBodyWithoutIt()
    {
        const string secret = "mindra_webhook_secret";
        var subscription = await factory.SubscribeAsync(
            new NewWebhookSubscription(_account, WebhookFactory.MindraLike, _receiver.Url("/mindra"), ["execution.completed"]) { Secret = secret });
        await factory.PublishAsync(new NewEvent("execution.completed", "execution", "exec_abc123")
        {
            AccountId = _account,
            Api = WebhookFactory.MindraLike,
            Data = new { result = "done" },
        });
        await factory.DeliveryAsync(subscription, d => d.Status == "succeeded", "the delivery to succeed");

        var request = Assert.Single(_receiver.On("/mindra"));
        Assert.Equal("", request.Header("X-Mindstack-Signature"));
        Assert.Equal(IndependentSignature(secret, request.Body), request.Header("X-Mindra-Signature"));

        var json = request.Json;
        Assert.Equal(["event", "executionId", "timestamp", "signature", "data"], json.EnumerateObject().Select(p => p.Name));
        Assert.Equal("execution.completed", json.GetProperty("event").GetString());
        Assert.Equal("exec_abc123", json.GetProperty("executionId").GetString());
        var field = json.GetProperty("signature").GetString()!;
        // The documented check: the body as sent, without the signature member.
        var unsigned = request.Text.Replace($"\"signature\":\"{field}\",", "", StringComparison.Ordinal);
        Assert.NotEqual(request.Text, unsigned);
        Assert.Equal(IndependentSignature(secret, Encoding.UTF8.GetBytes(unsigned)), field);
    }

    [Fact]
    public async Task Fanout_EventTypesApisAccountsAndActive_OnlyMatchingSubscriptionsReceive()
    {
        var other = "acct_" + Guid.NewGuid().ToString("N")[..12];
        var wildcard = await factory.SubscribeAsync(new(_account, WebhookFactory.Api, _receiver.Url("/wildcard"), ["session.*"]));
        await factory.SubscribeAsync(new(_account, WebhookFactory.Api, _receiver.Url("/billing"), ["billing.payment_succeeded"]));
        await factory.SubscribeAsync(new(_account, WebhookFactory.MindraLike, _receiver.Url("/other-api"), ["*"]));
        await factory.SubscribeAsync(new(other, WebhookFactory.Api, _receiver.Url("/other-account"), ["*"]));
        await factory.SubscribeAsync(new(_account, WebhookFactory.Api, _receiver.Url("/inactive"), ["*"]) { Active = false });
        var scoped = await factory.SubscribeAsync(new(_account, WebhookFactory.Api, _receiver.Url("/scoped"), ["*"]) { AggregateId = "sess_other" });
        var everything = await factory.SubscribeAsync(new(_account, WebhookFactory.Api, _receiver.Url("/everything"), ["*"]));

        await factory.PublishAsync(new NewEvent("session.failed", "session", "sess_2") { AccountId = _account, Api = WebhookFactory.Api });
        await factory.DeliveryAsync(wildcard, d => d.Status == "succeeded", "the wildcard delivery");
        await factory.DeliveryAsync(everything, d => d.Status == "succeeded", "the catch-all delivery");

        Assert.Equal(["/everything", "/wildcard"], _receiver.Requests.Select(r => r.Path).Order(StringComparer.Ordinal));
        Assert.Empty(await factory.DeliveriesAsync(scoped));
    }

    [Fact]
    public async Task Delivery_ReceiverFailsThenRecovers_RetriedWithBackoffAndLogged()
    {
        var calls = 0;
        _receiver.Respond = async (context, _) =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                context.Response.StatusCode = 503;
                await context.Response.WriteAsync("temporarily down");
                return;
            }
            context.Response.StatusCode = 204;
        };
        var subscription = await factory.SubscribeAsync(new(_account, WebhookFactory.Api, _receiver.Url("/flaky"), ["*"]));
        var eventId = await factory.PublishAsync(new NewEvent("run.update", "run", "run_1") { AccountId = _account, Api = WebhookFactory.Api });

        var retrying = await factory.DeliveryAsync(subscription, d => d.Status == "retrying", "the first attempt to fail");
        var first = Assert.Single(retrying.Log);
        Assert.Equal(503, first.StatusCode);
        Assert.Equal("temporarily down", first.ResponseExcerpt);
        Assert.Equal("HTTP 503", first.Error);
        // The handler logs the attempt just before the worker records the failed job attempt.
        var job = await factory.JobInStateAsync(await JobIdAsync(retrying.Id), JobState.Pending);
        Assert.InRange((job.RunAt - first.AttemptedAt).TotalSeconds, 55, 65);

        factory.Clock.Advance(TimeSpan.FromMinutes(2));
        var done = await factory.DeliveryAsync(subscription, d => d.Status == "succeeded", "the retry to succeed");
        Assert.Equal([1, 2], done.Log.Select(a => a.Attempt));
        Assert.Equal(204, done.Log[1].StatusCode);
        Assert.Equal(2, _receiver.Requests.Count);
        Assert.All(_receiver.Requests, r => Assert.Equal(eventId, r.Header("X-Mindstack-Event-Id")));
        Assert.Equal(["1", "2"], _receiver.Requests.Select(r => r.Header("X-Mindstack-Attempt")));
    }

    [Fact]
    public async Task Delivery_EarlierEventOfAggregateRetrying_LaterOneWaitsForIt()
    {
        var calls = 0;
        _receiver.Respond = async (context, _) =>
        {
            context.Response.StatusCode = Interlocked.Increment(ref calls) == 1 ? 503 : 204;
            await context.Response.WriteAsync("");
        };
        var subscription = await factory.SubscribeAsync(new(_account, WebhookFactory.Api, _receiver.Url("/ordered"), ["*"]));
        var first = await factory.PublishAsync(new NewEvent("run.update", "run", "run_ordered") { AccountId = _account, Api = WebhookFactory.Api, Data = new { step = 1 } });
        var second = await factory.PublishAsync(new NewEvent("run.update", "run", "run_ordered") { AccountId = _account, Api = WebhookFactory.Api, Data = new { step = 2 } });

        var deliveries = await Eventually.UntilAsync(() => factory.DeliveriesAsync(subscription),
            list => list.Count == 2 && list.Single(d => d.EventId == first).Status == "retrying", "the first delivery to fail");
        var waiting = deliveries.Single(d => d.EventId == second);
        // The later delivery's job ran, found the earlier one retrying, and put itself back.
        await Eventually.UntilAsync(() => factory.InScopeAsync(sp => sp.GetRequiredService<Mindstack.Platform.Storage.MindstackDbContext>().Set<QueuedJob>()
                .CountAsync(j => j.Type == WebhookDeliveryJob.Name && j.Payload.Contains(waiting.Id))),
            n => n >= 2, "the later delivery to wait");
        Assert.Single(_receiver.Requests);

        factory.Clock.Advance(TimeSpan.FromMinutes(2));
        // If the later delivery's job ran while the earlier one's job was running, it put itself back
        // a moment after the test clock's "now", which moves only when the test moves it: once the
        // earlier delivery has succeeded, move the clock on to a later job still waiting in its future.
        await Eventually.UntilAsync(async () =>
        {
            var list = await factory.DeliveriesAsync(subscription);
            if (list.Count == 2 && list.Single(d => d.EventId == first).Status == "succeeded")
            {
                var now = factory.Clock.GetUtcNow().UtcDateTime;
                var runAt = await factory.InScopeAsync(sp => sp.GetRequiredService<Mindstack.Platform.Storage.MindstackDbContext>().Set<QueuedJob>()
                    .Where(j => j.Type == WebhookDeliveryJob.Name && j.Payload.Contains(waiting.Id) && j.State == JobState.Pending && j.RunAt > now)
                    .Select(j => (DateTime?)j.RunAt).FirstOrDefaultAsync());
                if (runAt is { } due)
                {
                    factory.Clock.Advance(due - now);
                }
            }
            return list;
        }, list => list.Count == 2 && list.All(d => d.Status == "succeeded"), "both deliveries to succeed");
        Assert.Equal([first, first, second], _receiver.Requests.Select(r => r.Header("X-Mindstack-Event-Id")));
        Assert.Equal(1, (await factory.DeliveriesAsync(subscription)).Single(d => d.EventId == second).Attempts);
    }

    [Fact]
    public async Task Delivery_ReceiverTooSlow_TimesOutAndIsRetried()
    {
        _receiver.Respond = async (context, _) => await Task.Delay(TimeSpan.FromSeconds(10), context.RequestAborted);
        var subscription = await factory.SubscribeAsync(new(_account, WebhookFactory.Api, _receiver.Url("/slow"), ["*"]));
        await factory.PublishAsync(new NewEvent("run.update", "run", "run_slow") { AccountId = _account, Api = WebhookFactory.Api });
        var retrying = await factory.DeliveryAsync(subscription, d => d.Status == "retrying", "the slow attempt to time out");
        var attempt = Assert.Single(retrying.Log);
        Assert.Equal("timed out after 2 s", attempt.Error);
        Assert.Null(attempt.StatusCode);
        Assert.InRange(attempt.LatencyMs, 1500, 9000);
    }

    [Fact]
    public async Task Delivery_LongResponse_ExcerptIsAtMostOneKilobyte()
    {
        _receiver.Respond = (context, _) => context.Response.WriteAsync(new string('é', 5000));
        var subscription = await factory.SubscribeAsync(new(_account, WebhookFactory.Api, _receiver.Url("/big"), ["*"]));
        await factory.PublishAsync(new NewEvent("run.update", "run", "run_big") { AccountId = _account, Api = WebhookFactory.Api });
        var delivery = await factory.DeliveryAsync(subscription, d => d.Status == "succeeded", "the delivery");
        var excerpt = Assert.Single(delivery.Log).ResponseExcerpt!;
        Assert.Equal(512, excerpt.Length);
        Assert.True(Encoding.UTF8.GetByteCount(excerpt) <= 1024);
    }

    [Fact]
    public async Task Redeliver_DeliveredEvent_SentAgainWithTheSameEventId()
    {
        var subscription = await factory.SubscribeAsync(new(_account, WebhookFactory.Api, _receiver.Url("/again"), ["*"]));
        var eventId = await factory.PublishAsync(new NewEvent("session.completed", "session", "sess_r") { AccountId = _account, Api = WebhookFactory.Api });
        var first = await factory.DeliveryAsync(subscription, d => d.Status == "succeeded", "the first delivery");

        var again = await factory.InScopeAsync(sp => sp.GetRequiredService<IWebhooks>().RedeliverAsync(_account, WebhookFactory.Api, first.Id));
        Assert.Equal(first.Id, again.RedeliveryOf);
        var second = await factory.DeliveryAsync(subscription, d => d.Id == again.Id && d.Status == "succeeded", "the redelivery");
        Assert.Equal(eventId, second.EventId);
        Assert.Equal(2, _receiver.Requests.Count);
        Assert.All(_receiver.Requests, r => Assert.Equal(eventId, r.Header("X-Mindstack-Event-Id")));
        Assert.Equal([first.Id, again.Id], _receiver.Requests.Select(r => r.Header("X-Mindstack-Delivery")));

        var missing = await Assert.ThrowsAsync<Problem>(() =>
            factory.InScopeAsync(sp => sp.GetRequiredService<IWebhooks>().RedeliverAsync("acct_someone_else", WebhookFactory.Api, first.Id)));
        Assert.Equal(ProblemKind.NotFound, missing.Kind);
    }

    [Fact]
    public async Task Subscriptions_CreateListUpdateDelete_ScopedToAccountAndApi()
    {
        await factory.InScopeAsync(async sp =>
        {
            var webhooks = sp.GetRequiredService<IWebhooks>();
            var created = await webhooks.CreateAsync(new(_account, WebhookFactory.Api, "https://example.com/hooks", ["session.completed", "session.failed"])
            {
                Description = "Production webhook",
            });
            Assert.StartsWith("webhook_", created.Id, StringComparison.Ordinal);
            Assert.Matches("^whsec_[0-9a-f]{32}$", created.Secret);
            Assert.True(created.Active);
            Assert.Null(created.LastTriggeredAt);

            Assert.Equal([created.Id], (await webhooks.ListAsync(_account, WebhookFactory.Api)).Select(s => s.Id));
            Assert.Empty(await webhooks.ListAsync(_account, WebhookFactory.MindraLike));
            Assert.Null(await webhooks.FindAsync("acct_someone_else", WebhookFactory.Api, created.Id));

            var updated = await webhooks.UpdateAsync(_account, WebhookFactory.Api, created.Id, new WebhookSubscriptionChanges
            {
                Events = ["session.completed", "billing.payment_succeeded"],
                Active = false,
            });
            Assert.Equal(["session.completed", "billing.payment_succeeded"], updated.Events);
            Assert.False(updated.Active);
            Assert.Equal("https://example.com/hooks", updated.Url);

            var notFound = await Assert.ThrowsAsync<Problem>(() =>
                webhooks.UpdateAsync("acct_someone_else", WebhookFactory.Api, created.Id, new WebhookSubscriptionChanges { Active = true }));
            Assert.Equal(ProblemKind.NotFound, notFound.Kind);

            Assert.True(await webhooks.DeleteAsync(_account, WebhookFactory.Api, created.Id));
            Assert.False(await webhooks.DeleteAsync(_account, WebhookFactory.Api, created.Id));
        });
    }

    [Theory]
    [InlineData("not a url", "url")]
    [InlineData("ftp://example.com/hook", "url")]
    [InlineData("/relative/hook", "url")]
    public async Task Create_InvalidUrl_IsAValidationProblem(string url, string field)
    {
        var problem = await Assert.ThrowsAsync<Problem>(() => factory.SubscribeAsync(new(_account, WebhookFactory.Api, url, ["*"])));
        Assert.Equal(ProblemKind.Validation, problem.Kind);
        Assert.Equal(field, Assert.Single(problem.Errors!).Field);
    }

    [Fact]
    public async Task Create_NoEventsOrBadSecret_IsAValidationProblem()
    {
        var noEvents = await Assert.ThrowsAsync<Problem>(() => factory.SubscribeAsync(new(_account, WebhookFactory.Api, "https://example.com/", [])));
        Assert.Equal("events", Assert.Single(noEvents.Errors!).Field);
        var badEvent = await Assert.ThrowsAsync<Problem>(() => factory.SubscribeAsync(new(_account, WebhookFactory.Api, "https://example.com/", ["not an event"])));
        Assert.Equal("events", Assert.Single(badEvent.Errors!).Field);
        var shortSecret = await Assert.ThrowsAsync<Problem>(() =>
            factory.SubscribeAsync(new(_account, WebhookFactory.Api, "https://example.com/", ["*"]) { Secret = "short" }));
        Assert.Equal("secret", Assert.Single(shortSecret.Errors!).Field);
    }

    private Task<string> JobIdAsync(string deliveryId) =>
        factory.InScopeAsync(async sp =>
            (await sp.GetRequiredService<Platform.Storage.MindstackDbContext>().Set<WebhookDeliveryRow>().FindAsync(deliveryId))!.JobId!);
}
