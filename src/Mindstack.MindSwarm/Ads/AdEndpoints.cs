using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Mindstack.MindSwarm.Auth;
using Mindstack.Platform.Access;
using Mindstack.Platform.Accounts;
using Mindstack.Platform.Http;
using Mindstack.Platform.Jobs;
using Mindstack.Platform.Limits;
using Mindstack.Platform.Storage;

namespace Mindstack.MindSwarm.Ads;

/// <summary>Section 15, Advertisements, with its admin routes (admins only; others get 403).</summary>
internal static class AdEndpoints
{
    public static IServiceCollection AddMindSwarmAds(this IServiceCollection services)
    {
        services.AddOptions<AdOptions>().BindConfiguration(AdOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AdOptions>, AdOptionsValidator>());
        services.AddModelContributor<AdModel>();
        services.TryAddScoped<AdService>();
        services.TryAddScoped<AdInsights>();
        services.AddJobHandler<VerifyAdPaymentJob>(VerifyAdPaymentJob.Name, o => o.MaxAttempts = 5);
        return services;
    }

    public static void Map(RouteGroupBuilder api)
    {
        var ads = api.MapGroup("/ads");
        ads.MapGet("/active", Active)
            .WithSummary("The ads served now: {banner, inline, settings}; least-shown first with a random tiebreak; linkUrl tagged utm_source=mindswarm")
            .ProducesEnvelope<ActiveAds>();
        ads.MapGet("/settings", Settings).WithSummary("Display settings, free mode, auto-approve and the daily rate per token").ProducesEnvelope<AdSettings>();
        ads.MapPost("", Create).RequireVerifiedEmail()
            .WithSummary("Submit an ad (draft: true keeps it a draft): AI moderation, then pending_review, or approved with auto-approve")
            .ProducesEnvelope<AdEnvelope>(StatusCodes.Status201Created);
        ads.MapGet("/my-ads", Mine).RequireCaller().WithSummary("Your ads, newest first; page, limit").ProducesEnvelope<AdPage>();
        ads.MapPost("/{adId}/submit", Submit).RequireCaller().WithSummary("Send a draft ad into review").ProducesEnvelope<AdEnvelope>();
        ads.MapPost("/{adId}/pay", Pay).RequireCaller()
            .WithSummary("Pay for an approved ad: free mode or a zero rate activates at once; else on chain (transactionHash unique across ads, tips and boosts), verified with retries")
            .ProducesEnvelope<AdPayResult>();
        ads.MapPost("/{adId}/track", Track)
            .WithSummary("Count an impression (once per ad and address in 5 minutes) or a click; no sign-in").ProducesEnvelope<TrackResult>();
        ads.MapPatch("/{adId}", Update).RequireCaller()
            .WithSummary("Edit an ad (owner or admin); a changed approved, active or rejected ad goes through approval again").ProducesEnvelope<AdEnvelope>();
        ads.MapDelete("/{adId}", Cancel).RequireCaller().WithSummary("Cancel an ad, in any status; it ends now").ProducesEnvelope<AdEnvelope>();

        var admin = api.MapGroup("/admin").RequireRole(AccountRoles.Admin);
        admin.MapPost("/ads/{adId}/review", Review)
            .WithSummary("Approve or reject an ad awaiting review (admins); approving a paid ad still in its window makes it active again")
            .ProducesEnvelope<AdEnvelope>();
        admin.MapPut("/ads/{adId}/status", SetStatus)
            .WithSummary("Pause or resume an ad (admins): active ↔ paused only; resuming past its end date expires it").ProducesEnvelope<AdEnvelope>();
        admin.MapGet("/ads/{adId}/stats", Stats)
            .WithSummary("An ad's impressions, clicks and CTR (admins): window of days (1-90, default 30), lifetime, zero-filled daily series")
            .ProducesEnvelope<AdStats>();
        admin.MapGet("/inbound/stats", Inbound)
            .WithSummary("Landings and signups (admins): days 1-90, groupBy source or campaign; null UTM in (direct)").ProducesEnvelope<InboundStats>();
        admin.MapGet("/dashboard/trends", Trends)
            .WithSummary("Users, posts, engagement, top hashtags and countries, account status and content breakdown (admins): days 7-90")
            .ProducesEnvelope<DashboardTrends>();
    }

    private static async Task<IResult> Active(AdService ads, MindSwarmDialect dialect, CancellationToken ct) => dialect.Ok(await ads.ActiveAsync(ct));

    private static IResult Settings(AdService ads, MindSwarmDialect dialect) => dialect.Ok(ads.Settings());

    private static async Task<IResult> Create(Body<CreateAdRequest> body, Caller caller, AdService ads, MindSwarmDialect dialect, CancellationToken ct)
    {
        var ad = await ads.CreateAsync(caller, body.Value, ct);
        return dialect.Ok(new AdEnvelope(ad, Describe(ad)), StatusCodes.Status201Created);
    }

