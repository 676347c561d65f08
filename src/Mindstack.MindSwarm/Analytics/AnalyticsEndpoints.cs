using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Mindstack.Platform.Access;
using Mindstack.Platform.Http;
using Mindstack.Platform.Storage;

namespace Mindstack.MindSwarm.Analytics;

/// <summary>Section 11, Analytics.</summary>
internal static class AnalyticsEndpoints
{
    public static IServiceCollection AddMindSwarmAnalytics(this IServiceCollection services)
    {
        services.AddModelContributor<AnalyticsModel>();
        services.AddOptions<AnalyticsOptions>().BindConfiguration(AnalyticsOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AnalyticsOptions>, AnalyticsOptionsValidator>());
        services.TryAddSingleton<AnalyticsQueue>();
        services.AddHostedService<AnalyticsWriter>();
        services.TryAddScoped<AnalyticsService>();
        return services;
    }

    public static void Map(RouteGroupBuilder api)
    {
        var analytics = api.MapGroup("/analytics");
        analytics.MapGet("/user/{userId}", User).WithSummary("A user's public analytics (?dateRange=today|week|month|quarter|year)")
            .ProducesEnvelope<UserAnalyticsView>();
        analytics.MapGet("/content/{contentId}", Content).WithSummary("A post's analytics: views, engagement, tracked events, sources")
            .ProducesEnvelope<ContentAnalyticsView>();
        analytics.MapGet("/dashboard", Dashboard).RequireCaller().WithSummary("Your analytics dashboard (?period=7d)")
            .ProducesEnvelope<DashboardView>();
        analytics.MapGet("/compare", Compare).RequireCaller().WithSummary("Your metrics in two periods side by side (?period1=7d&period2=30d)")
            .ProducesEnvelope<CompareView>();
        analytics.MapGet("/insights/{userId}", Insights).RequireCaller().WithSummary("Insights and recommendations (yourself; admins anyone)")
            .ProducesEnvelope<InsightsView>();
        analytics.MapGet("/insights", OwnInsights).RequireCaller().WithSummary("Your own insights and recommendations")
            .ProducesEnvelope<InsightsView>();
        analytics.MapPost("/track", Track).WithSummary("Track an event (anonymous allowed), with UTM attribution in metadata")
            .ProducesEnvelope<TrackedView>();
        analytics.MapPost("/export", Export).RequireCaller().WithSummary("Export your analytics: {period, format: json|csv} (csv answers text/csv)")
            .ProducesEnvelope<AnalyticsExportView>();
    }

    private static async Task<IResult> User(string userId, HttpRequest request, AnalyticsService analytics, MindSwarmDialect dialect,
        CancellationToken ct) =>
        dialect.Ok(await analytics.UserAsync(userId, request.Query["dateRange"], ct));

    private static async Task<IResult> Content(string contentId, HttpContext context, AnalyticsService analytics, MindSwarmDialect dialect,
        CancellationToken ct)
    {
        var caller = await context.GetCallerAsync();
        return dialect.Ok(await analytics.ContentAsync(contentId, caller?.AccountId, ct));
    }

    private static async Task<IResult> Dashboard(HttpRequest request, Caller caller, AnalyticsService analytics, MindSwarmDialect dialect,
        CancellationToken ct) =>
        dialect.Ok(await analytics.DashboardAsync(caller, request.Query["period"], ct));

    private static async Task<IResult> Compare(HttpRequest request, Caller caller, AnalyticsService analytics, MindSwarmDialect dialect,
        CancellationToken ct) =>
        dialect.Ok(await analytics.CompareAsync(caller, request.Query["period1"], request.Query["period2"], ct));

    private static async Task<IResult> Insights(string userId, Caller caller, AnalyticsService analytics, MindSwarmDialect dialect,
        CancellationToken ct) =>
        dialect.Ok(await analytics.InsightsAsync(caller, userId, ct));

    private static async Task<IResult> OwnInsights(Caller caller, AnalyticsService analytics, MindSwarmDialect dialect, CancellationToken ct) =>
        dialect.Ok(await analytics.InsightsAsync(caller, null, ct));

    private static async Task<IResult> Track(Body<TrackRequest> body, HttpContext context, AnalyticsService analytics, MindSwarmDialect dialect,
        CancellationToken ct)
    {
        var caller = await context.GetCallerAsync();
        return dialect.Ok(await analytics.TrackAsync(caller?.AccountId, body.Value, ct));
    }

    private static async Task<IResult> Export(Body<ExportRequest> body, Caller caller, AnalyticsService analytics, MindSwarmDialect dialect,
        CancellationToken ct)
    {
        var export = await analytics.ExportAsync(caller, body.Value, ct);
        if (export.Format == "csv")
        {
            var name = $"mindswarm-analytics-{export.Period.Period}.csv";
            return Results.File(System.Text.Encoding.UTF8.GetBytes(AnalyticsService.Csv(export)), "text/csv; charset=utf-8", name);
        }
        return dialect.Ok(export);
    }
}
