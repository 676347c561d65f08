using System.Net;

namespace Mindstack.MindSwarm.Tests;

public sealed class DraftTests(MindSwarmFactory factory) : IClassFixture<MindSwarmFactory>
{
    [Fact]
    public async Task Autosave_Versions_RestoreBringsBackOldText()
    {
        var author = await factory.RegisterAsync();
        var draft = (await author.PostDataAsync("/api/drafts/save", new { content = "Work in progress..." })).GetProperty("draft");
        var id = draft.GetProperty("id").GetString();
        Assert.Equal(1, draft.GetProperty("version").GetInt32());
        Assert.Equal("draft", draft.GetProperty("status").GetString());
        await author.PostDataAsync("/api/drafts/autosave", new { draftId = id, content = "Updated" });
        // The same text again is no new version.
        var same = (await author.PostDataAsync("/api/drafts/autosave", new { draftId = id, content = "Updated" })).GetProperty("draft");
        Assert.Equal(2, same.GetProperty("version").GetInt32());
        await author.PostDataAsync("/api/drafts/autosave", new { draftId = id, content = "Third take" });

        var full = (await author.GetDataAsync($"/api/drafts/{id}")).GetProperty("draft");
        var versions = full.GetProperty("versions").EnumerateArray().ToList();
        Assert.Equal(["Third take", "Updated", "Work in progress..."], versions.Select(v => v.GetProperty("content").GetString()));
        Assert.Equal(["autosave", "autosave", "save"], versions.Select(v => v.GetProperty("source").GetString()));

        var firstVersion = versions[2].GetProperty("id").GetString();
        var restored = (await author.PostDataAsync($"/api/drafts/{id}/restore/{firstVersion}")).GetProperty("draft");
        Assert.Equal("Work in progress...", restored.GetProperty("content").GetString());
        Assert.Equal(4, restored.GetProperty("version").GetInt32());
        Assert.Equal("restore", restored.GetProperty("versions")[0].GetProperty("source").GetString());
        var byNumber = (await author.PostDataAsync($"/api/drafts/{id}/restore/2")).GetProperty("draft");
        Assert.Equal("Updated", byNumber.GetProperty("content").GetString());

        await author.ErrorAsync(HttpMethod.Post, $"/api/drafts/{id}/restore/99", new { }, HttpStatusCode.NotFound, "VERSION_NOT_FOUND");
        var other = await factory.RegisterAsync();
        await other.ErrorAsync(HttpMethod.Get, $"/api/drafts/{id}", null, HttpStatusCode.NotFound, "DRAFT_NOT_FOUND");
        await author.ErrorAsync(HttpMethod.Post, "/api/drafts/save", new { content = new string('x', 1001) }, HttpStatusCode.BadRequest, "VALIDATION_ERROR");
        await author.ErrorAsync(HttpMethod.Post, "/api/drafts/save", new { content = " " }, HttpStatusCode.BadRequest, "VALIDATION_ERROR");
    }

    [Fact]
    public async Task Publish_Draft_BecomesPostWithMentionsAndHashtags()
    {
        var author = await factory.RegisterAsync();
        var friend = await factory.RegisterAsync();
        var id = (await author.PostDataAsync("/api/drafts/save", new { content = $"Ready #drafts @{friend.Username}" }))
            .GetProperty("draft").GetProperty("id").GetString();
        var published = await author.PostDataAsync($"/api/drafts/{id}/publish", null, HttpStatusCode.Created);
        var post = published.GetProperty("post");
        Assert.Equal(["drafts"], post.GetProperty("hashtags").EnumerateArray().Select(h => h.GetString()));
        Assert.Equal("published", published.GetProperty("draft").GetProperty("status").GetString());
        Assert.Equal(post.GetProperty("id").GetString(), published.GetProperty("draft").GetProperty("publishedPostId").GetString());
        Assert.Equal(1, await factory.EventCount("post-mentioned", post.GetProperty("id").GetString()!));
        await friend.GetDataAsync($"/api/posts/{post.GetProperty("shortId").GetString()}");
        await author.ErrorAsync(HttpMethod.Post, $"/api/drafts/{id}/publish", new { }, HttpStatusCode.BadRequest, "DRAFT_ALREADY_PUBLISHED");

        var stats = await author.GetDataAsync("/api/drafts/stats");
        Assert.Equal(1, stats.GetProperty("published").GetInt32());
        Assert.Equal(0, stats.GetProperty("drafts").GetInt32());
        Assert.Equal(0, (await author.GetDataAsync("/api/drafts")).GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task ScheduledDraft_TimeComes_PublishedByJob()
    {
        var author = await factory.RegisterAsync();
        var reader = await factory.RegisterAsync();
        await reader.PostDataAsync($"/api/users/{author.Username}/follow");
        var at = factory.Clock.GetUtcNow().AddMinutes(10).UtcDateTime;
        var draft = (await author.PostDataAsync("/api/drafts/save", new { content = "Scheduled hello", scheduledAt = at })).GetProperty("draft");
        var id = draft.GetProperty("id").GetString();
        Assert.Equal("scheduled", draft.GetProperty("status").GetString());
        Assert.Equal([id], (await author.GetDataAsync("/api/drafts/scheduled")).GetProperty("drafts").EnumerateArray()
            .Select(d => d.GetProperty("id").GetString()));
        Assert.Equal(1, (await author.GetDataAsync("/api/drafts/stats")).GetProperty("scheduled").GetInt32());
        await author.ErrorAsync(HttpMethod.Post, "/api/drafts/save", new { content = "past", scheduledAt = factory.Clock.GetUtcNow().AddMinutes(-1).UtcDateTime },
            HttpStatusCode.BadRequest, "VALIDATION_ERROR");
        Assert.Equal(0, (await reader.GetDataAsync("/api/posts/feed?type=following")).GetProperty("posts").GetArrayLength());

        factory.Clock.Advance(TimeSpan.FromMinutes(11));
        var status = await Eventually.UntilAsync(async () =>
            (await author.GetDataAsync($"/api/drafts/{id}")).GetProperty("draft").GetProperty("status").GetString(),
            s => s == "published", "the scheduled draft published");
        Assert.Equal("published", status);
        var feed = await reader.GetDataAsync("/api/posts/feed?type=following");
        Assert.Equal(["Scheduled hello"], feed.GetProperty("posts").EnumerateArray().Select(p => p.GetProperty("content").GetString()));
        Assert.Equal(0, (await author.GetDataAsync("/api/drafts/scheduled")).GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task Delete_Draft_GoneWithItsVersions()
    {
        var author = await factory.RegisterAsync();
        var id = (await author.PostDataAsync("/api/drafts/autosave", new { content = "scratch" })).GetProperty("draft").GetProperty("id").GetString();
        Assert.Equal(1, (await author.GetDataAsync("/api/drafts")).GetProperty("total").GetInt32());
        await author.DataAsync(HttpMethod.Delete, $"/api/drafts/{id}");
        await author.ErrorAsync(HttpMethod.Get, $"/api/drafts/{id}", null, HttpStatusCode.NotFound, "DRAFT_NOT_FOUND");
        Assert.Equal(0, (await author.GetDataAsync("/api/drafts/stats")).GetProperty("versions").GetInt32());
        await factory.Anonymous().ErrorAsync(HttpMethod.Get, "/api/drafts", null, HttpStatusCode.Unauthorized);
    }
}
