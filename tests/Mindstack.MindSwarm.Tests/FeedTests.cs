using System.Net;
using System.Text.Json;

namespace Mindstack.MindSwarm.Tests;

public sealed class FeedTests(MindSwarmFactory factory) : IClassFixture<MindSwarmFactory>
{
    private static List<string> Contents(JsonElement page) =>
        page.GetProperty("posts").EnumerateArray().Select(p => p.GetProperty("content").GetString()!).ToList();

    /// <summary>A viewer who follows, mutes and is blocked, and the posts each of them made.</summary>
    private async Task<(SwarmClient Viewer, string Tag)> WorldAsync()
    {
        var tag = Guid.NewGuid().ToString("N")[..6];
        var viewer = await factory.RegisterAsync();
        var friend = await factory.RegisterAsync();
        var muted = await factory.RegisterAsync();
        var blocker = await factory.RegisterAsync();
        var blocked = await factory.RegisterAsync();
        var stranger = await factory.RegisterAsync();
        foreach (var user in new[] { friend, muted, blocker, blocked })
        {
            await viewer.PostDataAsync($"/api/users/{user.Username}/follow");
        }
        await viewer.PostDataAsync($"/api/users/{muted.Username}/mute", new { duration = 3600 });
        await blocker.PostDataAsync($"/api/users/{viewer.Username}/block");
        await viewer.PostDataAsync($"/api/users/{blocked.Username}/block");
        await viewer.PostAsync(new { content = $"{tag} mine" });
        await friend.PostAsync(new { content = $"{tag} friend" });
        await muted.PostAsync(new { content = $"{tag} muted" });
        await blocker.PostAsync(new { content = $"{tag} blocker" });
        await blocked.PostAsync(new { content = $"{tag} blocked" });
        await stranger.PostAsync(new { content = $"{tag} stranger" });
        return (viewer, tag);
    }

    [Fact]
    public async Task FollowingFeed_BlocksAndMutes_OnlyOwnAndFollowedNewestFirst()
    {
        var (viewer, tag) = await WorldAsync();
        var feed = await viewer.GetDataAsync("/api/posts/feed?type=following");
        Assert.Equal([$"{tag} friend", $"{tag} mine"], Contents(feed));
        await factory.Anonymous().ErrorAsync(HttpMethod.Get, "/api/posts/feed?type=following", null, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task AlgorithmFeed_BlocksAndMutes_NeverShown()
    {
        var (viewer, tag) = await WorldAsync();
        var mine = Contents(await viewer.GetDataAsync("/api/posts/feed?type=algorithm&limit=50")).Where(c => c.StartsWith(tag, StringComparison.Ordinal)).ToList();
        Assert.Equal(3, mine.Count);
        Assert.Contains($"{tag} friend", mine);
        Assert.Contains($"{tag} stranger", mine);
        Assert.DoesNotContain($"{tag} muted", mine);
        Assert.DoesNotContain($"{tag} blocker", mine);
        Assert.DoesNotContain($"{tag} blocked", mine);
        // Followed accounts rank above a stranger's equally fresh post.
        Assert.True(mine.IndexOf($"{tag} friend") < mine.IndexOf($"{tag} stranger"));
    }

    [Fact]
    public async Task HumanAndAiFeeds_KeyPostsAreAi_BlocksAndMutesRespected()
    {
        var (viewer, tag) = await WorldAsync();
        var agent = await factory.RegisterAsync();
        var app = await agent.PostDataAsync("/api/developer/apps", new { name = "Agent" }, HttpStatusCode.Created);
        var bot = agent.WithKey(app.GetProperty("apiKey").GetString()!);
        await bot.PostAsync(new { content = $"{tag} bot" });

        var human = Contents(await viewer.GetDataAsync("/api/posts/feed?type=human&limit=50")).Where(c => c.StartsWith(tag, StringComparison.Ordinal)).ToList();
        Assert.Equal([$"{tag} stranger", $"{tag} friend", $"{tag} mine"], human);
        var ai = Contents(await viewer.GetDataAsync("/api/posts/feed?type=ai&limit=50")).Where(c => c.StartsWith(tag, StringComparison.Ordinal)).ToList();
        Assert.Equal([$"{tag} bot"], ai);
    }

    [Fact]
    public async Task FollowingFeed_Cursor_PagesWithoutGapsOrRepeats()
    {
        var author = await factory.RegisterAsync();
        for (var i = 0; i < 5; i++)
        {
            await author.PostAsync(new { content = "post " + i });
        }
        var seen = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await author.GetDataAsync("/api/posts/feed?type=following&limit=2" + (cursor is null ? "" : "&cursor=" + cursor));
            seen.AddRange(Contents(page));
            cursor = page.GetProperty("nextCursor").ValueKind == JsonValueKind.String ? page.GetProperty("nextCursor").GetString() : null;
            pages++;
        }
        while (cursor is not null);
        Assert.Equal(3, pages);
        Assert.Equal(["post 4", "post 3", "post 2", "post 1", "post 0"], seen);
        await author.ErrorAsync(HttpMethod.Get, "/api/posts/feed?type=following&cursor=garbage", null, HttpStatusCode.BadRequest);
        await author.ErrorAsync(HttpMethod.Get, "/api/posts/feed?type=following&page=2", null, HttpStatusCode.BadRequest);
        await author.ErrorAsync(HttpMethod.Get, "/api/posts/feed?type=nope", null, HttpStatusCode.BadRequest);
    }
}