    private static async Task<IResult> Mine(HttpRequest request, Caller caller, AdService ads, MindSwarmDialect dialect, CancellationToken ct) =>
        dialect.Ok(await ads.MineAsync(caller, Query.Pages(request, 20, 100), ct));

    private static async Task<IResult> Submit(string adId, Caller caller, AdService ads, MindSwarmDialect dialect, CancellationToken ct)
    {
        var ad = await ads.SubmitAsync(caller, adId, ct);
        return dialect.Ok(new AdEnvelope(ad, Describe(ad)));
    }

    private static async Task<IResult> Pay(string adId, HttpRequest request, Caller caller, AdService ads, MindSwarmDialect dialect, CancellationToken ct)
    {
        // The body is optional: in free mode (or at a zero rate) an empty POST activates the ad.
        var body = request.ContentLength is > 0 || request.Headers.TransferEncoding.Count > 0
            ? (await Body<PayAdRequest>.BindAsync(request.HttpContext, null!))?.Value
            : null;
        return dialect.Ok(await ads.PayAsync(caller, adId, body ?? new PayAdRequest(null, null, null, null, null), ct));
    }

    private static async Task<IResult> Track(string adId, Body<TrackAdRequest> body, HttpContext context, AdService ads, MindSwarmDialect dialect,
        CancellationToken ct) =>
        dialect.Ok(await ads.TrackAsync(adId, body.Value, ClientAddress.Of(context), ct));

    private static async Task<IResult> Update(string adId, Body<UpdateAdRequest> body, Caller caller, AdService ads, MindSwarmDialect dialect,
        CancellationToken ct)
    {
        var ad = await ads.UpdateAsync(caller, adId, body.Value, ct);
        return dialect.Ok(new AdEnvelope(ad, Describe(ad)));
    }

    private static async Task<IResult> Cancel(string adId, Caller caller, AdService ads, MindSwarmDialect dialect, CancellationToken ct) =>
        dialect.Ok(new AdEnvelope(await ads.CancelAsync(caller, adId, ct), "Ad cancelled"));

    private static async Task<IResult> Review(string adId, Body<ReviewAdRequest> body, AdService ads, MindSwarmDialect dialect, CancellationToken ct)
    {
        var ad = await ads.DecideAsync(adId, body.Value, ct);
        return dialect.Ok(new AdEnvelope(ad, Describe(ad)));
    }

    private static async Task<IResult> SetStatus(string adId, Body<AdStatusRequest> body, AdService ads, MindSwarmDialect dialect, CancellationToken ct)
    {
        var ad = await ads.SetStatusAsync(adId, body.Value, ct);
        return dialect.Ok(new AdEnvelope(ad, ad.Status == AdStatus.Expired ? "Ad is past its end date: expired instead of resumed" : Describe(ad)));
    }

    private static async Task<IResult> Stats(string adId, HttpRequest request, AdInsights insights, MindSwarmDialect dialect, CancellationToken ct) =>
        dialect.Ok(await insights.StatsAsync(adId, AdInsights.Days(request.Query["days"], 30, 1, 90), ct));

    private static async Task<IResult> Inbound(HttpRequest request, AdInsights insights, MindSwarmDialect dialect, CancellationToken ct)
    {
        var groupBy = string.IsNullOrWhiteSpace(request.Query["groupBy"]) ? "source" : request.Query["groupBy"].ToString().Trim().ToLowerInvariant();
        if (groupBy is not ("source" or "campaign"))
        {
            throw Problem.Invalid("groupBy", "groupBy must be source or campaign");
        }
        return dialect.Ok(await insights.InboundAsync(AdInsights.Days(request.Query["days"], 30, 1, 90), groupBy, ct));
    }

    private static async Task<IResult> Trends(HttpRequest request, AdInsights insights, MindSwarmDialect dialect, CancellationToken ct) =>
        dialect.Ok(await insights.TrendsAsync(AdInsights.Days(request.Query["days"], 30, 7, 90), ct));

    private static string Describe(AdView ad) => ad.Status switch
    {
        AdStatus.Draft => "Ad saved as a draft",
        AdStatus.PendingReview => ad.ModerationFlagged ? "Ad flagged by AI moderation; awaiting admin review" : "Ad submitted for review",
        AdStatus.Approved => "Ad approved; pay to activate it",
        AdStatus.Active => "Ad is active",
        AdStatus.Paused => "Ad paused",
        AdStatus.Rejected => "Ad rejected",
        AdStatus.Cancelled => "Ad cancelled",
        AdStatus.Expired => "Ad has expired",
        _ => "Ad updated",
    };
}
