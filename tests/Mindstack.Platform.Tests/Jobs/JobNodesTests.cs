using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Mindstack.Platform.Http;
using Mindstack.Platform.Jobs;
using Mindstack.Platform.Storage;

namespace Mindstack.Platform.Tests.Jobs;

/// <summary>Two servers in this process on one database: claims and schedules across nodes, and shutdown.</summary>
public sealed class JobNodesTests
{
    [Fact]
    public async Task Claim_TwoNodesOneDatabase_EachJobRunsExactlyOnce()
    {
        var log = new JobLog();
        await using var nodeA = WorkFactory.Node(log);
        await using var nodeB = WorkFactory.Node(log).OnDatabaseOf(nodeA);
        _ = nodeB.Services;
        var keys = Enumerable.Range(0, 40).Select(i => $"k{i}").ToList();
        await nodeA.InScopeAsync(async sp =>
        {
            var queue = sp.GetRequiredService<IJobQueue>();
            foreach (var key in keys)
            {
                queue.Enqueue<RecordingJob>(new RecordPayload(key));
            }
            await sp.GetRequiredService<MindstackDbContext>().SaveChangesAsync();
        });
        await Eventually.UntilAsync(() => keys.All(k => log.Count(k) >= 1), "every job to run");
        var done = await Eventually.UntilAsync(
            () => nodeA.InScopeAsync(sp => sp.GetRequiredService<MindstackDbContext>().Set<QueuedJob>()
                .CountAsync(j => j.Type == RecordingJob.Name && j.State == JobState.Done)),
            n => n == keys.Count, "every job to be done");
        Assert.Equal(keys.Count, done);
        Assert.All(keys, k => Assert.Equal(1, log.Count(k)));
    }

    [Fact]
    public async Task Schedule_TwoNodesSameSchedule_EachDueTimeEnqueuedAndRunOnce()
    {
        var log = new JobLog();
        const string schedule = "test.every-second";
        await using var nodeA = WorkFactory.Node(log);
        nodeA.WithServices(s => s.AddRecurringJob<RecordingJob>(schedule, "* * * * * ?", new RecordPayload("tick")));
        await using var nodeB = WorkFactory.Node(log).OnDatabaseOf(nodeA);
        nodeB.WithServices(s => s.AddRecurringJob<RecordingJob>(schedule, "* * * * * ?", new RecordPayload("tick")));
        _ = nodeA.Services;
        _ = nodeB.Services;

        var jobs = await Eventually.UntilAsync(
            () => nodeA.InScopeAsync(sp => sp.GetRequiredService<MindstackDbContext>().Set<QueuedJob>().AsNoTracking()
                .Where(j => j.ScheduleName == schedule && j.State == JobState.Done).ToListAsync()),
            list => list.Count >= 3, "three scheduled runs");
        Assert.Equal(jobs.Count, jobs.Select(j => j.ScheduledFor).Distinct().Count());
        Assert.All(jobs, j => Assert.Equal(0, j.ScheduledFor!.Value.Millisecond));

        var schedules = await nodeA.InScopeAsync(sp => sp.GetRequiredService<IJobSchedules>().ListAsync());
        var row = Assert.Single(schedules, s => s.Name == schedule);
        Assert.Equal(RecordingJob.Name, row.Type);
        Assert.True(row.NextRunAt > row.LastRunAt);

        // Every due time ran once across both nodes (runs are at-least-once; here nothing failed).
        var all = await nodeA.InScopeAsync(sp => sp.GetRequiredService<MindstackDbContext>().Set<QueuedJob>()
            .CountAsync(j => j.ScheduleName == schedule && j.State == JobState.Done));
        Assert.InRange(log.Count("tick"), all, all + 2);
    }

