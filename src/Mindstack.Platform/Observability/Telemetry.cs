using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Mindstack.Platform.Storage;
using Npgsql;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Mindstack.Platform.Observability;

/// <summary>
/// <c>Mindstack:Telemetry:OtlpEndpoint</c>: where traces and metrics are sent with OTLP over
/// HTTP/protobuf (the base URL; <c>/v1/traces</c> and <c>/v1/metrics</c> are added). Unset, the
/// standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is used; with neither, nothing is exported and no
/// tracer runs.
/// </summary>
public sealed class TelemetryOptions
{
    public const string Section = "Mindstack:Telemetry";

    /// <summary>The environment variable every OpenTelemetry SDK reads.</summary>
    public const string StandardEndpointKey = "OTEL_EXPORTER_OTLP_ENDPOINT";

    public string? OtlpEndpoint { get; set; }

    /// <summary>The endpoint in effect: ours, else the standard variable's, else null.</summary>
    internal static string? EndpointText(IConfiguration configuration) =>
        NullIfBlank(configuration[Section + ":OtlpEndpoint"]) ?? NullIfBlank(configuration[StandardEndpointKey]);

    /// <summary>The endpoint as an absolute http(s) URL, or null when unset or malformed (validation names the latter).</summary>
    internal static Uri? ParseEndpoint(string? text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" ? uri : null;

    /// <summary><paramref name="endpoint"/> with a signal's path (<c>v1/traces</c>) after its own path.</summary>
    internal static Uri SignalUrl(Uri endpoint, string signalPath) =>
        new(endpoint.GetLeftPart(UriPartial.Path).TrimEnd('/') + "/" + signalPath);

    private static string? NullIfBlank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}

/// <summary>Refuses a start with an endpoint that is not an absolute http(s) URL, naming the setting.</summary>
internal sealed class TelemetryOptionsValidator(IConfiguration configuration) : IValidateOptions<TelemetryOptions>
{
    public ValidateOptionsResult Validate(string? name, TelemetryOptions options)
    {
        var ours = !string.IsNullOrWhiteSpace(options.OtlpEndpoint);
        var text = ours ? options.OtlpEndpoint : configuration[TelemetryOptions.StandardEndpointKey];
        if (string.IsNullOrWhiteSpace(text) || TelemetryOptions.ParseEndpoint(text.Trim()) is not null)
        {
            return ValidateOptionsResult.Success;
        }
        var setting = ours ? TelemetryOptions.Section + ":OtlpEndpoint" : TelemetryOptions.StandardEndpointKey;
        return ValidateOptionsResult.Fail($"{setting} must be an absolute http or https URL (e.g. http://localhost:4318)");
    }
}

/// <summary>
/// The platform's trace sources and how work that runs later (a job, an outbox event) joins the
/// trace of what caused it: the W3C <c>traceparent</c> of the current activity is stored with the
/// row, and the work runs inside an activity whose parent is that context. With no tracer listening
/// a plain <see cref="Activity"/> still carries the context, so an outgoing call (a webhook) sends
/// the originating request's trace id in its <c>traceparent</c> header.
/// </summary>
public static class MindstackTelemetry
{
    public const string JobsSourceName = "Mindstack.Jobs";
    public const string EventsSourceName = "Mindstack.Events";
    public const string RequestIdTag = "mindstack.request_id";

    internal static readonly ActivitySource Jobs = new(JobsSourceName, HealthService.Version);
    internal static readonly ActivitySource Events = new(EventsSourceName, HealthService.Version);

    /// <summary>The current activity's W3C <c>traceparent</c>, to store with work that runs later; null outside any trace.</summary>
    public static string? CurrentTraceparent() =>
        Activity.Current is { IdFormat: ActivityIdFormat.W3C } activity ? activity.Id : null;

    /// <summary>
    /// Starts <paramref name="name"/> as a child of the stored <paramref name="traceparent"/> (a new
    /// root when there is none and a tracer listens); null when there is nothing to trace or carry.
    /// </summary>
    internal static Activity? StartChildOf(ActivitySource source, string name, string? traceparent)
    {
        if (traceparent is null || !ActivityContext.TryParse(traceparent, null, out var parent))
        {
            return source.StartActivity(name, ActivityKind.Consumer);
        }
        // No listener (or one that drops it): a plain activity still carries the context onward.
        return source.StartActivity(name, ActivityKind.Consumer, parent)
            ?? new Activity(name).SetParentId(parent.TraceId, parent.SpanId, parent.TraceFlags).Start();
    }

    /// <summary>Tags the request's activity with its request id (and API), when the activity is recorded.</summary>
    internal static void TagRequest(string requestId, string api)
    {
        if (Activity.Current is { IsAllDataRequested: true, Recorded: true } activity)
        {
            activity.SetTag(RequestIdTag, requestId);
            activity.SetTag("mindstack.api", api);
        }
    }

    /// <summary>
    /// OpenTelemetry: metrics always (the <c>/metrics/prometheus</c> scrape reads them); tracing and
    /// OTLP export only when an endpoint is configured (<see cref="TelemetryOptions"/>), so an
    /// unconfigured server runs no tracer and no exporter.
    /// </summary>
    public static IServiceCollection AddMindstackTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<TelemetryOptions>().BindConfiguration(TelemetryOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TelemetryOptions>, TelemetryOptionsValidator>());

        var endpoint = TelemetryOptions.ParseEndpoint(TelemetryOptions.EndpointText(configuration));
        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("mindstack", serviceVersion: HealthService.Version));
        telemetry.WithMetrics(metrics =>
        {
            MindstackMetrics.Configure(metrics);
            if (endpoint is not null)
            {
                metrics.AddOtlpExporter((exporter, _) =>
                {
                    exporter.Protocol = OtlpExportProtocol.HttpProtobuf;
                    exporter.Endpoint = TelemetryOptions.SignalUrl(endpoint, "v1/metrics");
                });
            }
        });
        if (endpoint is not null)
        {
            telemetry.WithTracing(tracing => tracing
                .AddSource(JobsSourceName, EventsSourceName)
                .AddAspNetCoreInstrumentation(options =>
                    // Scrapes and liveness probes are not worth a span each.
                    options.Filter = context => !IsProbe(context.Request.Path))
                .AddHttpClientInstrumentation()
                .AddNpgsql()
                .AddOtlpExporter(exporter =>
                {
                    exporter.Protocol = OtlpExportProtocol.HttpProtobuf;
                    exporter.Endpoint = TelemetryOptions.SignalUrl(endpoint, "v1/traces");
                }));
        }
        return services;
    }

    private static bool IsProbe(PathString path) =>
        path.StartsWithSegments("/metrics", StringComparison.Ordinal) || path.StartsWithSegments("/health", StringComparison.Ordinal);
}

/// <summary>The W3C trace context a queued job and an outbox event were written under.</summary>
internal sealed class TelemetryTraceContextMigration : SchemaMigration
{
    public override string Id => "2026120770_telemetry_trace_context";

    public override void Up(MigrationBuilder migration, DatabaseProvider provider)
    {
        // A version-00 traceparent is 55 characters; room for a later version's longer form.
        migration.AddColumn<string>(name: "traceparent", table: "jobs_queue", maxLength: 128, nullable: true);
        migration.AddColumn<string>(name: "traceparent", table: "events_outbox", maxLength: 128, nullable: true);
    }
}
