using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Mindstack.Platform.Http;
using Mindstack.Platform.Storage;

namespace Mindstack.MindPeeker;

/// <summary>The MindPeeker API: psychic-intelligence sessions, credits, billing, webhooks, admin.</summary>
public static class MindPeekerModule
{
    public const string DefaultBasePath = "/mindpeeker/v1";

    public static IServiceCollection AddMindPeeker(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton<MindPeekerDialect>();
        services.AddModelContributor<MindPeekerModel>();
        services.AddMigrationsFrom(typeof(MindPeekerModule).Assembly);
        services.AddApiDocument("mindpeeker", "MindPeeker API",
            "Remote viewing, dowsing, precognition and intuitive-analysis sessions run by AI models; credits, billing, webhooks and admin.");
        return services;
    }

    public static RouteGroupBuilder MapMindPeeker(this IEndpointRouteBuilder routes, string basePath = DefaultBasePath)
    {
        var dialect = routes.ServiceProvider.GetRequiredService<MindPeekerDialect>();
        return routes.MapApi(basePath, dialect);
    }
}
