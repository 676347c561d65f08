using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Mindstack.Platform.Events;
using Mindstack.Platform.Jobs;
using Mindstack.Platform.Storage;
using Mindstack.Platform.Webhooks;

namespace Mindstack.Platform.Tests.Cluster;

/// <summary>A test that needs PostgreSQL (several nodes on one database); skipped, and counted so, on SQLite.</summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        if (!TestDatabase.UsePostgres)
        {
            Skip = "needs PostgreSQL (MINDSTACK_TEST_PROVIDER=postgres)";
        }
    }
}

/// <summary>
/// Two published server processes on one PostgreSQL database, each with its own port and data
/// folder, and the platform's own services in this process producing work on that database.
/// </summary>
public sealed class TwoNodeCluster : IAsyncDisposable
{
    private readonly ServiceProvider _producer;
    private readonly List<string> _folders = [];

    private TwoNodeCluster(TestDatabase database, ServiceProvider producer)
    {
        Database = database;
        _producer = producer;
    }

    public TestDatabase Database { get; }

    public Dictionary<string, ServerProcess> Nodes { get; } = new(StringComparer.Ordinal);

    /// <summary>Starts node-a then node-b; <paramref name="nodeEnvironment"/> adds settings per node name.</summary>
    public static async Task<TwoNodeCluster> StartAsync(Func<string, IReadOnlyDictionary<string, string>>? nodeEnvironment = null)
    {
        var database = MindstackFactory.CreateDatabase();
        var producerData = Directory.CreateTempSubdirectory("mindstack-producer-").FullName;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Mindstack:Database"] = database.PostgresConnectionString,
            ["data"] = producerData,
            ["Mindstack:Jobs:Workers"] = "0",
            ["Mindstack:Webhooks:AllowPrivateTargets"] = "true",
        }).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddMindstackPlatform(configuration);
        var cluster = new TwoNodeCluster(database, services.BuildServiceProvider());
        cluster._folders.Add(producerData);
        await cluster._producer.MigrateDatabaseAsync();
        try
        {
            // One after the other: two cold starts at once on a small machine can miss the health probe's deadline.
            await cluster.StartNodeAsync("node-a", nodeEnvironment?.Invoke("node-a"));
            await cluster.StartNodeAsync("node-b", nodeEnvironment?.Invoke("node-b"));
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
        return cluster;
    }

    private async Task StartNodeAsync(string name, IReadOnlyDictionary<string, string>? extra)
    {
        var environment = new Dictionary<string, string>
        {
            ["Mindstack__Jobs__NodeId"] = name,
            ["Mindstack__Jobs__LeaseSeconds"] = "3",
            ["Mindstack__Jobs__PollMilliseconds"] = "200",
            ["Mindstack__Webhooks__AllowPrivateTargets"] = "true",
            // One master key for the key ring every node shares (each node has a data folder of its own).
            ["Mindstack__DataProtection__MasterKey"] = Database.SharedMasterKey,
            // The node runs in its data folder, away from appsettings.json: keep it from logging every query.
            ["Logging__LogLevel__Default"] = "Warning",
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }
        for (var attempt = 1; ; attempt++)
        {
            var folder = Directory.CreateTempSubdirectory($"mindstack-{name}-").FullName;
            _folders.Add(folder);
            try
            {
                // A failed start ends its own process (ServerProcess), so a retry starts clean.
                Nodes[name] = await ServerProcess.StartAsync(folder, environment, Database.PostgresConnectionString);
                return;
            }
            catch (Exception) when (attempt < 2)
            {
                // A start that missed the health deadline on a busy machine gets one more try.
            }
        }
    }

    public async Task<T> InScopeAsync<T>(Func<IServiceProvider, Task<T>> work)
    {
        await using var scope = _producer.CreateAsyncScope();
        return await work(scope.ServiceProvider);
    }

    internal Task<List<QueuedJob>> JobsAsync(string type) =>
        InScopeAsync(sp => sp.GetRequiredService<MindstackDbContext>().Set<QueuedJob>().AsNoTracking().Where(j => j.Type == type).ToListAsync());

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Nodes.Values)
        {
            await node.DisposeAsync();
        }
        await _producer.DisposeAsync();
        Database.Dispose();
        foreach (var folder in _folders)
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}

[Trait(PublishedServer.Trait, PublishedServer.Value)]
public sealed class TwoNodeTests
{
    private const string Api = "testapi";

