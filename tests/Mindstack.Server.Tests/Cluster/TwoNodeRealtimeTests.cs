using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.WebSockets;
using Microsoft.Extensions.DependencyInjection;
using Mindstack.Mindra;
using Mindstack.Platform.Access;
using Mindstack.Platform.Accounts;
using Mindstack.Platform.Tests.Realtime;

namespace Mindstack.Platform.Tests.Cluster;

/// <summary>
/// Realtime across two published server processes on one PostgreSQL: clients on node A, the event
/// caused on node B. Node A runs no workers, so it never dispatches: what its clients receive came
/// from node B's dispatcher through the PostgreSQL backplane.
/// </summary>
[Trait(PublishedServer.Trait, PublishedServer.Value)]
public sealed class TwoNodeRealtimeTests
{
    private const string ProbeApi = "mindra";

    [PostgresFact]
    public async Task TwoNodes_EventCausedOnNodeB_ReachesWebSocketAndSocketIoClientsOnNodeA()
    {
        await using var cluster = await TwoNodeCluster.StartAsync(name => new Dictionary<string, string>
        {
            ["Mindstack__Realtime__ProbeApi"] = ProbeApi,
            ["Mindstack__Jobs__Workers"] = name == "node-a" ? "0" : "2",
        });
        var (accountId, key) = await cluster.InScopeAsync(async sp =>
        {
            var name = "rt" + Guid.NewGuid().ToString("N")[..10];
            var account = await sp.GetRequiredService<IAccountService>()
                .CreateAsync(new NewAccount(name + "@example.com", "SecurePass123!", name), MindraApi.Definition.Accounts!);
            var created = await sp.GetRequiredService<IApiKeyService>().CreateAsync(new NewApiKey(account.Id, MindraApi.Definition.KeyFormat!, "realtime"));
            return (account.Id, created.PlainKey);
        });
        var nodeA = cluster.Nodes["node-a"];
        var nodeB = cluster.Nodes["node-b"];

        using var socket = new ClientWebSocket();
        using (var connect = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            await socket.ConnectAsync(new Uri($"ws://{nodeA.BaseAddress.Authority}/realtime-probe/ws?token={key}"), connect.Token);
        }
        await using var io = SocketIoNodeClient.Start(nodeA.BaseAddress, "/realtime-probe/socket.io", key);
        await io.WaitForKindAsync("connect", TimeSpan.FromSeconds(60));

        using var http = new HttpClient { BaseAddress = nodeB.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/realtime-probe/events")
        {
            Content = JsonContent.Create(new { type = "probe.ping", data = new { from = "node-b", n = 1 } }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var response = await http.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());

        var frame = await JsonFrames.ReceiveAsync(socket, TimeSpan.FromSeconds(60));
        Assert.Equal("probe.ping", frame.GetProperty("type").GetString());
        Assert.Equal("node-b", frame.GetProperty("data").GetProperty("from").GetString());
        var received = await io.WaitForEventAsync("probe.ping");
        Assert.Equal(1, received.GetProperty("args")[0].GetProperty("n").GetInt32());
        Assert.NotEmpty(accountId);
    }
}
