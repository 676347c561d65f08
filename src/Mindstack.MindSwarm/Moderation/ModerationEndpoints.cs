using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Mindstack.MindSwarm.Auth;
using Mindstack.Platform.Access;
using Mindstack.Platform.Accounts;
using Mindstack.Platform.Http;
using Mindstack.Platform.Storage;

namespace Mindstack.MindSwarm.Moderation;

/// <summary>Section 16, Moderation &amp; Reporting. Moderator routes need the platform role moderator (or admin); others get 403.</summary>
internal static class ModerationEndpoints
{
    public static IServiceCollection AddMindSwarmModeration(this IServiceCollection services)
    {
        services.AddModelContributor<ModerationModel>();
        services.TryAddScoped<ModerationService>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Platform.Realtime.IRealtimeCallerCheck, BannedSocketCheck>());
        return services;
    }

    public static void Map(RouteGroupBuilder api)
    {
        var moderation = api.MapGroup("/moderation");
        moderation.MapPost("/reports", Report).RequireVerifiedEmail()
            .WithSummary("Report a post, user, group or message (category: spam, harassment, violence, …)")
            .ProducesEnvelope<ReportEnvelope>(StatusCodes.Status201Created);
        moderation.MapGet("/queue", Queue).RequireRole(AccountRoles.Moderator)
            .WithSummary("The moderation queue (moderators): pending reports oldest first; status, category, targetType, page, limit")
            .ProducesEnvelope<ModerationQueueView>();
        moderation.MapPost("/reports/{id}/review", Review).RequireRole(AccountRoles.Moderator)
            .WithSummary("Review a report (moderators): dismiss, remove the content, warn or ban its account").ProducesEnvelope<ReviewResult>();
        moderation.MapPost("/warnings", Warn).RequireRole(AccountRoles.Moderator)
            .WithSummary("Warn a user (moderators): minor, major or final; two final warnings ban the account")
            .ProducesEnvelope<WarningResult>(StatusCodes.Status201Created);
        moderation.MapPost("/bans", Ban).RequireRole(AccountRoles.Moderator)
            .WithSummary("Ban a user (moderators): temporary (duration 30m, 12h, 7d, 2w), permanent, ip or shadow")
            .ProducesEnvelope<BanEnvelope>(StatusCodes.Status201Created);
        moderation.MapPost("/bans/{id}/lift", Lift).RequireRole(AccountRoles.Moderator)
            .WithSummary("Lift a ban (moderators)").ProducesEnvelope<BanEnvelope>();
        moderation.MapPost("/appeals", Appeal).WithMetadata(AllowBannedMetadata.Instance)
            .WithSummary("Appeal your ban, once; a banned account, which cannot sign in, gives login and password")
            .ProducesEnvelope<AppealEnvelope>(StatusCodes.Status201Created);
        moderation.MapPost("/appeals/{banId}/review", ReviewAppeal).RequireRole(AccountRoles.Moderator)
            .WithSummary("Decide an appeal (moderators): approve lifts the ban, or reject").ProducesEnvelope<AppealReviewResult>();
        moderation.MapGet("/users/{userId}/warnings", Warnings).RequireCaller()
            .WithSummary("A user's warnings (the user, or moderators)").ProducesEnvelope<UserWarningsView>();
        moderation.MapGet("/users/{userId}/ban-status", BanStatus).RequireCaller()
            .WithSummary("A user's bans, active and past (the user, or moderators)").ProducesEnvelope<BanStatusView>();
        moderation.MapGet("/stats", Stats).RequireRole(AccountRoles.Moderator)
            .WithSummary("Reports, warnings, bans and appeals counted (moderators)").ProducesEnvelope<ModerationStatsView>();
    }

    private static async Task<IResult> Report(Body<CreateReportRequest> body, Caller caller, ModerationService moderation, MindSwarmDialect dialect,
        CancellationToken ct) =>
        dialect.Ok(new ReportEnvelope(await moderation.ReportAsync(caller, body.Value, ct), "Report submitted"), StatusCodes.Status201Created);

    private static async Task<IResult> Queue(HttpRequest request, ModerationService moderation, MindSwarmDialect dialect, CancellationToken ct) =>
        dialect.Ok(await moderation.QueueAsync(request.Query["status"], request.Query["category"], request.Query["targetType"],
            Query.Pages(request, 20, 100), ct));

    private static async Task<IResult> Review(string id, Body<ReviewReportRequest> body, Caller caller, ModerationService moderation,
        MindSwarmDialect dialect, CancellationToken ct) =>
        dialect.Ok(await moderation.ReviewAsync(caller, id, body.Value, ct));

    private static async Task<IResult> Warn(Body<IssueWarningRequest> body, Caller caller, ModerationService moderation, MindSwarmDialect dialect,
        CancellationToken ct) =>
        dialect.Ok(await moderation.IssueWarningAsync(caller, body.Value, ct), StatusCodes.Status201Created);

    private static async Task<IResult> Ban(Body<CreateBanRequest> body, Caller caller, ModerationService moderation, MindSwarmDialect dialect,
        CancellationToken ct) =>
        dialect.Ok(new BanEnvelope(await moderation.CreateBanAsync(caller, body.Value, ct), "User banned"), StatusCodes.Status201Created);

    private static async Task<IResult> Lift(string id, HttpRequest request, Caller caller, ModerationService moderation, MindSwarmDialect dialect,
        CancellationToken ct)
    {
        // The body is optional: a plain POST lifts the ban with a default note.
        var reason = request.ContentLength is > 0 ? (await Body<LiftBanRequest>.BindAsync(request.HttpContext, null!))?.Value.Reason : null;
        return dialect.Ok(new BanEnvelope(await moderation.LiftAsync(caller, id, reason, ct), "Ban lifted"));
    }

    private static async Task<IResult> Appeal(Body<CreateAppealRequest> body, HttpContext context, ModerationService moderation,
        MindSwarmDialect dialect, CancellationToken ct) =>
        dialect.Ok(new AppealEnvelope(await moderation.AppealAsync(context, body.Value, ct), "Appeal submitted"), StatusCodes.Status201Created);

    private static async Task<IResult> ReviewAppeal(string banId, Body<ReviewAppealRequest> body, Caller caller, ModerationService moderation,
        MindSwarmDialect dialect, CancellationToken ct) =>
        dialect.Ok(await moderation.ReviewAppealAsync(caller, banId, body.Value, ct));

    private static async Task<IResult> Warnings(string userId, Caller caller, ModerationService moderation, MindSwarmDialect dialect,
        CancellationToken ct) =>
        dialect.Ok(await moderation.WarningsAsync(caller, userId, ct));

    private static async Task<IResult> BanStatus(string userId, Caller caller, ModerationService moderation, MindSwarmDialect dialect,
        CancellationToken ct) =>
        dialect.Ok(await moderation.BanStatusAsync(caller, userId, ct));

    private static async Task<IResult> Stats(ModerationService moderation, MindSwarmDialect dialect, CancellationToken ct) =>
        dialect.Ok(await moderation.StatsAsync(ct));
}
