using Microsoft.Extensions.DependencyInjection;
using Mindstack.Platform.Realtime;

namespace Mindstack.Platform.Tests.Realtime;

/// <summary>The stock socket.io-client (npm) against the Socket.IO adapter, over each transport.</summary>
public sealed class SocketIoClientTests(RealtimeFactory factory) : IClassFixture<RealtimeFactory>
{
    private static string NewSubject() => "sio-" + Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task SocketIo_PollingUpgradedToWebSocket_ReceivesEventsAndAcks()
    {
        var subject = NewSubject();
        await using var client = SocketIoNodeClient.Start(factory.BaseAddress, RealtimeTestRoutes.SocketIoPath, TestRealtimeAuthenticator.TokenFor(subject));

        // The client opens on polling; the upgrade event is its switch to the WebSocket.
        await client.WaitForKindAsync("connect");
        var upgraded = await client.WaitForKindAsync("upgrade");
        Assert.Equal("websocket", upgraded.GetProperty("transport").GetString());

        await factory.Publisher.PublishAsync("account:" + subject, "notification", new { Text = "after upgrade" });
        var received = await client.WaitForEventAsync("notification");
        Assert.Equal("after upgrade", received.GetProperty("args")[0].GetProperty("text").GetString());

        var ack = await client.EmitWithAckAsync("echo", new { hello = "world" });
        Assert.Equal("world", ack[0].GetProperty("hello").GetString());
        var whoami = await client.EmitWithAckAsync("whoami");
        Assert.Equal(subject, whoami[0].GetProperty("subject").GetString());
        Assert.Equal("websocket", whoami[0].GetProperty("transport").GetString());
    }

    [Fact]
    public async Task SocketIo_PollingOnly_ReceivesEventsAndAcks()
    {
        var subject = NewSubject();
        await using var client = SocketIoNodeClient.Start(factory.BaseAddress, RealtimeTestRoutes.SocketIoPath,
            TestRealtimeAuthenticator.TokenFor(subject), transports: ["polling"]);
        var connected = await client.WaitForKindAsync("connect");
        Assert.Equal("polling", connected.GetProperty("transport").GetString());

        // Several events in a row travel together in one poll, separated by the record separator.
        for (var i = 0; i < 5; i++)
        {
            await factory.Publisher.PublishAsync("account:" + subject, "tick", new { I = i });
        }
        for (var i = 0; i < 5; i++)
        {
            var n = i;
            await client.WaitForEventAsync("tick", args => args[0].GetProperty("i").GetInt32() == n);
        }
        var ticks = client.Lines.Where(l => l.GetProperty("kind").GetString() == "event" && l.GetProperty("name").GetString() == "tick")
            .Select(l => l.GetProperty("args")[0].GetProperty("i").GetInt32());
        Assert.Equal([0, 1, 2, 3, 4], ticks);

        var ack = await client.EmitWithAckAsync("echo", "over polling");
        Assert.Equal("over polling", ack[0].GetString());
        var whoami = await client.EmitWithAckAsync("whoami");
        Assert.Equal("polling", whoami[0].GetProperty("transport").GetString());
        Assert.Equal("test", whoami[0].GetProperty("api").GetString());
    }

    [Fact]
    public async Task SocketIo_WebSocketOnly_ReceivesEventsAndAcks()
    {
        var subject = NewSubject();
        await using var client = SocketIoNodeClient.Start(factory.BaseAddress, RealtimeTestRoutes.SocketIoPath,
            TestRealtimeAuthenticator.TokenFor(subject), transports: ["websocket"]);
        var connected = await client.WaitForKindAsync("connect");
        Assert.Equal("websocket", connected.GetProperty("transport").GetString());

        await factory.Publisher.PublishAsync("account:" + subject, "new-message", new { Body = "hi" });
        var received = await client.WaitForEventAsync("new-message");
        Assert.Equal("hi", received.GetProperty("args")[0].GetProperty("body").GetString());

        var ack = await client.EmitWithAckAsync("echo", 42);
        Assert.Equal(42, ack[0].GetInt32());
    }

    [Fact]
    public async Task SocketIo_BadToken_ConnectError()
    {
        await using var client = SocketIoNodeClient.Start(factory.BaseAddress, RealtimeTestRoutes.SocketIoPath, "not-a-token");
        var error = await client.WaitForKindAsync("connect_error");
        Assert.Equal(TestRealtimeAuthenticator.Refusal, error.GetProperty("message").GetString());
        Assert.DoesNotContain(client.Lines, l => l.GetProperty("kind").GetString() == "connect");
    }

    [Fact]
    public async Task SocketIo_NoToken_ConnectError()
    {
        await using var client = SocketIoNodeClient.Start(factory.BaseAddress, RealtimeTestRoutes.SocketIoPath, null, transports: ["websocket"]);
        var error = await client.WaitForKindAsync("connect_error");
        Assert.Equal(TestRealtimeAuthenticator.Refusal, error.GetProperty("message").GetString());
    }

    [Theory]
    [InlineData("websocket")]
    [InlineData("polling")]
    public async Task SocketIo_TokenInQueryInsteadOfAuth_Connects(string transport)
    {
        var subject = NewSubject();
        await using var client = SocketIoNodeClient.Start(factory.BaseAddress, RealtimeTestRoutes.SocketIoPath, null,
            transports: [transport], query: new Dictionary<string, string> { ["token"] = TestRealtimeAuthenticator.TokenFor(subject) });
        await client.WaitForKindAsync("connect");
        Assert.Equal(subject, (await client.EmitWithAckAsync("whoami"))[0].GetProperty("subject").GetString());
    }

