using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Mindstack.MindSwarm.Auth;
using Mindstack.MindSwarm.Posts;
using Mindstack.Platform.Access;
using Mindstack.Platform.Http;
using Mindstack.Platform.Storage;

namespace Mindstack.MindSwarm.Groups;

/// <summary>Section 4, Groups (plus the join-request routes a private group needs).</summary>
internal static class GroupEndpoints
{
    public static IServiceCollection AddMindSwarmGroups(this IServiceCollection services)
    {
        services.AddModelContributor<GroupModel>();
        services.TryAddScoped<GroupService>();
        return services;
    }

    public static void Map(RouteGroupBuilder api)
    {
        var groups = api.MapGroup("/groups");
        groups.MapGet("", List).WithSummary("Groups you may see (public, private, and secret ones you belong to)").ProducesEnvelope<GroupListView>();
        groups.MapGet("/search", Search).WithSummary("Search groups by name, slug or description").ProducesEnvelope<GroupListView>();
        groups.MapPost("", Create).RequireVerifiedEmail().WithSummary("Create a group (privacy: public, private or secret); you own it")
            .ProducesEnvelope<GroupEnvelope>(StatusCodes.Status201Created);
        groups.MapPost("/join/{inviteCode}", JoinByCode).RequireVerifiedEmail().WithSummary("Join a group by invite code")
            .ProducesEnvelope<MembershipResult>();
        groups.MapGet("/user/{userId}", OfUser).WithSummary("The groups a user belongs to").ProducesEnvelope<GroupListView>();
        groups.MapGet("/{slug}", Get).WithSummary("A group by slug (or id); a secret group is 404 to non-members").ProducesEnvelope<GroupEnvelope>();
        groups.MapPut("/{groupId}", Update).RequireVerifiedEmail().WithSummary("Edit the group (owner, admins)").ProducesEnvelope<GroupEnvelope>();
        groups.MapPost("/{groupId}/join", Join).RequireVerifiedEmail().WithSummary("Join a public group, or ask to join a private one")
            .ProducesEnvelope<MembershipResult>();
        groups.MapPost("/{groupId}/leave", Leave).RequireCaller().WithSummary("Leave the group (or withdraw your join request)")
            .ProducesEnvelope<MembershipResult>();
        groups.MapGet("/{groupId}/members", Members).WithSummary("Members with their roles").ProducesEnvelope<GroupMembersView>();
        groups.MapGet("/{groupId}/requests", Requests).RequireCaller().WithSummary("Pending join requests (owner, admins, moderators)")
            .ProducesEnvelope<JoinRequestsView>();
        groups.MapPost("/{groupId}/requests/{userId}/approve", Approve).RequireVerifiedEmail().WithSummary("Approve a join request")
            .ProducesEnvelope<MembershipResult>();
        groups.MapPost("/{groupId}/requests/{userId}/deny", Deny).RequireVerifiedEmail().WithSummary("Deny a join request")
            .ProducesEnvelope<MembershipResult>();
        groups.MapPut("/{groupId}/members/{userId}/role", SetRole).RequireVerifiedEmail().WithSummary("Change a member's role (owner, admins)")
            .ProducesEnvelope<RoleResult>();
        groups.MapDelete("/{groupId}/members/{userId}", Remove).RequireVerifiedEmail().WithSummary("Remove a member ranked below you")
            .ProducesEnvelope<MembershipResult>();
        groups.MapPost("/{groupId}/ban/{userId}", Ban).RequireVerifiedEmail().WithSummary("Ban a user (cannot rejoin; their posts are hidden)")
            .ProducesEnvelope<BanResult>();
        groups.MapDelete("/{groupId}/ban/{userId}", Unban).RequireVerifiedEmail().WithSummary("Lift a ban").ProducesEnvelope<BanResult>();
        groups.MapGet("/{groupId}/posts", Posts).WithSummary("The group's posts, newest first; pages by cursor").ProducesEnvelope<GroupPostsView>();
        groups.MapPost("/{groupId}/posts", CreatePost).RequireVerifiedEmail().WithSummary("Post in the group (members)")
            .ProducesEnvelope<PostEnvelopeView>(StatusCodes.Status201Created);
        groups.MapPost("/{groupId}/invite", Invite).RequireVerifiedEmail().WithSummary("Create an invite code (optionally for one user, who is notified)")
            .ProducesEnvelope<InviteView>(StatusCodes.Status201Created);
    }

