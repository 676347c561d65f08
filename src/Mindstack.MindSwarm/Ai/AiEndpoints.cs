using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Mindstack.MindSwarm.AiImages;
using Mindstack.MindSwarm.Auth;
using Mindstack.Platform.Access;
using Mindstack.Platform.Events;
using Mindstack.Platform.Http;
using Mindstack.Platform.Jobs;
using Mindstack.Platform.Storage;

namespace Mindstack.MindSwarm.Ai;

/// <summary>Section 10, AI features.</summary>
internal static class AiEndpoints
{
    public static IServiceCollection AddMindSwarmAi(this IServiceCollection services)
    {
        services.AddModelContributor<AiModel>();
        services.AddOptions<MindSwarmAiOptions>().BindConfiguration(MindSwarmAiOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MindSwarmAiOptions>, MindSwarmAiOptionsValidator>());
        services.TryAddSingleton<AiTokenCounter>();
        services.TryAddScoped<AiKeys>();
        services.TryAddScoped<AiFeatures>();
        services.TryAddScoped<AutoReplySettings>();
        services.AddEventSubscriber<AutoReplyOnMention>();
        services.AddJobHandler<AutoReplyJob>(AutoReplyJob.Name, o => o.MaxAttempts = 5);
        return services;
    }

    public static void Map(RouteGroupBuilder api)
    {
        var ai = api.MapGroup("/ai");
        ai.MapGet("/site-status", (AiFeatures features, MindSwarmDialect dialect) => dialect.Ok(features.SiteStatus()))
            .WithSummary("Whether AI features are on (no auth)").ProducesEnvelope<AiSiteStatusView>();
        ai.MapPost("/tool", Tool).RequireCaller()
            .WithSummary("Run an AI tool on text without posting: summarize, explain, sentiment, translate, keypoints").ProducesEnvelope<AiToolView>();
        ai.MapPost("/reply", Reply).RequireVerifiedEmail()
            .WithSummary("Write an AI reply to a post and post it (marked AI-generated)").ProducesEnvelope<AiReplyView>(StatusCodes.Status201Created);
        ai.MapGet("/providers", Providers).WithSummary("The AI providers a key can be stored for").ProducesEnvelope<AiProvidersView>();
        ai.MapPost("/keys", CreateKey).RequireCaller()
            .WithSummary("Store a provider API key (at most 5; encrypted at rest; shown masked from now on)")
            .ProducesEnvelope<AiKeyEnvelope>(StatusCodes.Status201Created);
        ai.MapGet("/keys", ListKeys).RequireCaller().WithSummary("Your stored provider keys, masked").ProducesEnvelope<AiKeysView>();
        ai.MapPut("/keys/{keyId}", UpdateKey).RequireCaller()
            .WithSummary("Rename, replace, (de)activate or make default one of your keys").ProducesEnvelope<AiKeyEnvelope>();
        ai.MapDelete("/keys/{keyId}", DeleteKey).RequireCaller().WithSummary("Delete one of your keys").ProducesEnvelope<AiKeyDeletedView>();
        ai.MapPost("/moderate", Moderate).RequireCaller().WithSummary("Moderation scores of a text").ProducesEnvelope<AiModerationView>();
        ai.MapPost("/generate-image", GenerateImage).RequireVerifiedEmail()
            .WithSummary("Generate an image through the configured image provider (503 when none)").ProducesEnvelope<AiImageView>();
        ai.MapPost("/auto-reply/toggle", ToggleAutoReply).RequireCaller()
            .WithSummary("Turn AI auto-replies to your mentions on or off").ProducesEnvelope<AutoReplyView>();
        ai.MapGet("/usage", Usage).RequireCaller()
            .WithSummary("Your AI usage by day and key (?keyId, startDate, endDate), tokens counted with cl100k").ProducesEnvelope<AiUsageView>();
    }

    private static async Task<IResult> Tool(Body<AiToolRequest> body, Caller caller, AiFeatures features, MindSwarmDialect dialect,
        CancellationToken ct) =>
        dialect.Ok(await features.ToolAsync(caller, body.Value, ct));

    private static async Task<IResult> Reply(Body<AiReplyRequest> body, Caller caller, AiFeatures features, MindSwarmDialect dialect,
        CancellationToken ct) =>
        dialect.Ok(await features.ReplyAsync(caller, body.Value, ct), StatusCodes.Status201Created);

    private static async Task<IResult> Providers(HttpContext context, AiKeys keys, MindSwarmDialect dialect, CancellationToken ct)
    {
        var caller = await context.GetCallerAsync();
        return dialect.Ok(await keys.ProvidersAsync(caller?.AccountId, ct));
    }

    private static async Task<IResult> CreateKey(Body<CreateAiKeyRequest> body, Caller caller, AiKeys keys, MindSwarmDialect dialect,
        CancellationToken ct) =>
        dialect.Ok(new AiKeyEnvelope(await keys.CreateAsync(caller, body.Value, ct), "API key saved"), StatusCodes.Status201Created);

    private static async Task<IResult> ListKeys(Caller caller, AiKeys keys, MindSwarmDialect dialect, CancellationToken ct) =>
        dialect.Ok(await keys.ListAsync(caller, ct));

    private static async Task<IResult> UpdateKey(string keyId, Body<UpdateAiKeyRequest> body, Caller caller, AiKeys keys, MindSwarmDialect dialect,
        CancellationToken ct) =>
        dialect.Ok(new AiKeyEnvelope(await keys.UpdateAsync(caller, keyId, body.Value, ct), "API key updated"));

    private static async Task<IResult> DeleteKey(string keyId, Caller caller, AiKeys keys, MindSwarmDialect dialect, CancellationToken ct)
    {
        await keys.DeleteAsync(caller, keyId, ct);
        return dialect.Ok(new AiKeyDeletedView("API key deleted"));
    }

    private static async Task<IResult> Moderate(Body<AiModerateRequest> body, Caller caller, AiFeatures features, MindSwarmDialect dialect,
        CancellationToken ct) =>
        dialect.Ok(await features.ModerateAsync(caller, body.Value, ct));

    private static async Task<IResult> GenerateImage(Body<AiGenerateImageRequest> body, HttpContext context, Caller caller, AiImageService images,
        MindSwarmDialect dialect, CancellationToken ct)
    {
        var request = body.Value;
        return dialect.Ok(await images.GenerateAsync(context, caller, new AiImageRequest(request.Prompt, request.Width, request.Height), ct));
    }

    private static async Task<IResult> ToggleAutoReply(Body<AutoReplyToggleRequest> body, Caller caller, AutoReplySettings settings,
        MindSwarmDialect dialect, CancellationToken ct) =>
        dialect.Ok(await settings.ToggleAsync(caller, body.Value, ct));

    private static async Task<IResult> Usage(HttpRequest request, Caller caller, AiFeatures features, MindSwarmDialect dialect, CancellationToken ct) =>
        dialect.Ok(await features.UsageAsync(caller, request.Query["keyId"], request.Query["startDate"], request.Query["endDate"], ct));
}
