using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Mindstack.Platform.Observability;

namespace Mindstack.Platform.Limits;

/// <summary>
/// Refusals and replays since the process started, for <c>/metrics/prometheus</c>: counted here,
/// read by observable instruments of the platform's meter at each scrape.
/// </summary>
internal sealed class LimitsMetrics : IMetricsInstruments
{
    private readonly ConcurrentDictionary<string, long> _refusals = new(StringComparer.Ordinal);
    private long _replays;
    private long _conflicts;
    private long _reused;

    public LimitsMetrics(IMeterFactory meters)
    {
        var meter = MindstackMetrics.CreateMeter(meters);
        meter.CreateObservableCounter("mindstack_rate_limit_refusals_total",
            () => _refusals.OrderBy(p => p.Key, StringComparer.Ordinal)
                .Select(p => new Measurement<long>(p.Value, new KeyValuePair<string, object?>("policy", p.Key))),
            description: "Requests refused by a rate limit, by policy.");
        meter.CreateObservableCounter("mindstack_idempotency_outcomes_total",
            () => new[]
            {
                Outcome("replayed", ref _replays),
                Outcome("in_progress", ref _conflicts),
                Outcome("key_reused", ref _reused),
            },
            description: "Requests with an idempotency key that did not run, by outcome.");
    }

    public void Refused(string policy) => _refusals.AddOrUpdate(policy, 1, static (_, n) => n + 1);

    public void Replayed() => Interlocked.Increment(ref _replays);

    public void Conflicted() => Interlocked.Increment(ref _conflicts);

    public void Reused() => Interlocked.Increment(ref _reused);

    private static Measurement<long> Outcome(string outcome, ref long count) =>
        new(Interlocked.Read(ref count), new KeyValuePair<string, object?>("outcome", outcome));
}
