using Mindstack.Platform.Storage;

namespace Mindstack.Platform.Observability;

/// <summary>The outcome of one component's health probe.</summary>
public sealed record ProbeResult(bool Healthy, string? Detail = null, IReadOnlyDictionary<string, object?>? Data = null);

/// <summary>A component that can say whether it works (database, AI engine, job workers…).</summary>
public interface IHealthProbe
{
    string Name { get; }

    Task<ProbeResult> CheckAsync(CancellationToken cancellationToken);
}

/// <summary>Is the database reachable, and which one is it.</summary>
public sealed class DatabaseHealthProbe(MindstackDbContext db) : IHealthProbe
{
    public const string ProbeName = "database";

    public string Name => ProbeName;

    public async Task<ProbeResult> CheckAsync(CancellationToken cancellationToken)
    {
        try
        {
            var ok = await db.Database.CanConnectAsync(cancellationToken);
            return new ProbeResult(ok, ok ? null : "cannot connect",
                new Dictionary<string, object?> { ["provider"] = db.Provider.ToString().ToLowerInvariant() });
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            return new ProbeResult(false, exception.GetType().Name,
                new Dictionary<string, object?> { ["provider"] = db.Provider.ToString().ToLowerInvariant() });
        }
    }
}

/// <summary>
/// The last database probe result of this node, reused for <see cref="HealthService.DatabaseCacheLifetime"/>
/// by <c>GET /health</c>, so that a monitor polling it hard does not turn into database load.
/// Readiness probes call the probes directly and never see a cached answer.
/// </summary>
public sealed class DatabaseProbeCache
{
    private (ProbeResult Result, DateTimeOffset At)? _last;

    internal ProbeResult? Get(DateTimeOffset now, TimeSpan lifetime) =>
        _last is { } last && now - last.At < lifetime && now >= last.At ? last.Result : null;

    internal void Set(ProbeResult result, DateTimeOffset at) => _last = (result, at);
}

/// <summary>Runs every registered probe.</summary>
public sealed class HealthService(IEnumerable<IHealthProbe> probes, TimeProvider clock, DatabaseProbeCache databaseCache)
{
    public static string Version { get; } =
        typeof(HealthService).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    /// <summary>How long <c>GET /health</c> reuses the database check (the "cached for a second").</summary>
    public static TimeSpan DatabaseCacheLifetime { get; } = TimeSpan.FromSeconds(1);

    public Task<IReadOnlyDictionary<string, ProbeResult>> CheckAllAsync(CancellationToken cancellationToken) =>
        CheckAllAsync(reuseDatabaseCheck: false, cancellationToken);

    /// <param name="reuseDatabaseCheck">Reuse this node's database check of the last second (see <see cref="DatabaseProbeCache"/>).</param>
    public async Task<IReadOnlyDictionary<string, ProbeResult>> CheckAllAsync(bool reuseDatabaseCheck, CancellationToken cancellationToken)
    {
        var results = new Dictionary<string, ProbeResult>(StringComparer.Ordinal);
        foreach (var probe in probes)
        {
            if (probe.Name == DatabaseHealthProbe.ProbeName)
            {
                var now = clock.GetUtcNow();
                if (reuseDatabaseCheck && databaseCache.Get(now, DatabaseCacheLifetime) is { } cached)
                {
                    results[probe.Name] = cached;
                    continue;
                }
                var result = await probe.CheckAsync(cancellationToken);
                databaseCache.Set(result, now);
                results[probe.Name] = result;
                continue;
            }
            results[probe.Name] = await probe.CheckAsync(cancellationToken);
        }
        return results;
    }

    public async Task<HealthSnapshot> SnapshotAsync(CancellationToken cancellationToken)
    {
        var results = await CheckAllAsync(cancellationToken);
        return new HealthSnapshot(results.Values.All(r => r.Healthy), clock.GetUtcNow().UtcDateTime, Version, results);
    }
}

/// <summary>A point-in-time health summary in the shape several APIs share.</summary>
public sealed record HealthSnapshot(bool Healthy, DateTime Timestamp, string Version, IReadOnlyDictionary<string, ProbeResult> Components)
{
    /// <summary>"healthy"/"unhealthy" per component, as the documents show it.</summary>
    public IReadOnlyDictionary<string, string> ServiceStates =>
        Components.ToDictionary(p => p.Key, p => p.Value.Healthy ? "healthy" : "unhealthy");
}
