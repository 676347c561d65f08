using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Mindstack.MindPeeker.Admin;
using Mindstack.MindPeeker.Auth;
using Mindstack.MindPeeker.Billing;
using Mindstack.MindPeeker.Sessions;
using Mindstack.MindPeeker.Usage;
using Mindstack.MindPeeker.Users;
using Mindstack.MindPeeker.Webhooks;
using Mindstack.Platform.Access;
using Mindstack.Platform.Http;
using Mindstack.Platform.Jobs;
using Mindstack.Platform.Limits;
using Mindstack.Platform.Storage;
using Mindstack.Platform.Webhooks;

namespace Mindstack.MindPeeker;

/// <summary>The MindPeeker API: psychic-intelligence sessions, credits, billing, webhooks, admin.</summary>
public static class MindPeekerModule
{
    public const string DefaultBasePath = MindPeekerApi.BasePath;

    public static IServiceCollection AddMindPeeker(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddApi(MindPeekerApi.Definition);
        services.TryAddScoped<MindPeekerCredits>();
        services.TryAddScoped<SessionAnalyzer>();
        services.TryAddScoped<SessionService>();
        services.TryAddScoped<UserService>();
        services.TryAddScoped<BillingService>();
        services.TryAddScoped<AdminService>();
        services.TryAddSingleton<ApiCallCounter>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, ApiCallFlusher>());
        services.AddOptions<MindPeekerOptions>().BindConfiguration(MindPeekerOptions.Section)
            .PostConfigure(options => options.ApplyNumericKeys()).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MindPeekerOptions>, MindPeekerOptionsValidator>());
        services.AddJobHandler<RunSessionJob>(RunSessionJob.Name, o =>
        {
            o.MaxAttempts = 3;
            o.Backoff = JobBackoff.Schedule(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(10));
            o.Timeout = TimeSpan.FromMinutes(5);
        });
        // Deliveries: {id, event, timestamp, data}, signed in X-MindPeeker-Signature (sha256=<hex HMAC of the raw body>).
        services.AddWebhookApi(MindPeekerApi.Name, o => o.SignatureHeader = WebhookEndpoints.SignatureHeader);
        services.AddModelContributor<MindPeekerModel>();
        services.AddMigrationsFrom(typeof(MindPeekerModule).Assembly);
        services.AddApiDocument("mindpeeker", "MindPeeker API",
            "Remote viewing, dowsing, precognition and intuitive-analysis sessions run by AI models; credits, billing, webhooks and admin.");
        return services;
    }

    public static RouteGroupBuilder MapMindPeeker(this IEndpointRouteBuilder routes, string basePath = DefaultBasePath)
    {
        var api = routes.MapApi(MindPeekerApi.Definition, basePath);
        api.AddEndpointFilter(LogClientVersion);

        var open = api.MapGroup("");
        AuthEndpoints.Map(open);

        // Everything else needs a caller and is limited per account by its tier (the document's per-minute and per-day limits).
        var signedIn = api.MapGroup("")
            .RequireCaller()
            .AddEndpointFilter(ApiCallCounter.CountFilter)
            .RateLimit(context => MindPeekerApi.Tiers.Of(context.PeekCaller()?.Tier).Limits, context => context.PeekCaller()?.AccountId);
        UserEndpoints.Map(signedIn);
        SessionEndpoints.Map(signedIn);
        BillingEndpoints.Map(signedIn);
        WebhookEndpoints.Map(signedIn);
        AdminEndpoints.Map(signedIn);
        // The socket authenticates itself (a browser cannot set headers on an upgrade: ?token= works too).
        SessionSocket.Map(api);
        return api;
    }

    /// <summary><c>X-Client-Version</c> is accepted on every request and logged with it.</summary>
    private static ValueTask<object?> LogClientVersion(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next)
    {
        var version = invocation.HttpContext.Request.Headers["X-Client-Version"].ToString();
        if (version.Length > 0)
        {
            var logger = invocation.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Mindstack.MindPeeker");
            logger.LogInformation("MindPeeker client version {ClientVersion} on {Path}", version.Length > 64 ? version[..64] : version,
                invocation.HttpContext.Request.Path.Value);
        }
        return next(invocation);
    }
}
