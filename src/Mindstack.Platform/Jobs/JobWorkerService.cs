using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mindstack.Platform.Jobs;

/// <summary>
/// The workers inside the server: <see cref="JobsSettings.Workers"/> loops that claim and run jobs,
/// plus one maintenance loop that takes back expired leases and enqueues due schedules. Each loop
/// waits the idle delay between empty looks, or less when this node enqueues something.
/// Shutdown drains: claiming stops at once; running jobs finish within the host's shutdown timeout;
/// ones still running then are cancelled and handed back (pending, the attempt not counted).
/// </summary>
internal sealed class JobWorkerService(
    IServiceScopeFactory scopes,
    JobsSettings settings,
    JobHandlerRegistry registry,
    IEnumerable<RecurringJobRegistration> recurring,
    WorkSignals signals,
    TimeProvider clock,
    ILogger<JobWorkerService> logger) : BackgroundService
{
    private readonly CancellationTokenSource _abort = new();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (settings.Workers <= 0)
        {
            return;
        }
        await Task.Yield();
        logger.LogInformation("Job workers starting: {Workers} on node {Node}", settings.Workers, settings.NodeId);
        var loops = new List<Task> { Task.Run(() => MaintenanceLoopAsync(stoppingToken), CancellationToken.None) };
        for (var i = 0; i < settings.Workers; i++)
        {
            loops.Add(Task.Run(() => WorkLoopAsync(stoppingToken), CancellationToken.None));
        }
        await Task.WhenAll(loops);
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
        base.Dispose();
    }

    private async Task WorkLoopAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var wake = signals.Jobs.Next();
            ClaimedJob? job;
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                // Not cancellable: a claim interrupted after its commit would leave the job leased until it expires.
                job = await scope.ServiceProvider.GetRequiredService<JobStore>().ClaimAsync(registry.Names, CancellationToken.None);
            }
            catch (Exception exception)
            {
                logger.LogWarning(exception, "Claiming a job failed; retrying after the idle delay");
                await PauseAsync(stoppingToken);
                continue;
            }
            if (job is null)
            {
                await IdleAsync(wake, stoppingToken);
                continue;
            }
            await RunAsync(job);
        }
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

    private async Task RunAsync(ClaimedJob job)
    {
        var registration = registry.Find(job.Type)!;
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
            if (!await store.CompleteAsync(job, CancellationToken.None))
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