    [Fact]
    public async Task SocketIo_JoinAndBroadcast_ReachesOthersButNotSender()
    {
        var room = "conversation:" + Guid.NewGuid().ToString("N")[..8];
        await using var alice = SocketIoNodeClient.Start(factory.BaseAddress, RealtimeTestRoutes.SocketIoPath,
            TestRealtimeAuthenticator.TokenFor(NewSubject()), transports: ["websocket"]);
        await using var bob = SocketIoNodeClient.Start(factory.BaseAddress, RealtimeTestRoutes.SocketIoPath,
            TestRealtimeAuthenticator.TokenFor(NewSubject()), transports: ["polling"]);
        await alice.WaitForKindAsync("connect");
        await bob.WaitForKindAsync("connect");
        Assert.Equal(room, (await alice.EmitWithAckAsync("join", room))[0].GetProperty("joined").GetString());
        Assert.Equal(room, (await bob.EmitWithAckAsync("join", room))[0].GetProperty("joined").GetString());

        await alice.EmitWithAckAsync("typing", room);
        await bob.WaitForEventAsync("typing");
        // The sender is left out; a later event to the room proves alice would have had it by now.
        await factory.Publisher.PublishAsync(room, "marker", null);
        await alice.WaitForEventAsync("marker");
        Assert.DoesNotContain(alice.Lines, l => l.GetProperty("kind").GetString() == "event" && l.GetProperty("name").GetString() == "typing");
    }

    [Fact]
    public async Task SocketIo_HandlerProblem_AckCarriesError()
    {
        await using var client = SocketIoNodeClient.Start(factory.BaseAddress, RealtimeTestRoutes.SocketIoPath,
            TestRealtimeAuthenticator.TokenFor(NewSubject()), transports: ["websocket"]);
        await client.WaitForKindAsync("connect");
        var ack = await client.EmitWithAckAsync("forbidden");
        Assert.Equal("FORBIDDEN", ack[0].GetProperty("error").GetProperty("code").GetString());
        Assert.Equal("Not allowed here", ack[0].GetProperty("error").GetProperty("message").GetString());
    }

    [Fact]
    public async Task SocketIo_ServerDisconnects_ClientSeesServerDisconnectAndLeavesChannels()
    {
        var subject = NewSubject();
        await using var client = SocketIoNodeClient.Start(factory.BaseAddress, RealtimeTestRoutes.SocketIoPath,
            TestRealtimeAuthenticator.TokenFor(subject), transports: ["websocket"]);
        await client.WaitForKindAsync("connect");
        await client.EmitAsync("kick-me");
        Assert.Equal("io server disconnect", (await client.WaitForKindAsync("disconnect")).GetProperty("reason").GetString());
        var hub = factory.Services.GetRequiredService<RealtimeHub>();
        await Eventually.UntilAsync(() => hub.Deliver(new RealtimeMessage("probe", "account:" + subject, "probe", "null", null)) == 0,
            "the disconnected socket to leave its channel");
    }

    [Fact]
    public async Task SocketIo_Namespace_HookRefusesOrAccepts()
    {
        await using var refused = SocketIoNodeClient.Start(factory.BaseAddress, RealtimeTestRoutes.SocketIoPath,
            TestRealtimeAuthenticator.TokenFor(NewSubject()), nsp: "/admin");
        Assert.Equal("Admins only", (await refused.WaitForKindAsync("connect_error")).GetProperty("message").GetString());

        var adminSubject = "admin-" + NewSubject();
        await using var admin = SocketIoNodeClient.Start(factory.BaseAddress, RealtimeTestRoutes.SocketIoPath,
            TestRealtimeAuthenticator.TokenFor(adminSubject), nsp: "/admin");
        await admin.WaitForKindAsync("connect");
        await factory.Publisher.PublishAsync("account:" + adminSubject, "audit", new { Ok = true });
        Assert.True((await admin.WaitForEventAsync("audit")).GetProperty("args")[0].GetProperty("ok").GetBoolean());

        await using var unknown = SocketIoNodeClient.Start(factory.BaseAddress, RealtimeTestRoutes.SocketIoPath,
            TestRealtimeAuthenticator.TokenFor(NewSubject()), nsp: "/nowhere");
        Assert.Equal("Invalid namespace", (await unknown.WaitForKindAsync("connect_error")).GetProperty("message").GetString());
    }

    [Fact]
    public async Task SocketIo_ServerPings_ConnectionOutlivesSeveralIntervals()
    {
        // The factory pings every second and waits for each pong before the next ping: a third
        // ping proves the client's pongs (POSTed, over polling) were read.
        var subject = NewSubject();
        await using var client = SocketIoNodeClient.Start(factory.BaseAddress, RealtimeTestRoutes.SocketIoPath,
            TestRealtimeAuthenticator.TokenFor(subject), transports: ["polling"]);
        await client.WaitForKindAsync("connect");
        await client.WaitForAsync(_ => client.Lines.Count(l => l.GetProperty("kind").GetString() == "ping") >= 3, "three pings");
        await factory.Publisher.PublishAsync("account:" + subject, "still-here", null);
        await client.WaitForEventAsync("still-here");
        Assert.DoesNotContain(client.Lines, l => l.GetProperty("kind").GetString() == "disconnect");
    }
}
