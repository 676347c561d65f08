using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Mindstack.Platform.Observability;
using Mindstack.Platform.Storage;
using Npgsql;

namespace Mindstack.Platform.Jobs;

/// <summary>
/// The workers inside the server: one claim loop that takes up to <see cref="JobsSettings.BatchSize"/>
/// due jobs per round trip (never more than free workers) and runs up to
/// <see cref="JobsSettings.Workers"/> at once; one completion loop that marks finished jobs done in
/// batches (a worker whose handler returned takes its next job meanwhile); one maintenance loop
/// that takes back expired leases and enqueues due schedules; and on PostgreSQL one listener that
/// wakes the claim loop or the event dispatcher when any node commits new jobs or events. The
/// claim loop waits the idle delay between empty looks, or less when new jobs are announced.
/// Shutdown drains: claiming stops at once; running jobs finish within the host's shutdown timeout;
/// ones still running then are cancelled and handed back (pending, the attempt not counted).
/// </summary>
internal sealed class JobWorkerService(
    IServiceScopeFactory scopes,
    JobsSettings settings,
    JobHandlerRegistry registry,
    IEnumerable<RecurringJobRegistration> recurring,
    WorkSignals signals,
    DatabaseSettings database,
    TimeProvider clock,
    ILogger<JobWorkerService> logger) : BackgroundService
{
    private const int MaxCompletionBatch = 200;
    private static readonly TimeSpan ListenIdleCheck = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan ListenMaxBackoff = TimeSpan.FromSeconds(30);

    private readonly CancellationTokenSource _abort = new();

    // SQLite has one writer: the claim and completion loops take turns here (an async wait that
    // holds no thread) rather than meet at the file lock, where the loser's thread sleeps.
    private readonly SemaphoreSlim _queueWrites = new(1, 1);

    private readonly Channel<PendingCompletion> _completions =
        Channel.CreateUnbounded<PendingCompletion>(new UnboundedChannelOptions { SingleReader = true });

    private sealed record PendingCompletion(ClaimedJob Job, TaskCompletionSource<bool> Done);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (settings.Workers <= 0)
        {
            return;
        }
        await Task.Yield();
        logger.LogInformation("Job workers starting: {Workers} on node {Node}", settings.Workers, settings.NodeId);
        var completer = Task.Run(CompletionLoopAsync, CancellationToken.None);
        var loops = new List<Task>
        {
            Task.Run(() => MaintenanceLoopAsync(stoppingToken), CancellationToken.None),
            Task.Run(async () =>
            {
                try
                {
                    await ClaimLoopAsync(stoppingToken);
                }
                finally
                {
                    // Every job has finished: nothing more will be completed.
                    _completions.Writer.TryComplete();
                }
            }, CancellationToken.None),
        };
        if (database.Provider == DatabaseProvider.Postgres)
        {
            loops.Add(Task.Run(() => ListenLoopAsync(stoppingToken), CancellationToken.None));
        }
        await Task.WhenAll(loops);
        await completer;
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        using var registration = cancellationToken.Register(_abort.Cancel);
        await base.StopAsync(cancellationToken);
        if (cancellationToken.IsCancellationRequested)
        {
            // The host's shutdown timeout ran out (the registration above may not have run yet:
            // the host's own callback can resume us first): running handlers are told to stop.
            await _abort.CancelAsync();
        }
        if (ExecuteTask is { IsCompleted: false } running)
        {
            // Give cancelled handlers a moment to return so their leases are handed back.
            await Task.WhenAny(running, Task.Delay(TimeSpan.FromSeconds(5), CancellationToken.None));
        }
    }

    public override void Dispose()
    {
        _abort.Dispose();
        _queueWrites.Dispose();
        base.Dispose();
    }

    private async Task ClaimLoopAsync(CancellationToken stoppingToken)
    {
        using var free = new SemaphoreSlim(settings.Workers, settings.Workers);
        var running = new HashSet<Task>();
        while (!stoppingToken.IsCancellationRequested)
        {
            var wake = signals.Jobs.Next();
            try
            {
                await free.WaitAsync(stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            // Claim for every worker that is free now, up to the batch size, so no claimed job waits.
            var wanted = 1;
            while (wanted < settings.BatchSize && free.Wait(0))
            {
                wanted++;
            }
            IReadOnlyList<ClaimedJob> jobs;
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                // Not cancellable: a claim interrupted after its commit would leave the jobs leased until they expire.
                var store = scope.ServiceProvider.GetRequiredService<JobStore>();
                jobs = await TakingTurnsAsync(() =>
                {
                    // Slots freed while this claim waited for its turn join it.
                    while (wanted < settings.BatchSize && free.Wait(0))
                    {
                        wanted++;
                    }
                    return store.ClaimBatchAsync(registry.Names, wanted, CancellationToken.None);
                });
            }
            catch (Exception exception)
            {
                free.Release(wanted);
                logger.LogWarning(exception, "Claiming jobs failed; retrying after the idle delay");
                await PauseAsync(stoppingToken);
                continue;
            }
            if (jobs.Count < wanted)
            {
                free.Release(wanted - jobs.Count);
            }
            running.RemoveWhere(t => t.IsCompleted);
            foreach (var job in jobs)
            {
                running.Add(Task.Run(async () =>
                {
                    var released = 0;
                    void Release()
                    {
                        if (Interlocked.Exchange(ref released, 1) == 0)
                        {
                            free.Release();
                        }
                    }
                    try
                    {
                        await RunAsync(job, Release);
                    }
                    finally
                    {
                        Release();
                    }
                }, CancellationToken.None));
            }
            if (jobs.Count < wanted)
            {
                // The queue had no more due jobs: wait for new ones (or a poll).
                await IdleAsync(wake, stoppingToken);
            }
        }
        await Task.WhenAll(running);
    }

    private async Task IdleAsync(Task wake, CancellationToken stoppingToken)
    {
        try
        {
            await WakeUp.WaitAsync(wake, settings.IdleDelay, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <param name="release">Frees the job's worker slot; called once its handler is done and only the batched completion is left.</param>
    private async Task RunAsync(ClaimedJob job, Action release)
    {
        var registration = registry.Find(job.Type)!;
        // The job joins the trace it was enqueued under; what it enqueues, publishes or sends joins it too.
        using var activity = MindstackTelemetry.StartChildOf(MindstackTelemetry.Jobs, job.Type, job.Traceparent);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("mindstack.job.id", job.Id);
            activity.SetTag("mindstack.job.attempt", job.Attempt);
        }
        await using var scope = scopes.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<JobStore>();
        using var timeout = new CancellationTokenSource(registration.Options.Timeout);
        using var leaseLost = new CancellationTokenSource();
        using var running = CancellationTokenSource.CreateLinkedTokenSource(_abort.Token, timeout.Token, leaseLost.Token);
        using var stopRenewing = new CancellationTokenSource();
        var renewal = RenewWhileRunningAsync(job, leaseLost, stopRenewing.Token);
        try
        {
            var handler = (IJobHandler)scope.ServiceProvider.GetRequiredService(registration.HandlerType);
            var context = new JobContext(job.Id, job.Type, job.Payload, job.Attempt, job.MaxAttempts, settings.NodeId);
            await handler.ExecuteAsync(context, running.Token);
            await StopAsync(stopRenewing, renewal);
            // Unsaved changes must commit with the job in one transaction; otherwise the job joins a batch.
            // A context the handler never used has none (and asking would set it up for nothing).
            var db = scope.ServiceProvider.GetRequiredService<MindstackDbContext>();
            bool completed;
            if (db.IsInitialized && db.ChangeTracker.HasChanges())
            {
                completed = await store.CompleteAsync(job, CancellationToken.None);
            }
            else
            {
                var batched = CompleteInBatchAsync(job);
                // The handler is done: its slot takes the next job while the batch commits, so the
                // claim loop does not wait a completion round trip for every batch of jobs.
                release();
                completed = await batched;
            }
            if (!completed)
            {
                logger.LogWarning("Job {JobId} ({Type}) finished after its lease was lost; another node owns it now", job.Id, job.Type);
            }
        }
        catch (Exception exception) when (leaseLost.IsCancellationRequested)
        {
            await StopAsync(stopRenewing, renewal);
            logger.LogWarning(exception, "Job {JobId} ({Type}) lost its lease while running and was abandoned", job.Id, job.Type);
        }
        catch (OperationCanceledException) when (_abort.IsCancellationRequested && !timeout.IsCancellationRequested)
        {
            await StopAsync(stopRenewing, renewal);
            await HandBackAsync(job);
        }
        catch (Exception exception)
        {
            activity?.SetStatus(ActivityStatusCode.Error, exception.Message);
            await StopAsync(stopRenewing, renewal);
            await FailAsync(scope, store, job, registration, exception, timeout.IsCancellationRequested);
        }
    }

    private async Task FailAsync(AsyncServiceScope scope, JobStore store, ClaimedJob job, JobHandlerRegistration registration,
        Exception exception, bool timedOut)
    {
        var permanent = exception is PermanentJobFailureException;
        var error = timedOut
            ? $"timed out after {registration.Options.Timeout.TotalSeconds:0.#} s"
            : permanent ? exception.Message : $"{exception.GetType().Name}: {exception.Message}";
        DateTime? retryAt = permanent || job.Attempt >= job.MaxAttempts
            ? null
            : clock.GetUtcNow().UtcDateTime + settings.RetryDelay(registration.Options.Backoff(job.Attempt));
        // Whatever the handler left unsaved belongs to the failed attempt.
        scope.ServiceProvider.GetRequiredService<Storage.MindstackDbContext>().ChangeTracker.Clear();
        try
        {
            await store.FailAsync(job, error, retryAt, CancellationToken.None);
        }
        catch (Exception storeFailure)
        {
            logger.LogError(storeFailure, "Recording the failure of job {JobId} failed; its lease will expire and it will run again", job.Id);
            return;
        }
        if (retryAt is null)
        {
            logger.LogError(exception, "Job {JobId} ({Type}) is dead after attempt {Attempt}: {Error}", job.Id, job.Type, job.Attempt, error);
        }
        else
        {
            logger.LogWarning("Job {JobId} ({Type}) attempt {Attempt} failed, retrying at {RetryAt:O}: {Error}", job.Id, job.Type, job.Attempt, retryAt, error);
        }
    }

    private async Task HandBackAsync(ClaimedJob job)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<JobStore>().ReleaseAsync(job, CancellationToken.None);
            logger.LogInformation("Job {JobId} ({Type}) was still running at shutdown and was handed back", job.Id, job.Type);
        }
        catch (Exception exception)
        {
            logger.LogWarning(exception, "Handing back job {JobId} failed; its lease will expire instead", job.Id);
        }
    }

    private async Task RenewWhileRunningAsync(ClaimedJob job, CancellationTokenSource leaseLost, CancellationToken stop)
    {
        using var timer = new PeriodicTimer(settings.RenewEvery);
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                try
                {
                    await using var scope = scopes.CreateAsyncScope();
                    if (!await scope.ServiceProvider.GetRequiredService<JobStore>().RenewAsync(job, CancellationToken.None))
                    {
                        await leaseLost.CancelAsync();
                        return;
                    }
                }
                catch (Exception exception)
                {
                    // One failed renewal is not a lost lease; the next tick tries again.
                    logger.LogWarning(exception, "Renewing the lease of job {JobId} failed", job.Id);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task<T> TakingTurnsAsync<T>(Func<Task<T>> write)
    {
        if (database.Provider != DatabaseProvider.Sqlite)
        {
            return await write();
        }
        await _queueWrites.WaitAsync(CancellationToken.None);
        try
        {
            return await write();
        }
        finally
        {
            _queueWrites.Release();
        }
    }

    private Task<bool> CompleteInBatchAsync(ClaimedJob job)
    {
        var pending = new PendingCompletion(job, new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_completions.Writer.TryWrite(pending))
        {
            throw new InvalidOperationException("The completion loop has stopped.");
        }
        return pending.Done.Task;
    }

    /// <summary>
    /// Marks finished jobs done: whatever finished while the previous statement ran goes in the
    /// next one, so a busy node writes one statement for many jobs. Runs until every job is done.
    /// </summary>
    private async Task CompletionLoopAsync()
    {
        var batch = new List<PendingCompletion>();
        while (await _completions.Reader.WaitToReadAsync(CancellationToken.None))
        {
            batch.Clear();
            while (batch.Count < Math.Max(settings.BatchSize, MaxCompletionBatch) && _completions.Reader.TryRead(out var pending))
            {
                batch.Add(pending);
            }
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var store = scope.ServiceProvider.GetRequiredService<JobStore>();
                var done = await TakingTurnsAsync(() => store.CompleteBatchAsync([.. batch.Select(p => p.Job)], CancellationToken.None));
                foreach (var pending in batch)
                {
                    pending.Done.TrySetResult(done.Contains(pending.Job.Id));
                }
            }
            catch (Exception exception)
            {
                // Each worker records its job as failed (it will run again), as a failed single completion would.
                foreach (var pending in batch)
                {
                    pending.Done.TrySetException(exception);
                }
            }
        }
    }

    /// <summary>
    /// PostgreSQL: LISTENs for <see cref="JobsNotifier"/>'s notifications from other nodes and wakes
    /// the claim loop (new jobs) or the event dispatcher (new events); reconnects with backoff.
    /// While it is down, polling still finds the work.
    /// </summary>
    private async Task ListenLoopAsync(CancellationToken stoppingToken)
    {
        var backoff = TimeSpan.FromMilliseconds(500);
        var connectionString = new NpgsqlConnectionStringBuilder(database.ConnectionString)
        {
            // A LISTENing connection must never go back to a pool (its reset would UNLISTEN).
            Pooling = false,
            ApplicationName = JobsNotifier.ListenerApplicationName,
        }.ToString();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(connectionString);
                await connection.OpenAsync(stoppingToken);
                connection.Notification += (_, e) =>
                {
                    if (e.Payload != settings.NodeId)
                    {
                        (e.Channel == JobsNotifier.EventsChannel ? signals.Events : signals.Jobs).Pulse();
                    }
                };
                await using (var listen = new NpgsqlCommand($"LISTEN \"{JobsNotifier.Channel}\"; LISTEN \"{JobsNotifier.EventsChannel}\"", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }
                // Work announced while this node was not listening: look now.
                signals.Jobs.Pulse();
                signals.Events.Pulse();
                backoff = TimeSpan.FromMilliseconds(500);
                while (!stoppingToken.IsCancellationRequested)
                {
                    if (!await connection.WaitAsync(ListenIdleCheck, stoppingToken))
                    {
                        await using var ping = new NpgsqlCommand("SELECT 1", connection);
                        await ping.ExecuteScalarAsync(stoppingToken);
                    }
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception)
            {
                logger.LogWarning(exception, "Job listener lost PostgreSQL; reconnecting in {Delay} ms", backoff.TotalMilliseconds);
                try
                {
                    await Task.Delay(backoff, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, ListenMaxBackoff.Ticks));
            }
        }
    }

    private async Task PauseAsync(CancellationToken stoppingToken)
    {
        try
        {
            await Task.Delay(settings.IdleDelay, stoppingToken);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static async Task StopAsync(CancellationTokenSource stopRenewing, Task renewal)
    {
        await stopRenewing.CancelAsync();
        await renewal;
    }

    private async Task MaintenanceLoopAsync(CancellationToken stoppingToken)
    {
        var schedulesWritten = false;
        var reclaimEvery = TimeSpan.FromTicks(Math.Min(settings.Lease.Ticks / 2, TimeSpan.FromSeconds(5).Ticks));
        var nextReclaim = DateTime.MinValue;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var services = scope.ServiceProvider;
                if (!schedulesWritten)
                {
                    var schedules = services.GetRequiredService<JobSchedules>();
                    foreach (var schedule in recurring)
                    {
                        await schedules.UpsertAsync(schedule, stoppingToken);
                    }
                    schedulesWritten = true;
                }
                if (DateTime.UtcNow >= nextReclaim)
                {
                    var reclaimed = await services.GetRequiredService<JobStore>().ReclaimExpiredAsync(stoppingToken);
                    if (reclaimed > 0)
                    {
                        logger.LogWarning("Took back {Count} job(s) whose lease expired", reclaimed);
                        signals.Jobs.Pulse();
                    }
                    nextReclaim = DateTime.UtcNow + reclaimEvery;
                }
                await services.GetRequiredService<JobSchedules>().EnqueueDueAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception)
            {
                logger.LogWarning(exception, "Job maintenance failed; retrying after the idle delay");
            }
            await PauseAsync(stoppingToken);
        }
    }
}
