using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Mindstack.Platform.Jobs;
using Mindstack.Platform.Storage;
using Mindstack.Platform.Tests.Realtime;
using Npgsql;

namespace Mindstack.Platform.Tests.Jobs;

/// <summary>Batch claims and completions, and PostgreSQL's LISTEN/NOTIFY wake-up across nodes.</summary>
public sealed class JobBatchTests
{
    [Fact]
    public async Task ClaimBatch_TwoNodesRacing_NoJobClaimedTwice()
    {
        // Workers off: the two stores below are the only claimers.
        await using var nodeA = WorkFactory.Node(workers: 0);
        await using var nodeB = WorkFactory.Node(nodeA.Log, workers: 0).OnDatabaseOf(nodeA);
        _ = nodeB.Services;
        const int total = 200;
        await nodeA.InScopeAsync(async sp =>
        {
            var queue = sp.GetRequiredService<IJobQueue>();
            for (var i = 0; i < total; i++)
            {
                queue.Enqueue<RecordingJob>(new RecordPayload($"b{i}"));
            }
            await sp.GetRequiredService<MindstackDbContext>().SaveChangesAsync();
        });

        static async Task<List<string>> DrainAsync(WorkFactory node, int batch)
        {
            var claimed = new List<string>();
            while (true)
            {
                var jobs = await node.InScopeAsync(sp => sp.GetRequiredService<JobStore>().ClaimBatchAsync([RecordingJob.Name], batch, CancellationToken.None));
                if (jobs.Count == 0)
                {
                    return claimed;
                }
                Assert.All(jobs, j => Assert.Equal(1, j.Attempt));
                claimed.AddRange(jobs.Select(j => j.Id));
            }
        }

        var results = await Task.WhenAll(DrainAsync(nodeA, 7), DrainAsync(nodeB, 7), DrainAsync(nodeA, 13), DrainAsync(nodeB, 13));
        var all = results.SelectMany(r => r).ToList();
        Assert.Equal(total, all.Count);
        Assert.Equal(total, all.Distinct().Count());
    }

    [Fact]
    public async Task CompleteBatch_OneLeaseTakenOver_OnlyTheHeldJobsAreDone()
    {
        await using var node = WorkFactory.Node(workers: 0);
        var first = await node.EnqueueAsync(RecordingJob.Name, new RecordPayload("c1"));
        var second = await node.EnqueueAsync(RecordingJob.Name, new RecordPayload("c2"));
        var claimed = await node.InScopeAsync(sp => sp.GetRequiredService<JobStore>().ClaimBatchAsync([RecordingJob.Name], 10, CancellationToken.None));
        Assert.Equal(2, claimed.Count);
        // A stale lease: the second job as an earlier attempt held it.
        var stale = claimed.Single(j => j.Id == second) with { Attempt = 0 };
        var done = await node.InScopeAsync(sp => sp.GetRequiredService<JobStore>()
            .CompleteBatchAsync([claimed.Single(j => j.Id == first), stale], CancellationToken.None));

        Assert.Equal(first, Assert.Single(done));
        Assert.Equal(JobState.Done, (await node.JobAsync(first))!.State);
        Assert.Equal(JobState.Running, (await node.JobAsync(second))!.State);
    }

    [Fact]
    public async Task Workers_ManyJobsBatched_EachRunsOnceAndIsDone()
    {
        await using var node = WorkFactory.Node(workers: 8);
        node.WithSetting("Mindstack:Jobs:BatchSize", "5");
        var keys = Enumerable.Range(0, 60).Select(i => $"w{i}").ToList();
        await node.InScopeAsync(async sp =>
        {
            var queue = sp.GetRequiredService<IJobQueue>();
            foreach (var key in keys)
            {
                queue.Enqueue<RecordingJob>(new RecordPayload(key));
            }
            await sp.GetRequiredService<MindstackDbContext>().SaveChangesAsync();
        });

        await Eventually.UntilAsync(
            () => node.InScopeAsync(sp => sp.GetRequiredService<MindstackDbContext>().Set<QueuedJob>()
                .CountAsync(j => j.Type == RecordingJob.Name && j.State == JobState.Done)),
            n => n == keys.Count, "every job to be done");
        Assert.All(keys, k => Assert.Equal(1, node.Log.Count(k)));
    }

    [PostgresFact]
    public async Task Notify_JobEnqueuedOnAnotherNode_WakesItsWorkerWithoutPollDelay()
    {
        // Node A only serves; node B runs jobs but would poll only once a minute.
        await using var nodeA = WorkFactory.Node(workers: 0);
        await using var nodeB = WorkFactory.Node(nodeA.Log, workers: 2).OnDatabaseOf(nodeA);
        nodeB.WithSetting("Mindstack:Jobs:PollMilliseconds", "60000");
        _ = nodeA.Services;
        _ = nodeB.Services;
        await Eventually.UntilAsync(() => ListenersAsync(nodeA.Database.PostgresConnectionString!), n => n == 1, "node B to listen");

        var watch = Stopwatch.StartNew();
        var id = await nodeA.EnqueueAsync(RecordingJob.Name, new RecordPayload("woken"));
        await nodeA.JobInStateAsync(id, JobState.Done, TimeSpan.FromSeconds(20));

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"took {watch.Elapsed}");
        Assert.Equal(1, nodeA.Log.Count("woken"));
        Assert.NotEqual(nodeA.Services.GetRequiredService<JobsSettings>().NodeId, nodeA.Log.Runs.Single(r => r.Key == "woken").Node);
    }

    /// <summary>How many nodes' job listeners are connected to the database (PostgreSQL).</summary>
    internal static async Task<long> ListenersAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = @name AND datname = current_database()", connection);
        count.Parameters.AddWithValue("name", JobsNotifier.ListenerApplicationName);
        return (long)(await count.ExecuteScalarAsync())!;
    }
}