    [PostgresFact]
    public async Task TwoNodes_ManyWebhookEvents_EachDeliveredExactlyOnceAndBothNodesWork()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        // Slow enough that the second node's polls find work while the first node's workers are busy.
        receiver.Respond = async (context, _) =>
        {
            await Task.Delay(300, context.RequestAborted);
            await context.Response.WriteAsync("ok");
        };
        await using var cluster = await TwoNodeCluster.StartAsync();
        const string account = "acct_cluster";
        var subscription = await cluster.InScopeAsync(sp => sp.GetRequiredService<IWebhooks>()
            .CreateAsync(new NewWebhookSubscription(account, Api, receiver.Url(), ["*"])));
        var eventIds = await cluster.InScopeAsync(async sp =>
        {
            var outbox = sp.GetRequiredService<IEventOutbox>();
            var ids = Enumerable.Range(0, 30)
                .Select(i => outbox.Publish(new NewEvent("run.update", "run", $"run_{i}") { AccountId = account, Api = Api, Data = new { i } }))
                .ToList();
            await sp.GetRequiredService<MindstackDbContext>().SaveChangesAsync();
            return ids;
        });

        var deliveries = await Eventually.UntilAsync(
            () => cluster.InScopeAsync(sp => sp.GetRequiredService<IWebhooks>().ListDeliveriesAsync(account, Api, subscription.Id, 100)),
            list => list.Count == eventIds.Count && list.All(d => d.Status == "succeeded"),
            "every event to be delivered", TimeSpan.FromSeconds(60));
        var received = receiver.Requests.Select(r => r.Header("X-Mindstack-Event-Id")).ToList();
        Assert.Equal(eventIds.Order(StringComparer.Ordinal), received.Order(StringComparer.Ordinal));
        Assert.All(deliveries, d => Assert.Equal(1, d.Attempts));

        var jobs = await cluster.JobsAsync(WebhookDeliveryJob.Name);
        Assert.Equal(eventIds.Count, jobs.Count);
        Assert.All(jobs, j => Assert.Equal((JobState.Done, 1), (j.State, j.Attempts)));
        Assert.Equal(["node-a", "node-b"], jobs.Select(j => j.LeaseOwner!).Distinct().Order(StringComparer.Ordinal));
    }

    [PostgresFact]
    public async Task TwoNodes_NodeKilledMidDelivery_OtherNodeFinishesItAfterTheLease()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        var calls = 0;
        receiver.Respond = async (context, _) =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                // Hold the first attempt open: its node is killed while waiting here.
                await Task.Delay(Timeout.Infinite, context.RequestAborted);
            }
            await context.Response.WriteAsync("ok");
        };
        await using var cluster = await TwoNodeCluster.StartAsync();
        const string account = "acct_kill";
        var subscription = await cluster.InScopeAsync(sp => sp.GetRequiredService<IWebhooks>()
            .CreateAsync(new NewWebhookSubscription(account, Api, receiver.Url(), ["*"])));
        var eventId = await cluster.InScopeAsync(async sp =>
        {
            var id = sp.GetRequiredService<IEventOutbox>().Publish(new NewEvent("execution.completed", "execution", "exec_k") { AccountId = account, Api = Api });
            await sp.GetRequiredService<MindstackDbContext>().SaveChangesAsync();
            return id;
        });

        await Eventually.UntilAsync(() => !receiver.Requests.IsEmpty, "the first attempt to reach the receiver", TimeSpan.FromSeconds(60));
        var running = (await cluster.JobsAsync(WebhookDeliveryJob.Name)).Single();
        Assert.Equal(JobState.Running, running.State);
        var holder = running.LeaseOwner!;
        var survivor = holder == "node-a" ? "node-b" : "node-a";
        cluster.Nodes[holder].Kill();

        var done = await Eventually.UntilAsync(async () => (await cluster.JobsAsync(WebhookDeliveryJob.Name)).Single(),
            j => j.State == JobState.Done, "the other node to finish the job", TimeSpan.FromSeconds(60));
        Assert.Equal(survivor, done.LeaseOwner);
        Assert.Equal(2, done.Attempts);
        Assert.Equal($"lease expired on node {holder}", done.LastError);
        Assert.True(done.CompletedAt - running.StartedAt >= TimeSpan.FromSeconds(2), "taken over only after the lease ran out");

        Assert.Equal(2, receiver.Requests.Count);
        Assert.All(receiver.Requests, r => Assert.Equal(eventId, r.Header("X-Mindstack-Event-Id")));
        var delivery = Assert.Single(await cluster.InScopeAsync(sp => sp.GetRequiredService<IWebhooks>().ListDeliveriesAsync(account, Api, subscription.Id)));
        Assert.Equal("succeeded", delivery.Status);
        Assert.False(cluster.Nodes[survivor].HasExited);
    }
}
