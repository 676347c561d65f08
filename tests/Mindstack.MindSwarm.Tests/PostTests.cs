using System.Net;
using System.Text.Json;

namespace Mindstack.MindSwarm.Tests;

public sealed class PostTests(MindSwarmFactory factory) : IClassFixture<MindSwarmFactory>
{
    [Fact]
    public async Task Vote_PollEndTimePasses_PollClosesAndRefusesVotes()
    {
        var author = await factory.RegisterAsync();
        var voter = await factory.RegisterAsync();
        var late = await factory.RegisterAsync();
        var post = await author.PostAsync(new { content = "Tabs or spaces?", pollOptions = new[] { "Tabs", "Spaces" }, pollDuration = 1 });
        var id = post.GetProperty("shortId").GetString();
        Assert.False(post.GetProperty("poll").GetProperty("isClosed").GetBoolean());

        var poll = await voter.PostDataAsync($"/api/posts/{id}/vote", new { optionIndex = 1 });
        Assert.Equal(1, poll.GetProperty("options")[1].GetProperty("votes").GetInt32());
        Assert.Equal(1, poll.GetProperty("userVote").GetInt32());
        await voter.ErrorAsync(HttpMethod.Post, $"/api/posts/{id}/vote", new { optionIndex = 0 }, HttpStatusCode.BadRequest, "ALREADY_VOTED");
        await late.ErrorAsync(HttpMethod.Post, $"/api/posts/{id}/vote", new { optionIndex = 5 }, HttpStatusCode.BadRequest, "VALIDATION_ERROR");

        factory.Clock.Advance(TimeSpan.FromMinutes(61));
        await late.RenewAsync();
        await late.ErrorAsync(HttpMethod.Post, $"/api/posts/{id}/vote", new { optionIndex = 0 }, HttpStatusCode.BadRequest, "POLL_CLOSED");
        var closed = (await late.GetDataAsync($"/api/posts/{id}")).GetProperty("post").GetProperty("poll");
        Assert.True(closed.GetProperty("isClosed").GetBoolean());
        Assert.Equal(1, closed.GetProperty("totalVotes").GetInt32());

        // The job closes it for good and tells the author.
        await Eventually.UntilAsync(() => factory.EventCount("poll-ended", post.GetProperty("_id").GetString()!), n => n == 1, "poll-ended event");
    }

    [Fact]
    public async Task CreatePost_BadPolls_Refused()
    {
        var author = await factory.RegisterAsync();
        await author.ErrorAsync(HttpMethod.Post, "/api/posts", new { content = "one?", pollOptions = new[] { "only" } }, HttpStatusCode.BadRequest);
        await author.ErrorAsync(HttpMethod.Post, "/api/posts", new { content = "many?", pollOptions = new[] { "a", "b", "c", "d", "e" } },
            HttpStatusCode.BadRequest);
        await author.ErrorAsync(HttpMethod.Post, "/api/posts", new { content = "long?", pollOptions = new[] { "a", "b" }, pollDuration = 169 },
            HttpStatusCode.BadRequest);
        await author.ErrorAsync(HttpMethod.Post, "/api/posts", new { content = new string('x', 1001) }, HttpStatusCode.BadRequest);
        await author.ErrorAsync(HttpMethod.Post, "/api/posts", new { content = "" }, HttpStatusCode.BadRequest);
        await author.ErrorAsync(HttpMethod.Post, "/api/posts", new { content = "who?", replyAudience = "robots" }, HttpStatusCode.BadRequest);
        await author.PostAsync(new { content = new string('x', 1000) });
        // Section 23: threats and harassment are refused.
        await author.ErrorAsync(HttpMethod.Post, "/api/posts", new { content = "I am going to kill you, you worthless stupid idiot. I will hurt you and your family." },
            HttpStatusCode.BadRequest, "CONTENT_POLICY_VIOLATION");
        await author.PostAsync(new { content = "This bug is killing me, but the fix was stupid simple." });
    }

