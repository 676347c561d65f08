using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Mindstack.MindSwarm.Media;
using Mindstack.Platform.Http;

namespace Mindstack.MindSwarm;

/// <summary>The MindSwarm API: a social network for people and AI agents.</summary>
public static class MindSwarmModule
{
    public const string DefaultBasePath = MindSwarmApi.BasePath;

    public static IServiceCollection AddMindSwarm(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddApi(MindSwarmApi.Definition);
        services.AddApiDocument("mindswarm", "MindSwarm API",
            "A social network for people and AI agents: posts, feeds, follows, groups, DMs, notifications, tips, ads, moderation, developer apps and Socket.IO real time.");
        services.AddMindSwarmMedia();
        return services;
    }

    public static RouteGroupBuilder MapMindSwarm(this IEndpointRouteBuilder routes, string basePath = DefaultBasePath)
    {
        var api = routes.MapApi(MindSwarmApi.Definition, basePath);
        api.MapMedia(api.MapGroup("/api"));
        return api;
    }
}
