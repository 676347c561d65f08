using System.Diagnostics.Metrics;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;

namespace Mindstack.Platform.Observability;

/// <summary>
/// The platform's meter and how <c>/metrics/prometheus</c> is served. Series counted in memory are
/// OpenTelemetry instruments of the <c>Mindstack</c> meter, written by the OpenTelemetry Prometheus
/// exporter under their historical names (a counter's name already ends in <c>_total</c>, a
/// duration's unit <c>s</c> matches its <c>_seconds</c>, so the exporter adds no suffix; label
/// values are unchanged). Series it cannot reproduce exactly stay hand-written as
/// <see cref="IMetricsSource"/>s, appended to the exporter's text: gauges read from the database at
/// scrape time (jobs, outbox, webhook deliveries), and the AI series, whose labels are not in
/// alphabetical order (the exporter sorts label names, which would reorder every AI line).
/// </summary>
public static class MindstackMetrics
{
    public const string MeterName = "Mindstack";

    internal const string RequestDuration = "mindstack_http_request_duration_seconds";

    /// <summary>The histogram buckets the hand-written endpoint had, kept so dashboards keep their <c>le</c> values.</summary>
    private static readonly double[] DurationBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    /// <summary>The platform's meter of this host (its <see cref="IMeterFactory"/> keeps one per name).</summary>
    public static Meter CreateMeter(IMeterFactory meters) => meters.Create(MeterName);

    internal static void Configure(MeterProviderBuilder metrics)
    {
        metrics.AddMeter(MeterName)
            .AddRuntimeInstrumentation()
            .AddPrometheusExporter(options =>
            {
                // Every scrape reads the instruments afresh, as the hand-written endpoint did.
                options.ScrapeResponseCacheDurationMilliseconds = 0;
                // The series as they were: no otel_scope_* labels, no target_info series.
                options.ScopeInfoEnabled = false;
                options.TargetInfoEnabled = false;
            });
        if (metrics is IDeferredMeterProviderBuilder deferred)
        {
            deferred.Configure((services, builder) =>
            {
                var own = services.GetRequiredService<IMeterFactory>();
                builder.AddView(instrument => View(instrument, own));
            });
        }
    }

    private static MetricStreamConfiguration? View(Instrument instrument, IMeterFactory own)
    {
        // Meter listeners are process-wide: where several hosts share a process (the tests), each
        // host's provider takes only the instruments of its own meter factory.
        if (instrument.Meter.Scope is IMeterFactory factory && !ReferenceEquals(factory, own))
        {
            return MetricStreamConfiguration.Drop;
        }
        return instrument.Meter.Name == MeterName && instrument.Name == RequestDuration
            ? new ExplicitBucketHistogramConfiguration { Boundaries = DurationBuckets }
            : null;
    }
}

/// <summary>
/// In front of the OpenTelemetry Prometheus exporter on <c>/metrics/prometheus</c>: makes sure
/// every instrumented singleton exists, asks the exporter for the plain text format (0.0.4; the
/// hand-written series appended after it are in that format, and OpenMetrics would end with
/// <c># EOF</c>), then appends the hand-written <see cref="IMetricsSource"/> series.
/// </summary>
internal sealed class PrometheusScrapeMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context, IEnumerable<IMetricsInstruments> instruments, IEnumerable<IMetricsSource> sources)
    {
        _ = instruments.Count();
        context.Request.Headers.Accept = "text/plain";
        var body = context.Response.Body;
        using var exported = new MemoryStream();
        context.Response.Body = exported;
        try
        {
            await next(context);
        }
        finally
        {
            context.Response.Body = body;
        }
        if (context.Response.StatusCode != StatusCodes.Status200OK)
        {
            exported.Position = 0;
            await exported.CopyToAsync(body, context.RequestAborted);
            return;
        }
        var handWritten = new StringBuilder();
        foreach (var source in sources)
        {
            await source.WriteAsync(handWritten, context.RequestAborted);
        }
        context.Response.ContentLength = null;
        context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
        await body.WriteAsync(exported.GetBuffer().AsMemory(0, (int)exported.Length), context.RequestAborted);
        await context.Response.WriteAsync(handWritten.ToString(), context.RequestAborted);
    }
}