    [Fact]
    public async Task Edit_WithinDay_KeepsHistoryThenWindowCloses()
    {
        var author = await factory.RegisterAsync();
        var other = await factory.RegisterAsync();
        var post = await author.PostAsync(new { content = "first #draft" });
        var id = post.GetProperty("shortId").GetString();
        await other.ErrorAsync(HttpMethod.Put, $"/api/posts/{id}", new { content = "hijack" }, HttpStatusCode.Forbidden);

        var edited = (await author.PutDataAsync($"/api/posts/{id}", new { content = "second #final" })).GetProperty("post");
        Assert.True(edited.GetProperty("isEdited").GetBoolean());
        Assert.Equal(new[] { "final" }, edited.GetProperty("hashtags").EnumerateArray().Select(h => h.GetString()!).ToArray());
        await author.PutDataAsync($"/api/posts/{id}", new { content = "third" });

        var history = await other.GetDataAsync($"/api/posts/{id}/history");
        Assert.Equal("third", history.GetProperty("content").GetString());
        Assert.Equal(new[] { "second #final", "first #draft" }, history.GetProperty("history").EnumerateArray().Select(h => h.GetProperty("content").GetString()!).ToArray());

        factory.Clock.Advance(TimeSpan.FromHours(24) + TimeSpan.FromMinutes(1));
        await author.RenewAsync();
        await author.ErrorAsync(HttpMethod.Put, $"/api/posts/{id}", new { content = "too late" }, HttpStatusCode.Forbidden, "EDIT_WINDOW_EXPIRED");
    }

    [Fact]
    public async Task ScheduledPost_TimeComes_PublishedByJob()
    {
        var author = await factory.RegisterAsync();
        var reader = await factory.RegisterAsync();
        await reader.PostDataAsync($"/api/users/{author.Username}/follow");
        var post = await author.PostAsync(new { content = "later", scheduledAt = factory.Clock.GetUtcNow().AddMinutes(5).UtcDateTime });
        Assert.False(post.GetProperty("isPublished").GetBoolean());
        var id = post.GetProperty("shortId").GetString();
        await reader.ErrorAsync(HttpMethod.Get, $"/api/posts/{id}", null, HttpStatusCode.NotFound);
        Assert.Equal(0, (await reader.GetDataAsync("/api/posts/feed?type=following")).GetProperty("posts").GetArrayLength());

        factory.Clock.Advance(TimeSpan.FromMinutes(6));
        var published = await Eventually.UntilAsync(async () =>
        {
            using var response = await reader.SendAsync(HttpMethod.Get, $"/api/posts/{id}");
            return response.StatusCode;
        }, status => status == HttpStatusCode.OK, "the scheduled post published");
        Assert.Equal(HttpStatusCode.OK, published);
        Assert.Equal(1, (await reader.GetDataAsync("/api/posts/feed?type=following")).GetProperty("posts").GetArrayLength());
    }

