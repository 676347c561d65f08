using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
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
/// Marks a singleton whose series are OpenTelemetry instruments (created in its constructor): the
/// scrape resolves every one first, so their series are there even before anything used them.
/// </summary>
public interface IMetricsInstruments;

/// <summary>
/// Request counts and durations by API and status, as OpenTelemetry instruments of the platform's
/// meter (<c>mindstack_http_requests_total</c>, <c>mindstack_http_request_duration_seconds</c>,
/// exported on the scrape by the Prometheus exporter), and per-minute counts of the last hour per
/// API (for the operator console's overview).
/// </summary>
public sealed class RequestMetrics : IMetricsInstruments
{
    // Status codes as boxed tag values, made once: a tag of an int would box on every request.
    private static readonly object[] StatusTags = [.. Enumerable.Range(0, 600).Select(static s => (object)s)];
    private readonly TimeProvider _clock;
    private readonly Counter<long> _requests;
    private readonly Histogram<double> _durations;
    private readonly ConcurrentDictionary<string, MinuteRing> _recent = new(StringComparer.Ordinal);

    public RequestMetrics(TimeProvider clock, IMeterFactory meters)
    {
        _clock = clock;
        var meter = MindstackMetrics.CreateMeter(meters);
        _requests = meter.CreateCounter<long>("mindstack_http_requests_total", description: "HTTP requests answered, by API and status.");
        // The bucket bounds are the view's (MindstackMetrics); "s" keeps the name as it is (it ends in _seconds).
        _durations = meter.CreateHistogram<double>(MindstackMetrics.RequestDuration, unit: "s",
            description: "HTTP request durations, by API and status.");
    }

    public void Record(string api, int status, TimeSpan duration)
    {
        var tags = new TagList { { "api", api }, { "status", (uint)status < StatusTags.Length ? StatusTags[status] : status } };
        _requests.Add(1, tags);
        _durations.Record(duration.TotalSeconds, tags);
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

    private long CurrentMinute() => _clock.GetUtcNow().ToUnixTimeSeconds() / 60;

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
}
