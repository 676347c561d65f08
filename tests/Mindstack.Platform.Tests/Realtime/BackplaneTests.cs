using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Mindstack.Platform.Realtime;
using Mindstack.Platform.Realtime.Backplane;
using Mindstack.Platform.Storage;
using Npgsql;

namespace Mindstack.Platform.Tests.Realtime;

/// <summary>Events published on one node reach clients of every adapter on another, through LISTEN/NOTIFY.</summary>
public sealed class BackplaneTests(TwoNodes nodes) : IClassFixture<TwoNodes>
{
    private static string NewSubject() => "bp-" + Guid.NewGuid().ToString("N")[..8];

    [PostgresFact]
    public async Task Backplane_PublishedOnB_ReachesWebSocketAndSocketIoClientsOnA()
    {
        var subject = NewSubject();
        var token = TestRealtimeAuthenticator.TokenFor(subject);
        using var json = await nodes.A.ConnectJsonAsync($"{RealtimeTestRoutes.JsonPath}?token={token}");
        await using var sio = SocketIoNodeClient.Start(nodes.A.BaseAddress, RealtimeTestRoutes.SocketIoPath, token, transports: ["websocket"]);
        await using var polling = SocketIoNodeClient.Start(nodes.A.BaseAddress, RealtimeTestRoutes.SocketIoPath, token, transports: ["polling"]);
        await sio.WaitForKindAsync("connect");
        await polling.WaitForKindAsync("connect");

        await nodes.B.Publisher.PublishAsync("account:" + subject, "notification", new { From = "node B" });

        Assert.Equal("node B", (await JsonFrames.ReceiveAsync(json)).GetProperty("data").GetProperty("from").GetString());
        Assert.Equal("node B", (await sio.WaitForEventAsync("notification")).GetProperty("args")[0].GetProperty("from").GetString());
        Assert.Equal("node B", (await polling.WaitForEventAsync("notification")).GetProperty("args")[0].GetProperty("from").GetString());
    }

    [PostgresFact]
    public async Task PublishAcknowledged_OtherNodeListening_ReturnsOnlyAfterItsHubHandledIt()
    {
        var channel = "platform:ack-probe-" + Guid.NewGuid().ToString("N")[..8];
        var handled = 0;
        // A slow handler: an unacknowledged publish would return long before it finished.
        nodes.A.Services.GetRequiredService<RealtimeHub>().OnPlatformChannel(channel, _ =>
        {
            Thread.Sleep(300);
            Interlocked.Increment(ref handled);
        });
        var message = new RealtimeMessage("rtm_" + Guid.NewGuid().ToString("N"), channel, "probe", "null", exceptConnectionId: null);
        // Another test kills the listeners: A must be listening again to be asked.
        for (var waited = 0; !nodes.A.Metrics.BackplaneListening && waited < 600; waited++)
        {
            await Task.Delay(100);
        }

        await nodes.B.Services.GetRequiredService<IRealtimeBackplane>().PublishAcknowledgedAsync(message, TimeSpan.FromSeconds(60), CancellationToken.None);

        Assert.Equal(1, Volatile.Read(ref handled));
    }

    [PostgresFact]
    public async Task Backplane_PayloadOver8KB_TravelsByReference()
    {
        var subject = NewSubject();
        var token = TestRealtimeAuthenticator.TokenFor(subject);
        using var json = await nodes.A.ConnectJsonAsync($"{RealtimeTestRoutes.JsonPath}?token={token}");
        await using var sio = SocketIoNodeClient.Start(nodes.A.BaseAddress, RealtimeTestRoutes.SocketIoPath, token, transports: ["websocket"]);
        await sio.WaitForKindAsync("connect");
        var big = string.Concat(Enumerable.Repeat("0123456789abcdef", 1024)); // 16 KB
        var byReferenceBefore = await CountPayloadsAsync();

        await nodes.B.Publisher.PublishAsync("account:" + subject, "report", new { Body = big });

        Assert.Equal(big, (await JsonFrames.ReceiveAsync(json)).GetProperty("data").GetProperty("body").GetString());
        Assert.Equal(big, (await sio.WaitForEventAsync("report")).GetProperty("args")[0].GetProperty("body").GetString());
        Assert.Equal(byReferenceBefore + 1, await CountPayloadsAsync());
    }

    [PostgresFact]
    public async Task PublishMany_OnB_EveryMessageReachesAInOrderIncludingOneByReference()
    {
        var subject = NewSubject();
        using var json = await nodes.A.ConnectJsonAsync($"{RealtimeTestRoutes.JsonPath}?token={TestRealtimeAuthenticator.TokenFor(subject)}");
        var publisher = (IRealtimeBatchPublisher)nodes.B.Publisher;
        var big = string.Concat(Enumerable.Repeat("0123456789abcdef", 1024)); // 16 KB: by reference
        // Fewer than the test's send queue (16) of the receiving connection.
        var messages = Enumerable.Range(0, 12)
            .Select(i => publisher.NewMessage("account:" + subject, "batch", JsonSerializer.SerializeToElement(new { index = i, body = i == 5 ? big : "" })))
            .ToList();
        var byReferenceBefore = await CountPayloadsAsync();

        await publisher.PublishManyAsync(messages, CancellationToken.None);

        for (var i = 0; i < messages.Count; i++)
        {
            var data = (await JsonFrames.ReceiveAsync(json)).GetProperty("data");
            Assert.Equal(i, data.GetProperty("index").GetInt32());
            Assert.Equal(i == 5 ? big : "", data.GetProperty("body").GetString());
        }
        Assert.Equal(byReferenceBefore + 1, await CountPayloadsAsync());
    }

