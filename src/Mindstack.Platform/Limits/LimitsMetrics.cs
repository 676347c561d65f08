using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Mindstack.Platform.Observability;

namespace Mindstack.Platform.Limits;

/// <summary>Refusals and replays since the process started, for <c>/metrics/prometheus</c>.</summary>
internal sealed class LimitsMetrics : IMetricsSource
{
    private readonly ConcurrentDictionary<string, long> _refusals = new(StringComparer.Ordinal);
    private long _replays;
    private long _conflicts;
    private long _reused;

    public void Refused(string policy) => _refusals.AddOrUpdate(policy, 1, static (_, n) => n + 1);

    public void Replayed() => Interlocked.Increment(ref _replays);

    public void Conflicted() => Interlocked.Increment(ref _conflicts);

    public void Reused() => Interlocked.Increment(ref _reused);

    public Task WriteAsync(StringBuilder output, CancellationToken cancellationToken)
    {
        output.AppendLine("# HELP mindstack_rate_limit_refusals_total Requests refused by a rate limit, by policy.");
        output.AppendLine("# TYPE mindstack_rate_limit_refusals_total counter");
        foreach (var (policy, count) in _refusals.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            output.Append(CultureInfo.InvariantCulture, $"mindstack_rate_limit_refusals_total{{policy=\"{policy}\"}} {count}\n");
        }
        output.AppendLine("# HELP mindstack_idempotency_outcomes_total Requests with an idempotency key that did not run, by outcome.");
        output.AppendLine("# TYPE mindstack_idempotency_outcomes_total counter");
        output.Append(CultureInfo.InvariantCulture, $"mindstack_idempotency_outcomes_total{{outcome=\"replayed\"}} {Interlocked.Read(ref _replays)}\n");
        output.Append(CultureInfo.InvariantCulture, $"mindstack_idempotency_outcomes_total{{outcome=\"in_progress\"}} {Interlocked.Read(ref _conflicts)}\n");
        output.Append(CultureInfo.InvariantCulture, $"mindstack_idempotency_outcomes_total{{outcome=\"key_reused\"}} {Interlocked.Read(ref _reused)}\n");
        return Task.CompletedTask;
    }
}
