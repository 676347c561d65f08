using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Mindstack.Platform.Access;
using Mindstack.Platform.Accounts;
using Mindstack.Platform.Http;
using Mindstack.Platform.Storage;

namespace Mindstack.MindSwarm.Support;

/// <summary>Section 14, Support Tickets; staff routes (as the site's client calls them) need the <c>moderator</c> role.</summary>
internal static class SupportEndpoints
{
    public static IServiceCollection AddMindSwarmSupport(this IServiceCollection services)
    {
        services.AddModelContributor<SupportModel>();
        services.TryAddScoped<SupportService>();
        return services;
    }

    public static void Map(RouteGroupBuilder api)
    {
        var support = api.MapGroup("/support").RequireCaller();
        support.MapPost("", Create).WithSummary("Open a ticket (categories bug, account, abuse, feature, billing, other; at most 5 open)")
            .ProducesEnvelope<TicketEnvelope>(StatusCodes.Status201Created);
        support.MapGet("/my-tickets", Mine).WithSummary("Your tickets, newest first; filters status and category, paged by page and limit")
            .ProducesEnvelope<TicketListView>();
        support.MapGet("/admin/all", All).RequireRole(AccountRoles.Moderator)
            .WithSummary("Staff: every ticket, newest first; filters status, category and userId, paged").ProducesEnvelope<TicketListView>();
        support.MapGet("/{ticketId}", Get).WithSummary("A ticket of yours (staff: any) with its replies").ProducesEnvelope<TicketEnvelope>();
        support.MapPost("/{ticketId}/reply", Reply).WithSummary("Reply to a ticket (staff replies are marked isStaff)")
            .ProducesEnvelope<TicketReplyEnvelope>(StatusCodes.Status201Created);
        support.MapPut("/{ticketId}/status", SetStatus).RequireRole(AccountRoles.Moderator)
            .WithSummary("Staff: set a ticket's status (open, in_progress, resolved, closed); its owner is notified").ProducesEnvelope<TicketEnvelope>();
    }

    private static async Task<IResult> Create(Body<CreateTicketRequest> body, Caller caller, SupportService support, MindSwarmDialect dialect,
        CancellationToken ct) =>
        dialect.Ok(new TicketEnvelope(await support.CreateAsync(caller, body.Value, ct)), StatusCodes.Status201Created);

    private static async Task<IResult> Mine(HttpRequest request, Caller caller, SupportService support, MindSwarmDialect dialect, CancellationToken ct) =>
        dialect.Ok(await support.MineAsync(caller, Filter(request), Query.Pages(request, 20, 100), ct));

    private static async Task<IResult> All(HttpRequest request, SupportService support, MindSwarmDialect dialect, CancellationToken ct) =>
        dialect.Ok(await support.AllAsync(Filter(request), Query.Pages(request, 20, 100), ct));

    private static async Task<IResult> Get(string ticketId, Caller caller, SupportService support, MindSwarmDialect dialect, CancellationToken ct) =>
        dialect.Ok(new TicketEnvelope(await support.GetAsync(caller, ticketId, ct)));

    private static async Task<IResult> Reply(string ticketId, Body<TicketReplyRequest> body, Caller caller, SupportService support,
        MindSwarmDialect dialect, CancellationToken ct) =>
        dialect.Ok(await support.ReplyAsync(caller, ticketId, body.Value, ct), StatusCodes.Status201Created);

    private static async Task<IResult> SetStatus(string ticketId, Body<TicketStatusRequest> body, Caller caller, SupportService support,
        MindSwarmDialect dialect, CancellationToken ct) =>
        dialect.Ok(new TicketEnvelope(await support.SetStatusAsync(caller, ticketId, body.Value, ct)));

    private static TicketFilter Filter(HttpRequest request)
    {
        static string? Read(HttpRequest request, string name) =>
            request.Query[name].ToString() is { Length: > 0 } value ? value.Trim().ToLowerInvariant() : null;
        return new TicketFilter(Read(request, "status"), Read(request, "category"),
            request.Query["userId"].ToString() is { Length: > 0 } user ? user.Trim() : null);
    }
}
