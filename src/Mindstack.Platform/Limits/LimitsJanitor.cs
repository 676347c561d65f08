using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Mindstack.Platform.Limits;

/// <summary>
/// Deletes idempotency keys past their retention and rate-limit counters whose windows ended,
/// every <see cref="LimitsOptions.PurgeInterval"/>. Every node runs it; the deletes are
/// idempotent, so several nodes purging at once only repeat each other.
/// </summary>
internal sealed class LimitsJanitor(
    IRateCounterStore counters,
    IdempotencyStore idempotency,
    TimeProvider clock,
    IOptions<LimitsOptions> options,
    ILogger<LimitsJanitor> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.PurgeInterval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await PurgeAsync(stoppingToken);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                logger.LogWarning(exception, "Purging expired rate-limit counters and idempotency keys failed; will retry");
            }
        }
    }

    /// <summary>One purge, as of the clock's now: (counters removed, idempotency keys removed).</summary>
    public async Task<(int Counters, int IdempotencyKeys)> PurgeAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var removedCounters = await counters.PurgeAsync(now, cancellationToken);
        var removedKeys = await idempotency.PurgeAsync(now, cancellationToken);
        if (removedCounters + removedKeys > 0)
        {
            logger.LogDebug("Purged {Counters} rate-limit counters and {Keys} idempotency keys", removedCounters, removedKeys);
        }
        return (removedCounters, removedKeys);
    }
}
