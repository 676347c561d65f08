using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Mindstack.Platform.Events;
using Mindstack.Platform.Storage;
using Mindstack.Platform.Tests.Jobs;
using Mindstack.Platform.Tests.Realtime;

namespace Mindstack.Platform.Tests.Events;

/// <summary>What the recording subscriber saw; fails events whose aggregate is listed in <see cref="FailFor"/>.</summary>
public sealed class EventRecorder
{
    public ConcurrentQueue<DomainEvent> Seen { get; } = new();

    /// <summary>Aggregate id → how many more times to fail its events.</summary>
    public ConcurrentDictionary<string, int> FailFor { get; } = new();

    public IReadOnlyList<DomainEvent> For(string aggregateId) => Seen.Where(e => e.AggregateId == aggregateId).ToList();
}

public sealed class RecordingSubscriber(EventRecorder recorder) : IEventSubscriber
{
    public Task HandleAsync(DomainEvent domainEvent, CancellationToken cancellationToken)
    {
        recorder.Seen.Enqueue(domainEvent);
        if (recorder.FailFor.TryGetValue(domainEvent.AggregateId, out var left) && left > 0)
        {
            recorder.FailFor[domainEvent.AggregateId] = left - 1;
            throw new InvalidOperationException($"subscriber failed on {domainEvent.Id}");
        }
        return Task.CompletedTask;
    }
}

/// <summary>A server whose events also go to the recording subscriber.</summary>
public class EventsFactory : WorkFactory
{
    public EventsFactory()
        : this(new EventRecorder(), workers: 2)
    {
    }

    protected EventsFactory(EventRecorder recorder, int workers)
        : base(null, null, workers)
    {
        Recorder = recorder;
        WithServices(s =>
        {
            s.AddSingleton(recorder);
            s.AddEventSubscriber<RecordingSubscriber>();
        });
    }

    public EventRecorder Recorder { get; }

    public static EventsFactory Node(EventRecorder recorder, int workers) => new(recorder, workers);

    /// <summary>Publishes events in one committed transaction.</summary>
    public Task<List<string>> PublishAsync(params NewEvent[] events) =>
        InScopeAsync(async sp =>
        {
            var outbox = sp.GetRequiredService<IEventOutbox>();
            var ids = events.Select(outbox.Publish).ToList();
            await sp.GetRequiredService<MindstackDbContext>().SaveChangesAsync();
            return ids;
        });

    internal Task<OutboxEvent> OutboxRowAsync(string id) =>
        InScopeAsync(sp => sp.GetRequiredService<MindstackDbContext>().Set<OutboxEvent>().AsNoTracking().SingleAsync(e => e.Id == id));
}

public sealed class EventOutboxTests(EventsFactory factory) : IClassFixture<EventsFactory>
{
    private static string Unique(string prefix) => prefix + "_" + Guid.NewGuid().ToString("N")[..10];

