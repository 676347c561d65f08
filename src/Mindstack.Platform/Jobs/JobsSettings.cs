using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Mindstack.Platform.Jobs;

/// <summary>
/// How this node takes part in the job queue, from <c>Mindstack:Jobs:*</c>:
/// <c>Workers</c> (default 2; 0 = this node only serves HTTP and runs no background work),
/// <c>LeaseSeconds</c> (default 30: how long a claimed job stays with its node without a renewal),
/// <c>PollMilliseconds</c> (default 1000: the idle delay between looks at the queue),
/// <c>NodeId</c> (default host-pid-random) and <c>RetainDays</c> (default 7: finished jobs and
/// dispatched events are deleted after this).
/// </summary>
public sealed class JobsSettings
{
    public int Workers { get; init; } = 2;

    public TimeSpan Lease { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan IdleDelay { get; init; } = TimeSpan.FromSeconds(1);

    public string NodeId { get; init; } = DefaultNodeId();

    public TimeSpan Retention { get; init; } = TimeSpan.FromDays(7);

    /// <summary>How often a running job's lease is renewed: a third of its length.</summary>
    public TimeSpan RenewEvery => Lease / 3;

    public static JobsSettings FromConfiguration(IConfiguration configuration)
    {
        var section = configuration.GetSection("Mindstack:Jobs");
        var defaults = new JobsSettings();
        return new JobsSettings
        {
            Workers = Math.Max(0, Int(section["Workers"]) ?? defaults.Workers),
            Lease = TimeSpan.FromSeconds(Math.Max(1, Double(section["LeaseSeconds"]) ?? defaults.Lease.TotalSeconds)),
            IdleDelay = TimeSpan.FromMilliseconds(Math.Max(10, Double(section["PollMilliseconds"]) ?? defaults.IdleDelay.TotalMilliseconds)),
            NodeId = section["NodeId"] is { Length: > 0 } node ? node : defaults.NodeId,
            Retention = TimeSpan.FromDays(Math.Max(0, Double(section["RetainDays"]) ?? defaults.Retention.TotalDays)),
        };
    }

    private static int? Int(string? value) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) ? parsed : null;

    private static double? Double(string? value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) ? parsed : null;

    private static string DefaultNodeId() =>
        $"{Environment.MachineName}-{Environment.ProcessId}-{Random.Shared.Next(0x10000):x4}";
}
