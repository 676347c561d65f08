using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace Mindstack.Platform.Observability;

/// <summary>A source of extra Prometheus series (job counts, open connections…), asked on each scrape.</summary>
public interface IMetricsSource
{
    /// <summary>Writes complete series (with <c># HELP</c>/<c># TYPE</c>) in the Prometheus text format.</summary>
    Task WriteAsync(StringBuilder output, CancellationToken cancellationToken);
}

/// <summary>Request counts and durations by API and status, kept in memory for the scrape.</summary>
public sealed class RequestMetrics
{
    private static readonly double[] Buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
    private readonly ConcurrentDictionary<(string Api, int Status), Series> _series = new();

    public void Record(string api, int status, TimeSpan duration) =>
        _series.GetOrAdd((api, status), _ => new Series()).Add(duration.TotalSeconds);

    public long Count(string api, int status) => _series.TryGetValue((api, status), out var s) ? s.Count : 0;

    public void Write(StringBuilder output)
    {
        var snapshot = _series.OrderBy(p => p.Key.Api, StringComparer.Ordinal).ThenBy(p => p.Key.Status).ToList();
        output.AppendLine("# HELP mindstack_http_requests_total HTTP requests answered, by API and status.");
        output.AppendLine("# TYPE mindstack_http_requests_total counter");
        foreach (var ((api, status), series) in snapshot)
        {
            output.Append(CultureInfo.InvariantCulture, $"mindstack_http_requests_total{{api=\"{api}\",status=\"{status}\"}} {series.Count}\n");
        }
        output.AppendLine("# HELP mindstack_http_request_duration_seconds HTTP request durations, by API and status.");
        output.AppendLine("# TYPE mindstack_http_request_duration_seconds histogram");
        foreach (var ((api, status), series) in snapshot)
        {
            var labels = $"api=\"{api}\",status=\"{status}\"";
            var counts = series.BucketCounts();
            for (var i = 0; i < Buckets.Length; i++)
            {
                output.Append(CultureInfo.InvariantCulture, $"mindstack_http_request_duration_seconds_bucket{{{labels},le=\"{Buckets[i]}\"}} {counts[i]}\n");
            }
            output.Append(CultureInfo.InvariantCulture, $"mindstack_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {series.Count}\n");
            output.Append(CultureInfo.InvariantCulture, $"mindstack_http_request_duration_seconds_sum{{{labels}}} {series.Sum}\n");
            output.Append(CultureInfo.InvariantCulture, $"mindstack_http_request_duration_seconds_count{{{labels}}} {series.Count}\n");
        }
    }

    private sealed class Series
    {
        private readonly Lock _gate = new();
        private readonly long[] _buckets = new long[Buckets.Length];

        public long Count { get; private set; }

        public double Sum { get; private set; }

        public void Add(double seconds)
        {
            lock (_gate)
            {
                Count++;
                Sum += seconds;
                for (var i = 0; i < Buckets.Length; i++)
                {
                    if (seconds <= Buckets[i])
                    {
                        _buckets[i]++;
                    }
                }
            }
        }

        public long[] BucketCounts()
        {
            lock (_gate)
            {
                return (long[])_buckets.Clone();
            }
        }
    }
}
