using System.Net;

namespace Mindstack.MindSwarm.Tests;

public sealed class GroupPostTests(MindSwarmFactory factory) : IClassFixture<MindSwarmFactory>
{
    private async Task<(string Id, SwarmClient Owner, SwarmClient Member)> GroupAsync()
    {
        var owner = await factory.RegisterAsync();
        var id = (await owner.PostDataAsync("/api/groups", new { name = "Group " + Guid.NewGuid().ToString("N")[..8], privacy = "public" },
            HttpStatusCode.Created)).GetProperty("group").GetProperty("id").GetString()!;
        var member = await factory.RegisterAsync();
        await member.PostDataAsync($"/api/groups/{id}/join");
        return (id, owner, member);
    }

    [Fact]
    public async Task ScheduledGroupPost_TimeComes_PublishedAndAnnouncedToMembers()
    {
        var (id, owner, member) = await GroupAsync();
        var at = factory.Clock.GetUtcNow().AddMinutes(10).UtcDateTime;
        var post = (await owner.PostDataAsync($"/api/groups/{id}/posts", new { content = "Later, in the group", scheduledAt = at }, HttpStatusCode.Created))
            .GetProperty("post");
        Assert.Empty((await member.GetDataAsync($"/api/groups/{id}/posts")).GetProperty("posts").EnumerateArray());

        factory.Clock.Advance(TimeSpan.FromMinutes(11));
        await Eventually.UntilAsync(async () => (await member.GetDataAsync($"/api/groups/{id}/posts")).GetProperty("posts").GetArrayLength(),
            n => n == 1, "the scheduled group post published");
        await NotificationTests.NotificationsAsync(member, l => NotificationTests.Has(l, "group_post", owner.Username), "the group post announced");
        // Still a group post: not on the public timeline.
        var feed = await member.GetDataAsync("/api/posts/feed?type=algorithm&limit=50");
        Assert.DoesNotContain(feed.GetProperty("posts").EnumerateArray(), p => p.GetProperty("_id").GetString() == post.GetProperty("_id").GetString());
    }

    [Fact]
    public async Task Reply_ToGroupPost_StaysInGroupAndNeedsMembership()
    {
        var (id, owner, member) = await GroupAsync();
        var post = (await owner.PostDataAsync($"/api/groups/{id}/posts", new { content = "Group thread" }, HttpStatusCode.Created)).GetProperty("post");
        var postId = post.GetProperty("_id").GetString();
        var reply = await member.PostAsync(new { content = "A reply in the group", replyTo = postId });
        var outsider = await factory.RegisterAsync();
        await outsider.ErrorAsync(HttpMethod.Post, "/api/posts", new { content = "me too", replyTo = postId }, HttpStatusCode.Forbidden, "NOT_A_MEMBER");

        var replies = (await owner.GetDataAsync($"/api/posts/{postId}/replies")).GetProperty("replies").EnumerateArray().ToList();
        Assert.Equal(["A reply in the group"], replies.Select(r => r.GetProperty("content").GetString()));
        // In the group: off the public timeline and the member's profile.
        var feed = await outsider.GetDataAsync("/api/posts/feed?type=algorithm&limit=50");
        Assert.DoesNotContain(feed.GetProperty("posts").EnumerateArray(), p => p.GetProperty("_id").GetString() == reply.GetProperty("_id").GetString());
        var profile = await outsider.GetDataAsync($"/api/users/{member.Username}/posts");
        Assert.Empty(profile.GetProperty("posts").EnumerateArray());
    }
}
