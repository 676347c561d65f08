using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Mindstack.MindSwarm.Auth;
using Mindstack.MindSwarm.Posts;
using Mindstack.Platform.Access;
using Mindstack.Platform.Http;
using Mindstack.Platform.Jobs;
using Mindstack.Platform.Storage;

namespace Mindstack.MindSwarm.Drafts;

/// <summary>Section 13, Drafts.</summary>
internal static class DraftEndpoints
{
    public static IServiceCollection AddMindSwarmDrafts(this IServiceCollection services)
    {
        services.AddModelContributor<DraftModel>();
        services.TryAddScoped<DraftService>();
        services.AddJobHandler<PublishScheduledDraftJob>(PublishScheduledDraftJob.Name, o => o.MaxAttempts = 10);
        return services;
    }

    public static void Map(RouteGroupBuilder api)
    {
        var drafts = api.MapGroup("/drafts").RequireCaller();
        drafts.MapPost("/save", Save).WithSummary("Save a draft (new, or draftId's); scheduledAt publishes it then").ProducesEnvelope<DraftEnvelope>();
        drafts.MapPost("/autosave", Autosave).WithSummary("Autosave a draft's text (a new version when it changed)").ProducesEnvelope<DraftEnvelope>();
        drafts.MapGet("", List).WithSummary("Your drafts, last saved first").ProducesEnvelope<DraftListView>();
        drafts.MapGet("/scheduled", Scheduled).WithSummary("Your scheduled drafts, soonest first").ProducesEnvelope<ScheduledDraftsView>();
        drafts.MapGet("/stats", Stats).WithSummary("Counts of your drafts by status, versions and times").ProducesEnvelope<DraftStatsView>();
        drafts.MapGet("/{draftId}", Get).WithSummary("A draft with its versions").ProducesEnvelope<DraftEnvelope>();
        drafts.MapPost("/{draftId}/publish", Publish).RequireVerifiedEmail().WithSummary("Publish the draft as a post now")
            .ProducesEnvelope<PublishedDraftView>(StatusCodes.Status201Created);
        drafts.MapDelete("/{draftId}", Delete).WithSummary("Delete a draft and its versions").ProducesEnvelope<DraftDeletedView>();
        drafts.MapPost("/{draftId}/restore/{versionId}", Restore).WithSummary("Restore a version's text (by version id or number)")
            .ProducesEnvelope<DraftEnvelope>();
    }

    private static async Task<IResult> Save(Body<SaveDraftRequest> body, Caller caller, DraftService drafts, MindSwarmDialect dialect,
        CancellationToken ct) =>
        dialect.Ok(new DraftEnvelope(await drafts.SaveAsync(caller, body.Value, ct)));

    private static async Task<IResult> Autosave(Body<AutosaveRequest> body, Caller caller, DraftService drafts, MindSwarmDialect dialect,
        CancellationToken ct) =>
        dialect.Ok(new DraftEnvelope(await drafts.AutosaveAsync(caller, body.Value, ct)));

    private static async Task<IResult> List(HttpRequest request, Caller caller, DraftService drafts, MindSwarmDialect dialect, CancellationToken ct) =>
        dialect.Ok(await drafts.ListAsync(caller, Query.Pages(request, 20, 100), ct));

    private static async Task<IResult> Scheduled(Caller caller, DraftService drafts, MindSwarmDialect dialect, CancellationToken ct) =>
        dialect.Ok(await drafts.ScheduledAsync(caller, ct));

    private static async Task<IResult> Stats(Caller caller, DraftService drafts, MindSwarmDialect dialect, CancellationToken ct) =>
        dialect.Ok(await drafts.StatsAsync(caller, ct));

    private static async Task<IResult> Get(string draftId, Caller caller, DraftService drafts, MindSwarmDialect dialect, CancellationToken ct) =>
        dialect.Ok(new DraftEnvelope(await drafts.GetAsync(caller, draftId, ct)));

    private static async Task<IResult> Publish(string draftId, Caller caller, HttpContext context, DraftService drafts, MindSwarmDialect dialect,
        CancellationToken ct) =>
        dialect.Ok(await drafts.PublishAsync(new Author(caller, context.App()), draftId, ct), StatusCodes.Status201Created);

    private static async Task<IResult> Delete(string draftId, Caller caller, DraftService drafts, MindSwarmDialect dialect, CancellationToken ct)
    {
        await drafts.DeleteAsync(caller, draftId, ct);
        return dialect.Ok(new DraftDeletedView("Draft deleted"));
    }

    private static async Task<IResult> Restore(string draftId, string versionId, Caller caller, DraftService drafts, MindSwarmDialect dialect,
        CancellationToken ct) =>
        dialect.Ok(new DraftEnvelope(await drafts.RestoreAsync(caller, draftId, versionId, ct)));
}
