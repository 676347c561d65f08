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

/// <summary>Requests, server errors (5xx) and client errors (4xx) of one API over a recent window.</summary>
public sealed record RecentRequests(string Api, long Requests, long ServerErrors, long ClientErrors, TimeSpan Window)
{
    public double PerMinute => Window.TotalMinutes <= 0 ? 0 : Requests / Window.TotalMinutes;

    /// <summary>Server errors per request, 0–1 (0 with no requests).</summary>
    public double ErrorRate => Requests == 0 ? 0 : (double)ServerErrors / Requests;
}

/// <summary>
/// Request counts and durations by API and status, kept in memory for the scrape, and per-minute
/// counts of the last hour per API (for the operator console's overview).
/// </summary>
public sealed class RequestMetrics(TimeProvider clock)
{
    private static readonly double[] Buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
    private readonly ConcurrentDictionary<(string Api, int Status), Series> _series = new();
    private readonly ConcurrentDictionary<string, MinuteRing> _recent = new(StringComparer.Ordinal);

    public RequestMetrics()
        : this(TimeProvider.System)
    {
    }

    public void Record(string api, int status, TimeSpan duration)
    {
        _series.GetOrAdd((api, status), _ => new Series()).Add(duration.TotalSeconds);
        _recent.GetOrAdd(api, _ => new MinuteRing()).Add(CurrentMinute(), status);
    }

    /// <summary>Per API, what this node answered in the last <paramref name="window"/> (at most an hour), busiest first.</summary>
    public IReadOnlyList<RecentRequests> Recent(TimeSpan window)
    {
        var minutes = (int)Math.Clamp(Math.Ceiling(window.TotalMinutes), 1, MinuteRing.Minutes);
        var now = CurrentMinute();
        return _recent
            .Select(p =>
            {
                var (requests, server, client) = p.Value.Sum(now, minutes);
                return new RecentRequests(p.Key, requests, server, client, TimeSpan.FromMinutes(minutes));
            })
            .OrderByDescending(r => r.Requests).ThenBy(r => r.Api, StringComparer.Ordinal)
            .ToList();
    }

    private long CurrentMinute() => clock.GetUtcNow().ToUnixTimeSeconds() / 60;

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

    /// <summary>An hour of per-minute counts; a slot is reused when its minute comes round again.</summary>
    private sealed class MinuteRing
    {
        public const int Minutes = 60;
        private readonly Lock _gate = new();
        private readonly long[] _minute = new long[Minutes];
        private readonly long[] _requests = new long[Minutes];
        private readonly long[] _serverErrors = new long[Minutes];
        private readonly long[] _clientErrors = new long[Minutes];

        public void Add(long minute, int status)
        {
            var slot = (int)(minute % Minutes);
            lock (_gate)
            {
                if (_minute[slot] != minute)
                {
                    _minute[slot] = minute;
                    _requests[slot] = 0;
                    _serverErrors[slot] = 0;
                    _clientErrors[slot] = 0;
                }
                _requests[slot]++;
                if (status >= 500)
                {
                    _serverErrors[slot]++;
                }
                else if (status >= 400)
                {
                    _clientErrors[slot]++;
                }
            }
        }

        public (long Requests, long ServerErrors, long ClientErrors) Sum(long now, int minutes)
        {
            long requests = 0, server = 0, client = 0;
            lock (_gate)
            {
                for (var i = 0; i < Minutes; i++)
                {
                    if (_minute[i] > now - minutes && _minute[i] <= now)
                    {
                        requests += _requests[i];
                        server += _serverErrors[i];
                        client += _clientErrors[i];
                    }
                }
            }
            return (requests, server, client);
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
