using System.Collections.Concurrent;
using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Mindstack.Platform.Events;
using Mindstack.Platform.Storage;
using Mindstack.Platform.Tests.Realtime;
using Mindstack.Platform.Webhooks;

namespace Mindstack.Platform.Tests.Events;

/// <summary>Every command a server runs, kept as text (background work included).</summary>
public sealed class CommandLog : DbCommandInterceptor
{
    private readonly ConcurrentQueue<string> _commands = new();

    public IReadOnlyList<string> Commands => [.. _commands];

    public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData,
        InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        _commands.Enqueue(command.CommandText);
        return ValueTask.FromResult(result);
    }

    public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData,
        InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        _commands.Enqueue(command.CommandText);
        return ValueTask.FromResult(result);
    }

    public override ValueTask<InterceptionResult<object>> ScalarExecutingAsync(DbCommand command, CommandEventData eventData,
        InterceptionResult<object> result, CancellationToken cancellationToken = default)
    {
        _commands.Enqueue(command.CommandText);
        return ValueTask.FromResult(result);
    }
}

/// <summary>A batch of events costs the webhook fan-out one query and no savepoint while no event fails.</summary>
public sealed class EventBatchWebhookTests
{
    [Fact]
    public async Task Dispatch_BatchForAccountsWithWebhooks_OneSubscriptionsQueryAndNoSavepointPerEvent()
    {
        var recorder = new EventRecorder();
        await using var first = EventsFactory.Node(recorder, workers: 0);
        var accounts = Enumerable.Range(0, 3).Select(_ => "acct_" + Guid.NewGuid().ToString("N")[..8]).ToList();
        var subscriptions = accounts.Select(a => Subscription(a, "testapi", active: true)).ToList();
        await first.InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<MindstackDbContext>();
            db.AddRange(subscriptions);
            db.AddRange(Subscription(accounts[0], "testapi", active: false), Subscription(accounts[1], "otherapi", active: true));
            return await db.SaveChangesAsync();
        });
        var ids = await first.PublishAsync([.. Enumerable.Range(0, 30).Select(i =>
            new NewEvent("run.update", "run", "run_" + accounts[i % 3]) { AccountId = accounts[i % 3], Api = "testapi", Data = new { step = i } })]);

        var log = new CommandLog();
        await using var second = EventsFactory.Node(recorder, workers: 2);
        second.OnDatabaseOf(first);
        second.WithServices(s => s.AddSingleton<IInterceptor>(log));
        _ = second.Services;
        foreach (var id in ids)
        {
            await Eventually.UntilAsync(() => first.OutboxRowAsync(id), e => e.State == OutboxStates.Dispatched, "dispatched");
        }

        var deliveries = await first.InScopeAsync(sp => sp.GetRequiredService<MindstackDbContext>().Set<WebhookDeliveryRow>().AsNoTracking()
            .Where(d => ids.Contains(d.EventId)).ToListAsync());
        Assert.Equal(30, deliveries.Count);
        Assert.Equal(ids.Order(), deliveries.Select(d => d.EventId).Order());
        Assert.All(deliveries, d => Assert.Equal(subscriptions.Single(s => s.AccountId == d.AccountId).Id, d.SubscriptionId));
        var triggered = await first.InScopeAsync(sp => sp.GetRequiredService<MindstackDbContext>().Set<WebhookSubscriptionRow>().AsNoTracking()
            .Where(s => accounts.Contains(s.AccountId)).ToListAsync());
        Assert.All(triggered, s => Assert.Equal(s.Active && s.Api == "testapi", s.LastTriggeredAt is not null));

        var commands = log.Commands;
        Assert.Single(commands, c => c.Contains(WebhookFanout.FanoutQueryTag, StringComparison.Ordinal));
        Assert.DoesNotContain(commands, c => c.Contains("mindstack_event", StringComparison.Ordinal));
    }

    private static WebhookSubscriptionRow Subscription(string account, string api, bool active) => new()
    {
        Id = "whs_" + Guid.NewGuid().ToString("N")[..12],
        AccountId = account,
        Api = api,
        Url = "http://127.0.0.1:9/hook",
        EventTypes = "[\"*\"]",
        Secret = "secret",
        Active = active,
        CreatedAt = DateTime.UtcNow,
        UpdatedAt = DateTime.UtcNow,
    };
}

/// <summary>A realtime server whose events also go to the recording (and failing on demand) subscriber.</summary>
public sealed class RecordingRealtimeFactory : RealtimeFactory
{
    public RecordingRealtimeFactory() => WithServices(s =>
    {
        s.AddSingleton(Recorder);
        s.AddEventSubscriber<RecordingSubscriber>();
    });

    public EventRecorder Recorder { get; } = new();
}

/// <summary>Realtime messages leave a batch at its end, in order, and only for the events it dispatched.</summary>
public sealed class EventBatchRealtimeTests(RecordingRealtimeFactory factory) : IClassFixture<RecordingRealtimeFactory>
{
    [Fact]
    public async Task Dispatch_OneEventOfBatchFails_RolledBackAloneAndOthersReachClientsInOrder()
    {
        var subject = "evt-" + Guid.NewGuid().ToString("N")[..8];
        using var socket = await factory.ConnectJsonAsync($"{RealtimeTestRoutes.JsonPath}?token={TestRealtimeAuthenticator.TokenFor(subject)}");
        var stuck = "run_" + Guid.NewGuid().ToString("N")[..8];
        var free = "run_" + Guid.NewGuid().ToString("N")[..8];
        factory.Recorder.FailFor[stuck] = 1;
        NewEvent Event(string aggregate, string name) => new("run.update", "run", aggregate) { AccountId = subject, Data = new { name } };

        // One transaction, so one batch: the stuck run's first event fails, its second waits behind it.
        List<string> ids;
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var outbox = scope.ServiceProvider.GetRequiredService<IEventOutbox>();
            ids = [.. new[] { Event(stuck, "s1"), Event(free, "f1"), Event(stuck, "s2"), Event(free, "f2"), Event(free, "f3") }.Select(outbox.Publish)];
            await scope.ServiceProvider.GetRequiredService<MindstackDbContext>().SaveChangesAsync();
        }

        // The retry (2 s later) follows the free run's events: the failed event reached no client first.
        var names = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            names.Add((await JsonFrames.ReceiveAsync(socket, TimeSpan.FromSeconds(30))).GetProperty("data").GetProperty("name").GetString()!);
        }
        Assert.Equal(["f1", "f2", "f3", "s1", "s2"], names);
        // Offered once before it failed (not again when the batch ran with savepoints), then once more.
        Assert.Equal([ids[0], ids[0], ids[2]], factory.Recorder.For(stuck).Select(e => e.Id));
        Assert.Equal([ids[1], ids[3], ids[4]], factory.Recorder.For(free).Select(e => e.Id));
    }
}
