using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Mindstack.MindSwarm.Auth;
using Mindstack.MindSwarm.Groups;
using Mindstack.Platform.Access;
using Mindstack.Platform.Http;
using Mindstack.Platform.Storage;

namespace Mindstack.MindSwarm.Lists;

/// <summary>Section 12, Lists.</summary>
internal static class ListEndpoints
{
    public static IServiceCollection AddMindSwarmLists(this IServiceCollection services)
    {
        services.AddModelContributor<ListModel>();
        services.TryAddScoped<ListService>();
        return services;
    }

    public static void Map(RouteGroupBuilder api)
    {
        var lists = api.MapGroup("/lists");
        lists.MapGet("", Mine).RequireCaller().WithSummary("Your lists and the lists you subscribe to").ProducesEnvelope<ListsView>();
        lists.MapPost("", Create).RequireVerifiedEmail().WithSummary("Create a list (at most 20)").ProducesEnvelope<ListEnvelope>(StatusCodes.Status201Created);
        lists.MapGet("/{listId}", Get).WithSummary("A list and its members (a private list is 404 to others)").ProducesEnvelope<ListDetailView>();
        lists.MapPut("/{listId}", Update).RequireVerifiedEmail().WithSummary("Rename, describe or make private your list").ProducesEnvelope<ListEnvelope>();
        lists.MapDelete("/{listId}", Delete).RequireCaller().WithSummary("Delete your list").ProducesEnvelope<ListDeletedView>();
        lists.MapPost("/{listId}/members", AddMember).RequireVerifiedEmail().WithSummary("Add an account to your list (at most 500)")
            .ProducesEnvelope<ListMembershipResult>();
        lists.MapDelete("/{listId}/members/{userId}", RemoveMember).RequireVerifiedEmail().WithSummary("Take an account off your list")
            .ProducesEnvelope<ListMembershipResult>();
        lists.MapGet("/{listId}/timeline", Timeline).WithSummary("Posts of the list's members, newest first; pages by cursor")
            .ProducesEnvelope<ListTimelineView>();
        lists.MapPost("/{listId}/subscribe", Subscribe).RequireVerifiedEmail().WithSummary("Subscribe to a list").ProducesEnvelope<ListSubscriptionResult>();
        lists.MapDelete("/{listId}/subscribe", Unsubscribe).RequireCaller().WithSummary("Unsubscribe from a list").ProducesEnvelope<ListSubscriptionResult>();
    }

    private static async Task<IResult> Mine(Caller caller, ListService lists, MindSwarmDialect dialect, CancellationToken ct) =>
        dialect.Ok(await lists.MineAsync(caller, ct));

    private static async Task<IResult> Create(Body<CreateListRequest> body, Caller caller, ListService lists, MindSwarmDialect dialect,
        CancellationToken ct) =>
        dialect.Ok(new ListEnvelope(await lists.CreateAsync(caller, body.Value, ct)), StatusCodes.Status201Created);

    private static async Task<IResult> Get(string listId, HttpContext context, ListService lists, MindSwarmDialect dialect, CancellationToken ct)
    {
        var caller = await context.GetCallerAsync();
        return dialect.Ok(await lists.GetAsync(listId, caller?.AccountId, ct));
    }

    private static async Task<IResult> Update(string listId, Body<UpdateListRequest> body, Caller caller, ListService lists, MindSwarmDialect dialect,
        CancellationToken ct) =>
        dialect.Ok(new ListEnvelope(await lists.UpdateAsync(caller, listId, body.Value, ct)));

    private static async Task<IResult> Delete(string listId, Caller caller, ListService lists, MindSwarmDialect dialect, CancellationToken ct)
    {
        await lists.DeleteAsync(caller, listId, ct);
        return dialect.Ok(new ListDeletedView("List deleted"));
    }

    private static async Task<IResult> AddMember(string listId, Body<ListMemberRequest> body, Caller caller, ListService lists,
        MindSwarmDialect dialect, CancellationToken ct) =>
        dialect.Ok(await lists.AddMemberAsync(caller, listId, body.Value.UserId, ct));

    private static async Task<IResult> RemoveMember(string listId, string userId, Caller caller, ListService lists, MindSwarmDialect dialect,
        CancellationToken ct) =>
        dialect.Ok(await lists.RemoveMemberAsync(caller, listId, userId, ct));

    private static async Task<IResult> Timeline(string listId, HttpContext context, ListService lists, MindSwarmDialect dialect, CancellationToken ct)
    {
        var caller = await context.GetCallerAsync();
        var (cursor, limit) = GroupEndpoints.Cursor(context.Request);
        return dialect.Ok(await lists.TimelineAsync(listId, caller?.AccountId, cursor, limit, ct));
    }

    private static async Task<IResult> Subscribe(string listId, Caller caller, ListService lists, MindSwarmDialect dialect, CancellationToken ct) =>
        dialect.Ok(await lists.SubscribeAsync(caller, listId, subscribe: true, ct));

    private static async Task<IResult> Unsubscribe(string listId, Caller caller, ListService lists, MindSwarmDialect dialect, CancellationToken ct) =>
        dialect.Ok(await lists.SubscribeAsync(caller, listId, subscribe: false, ct));
}