    [PostgresFact]
    public async Task Backplane_OwnNotification_DeliveredOnce()
    {
        var subject = NewSubject();
        using var json = await nodes.A.ConnectJsonAsync($"{RealtimeTestRoutes.JsonPath}?token={TestRealtimeAuthenticator.TokenFor(subject)}");
        var receivedBefore = nodes.A.Metrics.BackplaneReceivedCount;

        await nodes.A.Publisher.PublishAsync("account:" + subject, "first", null);
        // A marker through the other node arrives after A's own notification has come back to it.
        await nodes.B.Publisher.PublishAsync("account:" + subject, "marker", null);

        Assert.Equal("first", (await JsonFrames.ReceiveAsync(json)).GetProperty("type").GetString());
        Assert.Equal("marker", (await JsonFrames.ReceiveAsync(json)).GetProperty("type").GetString());
        Assert.Equal(receivedBefore + 1, nodes.A.Metrics.BackplaneReceivedCount);
    }

    [PostgresFact]
    public async Task Backplane_BroadcastFromSocketOnA_ReachesRoomOnBButNotSender()
    {
        var room = "conversation:" + Guid.NewGuid().ToString("N")[..8];
        await using var alice = SocketIoNodeClient.Start(nodes.A.BaseAddress, RealtimeTestRoutes.SocketIoPath,
            TestRealtimeAuthenticator.TokenFor(NewSubject()), transports: ["websocket"]);
        await using var bob = SocketIoNodeClient.Start(nodes.B.BaseAddress, RealtimeTestRoutes.SocketIoPath,
            TestRealtimeAuthenticator.TokenFor(NewSubject()), transports: ["websocket"]);
        await alice.WaitForKindAsync("connect");
        await bob.WaitForKindAsync("connect");
        await alice.EmitWithAckAsync("join", room);
        await bob.EmitWithAckAsync("join", room);

        await alice.EmitWithAckAsync("typing", room);

        await bob.WaitForEventAsync("typing");
        await nodes.B.Publisher.PublishAsync(room, "marker", null);
        await alice.WaitForEventAsync("marker");
        Assert.DoesNotContain(alice.Lines, l => l.GetProperty("kind").GetString() == "event" && l.GetProperty("name").GetString() == "typing");
    }

    [PostgresFact]
    public async Task Polling_SessionOfAnotherNode_SessionIdUnknown()
    {
        // Long-polling sessions are node-local (polling needs sticky routing; WebSocket does not).
        using var a = nodes.A.Http();
        using var b = nodes.B.Http();
        var open = await a.GetStringAsync(RealtimeTestRoutes.SocketIoPath + "/?EIO=4&transport=polling");
        var sid = JsonDocument.Parse(open[1..]).RootElement.GetProperty("sid").GetString();

        using var response = await b.GetAsync($"{RealtimeTestRoutes.SocketIoPath}/?EIO=4&transport=polling&sid={sid}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(1, error.GetProperty("code").GetInt32());
        Assert.Equal("Session ID unknown", error.GetProperty("message").GetString());
    }

    [PostgresFact]
    public async Task Backplane_ListenerConnectionKilled_ReconnectsAndDeliversAgain()
    {
        var subject = NewSubject();
        using var json = await nodes.A.ConnectJsonAsync($"{RealtimeTestRoutes.JsonPath}?token={TestRealtimeAuthenticator.TokenFor(subject)}");
        await using (var admin = new NpgsqlConnection(nodes.ConnectionString))
        {
            await admin.OpenAsync();
            await using var kill = new NpgsqlCommand(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name LIKE @name AND datname = current_database()", admin);
            kill.Parameters.AddWithValue("name", PostgresBackplane.ListenerApplicationName + ":%");
            Assert.Equal(2L, await kill.ExecuteScalarAsync());
        }

        // Until A has reconnected its notifications are lost; publish until one gets through.
        var receive = JsonFrames.ReceiveAsync(json, TimeSpan.FromSeconds(90));
        for (var attempt = 0; !receive.IsCompleted; attempt++)
        {
            await nodes.B.Publisher.PublishAsync("account:" + subject, "after-reconnect", new { Attempt = attempt });
            await Task.WhenAny(receive, Task.Delay(200));
        }
        Assert.Equal("after-reconnect", (await receive).GetProperty("type").GetString());
        await nodes.WaitListeningAsync();
    }

    [PostgresFact]
    public async Task Purge_OldPayloads_Deleted()
    {
        await nodes.B.Publisher.PublishAsync("account:" + NewSubject(), "big", new { Body = new string('x', 10_000) });
        Assert.True(await CountPayloadsAsync() > 0);

        var backplane = nodes.B.Services.GetRequiredService<PostgresBackplane>();
        var deleted = await backplane.PurgeAsync(DateTime.UtcNow.AddMinutes(1), CancellationToken.None);

        Assert.True(deleted > 0);
        Assert.Equal(0, await CountPayloadsAsync());
    }

    private async Task<int> CountPayloadsAsync()
    {
        await using var scope = nodes.A.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MindstackDbContext>();
        return await db.Set<RealtimePayload>().CountAsync();
    }
}