    private static async Task<IResult> List(HttpContext context, GroupService groups, MindSwarmDialect dialect, CancellationToken ct)
    {
        var caller = await context.GetCallerAsync();
        return dialect.Ok(await groups.ListAsync(caller?.AccountId, context.Request.Query["privacy"], Query.Pages(context.Request, 20, 100), ct));
    }

    private static async Task<IResult> Search(HttpContext context, GroupService groups, MindSwarmDialect dialect, CancellationToken ct)
    {
        var caller = await context.GetCallerAsync();
        return dialect.Ok(await groups.SearchAsync(caller?.AccountId, context.Request.Query["q"], Query.Pages(context.Request, 20, 100), ct));
    }

    private static async Task<IResult> Create(Body<CreateGroupRequest> body, Caller caller, GroupService groups, MindSwarmDialect dialect,
        CancellationToken ct) =>
        dialect.Ok(new GroupEnvelope(await groups.CreateAsync(caller, body.Value, ct)), StatusCodes.Status201Created);

    private static async Task<IResult> JoinByCode(string inviteCode, Caller caller, GroupService groups, MindSwarmDialect dialect, CancellationToken ct) =>
        dialect.Ok(await groups.JoinByCodeAsync(caller, inviteCode, ct));

    private static async Task<IResult> OfUser(string userId, HttpContext context, GroupService groups, MindSwarmDialect dialect, CancellationToken ct)
    {
        var caller = await context.GetCallerAsync();
        return dialect.Ok(await groups.OfUserAsync(userId, caller?.AccountId, Query.Pages(context.Request, 20, 100), ct));
    }

    private static async Task<IResult> Get(string slug, HttpContext context, GroupService groups, MindSwarmDialect dialect, CancellationToken ct)
    {
        var caller = await context.GetCallerAsync();
        return dialect.Ok(new GroupEnvelope(await groups.GetAsync(slug, caller?.AccountId, ct)));
    }

    private static async Task<IResult> Update(string groupId, Body<UpdateGroupRequest> body, Caller caller, GroupService groups,
        MindSwarmDialect dialect, CancellationToken ct) =>
        dialect.Ok(new GroupEnvelope(await groups.UpdateAsync(caller, groupId, body.Value, ct)));

    private static async Task<IResult> Join(string groupId, Caller caller, GroupService groups, MindSwarmDialect dialect, CancellationToken ct) =>
        dialect.Ok(await groups.JoinAsync(caller, groupId, ct));

    private static async Task<IResult> Leave(string groupId, Caller caller, GroupService groups, MindSwarmDialect dialect, CancellationToken ct) =>
        dialect.Ok(await groups.LeaveAsync(caller, groupId, ct));

    private static async Task<IResult> Members(string groupId, HttpContext context, GroupService groups, MindSwarmDialect dialect, CancellationToken ct)
    {
        var caller = await context.GetCallerAsync();
        return dialect.Ok(await groups.MembersAsync(groupId, caller?.AccountId, Query.Pages(context.Request, 20, 100), ct));
    }

    private static async Task<IResult> Requests(string groupId, HttpRequest request, Caller caller, GroupService groups, MindSwarmDialect dialect,
        CancellationToken ct) =>
        dialect.Ok(await groups.RequestsAsync(caller, groupId, Query.Pages(request, 20, 100), ct));

