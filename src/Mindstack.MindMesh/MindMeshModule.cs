using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Mindstack.Platform.Http;
using Mindstack.Platform.Observability;

namespace Mindstack.MindMesh;

/// <summary>The MindMesh API: autonomous goal execution through a graph of nodes, with approvals.</summary>
public static class MindMeshModule
{
    public const string DefaultBasePath = MindMeshApi.BasePath;

    public static IServiceCollection AddMindMesh(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddApi(MindMeshApi.Definition);
        services.AddApiDocument("mindmesh", "MindMesh API",
            "Autonomous goal execution: goals become runs through a graph of nodes, with human approvals, connectors, memory search, automations, audit and WebSocket events.");
        return services;
    }

    public static RouteGroupBuilder MapMindMesh(this IEndpointRouteBuilder routes, string basePath = DefaultBasePath)
    {
        var api = routes.MapApi(MindMeshApi.Definition, basePath);
        api.MapGet("/health", GetHealth).WithSummary("System health check");
        return api;
    }

    private static async Task<IResult> GetHealth(HealthService health, MindMeshDialect dialect, CancellationToken ct)
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
