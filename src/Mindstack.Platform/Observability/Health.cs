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
    public string Name => "database";

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

/// <summary>Runs every registered probe.</summary>
public sealed class HealthService(IEnumerable<IHealthProbe> probes, TimeProvider clock)
{
    public static string Version { get; } =
        typeof(HealthService).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    public async Task<IReadOnlyDictionary<string, ProbeResult>> CheckAllAsync(CancellationToken cancellationToken)
    {
        var results = new Dictionary<string, ProbeResult>(StringComparer.Ordinal);
        foreach (var probe in probes)
        {
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
