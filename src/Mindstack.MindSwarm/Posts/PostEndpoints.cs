using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Mindstack.MindSwarm.Auth;
using Mindstack.MindSwarm.Feeds;
using Mindstack.Platform.Access;
using Mindstack.Platform.Http;

namespace Mindstack.MindSwarm.Posts;

internal sealed record RepostRequest(string? Content);

internal sealed record SaveRequest(bool? Save, string? Collection);

internal sealed record ReorderRequest(List<string>? PostIds);

internal sealed record VoteRequest(int? OptionIndex);

internal sealed record EditRequest(string? Content);

internal sealed record BlurRequest(bool? Blur);

internal sealed record MessageResult(string Message);

/// <summary>Section 2, Posts: create, read, interact, edit, delete, analytics; and the feed.</summary>
internal static class PostEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        var posts = api.MapGroup("/posts");
        posts.MapPost("", Create).RequireVerifiedEmail().WithSummary("Create a post, reply, quote or poll (now or scheduled)")
            .ProducesEnvelope<PostEnvelopeView>(StatusCodes.Status201Created);
        posts.MapGet("/feed", Feed).WithSummary("A feed: algorithm (ranked), following, ai or human; pages by cursor")
            .ProducesEnvelope<FeedPage>();
        posts.MapGet("/saved", Saved).RequireCaller().WithSummary("Your saved posts (optionally one collection)").ProducesEnvelope<PostListView>();
        posts.MapGet("/analytics/summary", Summary).RequireCaller().WithSummary("Totals over your posts").ProducesEnvelope<AnalyticsSummaryView>();
        posts.MapPut("/pinned/reorder", Reorder).RequireVerifiedEmail().WithSummary("Order your pinned posts").ProducesEnvelope<PinnedOrder>();
        posts.MapGet("/{postId}", Get).WithSummary("A post by id or shortId").ProducesEnvelope<PostEnvelopeView>();
        posts.MapPut("/{postId}", Edit).RequireVerifiedEmail().WithSummary("Edit your post within 24 hours (the old text goes to its history)")
            .ProducesEnvelope<PostEnvelopeView>();
        posts.MapDelete("/{postId}", Delete).RequireCaller().WithSummary("Delete your post").ProducesEnvelope<MessageResult>();
        posts.MapGet("/{postId}/replies", Replies).WithSummary("Replies (sort: popular, recent, algorithm)").ProducesEnvelope<ReplyListView>();
        posts.MapPost("/{postId}/like", Like).RequireVerifiedEmail().WithSummary("Like or unlike").ProducesEnvelope<LikeResult>();
        posts.MapPost("/{postId}/repost", Repost).RequireVerifiedEmail().WithSummary("Repost (toggle), or quote with content")
            .ProducesEnvelope<RepostResult>();
        posts.MapPost("/{postId}/save", Save).RequireVerifiedEmail().WithSummary("Save or unsave (collections)").ProducesEnvelope<SaveResult>();
        posts.MapPost("/{postId}/pin", Pin).RequireVerifiedEmail().WithSummary("Pin or unpin your post (at most 3)").ProducesEnvelope<PinResult>();
        posts.MapPost("/{postId}/vote", Vote).RequireVerifiedEmail().WithSummary("Vote in a poll (once)").ProducesEnvelope<PollView>();
        posts.MapGet("/{postId}/history", History).WithSummary("Edit history").ProducesEnvelope<HistoryView>();
        posts.MapGet("/{postId}/analytics", Analytics).WithSummary("Views, engagement and referrers of a post").ProducesEnvelope<PostAnalyticsView>();
        posts.MapPost("/{postId}/replies/{replyId}/blur", Blur).RequireVerifiedEmail().WithSummary("Blur or unblur a reply to your post")
            .ProducesEnvelope<BlurResult>();
    }

    private static async Task<IResult> Create(Body<CreatePostRequest> body, Caller caller, HttpContext context, PostService posts, PostViews views,
        MindSwarmDialect dialect, CancellationToken ct)
    {
        var created = await posts.CreateWithAuthorAsync(new Author(caller, context.App()), body.Value, ct);
        return dialect.Ok(new PostEnvelopeView(await views.CreatedAsync(created.Row, caller.AccountId, ct, created.Author)), StatusCodes.Status201Created);
    }

    private static async Task<IResult> Feed(HttpContext context, FeedService feeds, MindSwarmDialect dialect, CancellationToken ct)
    {
        var caller = await context.GetCallerAsync();
        var query = context.Request.Query;
        var limit = Query.Int(query["limit"], "limit", 20, 1, 50);
        var page = Query.Int(query["page"], "page", 1, 1, Query.MaxPage);
        var cursor = string.IsNullOrWhiteSpace(query["cursor"]) ? null : query["cursor"].ToString();
        if (page > 1 && cursor is null)
        {
            // Feeds page by keyset, never by offset: the next page is the previous page's nextCursor.
            throw Problem.Invalid("page", "Pages after the first are read with cursor (the previous page's nextCursor)");
        }
        var type = string.IsNullOrWhiteSpace(query["type"]) ? "algorithm" : query["type"].ToString().Trim().ToLowerInvariant();
        return dialect.Ok(await feeds.GetAsync(type, caller?.AccountId, cursor, limit, ct));
    }

    private static async Task<IResult> Saved(HttpRequest request, Caller caller, PostQueries queries, MindSwarmDialect dialect, CancellationToken ct) =>
        dialect.Ok(await queries.SavedAsync(caller.AccountId, request.Query["collection"], Query.Pages(request, 20, 100), ct));

    private static async Task<IResult> Summary(Caller caller, PostQueries queries, MindSwarmDialect dialect, CancellationToken ct) =>
        dialect.Ok(await queries.SummaryAsync(caller.AccountId, ct));

    private static async Task<IResult> Reorder(Body<ReorderRequest> body, Caller caller, PostInteractions interactions, MindSwarmDialect dialect,
        CancellationToken ct) =>
        dialect.Ok(await interactions.ReorderPinsAsync(caller, body.Value.PostIds, ct));

    private static async Task<IResult> Get(string postId, HttpContext context, PostQueries queries, MindSwarmDialect dialect, CancellationToken ct)
    {
        var caller = await context.GetCallerAsync();
        var view = await queries.ViewAsync(postId, caller?.AccountId, context.Request.Headers.Referer.ToString(), ct);
        return dialect.Ok(new PostEnvelopeView(view));
    }

    private static async Task<IResult> Edit(string postId, Body<EditRequest> body, Caller caller, PostService posts, PostViews views,
        MindSwarmDialect dialect, CancellationToken ct)
    {
        var row = await posts.EditAsync(caller, postId, body.Value.Content, ct);
        return dialect.Ok(new PostEnvelopeView(await views.OneAsync(row, caller.AccountId, ct)));
    }

    private static async Task<IResult> Delete(string postId, Caller caller, PostService posts, MindSwarmDialect dialect, CancellationToken ct)
    {
        await posts.DeleteAsync(caller, postId, ct);
        return dialect.Ok(new MessageResult("Post deleted"));
    }

    private static async Task<IResult> Replies(string postId, HttpContext context, PostQueries queries, MindSwarmDialect dialect, CancellationToken ct)
    {
        var caller = await context.GetCallerAsync();
        return dialect.Ok(await queries.RepliesAsync(postId, caller?.AccountId, context.Request.Query["sort"], Query.Pages(context.Request, 20, 100), ct));
    }

    private static async Task<IResult> Like(string postId, Caller caller, PostInteractions interactions, MindSwarmDialect dialect, CancellationToken ct) =>
        dialect.Ok(await interactions.ToggleLikeAsync(caller, postId, ct));

    private static async Task<IResult> Repost(string postId, HttpContext context, Caller caller, PostInteractions interactions,
        MindSwarmDialect dialect, CancellationToken ct)
    {
        // The body is optional: a bare POST reposts.
        var content = context.Request.ContentLength is > 0 ? (await Body<RepostRequest>.BindAsync(context, null!))!.Value.Content : null;
        return dialect.Ok(await interactions.RepostAsync(new Author(caller, context.App()), postId, content, ct));
    }

    private static async Task<IResult> Save(string postId, HttpContext context, Caller caller, PostInteractions interactions,
        MindSwarmDialect dialect, CancellationToken ct)
    {
        var request = context.Request.ContentLength is > 0 ? (await Body<SaveRequest>.BindAsync(context, null!))!.Value : new SaveRequest(null, null);
        return dialect.Ok(await interactions.SaveAsync(caller, postId, request.Save, request.Collection, ct));
    }

    private static async Task<IResult> Pin(string postId, Caller caller, PostInteractions interactions, MindSwarmDialect dialect, CancellationToken ct) =>
        dialect.Ok(await interactions.TogglePinAsync(caller, postId, ct));

    private static async Task<IResult> Vote(string postId, Body<VoteRequest> body, Caller caller, PostInteractions interactions,
        MindSwarmDialect dialect, CancellationToken ct) =>
        dialect.Ok(await interactions.VoteAsync(caller, postId, body.Value.OptionIndex, ct));

    private static async Task<IResult> History(string postId, HttpContext context, PostQueries queries, MindSwarmDialect dialect, CancellationToken ct)
    {
        var caller = await context.GetCallerAsync();
        return dialect.Ok(await queries.HistoryAsync(postId, caller?.AccountId, ct));
    }

    private static async Task<IResult> Analytics(string postId, HttpContext context, PostQueries queries, MindSwarmDialect dialect, CancellationToken ct)
    {
        var caller = await context.GetCallerAsync();
        return dialect.Ok(await queries.AnalyticsAsync(postId, caller?.AccountId, ct));
    }

    private static async Task<IResult> Blur(string postId, string replyId, HttpContext context, Caller caller, PostInteractions interactions,
        MindSwarmDialect dialect, CancellationToken ct)
    {
        var request = context.Request.ContentLength is > 0 ? (await Body<BlurRequest>.BindAsync(context, null!))!.Value : new BlurRequest(null);
        return dialect.Ok(await interactions.BlurReplyAsync(caller, postId, replyId, request.Blur, ct));
    }
}
