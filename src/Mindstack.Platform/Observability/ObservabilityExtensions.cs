using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Mindstack.Platform.Storage;

namespace Mindstack.Platform.Observability;

public static class ObservabilityExtensions
{
    public static IServiceCollection AddMindstackObservability(this IServiceCollection services)
    {
        services.AddMetrics();
        services.TryAddSingleton<RequestMetrics>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IMetricsInstruments, RequestMetrics>(sp => sp.GetRequiredService<RequestMetrics>()));
        services.TryAddSingleton<NodeRequestCounts>();
        services.AddModelContributor<ObservabilityModel>();
        services.AddHostedService<NodeHeartbeat>();
        services.AddLogRedaction();
        services.TryAddScoped<HealthService>();
        services.TryAddSingleton<DatabaseProbeCache>();
        services.TryAddEnumerable(ServiceDescriptor.Scoped<IHealthProbe, DatabaseHealthProbe>());
        return services;
    }

    /// <summary><c>GET /health</c>, <c>GET /health/live</c> and <c>GET /metrics/prometheus</c> on the main port.</summary>
    public static IEndpointRouteBuilder MapMindstackObservability(this IEndpointRouteBuilder routes)
    {
        // Liveness: the process answers; never touches the database (that is /health's job).
        routes.MapGet("/health/live", () => Results.Json(new { status = "ok" })).ExcludeFromDescription();

        routes.MapGet("/health", async (HealthService health, CancellationToken ct) =>
        {
            var results = await health.CheckAllAsync(reuseDatabaseCheck: true, ct);
            var healthy = results.Values.All(r => r.Healthy);
            var body = new
            {
                status = healthy ? "ok" : "degraded",
                version = HealthService.Version,
                database = new
                {
                    reachable = results.TryGetValue("database", out var db) && db.Healthy,
                    provider = db?.Data?["provider"],
                },
                components = results.ToDictionary(
                    p => p.Key,
                    p => new { healthy = p.Value.Healthy, detail = p.Value.Detail, data = p.Value.Data }),
            };
            return Results.Json(body, statusCode: healthy ? 200 : 503);
        }).ExcludeFromDescription();

        // The OpenTelemetry Prometheus exporter writes the instrumented series; the scrape
        // middleware in front of it appends the hand-written ones (see MindstackMetrics).
        routes.MapPrometheusScrapingEndpoint("/metrics/prometheus", meterProvider: null,
                configureBranchedPipeline: branch => branch.UseMiddleware<PrometheusScrapeMiddleware>(), optionsName: null)
            .WithMetadata(new HttpMethodMetadata([HttpMethods.Get]))
            .ExcludeFromDescription();
        return routes;
    }
}
