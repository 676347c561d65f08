using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Mindstack.Mindra.Agents;
using Mindstack.Mindra.Auth;
using Mindstack.Mindra.Executions;
using Mindstack.Mindra.Keys;
using Mindstack.Mindra.Orchestration;
using Mindstack.Mindra.Storage;
using Mindstack.Mindra.Wallet;
using Mindstack.Platform.Access;
using Mindstack.Platform.Http;
using Mindstack.Platform.Jobs;
using Mindstack.Platform.Limits;
using Mindstack.Platform.Observability;
using Mindstack.Platform.Storage;
using Mindstack.Platform.Webhooks;

namespace Mindstack.Mindra;

/// <summary>The Mindra API: AI agent orchestration, executions, wallet and API keys.</summary>
public static class MindraModule
{
    public const string DefaultBasePath = MindraApi.BasePath;

    public static IServiceCollection AddMindra(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddApi(MindraApi.Definition);
        services.AddApiDocument("mindra", "Mindra API",
            "AI agent orchestration: a query is routed to agents and run as an execution; wallet, API keys, idempotency and signed webhooks.");
        services.AddOptions<MindraOptions>().BindConfiguration(MindraOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MindraOptions>, MindraOptionsValidator>());
        services.AddModelContributor<MindraModel>();
        services.AddMigrationsFrom(typeof(MindraModule).Assembly);
        services.TryAddScoped<AgentCatalogue>();
        services.TryAddScoped<Orchestrator>();
        services.TryAddScoped<AgentRunner>();
        services.TryAddScoped<BuiltInBehaviours>();
        services.TryAddSingleton<HttpAgentClient>();
        services.AddHttpClient(HttpAgentClient.ClientName)
            .ConfigurePrimaryHttpMessageHandler(sp => HttpAgentClient.CreateHandler(sp.GetRequiredService<IOptions<MindraOptions>>()));
        services.AddJobHandler<RunExecutionJob>(RunExecutionJob.Name, o => o.MaxAttempts = 3);
        // The document's webhook payload: {event, executionId, timestamp, signature, data}; the
        // in-body signature covers the body without it, as the document's Python check reads it.
        services.AddWebhookApi(Orchestrator.Api, o =>
        {
            o.SignatureHeader = "X-Mindra-Signature";
            o.SignatureField = "signature";
            o.Payload = e => new JsonObject
            {
                ["event"] = e.Type,
                ["executionId"] = e.AggregateId,
                ["timestamp"] = WebhookPayloads.Timestamp(e.OccurredAt),
                ["signature"] = "",
                ["data"] = JsonNode.Parse(e.Data.GetRawText()),
            };
        });
        return services;
    }

    public static RouteGroupBuilder MapMindra(this IEndpointRouteBuilder routes, string basePath = DefaultBasePath)
    {
        var api = routes.MapApi(MindraApi.Definition, basePath);
        api.MapGet("/health", GetHealth).WithName("MindraHealth").WithSummary("Health check");

        var v1 = api.MapGroup("/v1")
            .RequireCaller()
            .RateLimit(context => context.PeekCaller() is { } caller ? TierPolicy(context, caller.Tier) : null, MindraCallers.Scope);
        AuthEndpoints.Map(v1);
        AgentEndpoints.Map(v1);
        OrchestrateEndpoints.Map(v1);
        ExecutionEndpoints.Map(v1);
        WalletEndpoints.Map(v1);
        KeyEndpoints.Map(v1);
        return api;
    }

    /// <summary>The caller's tier's limits; enterprise with the numbers agreed for this deployment.</summary>
    private static RateLimitPolicy TierPolicy(HttpContext context, string? accountTier)
    {
        var tier = MindraApi.Tiers.Of(accountTier);
        if (tier.Name != MindraTiers.Enterprise)
        {
            return tier.Limits;
        }
        return MindraApi.EnterpriseLimits(context.RequestServices.GetRequiredService<IOptions<MindraOptions>>().Value);
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
