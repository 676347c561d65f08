using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Mindstack.Platform.Access;
using Mindstack.Platform.Storage;

namespace Mindstack.MindPeeker.Usage;

/// <summary>One account's MindPeeker API calls in one calendar month (UTC), summed over every node.</summary>
internal sealed class UsageMonth
{
    public string AccountId { get; set; } = "";

    /// <summary><c>yyyy-MM</c>, UTC.</summary>
    public string Month { get; set; } = "";

    public long ApiCalls { get; set; }
}

/// <summary>
/// Counts authenticated MindPeeker API requests per account and calendar month (UTC). Requests only
/// touch memory; <see cref="FlushAsync"/> adds the counts to <c>mindpeeker_usage_months</c> with one
/// atomic upsert per (account, month), so several nodes each add their own counts. The
/// <see cref="ApiCallFlusher"/> flushes every few seconds and on shutdown: a crash (kill -9) loses
/// the counts of the last few seconds, by design — counting must never slow a request down.
/// Singleton.
/// </summary>
internal sealed class ApiCallCounter(IServiceScopeFactory scopes, TimeProvider clock)
{
    private readonly Lock _gate = new();
    private Dictionary<(string AccountId, string Month), long> _pending = [];
    // Counts taken by a flush that is still writing them: still visible to Pending() until written.
    private Dictionary<(string AccountId, string Month), long> _flushing = [];
    private readonly SemaphoreSlim _flushOne = new(1, 1);

    public static string MonthOf(DateTime utc) => utc.ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture);

    public void Count(string accountId)
    {
        var key = (accountId, MonthOf(clock.GetUtcNow().UtcDateTime));
        lock (_gate)
        {
            _pending[key] = _pending.GetValueOrDefault(key) + 1;
        }
    }

    /// <summary>Calls counted on this node and not yet in the database.</summary>
    public long Pending(string accountId, string month)
    {
        lock (_gate)
        {
            return _pending.GetValueOrDefault((accountId, month)) + _flushing.GetValueOrDefault((accountId, month));
        }
    }

    /// <summary>Adds every pending count to the table. On failure the counts stay pending for the next flush.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        await _flushOne.WaitAsync(cancellationToken);
        try
        {
            Dictionary<(string AccountId, string Month), long> batch;
            lock (_gate)
            {
                if (_pending.Count == 0)
                {
                    return;
                }
                batch = _pending;
                _flushing = batch;
                _pending = [];
            }
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<MindstackDbContext>();
                foreach (var ((accountId, month), calls) in batch)
                {
                    // ON CONFLICT … DO UPDATE is the same statement on SQLite (3.24+) and PostgreSQL: atomic across nodes.
                    await db.Database.ExecuteSqlInterpolatedAsync($"""
                        INSERT INTO mindpeeker_usage_months (account_id, month, api_calls) VALUES ({accountId}, {month}, {calls})
                        ON CONFLICT (account_id, month) DO UPDATE SET api_calls = mindpeeker_usage_months.api_calls + excluded.api_calls
                        """, cancellationToken);
                    batch.Remove((accountId, month));
                }
            }
            finally
            {
                lock (_gate)
                {
                    // Whatever was not written goes back to pending.
                    foreach (var (key, calls) in batch)
                    {
                        _pending[key] = _pending.GetValueOrDefault(key) + calls;
                    }
                    _flushing = [];
                }
            }
        }
        finally
        {
            _flushOne.Release();
        }
    }

    /// <summary>
    /// Endpoint filter for the signed-in routes: counts the request once the caller is known (it runs
    /// after <c>RequireCaller</c>, so unauthenticated requests are not counted; rate-limited ones are).
    /// </summary>
    public static ValueTask<object?> CountFilter(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next)
    {
        if (invocation.HttpContext.PeekCaller() is { } caller)
        {
            invocation.HttpContext.RequestServices.GetRequiredService<ApiCallCounter>().Count(caller.AccountId);
        }
        return next(invocation);
    }
}

/// <summary>Flushes the <see cref="ApiCallCounter"/> every <see cref="MindPeekerOptions.UsageFlush"/> and once more on shutdown.</summary>
internal sealed class ApiCallFlusher(ApiCallCounter counter, IOptions<MindPeekerOptions> options, ILogger<ApiCallFlusher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.UsageFlush);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await FlushLoggedAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await FlushLoggedAsync(cancellationToken);
    }

    private async Task FlushLoggedAsync(CancellationToken cancellationToken)
    {
        try
        {
            await counter.FlushAsync(cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // The counts stay pending; the next flush retries them.
            logger.LogWarning(exception, "Could not flush MindPeeker API call counts");
        }
    }
}
