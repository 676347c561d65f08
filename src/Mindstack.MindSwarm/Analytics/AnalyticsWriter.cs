using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Mindstack.Platform.Http;
using Mindstack.Platform.Storage;

namespace Mindstack.MindSwarm.Analytics;

/// <summary>
/// <c>Mindstack:MindSwarm:Analytics:*</c>: tracked events wait in a bounded queue of
/// <c>QueueCapacity</c> and are written <c>BatchSize</c> at a time, or every <c>FlushInterval</c>,
/// one transaction per batch.
/// </summary>
public sealed class AnalyticsOptions
{
    public const string Section = "Mindstack:MindSwarm:Analytics";

    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromMilliseconds(500);
    public int BatchSize { get; set; } = 500;
    public int QueueCapacity { get; set; } = 10_000;
}

internal sealed class AnalyticsOptionsValidator : IValidateOptions<AnalyticsOptions>
{
    public ValidateOptionsResult Validate(string? name, AnalyticsOptions options)
    {
        var failures = new List<string>();
        if (options.FlushInterval <= TimeSpan.Zero || options.FlushInterval > TimeSpan.FromMinutes(1))
        {
            failures.Add($"{AnalyticsOptions.Section}:FlushInterval must be more than zero and at most one minute");
        }
        if (options.BatchSize is < 1 or > 5000)
        {
            failures.Add($"{AnalyticsOptions.Section}:BatchSize must be 1-5000");
        }
        if (options.QueueCapacity < options.BatchSize)
        {
            failures.Add($"{AnalyticsOptions.Section}:QueueCapacity must be at least BatchSize");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>The bounded in-memory queue between the track endpoint and <see cref="AnalyticsWriter"/>; a full queue makes callers wait.</summary>
internal sealed class AnalyticsQueue(IOptions<AnalyticsOptions> options)
{
    private readonly Channel<AnalyticsEventRow> _channel = Channel.CreateBounded<AnalyticsEventRow>(
        new BoundedChannelOptions(options.Value.QueueCapacity) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true });

    public ChannelReader<AnalyticsEventRow> Reader => _channel.Reader;

    public async ValueTask EnqueueAsync(AnalyticsEventRow row, CancellationToken ct)
    {
        try
        {
            await _channel.Writer.WriteAsync(row, ct);
        }
        catch (ChannelClosedException)
        {
            throw Problem.Unavailable("The server is shutting down; try again", "SHUTTING_DOWN");
        }
    }

    /// <summary>No more events; the writer drains what is queued and stops.</summary>
    public void Complete() => _channel.Writer.TryComplete();
}

/// <summary>
/// Drains <see cref="AnalyticsQueue"/> into the database in batches (one transaction each), so a
/// burst of tracking costs a few commits, not one per event. On shutdown the queue is closed and
/// everything in it is written before the host stops.
/// </summary>
internal sealed class AnalyticsWriter(AnalyticsQueue queue, IServiceScopeFactory scopes, IOptions<AnalyticsOptions> options,
    ILogger<AnalyticsWriter> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        var reader = queue.Reader;
        // Not the stopping token: the loop ends when the queue is completed and empty, so a shutdown flushes.
        while (await reader.WaitToReadAsync(CancellationToken.None))
        {
            var batch = new List<AnalyticsEventRow>(Math.Min(settings.BatchSize, 64));
            var started = Stopwatch.StartNew();
            while (batch.Count < settings.BatchSize)
            {
                while (batch.Count < settings.BatchSize && reader.TryRead(out var row))
                {
                    batch.Add(row);
                }
                var left = settings.FlushInterval - started.Elapsed;
                if (batch.Count >= settings.BatchSize || left <= TimeSpan.Zero || stoppingToken.IsCancellationRequested)
                {
                    break;
                }
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                wait.CancelAfter(left);
                try
                {
                    if (!await reader.WaitToReadAsync(wait.Token))
                    {
                        break;
                    }
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
            await WriteAsync(batch);
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        queue.Complete();
        await base.StopAsync(cancellationToken);
    }

    private async Task WriteAsync(List<AnalyticsEventRow> batch)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<MindstackDbContext>();
                await using var transaction = await db.Database.BeginTransactionAsync();
                db.AddRange(batch);
                await db.SaveChangesAsync();
                await transaction.CommitAsync();
                return;
            }
            catch (Exception exception) when (attempt < 3)
            {
                logger.LogWarning(exception, "Writing {Count} analytics events failed (attempt {Attempt}); retrying", batch.Count, attempt);
                await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt));
            }
            catch (Exception exception)
            {
                // Analytics are best effort past this point; the request that tracked them has long answered.
                logger.LogError(exception, "Dropped {Count} analytics events after 3 attempts", batch.Count);
                return;
            }
        }
    }
}
