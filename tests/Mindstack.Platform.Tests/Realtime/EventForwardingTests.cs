using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Mindstack.Platform.Events;
using Mindstack.Platform.Storage;

namespace Mindstack.Platform.Tests.Realtime;

/// <summary>Domain events reach realtime clients: the account's channel by default, and the channels an event names.</summary>
public sealed class EventForwardingTests(RealtimeFactory factory) : IClassFixture<RealtimeFactory>
{
    private static string NewSubject() => "evt-" + Guid.NewGuid().ToString("N")[..8];

    private async Task<T> InScopeAsync<T>(Func<IServiceProvider, Task<T>> work)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        return await work(scope.ServiceProvider);
    }

    private Task PublishAsync(params NewEvent[] events) =>
        InScopeAsync(async sp =>
        {
            var outbox = sp.GetRequiredService<IEventOutbox>();
            foreach (var e in events)
            {
                outbox.Publish(e);
            }
            return await sp.GetRequiredService<MindstackDbContext>().SaveChangesAsync();
        });

    [Fact]
    public async Task DispatchedEvents_OfAccount_ReachJsonSocketInOrder()
    {
        var subject = NewSubject();
        using var socket = await factory.ConnectJsonAsync($"{RealtimeTestRoutes.JsonPath}?token={TestRealtimeAuthenticator.TokenFor(subject)}");

        var aggregate = "run_" + Guid.NewGuid().ToString("N")[..8];
        await PublishAsync(Enumerable.Range(1, 5)
            .Select(i => new NewEvent("run.update", "run", aggregate) { AccountId = subject, Data = new { Step = i } })
            .ToArray());

        for (var i = 1; i <= 5; i++)
        {
            var frame = await JsonFrames.ReceiveAsync(socket);
            Assert.Equal("run.update", frame.GetProperty("type").GetString());
            Assert.Equal(i, frame.GetProperty("data").GetProperty("step").GetInt32());
        }
    }

    [Fact]
    public async Task DispatchedEvent_WithChannels_ReachesSocketIoClientOfThatChannelOnly()
    {
        var subject = NewSubject();
        var room = "conversation:" + Guid.NewGuid().ToString("N")[..8];
        await using var client = SocketIoNodeClient.Start(factory.BaseAddress, RealtimeTestRoutes.SocketIoPath,
            TestRealtimeAuthenticator.TokenFor(subject), transports: ["websocket"]);
        await client.WaitForKindAsync("connect");
        await client.EmitWithAckAsync("join", room);

        // Another account's event, kept off its account channel, goes only to the room.
        await PublishAsync(
            new NewEvent("message.new", "conversation", room) { AccountId = "someone-else", Channels = [room], Data = new { Text = "hi" } },
            new NewEvent("message.private", "conversation", room) { AccountId = "someone-else", Data = new { Text = "not for the room" } },
            new NewEvent("message.done", "conversation", room) { AccountId = subject, ToAccountChannel = true, Data = new { Text = "mine" } });

        var first = await client.WaitForEventAsync("message.new");
        Assert.Equal("hi", first.GetProperty("args")[0].GetProperty("text").GetString());
        await client.WaitForEventAsync("message.done");
        Assert.DoesNotContain(client.Lines, l => l.TryGetProperty("event", out var e) && e.GetString() == "message.private");
    }

    [Fact]
    public async Task Publish_ChannelsAndAccount_StoredWithTheOutboxRow()
    {
        var aggregate = "agg_" + Guid.NewGuid().ToString("N")[..8];
        await PublishAsync(
            new NewEvent("a.one", "agg", aggregate) { AccountId = "acc_1", Channels = ["run:1", "account:acc_1"] },
            new NewEvent("a.two", "agg", aggregate) { AccountId = "acc_1", ToAccountChannel = false },
            new NewEvent("a.three", "agg", aggregate));

        var rows = await InScopeAsync(sp => sp.GetRequiredService<MindstackDbContext>().Set<OutboxEvent>().AsNoTracking()
            .Where(e => e.AggregateId == aggregate).OrderBy(e => e.Sequence).Select(e => e.Channels).ToListAsync());
        Assert.Equal(["[\"account:acc_1\",\"run:1\"]", null, null], rows);
    }

    [Fact]
    public async Task Publish_InvalidChannel_FailsTheCaller()
    {
        await InScopeAsync(sp =>
        {
            var outbox = sp.GetRequiredService<IEventOutbox>();
            return Task.FromResult(Assert.Throws<ArgumentException>(() =>
                outbox.Publish(new NewEvent("x", "agg", "a1") { Channels = [new string('c', 300)] })));
        });
    }
}
