using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Mindstack.Platform.Http;
using Mindstack.Platform.Observability;

namespace Mindstack.Platform.Ai;

/// <summary>
/// AI calls for the Prometheus scrape: calls by operation, provider and outcome; tokens in and out;
/// time spent. In memory, per node.
/// </summary>
internal sealed class AiMetrics : IMetricsSource
{
    private sealed class Series
    {
        public long Calls;
        public long InputTokens;
        public long OutputTokens;
        public long Ticks;
    }

    private readonly ConcurrentDictionary<(string Operation, string Provider, string Outcome), Series> _series = new();

    public void Succeeded(AiUsage usage)
    {
        var series = _series.GetOrAdd((Name(usage.Operation), usage.Provider, "ok"), _ => new Series());
        Interlocked.Increment(ref series.Calls);
        Interlocked.Add(ref series.InputTokens, usage.InputTokens);
        Interlocked.Add(ref series.OutputTokens, usage.OutputTokens);
        Interlocked.Add(ref series.Ticks, usage.Latency.Ticks);
    }

    public void Failed(AiOperation operation, string provider, Exception exception)
    {
        var outcome = exception switch
        {
            Problem { Kind: ProblemKind.UpstreamFailed } => "upstream_failed",
            Problem { Kind: ProblemKind.Unavailable } => "unavailable",
            Problem => "rejected",
            _ => "cancelled",
        };
        Interlocked.Increment(ref _series.GetOrAdd((Name(operation), provider, outcome), _ => new Series()).Calls);
    }

    public long Calls(AiOperation operation, string provider, string outcome) =>
        _series.TryGetValue((Name(operation), provider, outcome), out var series) ? Interlocked.Read(ref series.Calls) : 0;

    public Task WriteAsync(StringBuilder output, CancellationToken cancellationToken)
    {
        var snapshot = _series.OrderBy(p => p.Key.Operation, StringComparer.Ordinal).ThenBy(p => p.Key.Provider, StringComparer.Ordinal)
            .ThenBy(p => p.Key.Outcome, StringComparer.Ordinal).ToList();
        output.AppendLine("# HELP mindstack_ai_calls_total AI engine calls, by operation, provider and outcome.");
        output.AppendLine("# TYPE mindstack_ai_calls_total counter");
        foreach (var ((operation, provider, outcome), series) in snapshot)
        {
            output.Append(CultureInfo.InvariantCulture, $"mindstack_ai_calls_total{{operation=\"{operation}\",provider=\"{provider}\",outcome=\"{outcome}\"}} {Interlocked.Read(ref series.Calls)}\n");
        }
        output.AppendLine("# HELP mindstack_ai_tokens_total Tokens of successful AI calls, by operation, provider and direction.");
        output.AppendLine("# TYPE mindstack_ai_tokens_total counter");
        foreach (var ((operation, provider, _), series) in snapshot.Where(s => s.Key.Outcome == "ok"))
        {
            output.Append(CultureInfo.InvariantCulture, $"mindstack_ai_tokens_total{{operation=\"{operation}\",provider=\"{provider}\",direction=\"input\"}} {Interlocked.Read(ref series.InputTokens)}\n");
            output.Append(CultureInfo.InvariantCulture, $"mindstack_ai_tokens_total{{operation=\"{operation}\",provider=\"{provider}\",direction=\"output\"}} {Interlocked.Read(ref series.OutputTokens)}\n");
        }
        output.AppendLine("# HELP mindstack_ai_call_seconds_total Time spent in successful AI calls, by operation and provider.");
        output.AppendLine("# TYPE mindstack_ai_call_seconds_total counter");
        foreach (var ((operation, provider, _), series) in snapshot.Where(s => s.Key.Outcome == "ok"))
        {
            var seconds = TimeSpan.FromTicks(Interlocked.Read(ref series.Ticks)).TotalSeconds;
            output.Append(CultureInfo.InvariantCulture, $"mindstack_ai_call_seconds_total{{operation=\"{operation}\",provider=\"{provider}\"}} {seconds:0.######}\n");
        }
        return Task.CompletedTask;
    }

    /// <summary>snake_case operation names, as health and metrics show them.</summary>
    internal static string Name(AiOperation operation) => operation switch
    {
        AiOperation.KeyPoints => "key_points",
        AiOperation.ExtractEntities => "extract_entities",
        AiOperation.DetectGenerated => "detect_generated",
        _ => operation.ToString().ToLowerInvariant(),
    };
}