    [Fact]
    public async Task Publish_CallerRollsBack_EventIsNeverDispatched()
    {
        var aggregate = Unique("sess");
        await factory.InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<MindstackDbContext>();
            await using var transaction = await db.Database.BeginTransactionAsync();
            sp.GetRequiredService<IEventOutbox>().Publish(new NewEvent("session.completed", "session", aggregate));
            await db.SaveChangesAsync();
            await transaction.RollbackAsync();
        });
        var marker = Unique("sess");
        await factory.PublishAsync(new NewEvent("session.completed", "session", marker));
        await Eventually.UntilAsync(() => factory.Recorder.For(marker).Count == 1, "a later event to be dispatched");
        Assert.Empty(factory.Recorder.For(aggregate));
    }

    [Fact]
    public async Task Dispatch_InterleavedAggregates_EachAggregateInWrittenOrder()
    {
        var aggregates = Enumerable.Range(0, 3).Select(_ => Unique("run")).ToList();
        var published = new List<(string Aggregate, string Id)>();
        for (var i = 0; i < 24; i++)
        {
            var aggregate = aggregates[i % 3];
            var ids = await factory.PublishAsync(new NewEvent("run.update", "run", aggregate)
            {
                AccountId = "acct_1",
                Api = "mindmesh",
                Data = new { step = i },
            });
            published.Add((aggregate, ids[0]));
        }
        await Eventually.UntilAsync(() => aggregates.All(a => factory.Recorder.For(a).Count == 8), "all 24 events");
        foreach (var aggregate in aggregates)
        {
            var seen = factory.Recorder.For(aggregate);
            Assert.Equal(published.Where(p => p.Aggregate == aggregate).Select(p => p.Id), seen.Select(e => e.Id));
            Assert.Equal(seen.Select(e => e.Sequence).Order(), seen.Select(e => e.Sequence));
            Assert.All(seen, e => Assert.Equal("mindmesh", e.Api));
        }
        var first = factory.Recorder.For(aggregates[0])[0];
        Assert.Equal(0, first.Data.GetProperty("step").GetInt32());
        Assert.Equal("acct_1", first.AccountId);
        Assert.Equal("run.update", first.Type);
        Assert.StartsWith("evt_", first.Id, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dispatch_SubscriberFails_EventRetriedLaterAndOnlyItsAggregateWaits()
    {
        var stuck = Unique("exec");
        var free = Unique("exec");
        factory.Recorder.FailFor[stuck] = 1;
        var ids = await factory.PublishAsync(
            new NewEvent("execution.started", "execution", stuck),
            new NewEvent("execution.completed", "execution", stuck),
            new NewEvent("execution.started", "execution", free));

        // The other aggregate goes on; the failed one's second event waits behind its first.
        await Eventually.UntilAsync(() => factory.Recorder.For(free).Count == 1, "the free aggregate's event");
        var failed = await Eventually.UntilAsync(() => factory.OutboxRowAsync(ids[0]), e => e.Attempts == 1, "the failed attempt to be recorded");
        Assert.Equal(OutboxStates.Pending, failed.State);
        Assert.Equal($"InvalidOperationException: subscriber failed on {ids[0]}", failed.LastError);
        Assert.NotNull(failed.NextAttemptAt);
        Assert.Equal(OutboxStates.Pending, (await factory.OutboxRowAsync(ids[1])).State);
        Assert.Equal([ids[0]], factory.Recorder.For(stuck).Select(e => e.Id));

        factory.Clock.Advance(TimeSpan.FromSeconds(10));
        await Eventually.UntilAsync(() => factory.Recorder.For(stuck).Count == 3, "the retry and the waiting event");
        Assert.Equal([ids[0], ids[0], ids[1]], factory.Recorder.For(stuck).Select(e => e.Id));
        Assert.Equal(OutboxStates.Dispatched, (await Eventually.UntilAsync(() => factory.OutboxRowAsync(ids[1]), e => e.State == OutboxStates.Dispatched, "dispatched")).State);
        Assert.Equal(2, (await factory.OutboxRowAsync(ids[0])).Attempts);
    }

    [Fact]
    public async Task Dispatch_SubscriberAlwaysFails_GivenUpAfterMaxAttemptsAndAggregateMovesOn()
    {
        var poison = Unique("post");
        factory.Recorder.FailFor[poison] = int.MaxValue;
        var ids = await factory.PublishAsync(
            new NewEvent("post.created", "post", poison),
            new NewEvent("post.liked", "post", poison));
        for (var attempt = 1; attempt <= EventDispatcher.MaxAttempts; attempt++)
        {
            await Eventually.UntilAsync(() => factory.OutboxRowAsync(ids[0]), e => e.Attempts >= attempt, $"attempt {attempt}");
            factory.Clock.Advance(TimeSpan.FromMinutes(6));
        }
        var givenUp = await Eventually.UntilAsync(() => factory.OutboxRowAsync(ids[0]), e => e.State == OutboxStates.Failed, "the event to be given up");
        Assert.Equal(EventDispatcher.MaxAttempts, givenUp.Attempts);
        factory.Recorder.FailFor[poison] = 0;
        await Eventually.UntilAsync(() => factory.OutboxRowAsync(ids[1]), e => e.State == OutboxStates.Dispatched, "the next event of the aggregate");
    }
}

/// <summary>Events committed while no node dispatches are not lost: the next node to start dispatches them.</summary>
public sealed class EventRecoveryTests
{
    [Fact]
    public async Task Outbox_CommittedWhileNoDispatcherRuns_NextHostOnTheDatabaseDispatchesThem()
    {
        var recorder = new EventRecorder();
        await using var first = EventsFactory.Node(recorder, workers: 0);
        var aggregate = "sess_" + Guid.NewGuid().ToString("N")[..8];
        var ids = await first.PublishAsync(
            new NewEvent("session.created", "session", aggregate),
            new NewEvent("session.processing", "session", aggregate),
            new NewEvent("session.completed", "session", aggregate));
        await Task.Delay(500);
        Assert.Empty(recorder.Seen);
        Assert.All(ids, id => Assert.Equal(OutboxStates.Pending, first.OutboxRowAsync(id).Result.State));

        // A new host on the same database (the first one "crashed" before dispatching anything).
        await using var second = EventsFactory.Node(recorder, workers: 2);
        second.OnDatabaseOf(first);
        _ = second.Services;
        await Eventually.UntilAsync(() => recorder.For(aggregate).Count == 3, "the committed events to be dispatched");
        Assert.Equal(ids, recorder.For(aggregate).Select(e => e.Id));
        foreach (var id in ids)
        {
            var row = await Eventually.UntilAsync(() => first.OutboxRowAsync(id), e => e.State == OutboxStates.Dispatched, "dispatched");
            Assert.NotNull(row.DispatchedAt);
        }
    }
}

/// <summary>A backlog is dispatched in batches: one transaction marks many events, each aggregate still in order.</summary>
public sealed class EventBatchTests
{
    [Fact]
    public async Task Dispatch_BacklogOfEvents_MarkedDispatchedInOneTransactionInOrder()
    {
        var recorder = new EventRecorder();
        await using var first = EventsFactory.Node(recorder, workers: 0);
        var aggregates = Enumerable.Range(0, 4).Select(_ => "run_" + Guid.NewGuid().ToString("N")[..8]).ToList();
        var ids = await first.PublishAsync([.. Enumerable.Range(0, 40).Select(i => new NewEvent("run.update", "run", aggregates[i % 4]) { Data = new { step = i } })]);

        await using var second = EventsFactory.Node(recorder, workers: 2);
        second.OnDatabaseOf(first);
        _ = second.Services;
        await Eventually.UntilAsync(() => aggregates.All(a => recorder.For(a).Count == 10), "the backlog to be dispatched");

        foreach (var aggregate in aggregates)
        {
            Assert.Equal(recorder.For(aggregate).Select(e => e.Sequence).Order(), recorder.For(aggregate).Select(e => e.Sequence));
        }
        var rows = new List<OutboxEvent>();
        foreach (var id in ids)
        {
            rows.Add(await Eventually.UntilAsync(() => first.OutboxRowAsync(id), e => e.State == OutboxStates.Dispatched, "dispatched"));
        }
        // One batch, one transaction: the same dispatch time on every row.
        Assert.Single(rows.Select(r => r.DispatchedAt).Distinct());
        Assert.All(rows, r => Assert.Equal(1, r.Attempts));
    }
}

/// <summary>PostgreSQL: an event committed on a node that does not dispatch wakes the dispatching node at once.</summary>
public sealed class EventWakeUpTests
{
    [PostgresFact]
    public async Task Notify_EventPublishedOnAnotherNode_WakesTheDispatcherWithoutPollDelay()
    {
        // Node A dispatches but would poll only once a minute; node B only serves.
        var recorder = new EventRecorder();
        await using var nodeA = EventsFactory.Node(recorder, workers: 2);
        nodeA.WithSetting("Mindstack:Jobs:PollMilliseconds", "60000");
        await using var nodeB = EventsFactory.Node(recorder, workers: 0);
        nodeB.OnDatabaseOf(nodeA);
        _ = nodeA.Services;
        _ = nodeB.Services;
        await Eventually.UntilAsync(() => JobBatchTests.ListenersAsync(nodeA.Database.PostgresConnectionString!), n => n == 1, "node A to listen");
        // Node A has taken the dispatcher's lease and gone idle (its first look found nothing).
        await Eventually.UntilAsync(
            () => nodeA.InScopeAsync(sp => sp.GetRequiredService<MindstackDbContext>().Database
                .SqlQueryRaw<int>("SELECT COUNT(*) AS \"Value\" FROM jobs_leases WHERE name = 'events.dispatcher'").SingleAsync()),
            n => n == 1, "node A to lead the dispatch");

        var aggregate = "sess_" + Guid.NewGuid().ToString("N")[..8];
        var watch = Stopwatch.StartNew();
        await nodeB.PublishAsync(new NewEvent("session.completed", "session", aggregate));
        await Eventually.UntilAsync(() => recorder.For(aggregate).Count == 1, "the event to be dispatched", TimeSpan.FromSeconds(20));

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"took {watch.Elapsed}");
    }
}