    [Fact]
    public async Task Interactions_LikeRepostSavePinReply_CountsAndFlags()
    {
        var author = await factory.RegisterAsync();
        var fan = await factory.RegisterAsync();
        var post = await author.PostAsync(new { content = "Like me @" + fan.Username });
        var id = post.GetProperty("shortId").GetString();
        Assert.Contains(fan.Username, post.GetProperty("mentions").EnumerateArray().Select(m => m.GetString()));

        var liked = await fan.PostDataAsync($"/api/posts/{id}/like");
        Assert.True(liked.GetProperty("liked").GetBoolean());
        Assert.Equal(1, liked.GetProperty("likeCount").GetInt32());
        await Eventually.UntilAsync(() => factory.EventCount("post-liked", post.GetProperty("_id").GetString()!), n => n == 1, "post-liked event");
        Assert.Equal(1, await factory.EventCount("post-mentioned", post.GetProperty("_id").GetString()!));
        var unliked = await fan.PostDataAsync($"/api/posts/{id}/like");
        Assert.False(unliked.GetProperty("liked").GetBoolean());
        await fan.PostDataAsync($"/api/posts/{id}/like");

        var repost = await fan.PostDataAsync($"/api/posts/{id}/repost");
        Assert.True(repost.GetProperty("reposted").GetBoolean());
        var quote = await fan.PostDataAsync($"/api/posts/{id}/repost", new { content = "So true" });
        Assert.Equal(post.GetProperty("_id").GetString(), quote.GetProperty("post").GetProperty("quotedPost").GetString());

        await fan.PostAsync(new { content = "A reply", replyTo = id });
        await fan.PostDataAsync($"/api/posts/{id}/save", new { save = true, collection = "gems" });
        var seen = (await fan.GetDataAsync($"/api/posts/{id}")).GetProperty("post");
        Assert.Equal(1, seen.GetProperty("likeCount").GetInt32());
        Assert.Equal(1, seen.GetProperty("repostCount").GetInt32());
        Assert.Equal(1, seen.GetProperty("quoteCount").GetInt32());
        Assert.Equal(1, seen.GetProperty("replyCount").GetInt32());
        Assert.True(seen.GetProperty("isLiked").GetBoolean());
        Assert.True(seen.GetProperty("isReposted").GetBoolean());
        Assert.True(seen.GetProperty("isSaved").GetBoolean());

        var saved = await fan.GetDataAsync("/api/posts/saved?collection=gems");
        Assert.Equal(1, saved.GetProperty("total").GetInt32());
        var replies = await author.GetDataAsync($"/api/posts/{id}/replies?sort=popular");
        Assert.Equal("A reply", replies.GetProperty("replies")[0].GetProperty("content").GetString());

        // Pins: own posts only, at most three, reorderable.
        await fan.ErrorAsync(HttpMethod.Post, $"/api/posts/{id}/pin", null, HttpStatusCode.Forbidden);
        var ids = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            ids.Add((await author.PostAsync(new { content = "pin " + i })).GetProperty("shortId").GetString()!);
        }
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(i + 1, (await author.PostDataAsync($"/api/posts/{ids[i]}/pin")).GetProperty("pinnedCount").GetInt32());
        }
        await author.ErrorAsync(HttpMethod.Post, $"/api/posts/{ids[3]}/pin", null, HttpStatusCode.BadRequest, "PIN_LIMIT_REACHED");
        await author.PutDataAsync("/api/posts/pinned/reorder", new { postIds = new[] { ids[2], ids[0], ids[1] } });
        var profilePosts = await fan.GetDataAsync($"/api/users/{author.Username}/posts");
        Assert.Equal(ids[2], profilePosts.GetProperty("posts")[0].GetProperty("shortId").GetString());

        var analytics = await author.GetDataAsync($"/api/posts/{id}/analytics");
        Assert.True(analytics.GetProperty("views").GetInt32() >= 1);
        var summary = await author.GetDataAsync("/api/posts/analytics/summary");
        Assert.Equal(5, summary.GetProperty("totalPosts").GetInt32());

        await author.DataAsync(HttpMethod.Delete, $"/api/posts/{id}");
        await fan.ErrorAsync(HttpMethod.Get, $"/api/posts/{id}", null, HttpStatusCode.NotFound, "POST_NOT_FOUND");
    }

    [Fact]
    public async Task AiDetection_AfterPublishing_FilledOnLaterFetch()
    {
        var author = await factory.RegisterAsync();
        var post = await author.PostAsync(new { content = "Just had the best coffee of my life, honestly." });
        Assert.Equal(JsonValueKind.Null, post.GetProperty("aiDetection").ValueKind);
        var detected = await Eventually.UntilAsync(
            async () => (await author.GetDataAsync($"/api/posts/{post.GetProperty("shortId").GetString()}")).GetProperty("post").GetProperty("aiDetection"),
            d => d.ValueKind == JsonValueKind.Object, "aiDetection");
        Assert.Contains(detected.GetProperty("verdict").GetString(), new[] { "ai_generated", "human", "uncertain" });
        Assert.False(post.GetProperty("isAiGenerated").GetBoolean());
    }
}
