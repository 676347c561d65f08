using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Mindstack.MindSwarm.Ai;
using Mindstack.MindSwarm.Analytics;
using Mindstack.MindSwarm.Auth;
using Mindstack.MindSwarm.Developer;
using Mindstack.MindSwarm.Drafts;
using Mindstack.MindSwarm.Export;
using Mindstack.MindSwarm.Feeds;
using Mindstack.MindSwarm.Groups;
using Mindstack.MindSwarm.Lists;
using Mindstack.MindSwarm.Media;
using Mindstack.MindSwarm.Messages;
using Mindstack.MindSwarm.Moderation;
using Mindstack.MindSwarm.Notifications;
using Mindstack.MindSwarm.Posts;
using Mindstack.MindSwarm.Realtime;
using Mindstack.MindSwarm.Storage;
using Mindstack.MindSwarm.Support;
using Mindstack.MindSwarm.Users;
using Mindstack.Platform.Http;
using Mindstack.Platform.Jobs;
using Mindstack.Platform.Limits;
using Mindstack.Platform.Storage;

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
        services.AddModelContributor<MindSwarmModel>();
        services.AddMigrationsFrom(typeof(MindSwarmModule).Assembly);
        services.TryAddSingleton<InstallationSecretCache>();
        services.TryAddScoped<InstallationSecrets>();
        services.TryAddScoped<Challenges>();
        services.TryAddScoped<Relations>();
        services.TryAddScoped<ProfileService>();
        services.AddMindSwarmMedia();
        services.AddMindSwarmConnectedFeatures();
        services.TryAddScoped<SocialGraph>();
        services.TryAddScoped<MediaReferences>();
        services.TryAddScoped<PostViews>();
        services.TryAddScoped<PostService>();
        services.TryAddScoped<PostInteractions>();
        services.TryAddScoped<PostQueries>();
        services.TryAddScoped<FeedService>();
        services.AddJobHandler<PublishScheduledPostJob>(PublishScheduledPostJob.Name, o => o.MaxAttempts = 10);
        services.AddJobHandler<ClosePollJob>(ClosePollJob.Name, o => o.MaxAttempts = 20);
        services.AddJobHandler<DetectAiJob>(DetectAiJob.Name, o => o.MaxAttempts = 5);
        services.AddMindSwarmNotifications();
        services.AddMindSwarmMessages();
        services.AddMindSwarmGroups();
        services.AddMindSwarmLists();
        services.AddMindSwarmDrafts();
        services.AddMindSwarmModeration();
        services.AddMindSwarmSupport();
        services.AddMindSwarmDataExport();
        services.AddMindSwarmAi();
        services.AddMindSwarmAnalytics();
        return services;
    }

    public static RouteGroupBuilder MapMindSwarm(this IEndpointRouteBuilder routes, string basePath = DefaultBasePath)
    {
        var api = routes.MapApi(MindSwarmApi.Definition, basePath);
        // Every route: the caller resolved first (a bad key or token is refused everywhere), the
        // general limit per account or address, and an app key's own limits per key.
        var v = api.MapGroup("/api")
            .ResolveCaller()
            .RateLimit(MindSwarmApi.Limits.General, MindSwarmAccess.Scope)
            .RateLimit(MindSwarmAccess.AppPolicy, MindSwarmAccess.Scope)
            .RefuseBanned();
        AuthEndpoints.Map(v);
        api.MapMedia(v);
        PostEndpoints.Map(v);
        UserEndpoints.Map(v);
        DeveloperApps.Map(v);
        NotificationEndpoints.Map(v);
        MessageEndpoints.Map(v);
        MindSwarmSocket.Map(api);
        GroupEndpoints.Map(v);
        ListEndpoints.Map(v);
        DraftEndpoints.Map(v);
        ModerationEndpoints.Map(v);
        SupportEndpoints.Map(v);
        DataExportEndpoints.Map(v);
        AiEndpoints.Map(v);
        AnalyticsEndpoints.Map(v);
        ConnectedFeatures.MapConnectedFeatures(v);
        return api;
    }
}
