using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Mindstack.MindMesh.Approvals;
using Mindstack.MindMesh.Audit;
using Mindstack.MindMesh.Auth;
using Mindstack.MindMesh.Automations;
using Mindstack.MindMesh.Connectors;
using Mindstack.MindMesh.Goals;
using Mindstack.MindMesh.Graph;
using Mindstack.MindMesh.Memory;
using Mindstack.MindMesh.Operations;
using Mindstack.MindMesh.Realtime;
using Mindstack.MindMesh.Runs;
using Mindstack.MindMesh.Storage;
using Mindstack.MindMesh.Tenants;
using Mindstack.Platform.Access;
using Mindstack.Platform.Http;
using Mindstack.Platform.Jobs;
using Mindstack.Platform.Limits;
using Mindstack.Platform.Storage;

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
        services.AddOptions<MindMeshOptions>().BindConfiguration(MindMeshOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MindMeshOptions>, MindMeshOptionsValidator>());
        services.AddModelContributor<MindMeshModel>();
        services.AddModelContributor<AutomationModel>();
        services.AddMigrationsFrom(typeof(MindMeshModule).Assembly);
        services.TryAddSingleton<RequestStats>();
        services.TryAddScoped<MeshAudit>();
        services.TryAddScoped<ConnectorService>();
        services.TryAddScoped<TenantService>();
        services.TryAddScoped<GoalService>();
        services.TryAddScoped<RunService>();
        services.TryAddScoped<RunEvents>();
        services.TryAddScoped<GraphNodes>();
        services.TryAddScoped<ToolExecutor>();
        services.TryAddScoped<ApprovalService>();
        services.TryAddScoped<MemoryService>();
        services.TryAddScoped<AutomationService>();
        services.AddHttpClient(ConnectorService.HttpClientName, client => client.Timeout = TimeSpan.FromSeconds(20));
        services.AddJobHandler<ConnectorSyncJob>(ConnectorSyncJob.Name, o => o.MaxAttempts = 3);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConnectorSource, GmailSource>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConnectorSource, CalendarSource>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConnectorSource, SlackSource>());
        // Connectors sync on their own sync_frequency, checked every minute.
        services.AddJobHandler<ConnectorsDueJob>(ConnectorsDueJob.Name);
        services.AddRecurringJob<ConnectorsDueJob>(ConnectorsDueJob.Name, "* * * * *");
        // A step is short and idempotent; a crash mid-step retries it from its run's last checkpoint.
        services.AddJobHandler<RunStepJob>(RunStepJob.Name, o =>
        {
            o.MaxAttempts = 5;
            o.Backoff = JobBackoff.Exponential(TimeSpan.FromSeconds(2), TimeSpan.FromMinutes(1));
            o.Timeout = TimeSpan.FromMinutes(5);
        });
        services.AddJobHandler<ExpireApprovalJob>(ExpireApprovalJob.Name);
        services.AddJobHandler<AutomationFireJob>(AutomationFireJob.Name, o => o.MaxAttempts = 3);
        return services;
    }

    public static RouteGroupBuilder MapMindMesh(this IEndpointRouteBuilder routes, string basePath = DefaultBasePath)
    {
        var api = routes.MapApi(MindMeshApi.Definition, basePath);
        api.AddEndpointFilter(RequestStats.Filter);
        OperationsEndpoints.MapHealth(api);
        MeshSocket.Map(api);

        // Every other route needs a member: the caller is resolved first, so limits count per account.
        var authed = api.MapGroup("")
            .RequireCaller()
            .RateLimit(context => HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method)
                ? MindMeshApi.Limits.Read
                : MindMeshApi.Limits.Write, CallerKey);
        AuthEndpoints.Map(api, authed);
        GoalEndpoints.Map(authed);
        RunEndpoints.Map(authed);
        ApprovalEndpoints.Map(authed);
        MemoryEndpoints.Map(authed);
        ConnectorEndpoints.Map(api, authed);
        AutomationEndpoints.Map(api, authed);
        AuditEndpoints.Map(authed);
        OperationsEndpoints.MapMetrics(authed);
        return api;
    }

    /// <summary>Limits count per account (the caller is resolved before the limit).</summary>
    internal static string? CallerKey(HttpContext context) => context.PeekCaller()?.AccountId;
}
