using Mindstack.MindMesh;
using Mindstack.MindPeeker;
using Mindstack.Mindra;
using Mindstack.MindSwarm;
using Mindstack.Platform;
using Mindstack.PluginMind;
using Mindstack.Server.OperatorConsole;

namespace Mindstack.Server;

/// <summary>The one place that knows every module: what the server and the CLI compose.</summary>
internal static class Composition
{
    public static IServiceCollection AddMindstack(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddMindstackPlatform(configuration);
        services.AddMindPeeker(configuration);
        services.AddMindra(configuration);
        services.AddPluginMind(configuration);
        services.AddMindSwarm(configuration);
        services.AddMindMesh(configuration);
        services.AddOperatorConsole(configuration);
        return services;
    }

    public static WebApplication MapMindstack(this WebApplication app)
    {
        app.MapMindstackPlatform();
        app.MapMindPeeker(MindPeekerModule.DefaultBasePath);
        app.MapMindra(MindraModule.DefaultBasePath);
        app.MapPluginMind(PluginMindModule.DefaultBasePath);
        app.MapMindSwarm(MindSwarmModule.DefaultBasePath);
        app.MapMindMesh(MindMeshModule.DefaultBasePath);
        app.MapOperatorConsole();
        app.MapFrontPages();
        return app;
    }
}
