using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Mindstack.MindSwarm.Auth;
using Mindstack.Platform.Access;
using Mindstack.Platform.Http;
using Mindstack.Platform.Storage;

namespace Mindstack.MindSwarm.Tips;

/// <summary>Section 9, Crypto Tipping.</summary>
internal static class TipEndpoints
{
    public static IServiceCollection AddMindSwarmTips(this IServiceCollection services)
    {
        services.AddOptions<TokenOptions>().BindConfiguration(TokenOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TokenOptions>, TokenOptionsValidator>());
        services.AddModelContributor<TipModel>();
        services.TryAddScoped<TipService>();
        return services;
    }

    public static void Map(RouteGroupBuilder api)
    {
        var tips = api.MapGroup("/tips");
        tips.MapGet("/supported-tokens", Supported)
            .WithSummary("The tokens a tip can be sent in, their networks and which this server verifies on chain").ProducesEnvelope<SupportedTokens>();
        tips.MapPost("/send", Send).RequireVerifiedEmail()
            .WithSummary("Record a tip sent on chain (transactionHash unique across tips, ads and boosts); verified against the recipient's wallet, else pending with the reason")
            .ProducesEnvelope<TipEnvelope>(StatusCodes.Status201Created);
        tips.MapPost("/{tipId}/verify", Verify).RequireCaller()
            .WithSummary("Check a pending tip's transaction again (sender or recipient)").ProducesEnvelope<TipEnvelope>();
        tips.MapGet("/{tipId}/status", Status).RequireCaller()
            .WithSummary("A tip's verification status (sender or recipient)").ProducesEnvelope<TipStatusView>();
        tips.MapGet("/history", History).RequireCaller()
            .WithSummary("Your tips, newest first: type=sent, received, or omitted for both; page, limit").ProducesEnvelope<TipPage>();
        tips.MapGet("/stats", Stats).RequireCaller()
            .WithSummary("Your tips counted, sent and received, with verified totals per token").ProducesEnvelope<TipStats>();
        tips.MapGet("/post/{postId}", ForPost)
            .WithSummary("A post's tips (failed ones left out) and its verified totals per token; page, limit").ProducesEnvelope<PostTips>();
    }

    private static IResult Supported(TipService tips, MindSwarmDialect dialect) => dialect.Ok(tips.Supported());

    private static async Task<IResult> Send(Body<SendTipRequest> body, Caller caller, TipService tips, MindSwarmDialect dialect, CancellationToken ct)
    {
        var tip = await tips.SendAsync(caller, body.Value, ct);
        return dialect.Ok(new TipEnvelope(tip, Describe(tip)), StatusCodes.Status201Created);
    }

    private static async Task<IResult> Verify(string tipId, Caller caller, TipService tips, MindSwarmDialect dialect, CancellationToken ct)
    {
        var tip = await tips.ReverifyAsync(caller, tipId, ct);
        return dialect.Ok(new TipEnvelope(tip, Describe(tip)));
    }

    private static async Task<IResult> Status(string tipId, Caller caller, TipService tips, MindSwarmDialect dialect, CancellationToken ct) =>
        dialect.Ok(await tips.StatusAsync(caller, tipId, ct));

    private static async Task<IResult> History(HttpRequest request, Caller caller, TipService tips, MindSwarmDialect dialect, CancellationToken ct) =>
        dialect.Ok(await tips.HistoryAsync(caller, request.Query["type"], Query.Pages(request, 20, 100), ct));

    private static async Task<IResult> Stats(Caller caller, TipService tips, MindSwarmDialect dialect, CancellationToken ct) =>
        dialect.Ok(await tips.StatsAsync(caller, ct));

    private static async Task<IResult> ForPost(string postId, HttpContext context, TipService tips, MindSwarmDialect dialect, CancellationToken ct)
    {
        var caller = await context.GetCallerAsync();
        return dialect.Ok(await tips.ForPostAsync(caller?.AccountId, postId, Query.Pages(context.Request, 20, 100), ct));
    }

    private static string Describe(TipView tip) => tip.Status switch
    {
        TipStatus.Verified => "Tip verified on chain",
        TipStatus.Failed => "Tip verification failed: " + tip.StatusReason,
        _ => "Tip recorded; " + tip.StatusReason,
    };
}