    private static async Task<IResult> Approve(string groupId, string userId, Caller caller, GroupService groups, MindSwarmDialect dialect,
        CancellationToken ct) =>
        dialect.Ok(await groups.AnswerRequestAsync(caller, groupId, userId, approve: true, ct));

    private static async Task<IResult> Deny(string groupId, string userId, Caller caller, GroupService groups, MindSwarmDialect dialect,
        CancellationToken ct) =>
        dialect.Ok(await groups.AnswerRequestAsync(caller, groupId, userId, approve: false, ct));

    private static async Task<IResult> SetRole(string groupId, string userId, Body<RoleRequest> body, Caller caller, GroupService groups,
        MindSwarmDialect dialect, CancellationToken ct) =>
        dialect.Ok(await groups.SetRoleAsync(caller, groupId, userId, body.Value.Role, ct));

    private static async Task<IResult> Remove(string groupId, string userId, Caller caller, GroupService groups, MindSwarmDialect dialect,
        CancellationToken ct) =>
        dialect.Ok(await groups.RemoveMemberAsync(caller, groupId, userId, ct));

    private static async Task<IResult> Ban(string groupId, string userId, HttpContext context, Caller caller, GroupService groups,
        MindSwarmDialect dialect, CancellationToken ct)
    {
        // The body is optional: a bare POST bans without a reason.
        var reason = context.Request.ContentLength is > 0 ? (await Body<BanRequest>.BindAsync(context, null!))!.Value.Reason : null;
        return dialect.Ok(await groups.BanAsync(caller, groupId, userId, reason, ct));
    }

    private static async Task<IResult> Unban(string groupId, string userId, Caller caller, GroupService groups, MindSwarmDialect dialect,
        CancellationToken ct) =>
        dialect.Ok(await groups.UnbanAsync(caller, groupId, userId, ct));

    private static async Task<IResult> Posts(string groupId, HttpContext context, GroupService groups, MindSwarmDialect dialect, CancellationToken ct)
    {
        var caller = await context.GetCallerAsync();
        var (cursor, limit) = Cursor(context.Request);
        return dialect.Ok(await groups.PostsAsync(groupId, caller?.AccountId, cursor, limit, ct));
    }

    private static async Task<IResult> CreatePost(string groupId, Body<CreatePostRequest> body, Caller caller, HttpContext context,
        GroupService groups, PostViews views, MindSwarmDialect dialect, CancellationToken ct)
    {
        var row = await groups.PostAsync(new Author(caller, context.App()), groupId, body.Value, ct);
        return dialect.Ok(new PostEnvelopeView(await views.CreatedAsync(row, caller.AccountId, ct)), StatusCodes.Status201Created);
    }

    private static async Task<IResult> Invite(string groupId, HttpContext context, Caller caller, GroupService groups, MindSwarmDialect dialect,
        CancellationToken ct)
    {
        var request = context.Request.ContentLength is > 0
            ? (await Body<InviteRequest>.BindAsync(context, null!))!.Value
            : new InviteRequest(null, null, null);
        return dialect.Ok(await groups.InviteAsync(caller, groupId, request, ct), StatusCodes.Status201Created);
    }

    /// <summary>
    /// <c>cursor</c> and <c>limit</c> (1–50) of a cursor-paged timeline; <c>page</c> is taken only as 1,
    /// since later pages are read by cursor (as the feeds are).
    /// </summary>
    public static (string? Cursor, int Limit) Cursor(HttpRequest request)
    {
        var limit = Query.Int(request.Query["limit"], "limit", 20, 1, 50);
        var page = Query.Int(request.Query["page"], "page", 1, 1, Query.MaxPage);
        var cursor = string.IsNullOrWhiteSpace(request.Query["cursor"]) ? null : request.Query["cursor"].ToString();
        if (page > 1 && cursor is null)
        {
            throw Problem.Invalid("page", "Pages after the first are read with cursor (the previous page's nextCursor)");
        }
        return (cursor, limit);
    }
}
