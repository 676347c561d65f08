using Microsoft.AspNetCore.Http;
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
/// Counts authenticated MindPeeker API requests per account and calendar month (UTC) with the
/// platform's <see cref="IUsageCounters"/>: requests only touch memory; each flush adds the counts
/// to <c>mindpeeker_usage_months</c> with one atomic upsert per (account, month), so several nodes
/// each add their own counts. A crash (kill -9) loses the counts of the last few seconds, by
/// design: counting must never slow a request down. Singleton.
/// </summary>
internal sealed class ApiCallCounter(IUsageCounters counters, TimeProvider clock)
{
    private static readonly CounterTable Months = new("mindpeeker_usage_months", ["account_id", "month"], ["api_calls"]);

    public static string MonthOf(DateTime utc) => utc.ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture);

    public void Count(string accountId) => counters.Add(Months, [accountId, MonthOf(clock.GetUtcNow().UtcDateTime)], 1);

    /// <summary>Calls counted on this node and not yet in the database.</summary>
    public long Pending(string accountId, string month) => counters.Pending(Months, [accountId, month], 0);

    /// <summary>Writes every pending count (the platform's whole batch) now. On failure the counts stay pending.</summary>
    public Task FlushAsync(CancellationToken cancellationToken = default) => counters.FlushAsync(cancellationToken);

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
