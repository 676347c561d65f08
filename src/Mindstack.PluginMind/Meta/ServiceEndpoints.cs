using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Mindstack.Platform.Ai;
using Mindstack.Platform.Http;
using Mindstack.PluginMind.Processing;

namespace Mindstack.PluginMind.Meta;

/// <summary>
/// <c>/services</c> and <c>/services/health</c>: which AI providers and models serve the analysis
/// steps (the platform engine's routing), the crypto price source, and whether they can serve now.
/// </summary>
internal static class ServiceEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/services", GetServices).WithSummary("The AI services that serve each analysis step, with a health snapshot");
        api.MapGet("/services/health", GetHealth).WithSummary("The AI engine's providers and their health");
    }

    private static async Task<IResult> GetServices(HttpContext context, IAiRouting routing, ICryptoPriceSource prices,
        PluginMindDialect dialect, CancellationToken ct)
    {
        var health = await routing.CheckAsync(ct);
        var registered = Registered(health.Routing, prices);
        string Link(string path) => context.Api() is { OnOwnPort: false } api ? api.Mount.BasePath + path : path;
        return dialect.Json200(new
        {
            ai_services = new
            {
                registered_services = registered,
                total_services = registered.Count,
                provider = health.Routing.Provider,
                healthy = health.Healthy,
            },
            analysis_types = AnalysisPrompts.Descriptions,
            endpoints = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["process"] = "POST " + Link("/process"),
                ["analyze"] = "POST " + Link("/analyze"),
                ["analyze_async"] = "POST " + Link("/analyze-async"),
                ["job_status"] = "GET " + Link("/analyze-async/{job_id}"),
                ["jobs"] = "GET " + Link("/jobs"),
                ["services_health"] = "GET " + Link("/services/health"),
            },
        });
    }

    private static async Task<IResult> GetHealth(IAiRouting routing, ICryptoPriceSource prices, TimeProvider clock,
        PluginMindDialect dialect, CancellationToken ct)
    {
        var health = await routing.CheckAsync(ct);
        var complete = health.Routing[AiOperation.Complete];
        return dialect.Json200(new
        {
            timestamp = clock.GetUtcNow().UtcDateTime,
            overall_healthy = health.Healthy,
            service_details = new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                ["ai_engine"] = new
                {
                    healthy = health.Healthy,
                    provider = health.Routing.Provider,
                    base_url = health.Routing.BaseUrl,
                    model = complete.Model,
                    remote = complete.Remote,
                    detail = health.Detail,
                },
                // Not probed: a price source that fails leaves crypto analyses saying so, it does not make the service unhealthy.
                ["crypto_prices"] = new { configured = prices.Name is not null, source = prices.Name },
            },
        });
    }

    /// <summary>The analysis steps and who serves them, by role.</summary>
    private static Dictionary<string, object> Registered(AiRoutingTable routing, ICryptoPriceSource prices)
    {
        var complete = routing[AiOperation.Complete];
        var optimizer = complete.Remote ? complete : routing[AiOperation.KeyPoints];
        var services = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["prompt_optimizer"] = new { name = "prompt_optimizer", provider = optimizer.Provider, model = optimizer.Model, remote = optimizer.Remote },
            ["analyzer"] = new { name = "analyzer", provider = complete.Provider, model = complete.Model, remote = complete.Remote },
        };
        if (prices.Name is { } source)
        {
            services["crypto_prices"] = new { name = "crypto_prices", provider = source, model = "simple/price", remote = true };
        }
        return services;
    }
}