    [Fact]
    public async Task Schedules_SetPauseRemove_AtRunTime()
    {
        await using var node = WorkFactory.Node(workers: 0);
        await node.InScopeAsync(async sp =>
        {
            var schedules = sp.GetRequiredService<IJobSchedules>();
            var set = await schedules.SetAsync<RecordingJob>("test.nightly", "30 4 * * 1", new RecordPayload("nightly"));
            Assert.Equal(RecordingJob.Name, set.Type);
            Assert.Equal(DayOfWeek.Monday, set.NextRunAt.DayOfWeek);
            Assert.Equal(new TimeSpan(4, 30, 0), set.NextRunAt.TimeOfDay);

            // Same cron: the timing stands; a new cron restarts it.
            Assert.Equal(set.NextRunAt, (await schedules.SetAsync<RecordingJob>("test.nightly", "30 4 * * 1")).NextRunAt);
            var daily = await schedules.SetAsync<RecordingJob>("test.nightly", "@daily");
            Assert.Equal(TimeSpan.Zero, daily.NextRunAt.TimeOfDay);

            Assert.True(await schedules.SetActiveAsync("test.nightly", false));
            Assert.False((await schedules.ListAsync()).Single(s => s.Name == "test.nightly").Active);
            Assert.True(await schedules.RemoveAsync("test.nightly"));
            Assert.False(await schedules.RemoveAsync("test.nightly"));

            var invalid = await Assert.ThrowsAsync<Problem>(() => schedules.SetAsync<RecordingJob>("bad", "every day"));
            Assert.Equal(ProblemKind.Validation, invalid.Kind);
        });
    }

    [Fact]
    public async Task Shutdown_RunningJob_FinishesBeforeTheHostStops()
    {
        var log = new JobLog();
        await using var owner = WorkFactory.Node(log, workers: 0);
        var node = WorkFactory.Node(log).OnDatabaseOf(owner);
        node.WithServices(s => s.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(20)));
        var id = await node.EnqueueAsync(BlockingJob.Name, new BlockPayload("drain"));
        await log.StartedSignal("drain").Task.WaitAsync(TimeSpan.FromSeconds(30));

        var stopping = node.DisposeAsync().AsTask();
        await Task.Delay(300);
        Assert.False(stopping.IsCompleted, "the host waits for its running job");
        log.ReleaseSignal("drain").TrySetResult();
        await stopping.WaitAsync(TimeSpan.FromSeconds(30));

        var job = await owner.JobAsync(id);
        Assert.Equal(JobState.Done, job!.State);
        Assert.Equal(1, log.Count("drain"));
    }

    [Fact]
    public async Task Shutdown_JobOutlivesTheShutdownTimeout_IsHandedBackUncounted()
    {
        var log = new JobLog();
        await using var owner = WorkFactory.Node(log, workers: 0);
        var node = WorkFactory.Node(log).OnDatabaseOf(owner);
        node.WithServices(s => s.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(1)));
        var id = await node.EnqueueAsync(BlockingJob.Name, new BlockPayload("stuck"));
        await log.StartedSignal("stuck").Task.WaitAsync(TimeSpan.FromSeconds(30));

        await node.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));

        var job = await owner.JobAsync(id);
        Assert.Equal(JobState.Pending, job!.State);
        Assert.Equal(0, job.Attempts);
        Assert.Null(job.LeaseOwner);
        Assert.Equal(0, log.Count("stuck"));
    }
}

public sealed class CronScheduleTests
{
    private static readonly DateTime SundayNight = new(2026, 11, 22, 23, 0, 0, DateTimeKind.Utc);

    [Theory]
    [InlineData("30 4 * * 1", "2026-11-23T04:30:00Z")]
    [InlineData("0 30 4 ? * MON", "2026-11-23T04:30:00Z")]
    [InlineData("*/15 * * * *", "2026-11-22T23:15:00Z")]
    [InlineData("0 0 9 1 * ?", "2026-12-01T09:00:00Z")]
    [InlineData("@hourly", "2026-11-23T00:00:00Z")]
    [InlineData("0 12 * * 0", "2026-11-29T12:00:00Z")]
    [InlineData("0 12 * * 7", "2026-11-29T12:00:00Z")]
    public void NextAfter_UnixAndQuartzForms_InUtc(string cron, string expected)
    {
        var next = CronSchedule.Parse(cron).NextAfter(SundayNight);
        Assert.Equal(DateTime.Parse(expected, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AdjustToUniversal), next);
        Assert.Equal(DateTimeKind.Utc, next!.Value.Kind);
    }

    [Theory]
    [InlineData("")]
    [InlineData("every day")]
    [InlineData("61 * * * *")]
    [InlineData("* * * *")]
    public void Parse_NotCron_IsAValidationProblem(string cron)
    {
        Assert.False(CronSchedule.TryParse(cron, out _));
        var problem = Assert.Throws<Problem>(() => CronSchedule.Parse(cron));
        Assert.Equal("cron", Assert.Single(problem.Errors!).Field);
    }
}
