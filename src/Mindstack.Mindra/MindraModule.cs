using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Mindstack.Platform.Http;
using Mindstack.Platform.Observability;

namespace Mindstack.Mindra;

/// <summary>The Mindra API: AI agent orchestration, executions, wallet and API keys.</summary>
public static class MindraModule
{
    public const string DefaultBasePath = "/mindra";

    public static IServiceCollection AddMindra(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton<MindraDialect>();
        services.AddApiDocument("mindra", "Mindra API",
            "AI agent orchestration: a query is routed to agents and run as an execution; wallet, API keys, idempotency and signed webhooks.");
        return services;
    }

    public static RouteGroupBuilder MapMindra(this IEndpointRouteBuilder routes, string basePath = DefaultBasePath)
    {
        var dialect = routes.ServiceProvider.GetRequiredService<MindraDialect>();
        var api = routes.MapApi(basePath, dialect);
        api.MapGet("/health", GetHealth).WithName("MindraHealth").WithSummary("Health check");
        return api;
    }

    private static async Task<IResult> GetHealth(HealthService health, MindraDialect dialect, CancellationToken ct)
    {
        var snapshot = await health.SnapshotAsync(ct);
        return dialect.Json200(new
        {
            status = snapshot.Healthy ? "healthy" : "unhealthy",
            timestamp = snapshot.Timestamp,
            version = snapshot.Version,
            services = snapshot.ServiceStates,
        }, snapshot.Healthy ? 200 : 503);
    }
}
