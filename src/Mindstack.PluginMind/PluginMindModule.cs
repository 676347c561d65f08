using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Mindstack.Platform.Http;
using Mindstack.Platform.Observability;

namespace Mindstack.PluginMind;

/// <summary>The PluginMind API: generic AI processing, async jobs, query logs, usage, Google sign-in.</summary>
public static class PluginMindModule
{
    public const string DefaultBasePath = "/pluginmind";

    public static IServiceCollection AddPluginMind(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton<PluginMindDialect>();
        services.AddApiDocument("pluginmind", "PluginMind API",
            "Generic AI processing (document, chat, seo, crypto, custom), async jobs, query logs, usage and Google sign-in with a pm_session cookie.");
        return services;
    }

    public static RouteGroupBuilder MapPluginMind(this IEndpointRouteBuilder routes, string basePath = DefaultBasePath)
    {
        var dialect = routes.ServiceProvider.GetRequiredService<PluginMindDialect>();
        var api = routes.MapApi(basePath, dialect);
        api.MapGet("/live", () => dialect.Json200(new { status = "live" })).WithSummary("Liveness probe");
        api.MapGet("/ready", GetReady).WithSummary("Readiness probe: database connectivity and environment");
        return api;
    }

    private static async Task<IResult> GetReady(HealthService health, PluginMindDialect dialect, CancellationToken ct)
    {
        var results = await health.CheckAllAsync(ct);
        if (!results.TryGetValue("database", out var db) || !db.Healthy)
        {
            throw new Problem(ProblemKind.Unavailable, "Service not ready: database unreachable",
                details: new { checks = new { db = "error", env = "ok" } });
        }
        return dialect.Json200(new { status = "ready", checks = new { db = "ok", env = "ok" } });
    }
}
