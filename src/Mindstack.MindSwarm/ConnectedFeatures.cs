using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Mindstack.MindSwarm.Ads;
using Mindstack.MindSwarm.AiImages;
using Mindstack.MindSwarm.Boosts;
using Mindstack.MindSwarm.Gifs;
using Mindstack.MindSwarm.LinkPreviews;
using Mindstack.MindSwarm.ProfileImages;
using Mindstack.MindSwarm.Sandbox;
using Mindstack.MindSwarm.Tips;
using Mindstack.MindSwarm.VideoDownloads;
using Mindstack.Platform.Jobs;

namespace Mindstack.MindSwarm;

/// <summary>
/// The features of sections 2, 3 and 7 that reach outside services or the media pipeline:
/// profile pictures, GIF search, AI images, the code sandbox, link previews, boosts and video downloads;
/// and sections 9 and 15, tips and ads, paid on chain.
/// </summary>
internal static class ConnectedFeatures
{
    public static IServiceCollection AddMindSwarmConnectedFeatures(this IServiceCollection services)
    {
        services.AddMindSwarmProfileImages();
        services.AddMindSwarmGifs();
        services.AddMindSwarmAiImages();
        services.AddMindSwarmSandbox();
        services.AddMindSwarmBoosts();
        services.AddMindSwarmTips();
        services.AddMindSwarmAds();
        services.AddMindSwarmVideoDownloads();
        services.AddJobHandler<FetchLinkPreviewJob>(FetchLinkPreviewJob.Name, o => o.MaxAttempts = 3);
        return services;
    }

    public static void MapConnectedFeatures(RouteGroupBuilder api)
    {
        ProfileImageEndpoints.Map(api);
        GifEndpoints.Map(api);
        AiImageEndpoints.Map(api);
        SandboxEndpoints.Map(api);
        BoostEndpoints.Map(api);
        TipEndpoints.Map(api);
        AdEndpoints.Map(api);
        VideoDownloadEndpoints.Map(api);
    }
}
