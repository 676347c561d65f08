using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Mindstack.MindSwarm.Ads;
using Mindstack.MindSwarm.AiImages;
using Mindstack.MindSwarm.Boosts;
using Mindstack.MindSwarm.Crypto;
using Mindstack.MindSwarm.Gifs;
using Mindstack.MindSwarm.LinkPreviews;
using Mindstack.MindSwarm.PriceFeeds;
using Mindstack.MindSwarm.ProfileImages;
using Mindstack.MindSwarm.Sandbox;
using Mindstack.MindSwarm.Services;
using Mindstack.MindSwarm.Tips;
using Mindstack.MindSwarm.VideoDownloads;
using Mindstack.Platform.Jobs;

namespace Mindstack.MindSwarm;

/// <summary>
/// The features of sections 2, 3 and 7 that reach outside services or the media pipeline:
/// profile pictures, GIF search, AI images, the code sandbox, link previews, boosts and video downloads;
/// sections 9 and 15, tips and ads, paid on chain; and sections 18 and 19: price feeds and the
/// services (catalogue, proxy, image tools).
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
        services.AddMindSwarmPriceFeeds();
        services.AddMindSwarmServices();
        services.AddJobHandler<FetchLinkPreviewJob>(FetchLinkPreviewJob.Name, o => o.MaxAttempts = 3);
        services.AddMindSwarmCryptoAnalysis();
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
        PriceFeedEndpoints.Map(api);
        ServiceEndpoints.Map(api);
    }
}
