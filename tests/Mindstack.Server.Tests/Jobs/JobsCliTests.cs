using Microsoft.Extensions.DependencyInjection;
using Mindstack.Platform.Jobs;
using Mindstack.Platform.Storage;

namespace Mindstack.Platform.Tests.Jobs;

/// <summary>The <c>jobs</c> operator command, run in-process as the server binary runs it, on a live database.</summary>
public sealed class JobsCliTests
{
    [Fact]
    public async Task JobsCommand_StatsDeadRetry_ShowAndRequeueADeadJob()
    {
        await using var node = WorkFactory.Node(workers: 0);
        var now = node.Clock.GetUtcNow().UtcDateTime;
        var deadId = "job_" + Guid.NewGuid().ToString("N");
        await node.InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<MindstackDbContext>();
            sp.GetRequiredService<IJobQueue>().Enqueue(RecordingJob.Name, new RecordPayload("waiting"));
            db.Add(new QueuedJob
            {
                Id = deadId,
                Type = RecordingJob.Name,
                Payload = """{"key":"dead"}""",
                State = JobState.Dead,
                RunAt = now,
                Attempts = 3,
                MaxAttempts = 3,
                LastError = "HttpRequestException: connection refused",
                CreatedAt = now,
                CompletedAt = now,
            });
            await db.SaveChangesAsync();
        });

        var stats = await RunCliAsync(node, "jobs", "stats");
        Assert.Equal(0, stats.Code);
        Assert.Contains("type\tpending\trunning\tdone\tdead", stats.Output, StringComparison.Ordinal);
        Assert.Contains("test.record\t1\t0\t0\t1", stats.Output, StringComparison.Ordinal);

        var dead = await RunCliAsync(node, "jobs", "dead");
        Assert.Equal(0, dead.Code);
        Assert.Contains(deadId, dead.Output, StringComparison.Ordinal);
        Assert.Contains("attempts 3/3", dead.Output, StringComparison.Ordinal);
        Assert.Contains("HttpRequestException: connection refused", dead.Output, StringComparison.Ordinal);

        var retry = await RunCliAsync(node, "jobs", "retry", "--id", deadId);
        Assert.Equal(0, retry.Code);
        Assert.Contains($"{deadId} is pending again", retry.Output, StringComparison.Ordinal);
        var job = await node.JobAsync(deadId);
        Assert.Equal(JobState.Pending, job!.State);
        Assert.Equal(0, job.Attempts);

        var again = await RunCliAsync(node, "jobs", "retry", "--id", "job_missing");
        Assert.Equal(1, again.Code);
        Assert.Contains("No job 'job_missing'", again.Output, StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Output)> RunCliAsync(MindstackFactory node, params string[] args)
    {
        var result = await Cli.RunAsync(node.Database, args);
        return (result.ExitCode, result.Output + result.Error);
    }
}
