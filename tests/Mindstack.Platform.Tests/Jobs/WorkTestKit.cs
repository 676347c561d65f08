using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Mindstack.Platform.Events;
using Mindstack.Platform.Jobs;
using Mindstack.Platform.Storage;

namespace Mindstack.Platform.Tests.Jobs;

/// <summary>What the test handlers did, shared by every host a test starts.</summary>
public sealed class JobLog
{
    public ConcurrentQueue<JobRun> Runs { get; } = new();

    public int Count(string key) => Runs.Count(r => r.Key == key);

    public ConcurrentDictionary<string, TaskCompletionSource> Started { get; } = new();

    public ConcurrentDictionary<string, TaskCompletionSource> Release { get; } = new();

    public TaskCompletionSource StartedSignal(string key) =>
        Started.GetOrAdd(key, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    public TaskCompletionSource ReleaseSignal(string key) =>
        Release.GetOrAdd(key, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
}

public sealed record JobRun(string Key, int Attempt, string Node, DateTime At);

public sealed record RecordPayload(string Key, int FailTimes = 0, bool Permanent = false, string? PublishEventFor = null);

/// <summary>Records each run; fails its first <c>FailTimes</c> attempts; can leave an outbox event unsaved.</summary>
public sealed class RecordingJob(JobLog log, TimeProvider clock, IEventOutbox outbox) : JobHandler<RecordPayload>
{
    public const string Name = "test.record";

    public override Task ExecuteAsync(RecordPayload payload, JobContext job, CancellationToken cancellationToken)
    {
        log.Runs.Enqueue(new JobRun(payload.Key, job.Attempt, job.NodeId, clock.GetUtcNow().UtcDateTime));
        if (payload.Permanent)
        {
            throw new PermanentJobFailureException($"cannot ever do {payload.Key}");
        }
        if (job.Attempt <= payload.FailTimes)
        {
            throw new InvalidOperationException($"boom {job.Attempt}");
        }
        if (payload.PublishEventFor is { } aggregate)
        {
            // Left unsaved on purpose: the worker saves it with the job's completion.
            outbox.Publish(new NewEvent("test.done", "test", aggregate));
        }
        return Task.CompletedTask;
    }
}

public sealed record BlockPayload(string Key, bool HonorCancellation = true);

/// <summary>Signals that it started, then waits for the test to release it (or for cancellation).</summary>
public sealed class BlockingJob(JobLog log) : JobHandler<BlockPayload>
{
    public const string Name = "test.block";

    public override async Task ExecuteAsync(BlockPayload payload, JobContext job, CancellationToken cancellationToken)
    {
        log.StartedSignal(payload.Key).TrySetResult();
        var release = log.ReleaseSignal(payload.Key).Task;
        await (payload.HonorCancellation ? release.WaitAsync(cancellationToken) : release);
        log.Runs.Enqueue(new JobRun(payload.Key, job.Attempt, job.NodeId, DateTime.UtcNow));
    }
}

/// <summary>The server with fast polling, a movable clock and the test job handlers.</summary>
public class WorkFactory : PlatformFactory
{
    public WorkFactory()
        : this(null, null, 2)
    {
    }

    /// <summary>A server sharing a log and clock with others (a second node), with its own worker count.</summary>
    public static WorkFactory Node(JobLog? log = null, ShiftingClock? clock = null, int workers = 2) => new(log, clock, workers);

    protected WorkFactory(JobLog? log, ShiftingClock? clock, int workers)
    {
        Log = log ?? new JobLog();
        Clock = clock ?? new ShiftingClock();
        WithSetting("Mindstack:Jobs:PollMilliseconds", "100");
        WithSetting("Mindstack:Jobs:Workers", workers.ToString(System.Globalization.CultureInfo.InvariantCulture));
        WithServices(s =>
        {
            s.AddSingleton<TimeProvider>(Clock);
            s.AddSingleton(Log);
            s.AddJobHandler<RecordingJob>(RecordingJob.Name, o => o.MaxAttempts = 3);
            s.AddJobHandler<BlockingJob>(BlockingJob.Name);
            if (Environment.GetEnvironmentVariable("MINDSTACK_TEST_LOG") is { Length: > 0 } logFile)
            {
                s.AddSingleton<Microsoft.Extensions.Logging.ILoggerProvider>(new FileLoggerProvider(logFile));
            }
        });
    }

    public JobLog Log { get; }

    public ShiftingClock Clock { get; }

    /// <summary>Points this server at another factory's database (a second node, or a restart).</summary>
    public WorkFactory OnDatabaseOf(PlatformFactory other)
    {
        WithSetting("data", other.Database.DataDirectory);
        WithSetting("Mindstack:Database", other.Database.PostgresConnectionString ?? "");
        return this;
    }

    public async Task<T> InScopeAsync<T>(Func<IServiceProvider, Task<T>> work)
    {
        await using var scope = Services.CreateAsyncScope();
        return await work(scope.ServiceProvider);
    }

    public Task InScopeAsync(Func<IServiceProvider, Task> work) =>
        InScopeAsync<bool>(async sp =>
        {
            await work(sp);
            return true;
        });

    /// <summary>Enqueues and commits one job, as a caller's transaction would.</summary>
    public Task<string> EnqueueAsync(string type, object payload, JobOptions? options = null) =>
        InScopeAsync(async sp =>
        {
            var id = sp.GetRequiredService<IJobQueue>().Enqueue(type, payload, options);
            await sp.GetRequiredService<MindstackDbContext>().SaveChangesAsync();
            return id;
        });

    public Task<JobSummary?> JobAsync(string id) =>
        InScopeAsync(sp => sp.GetRequiredService<JobAdmin>().FindAsync(id));

    public Task<JobSummary> JobInStateAsync(string id, JobState state, TimeSpan? timeout = null) =>
        Eventually.UntilAsync(async () => (await JobAsync(id))!, j => j.State == state, $"job {id} to be {state}", timeout);
}

/// <summary>
/// Set <c>MINDSTACK_TEST_LOG=/path/file</c> to have the test servers' logs (Information and up)
/// appended to a file, for looking into a failing test.
/// </summary>
internal sealed class FileLoggerProvider(string path) : Microsoft.Extensions.Logging.ILoggerProvider
{
    private static readonly Lock Gate = new();

    public Microsoft.Extensions.Logging.ILogger CreateLogger(string categoryName) => new FileLogger(path, categoryName);

    public void Dispose()
    {
    }

    private sealed class FileLogger(string path, string category) : Microsoft.Extensions.Logging.ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => logLevel >= Microsoft.Extensions.Logging.LogLevel.Information;

        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state,
            Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }
            lock (Gate)
            {
                File.AppendAllText(path, $"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel} {category}: {formatter(state, exception)} {exception}\n");
            }
        }
    }
}
