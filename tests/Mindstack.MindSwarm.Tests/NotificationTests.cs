using System.Net;
using System.Text.Json;

namespace Mindstack.MindSwarm.Tests;

public sealed class NotificationTests(MindSwarmFactory factory) : IClassFixture<MindSwarmFactory>
{
    /// <summary>The account's notifications once those matching <paramref name="done"/> have arrived (they are made from the outbox).</summary>
    internal static Task<JsonElement[]> NotificationsAsync(SwarmClient client, Func<JsonElement[], bool> done, string what) =>
        Eventually.UntilAsync(
            async () => (await client.GetDataAsync("/api/notifications?limit=100")).GetProperty("notifications").EnumerateArray().ToArray(),
            done, what);

    internal static bool Has(JsonElement[] list, string type, string? from = null) =>
        list.Any(n => n.GetProperty("type").GetString() == type
            && (from is null || n.GetProperty("sender").ValueKind == JsonValueKind.Object && n.GetProperty("sender").GetProperty("username").GetString() == from));

    [Fact]
    public async Task Notifications_PostActionsAndFollows_EachCreatesItsType()
    {
        var author = await factory.RegisterAsync();
        var actor = await factory.RegisterAsync();
        var post = await author.PostAsync(new { content = "Notify me" });
        var id = post.GetProperty("_id").GetString()!;

        await actor.PostDataAsync($"/api/users/{author.Username}/follow");
        await actor.PostDataAsync($"/api/posts/{id}/like");
        await actor.PostAsync(new { content = "A reply", replyTo = id });
        await actor.PostDataAsync($"/api/posts/{id}/repost", new { });
        await actor.PostDataAsync($"/api/posts/{id}/repost", new { content = "Quoting this" });
        await actor.PostAsync(new { content = $"Hello @{author.Username}" });

        string[] expected = ["follow", "like", "reply", "repost", "quote", "mention"];
        var list = await NotificationsAsync(author, l => expected.All(t => Has(l, t, actor.Username)), "every post and follow notification");
        var like = list.First(n => n.GetProperty("type").GetString() == "like");
        Assert.Equal(id, like.GetProperty("post").GetProperty("_id").GetString());
        Assert.Equal("Notify me", like.GetProperty("post").GetProperty("content").GetString());
        Assert.False(like.GetProperty("read").GetBoolean());
        Assert.Contains(actor.Username, like.GetProperty("message").GetString());
        var reply = list.First(n => n.GetProperty("type").GetString() == "reply");
        Assert.Equal("A reply", reply.GetProperty("post").GetProperty("content").GetString());
        // The actor is told nothing of its own doings.
        var actors = (await actor.GetDataAsync("/api/notifications")).GetProperty("notifications").EnumerateArray();
        Assert.DoesNotContain(actors, n => n.GetProperty("type").GetString() is "like" or "reply");
    }

    [Fact]
    public async Task Notifications_FollowRequestAcceptedAndReferral_Created()
    {
        var star = await factory.RegisterAsync();
        var fan = await factory.RegisterAsync();
        await star.PutDataAsync("/api/users/settings", new { privacy = new { privateAccount = true } });
        await fan.PostDataAsync($"/api/users/{star.Username}/follow");
        var requests = await NotificationsAsync(star, l => Has(l, "follow_request", fan.Username), "follow_request");
        var requestId = requests.First(n => n.GetProperty("type").GetString() == "follow_request").GetProperty("targetId").GetString();
        // The notification names the request, which is accepted by that id.
        await star.PostDataAsync($"/api/users/follow-requests/{requestId}", new { action = "accept" });
        await NotificationsAsync(fan, l => Has(l, "follow_accepted", star.Username), "follow_accepted");

        var code = (await star.GetDataAsync("/api/auth/me")).GetProperty("user").GetProperty("referralCode").GetString();
        var anonymous = factory.Anonymous();
        var challenge = await anonymous.GetDataAsync("/api/auth/challenge");
        var name = "ref" + Guid.NewGuid().ToString("N")[..8];
        await anonymous.PostDataAsync("/api/auth/register", new
        {
            email = name + "@example.com",
            username = name,
            password = "BotPass1234!",
            challengeToken = challenge.GetProperty("token").GetString(),
            challengeAnswer = MindSwarmFactory.Solve(challenge.GetProperty("question").GetString()!),
            referralCode = code,
        }, HttpStatusCode.Created);
        await NotificationsAsync(star, l => Has(l, "referral", name), "referral");
    }

    [Fact]
    public async Task Notifications_MarkReadCountAndDeleteAll_Applied()
    {
        var author = await factory.RegisterAsync();
        var fans = new[] { await factory.RegisterAsync(), await factory.RegisterAsync(), await factory.RegisterAsync() };
        foreach (var fan in fans)
        {
            await fan.PostDataAsync($"/api/users/{author.Username}/follow");
        }
        var list = await NotificationsAsync(author, l => l.Length == 3, "three follows");
        Assert.Equal(3, (await author.GetDataAsync("/api/notifications/unread-count")).GetProperty("count").GetInt32());

        var page = await author.GetDataAsync("/api/notifications?page=2&limit=2");
        Assert.Equal(1, page.GetProperty("notifications").GetArrayLength());
        Assert.Equal(3, page.GetProperty("total").GetInt32());

        var marked = await author.PutDataAsync("/api/notifications/read", new { notificationIds = new[] { list[0].GetProperty("_id").GetString() } });
        Assert.Equal(1, marked.GetProperty("modified").GetInt32());
        Assert.Equal(2, marked.GetProperty("unreadCount").GetInt32());
        Assert.Equal(2, (await author.GetDataAsync("/api/notifications?unreadOnly=true")).GetProperty("notifications").GetArrayLength());
        await author.ErrorAsync(HttpMethod.Put, "/api/notifications/read", new { }, HttpStatusCode.BadRequest, "VALIDATION_ERROR");
        await author.PutDataAsync("/api/notifications/read", new { markAll = true });
        Assert.Equal(0, (await author.GetDataAsync("/api/notifications/unread-count")).GetProperty("count").GetInt32());

        // Another account's ids are not this account's to mark.
        await fans[0].PutDataAsync("/api/notifications/read", new { markAll = true });
        var deleted = await author.DataAsync(HttpMethod.Delete, "/api/notifications/all");
        Assert.Equal(3, deleted.GetProperty("deleted").GetInt32());
        Assert.Equal(0, (await author.GetDataAsync("/api/notifications")).GetProperty("total").GetInt32());
        await factory.Anonymous().ErrorAsync(HttpMethod.Get, "/api/notifications", null, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Notifications_FromMutedOrBlockedAccount_NotCreated()
    {
        var author = await factory.RegisterAsync();
        var muted = await factory.RegisterAsync();
        var blocked = await factory.RegisterAsync();
        var friend = await factory.RegisterAsync();
        var post = await author.PostAsync(new { content = "Quiet please" });
        var id = post.GetProperty("_id").GetString()!;
        await muted.PostDataAsync($"/api/users/{author.Username}/follow");
        await blocked.PostDataAsync($"/api/posts/{id}/like");
        await NotificationsAsync(author, l => Has(l, "follow", muted.Username) && Has(l, "like", blocked.Username), "before the mute and block");
        await author.DataAsync(HttpMethod.Delete, "/api/notifications/all");

        await author.PostDataAsync($"/api/users/{muted.Username}/mute", new { duration = 3600 });
        await muted.PostDataAsync($"/api/posts/{id}/like");
        await muted.PostAsync(new { content = $"@{author.Username} are you there?" });
        await author.PostDataAsync($"/api/users/{blocked.Username}/block");
        await blocked.PostAsync(new { content = $"@{author.Username} hey" });
        await friend.PostDataAsync($"/api/posts/{id}/like");

        var list = await NotificationsAsync(author, l => Has(l, "like", friend.Username), "the friend's like");
        Assert.DoesNotContain(list, n => n.GetProperty("sender").GetProperty("username").GetString() == muted.Username);
        Assert.DoesNotContain(list, n => n.GetProperty("sender").GetProperty("username").GetString() == blocked.Username);
    }

    [Fact]
    public async Task Preferences_EmailOffForReplies_OnlyOtherTypesEmailed()
    {
        var author = await factory.RegisterAsync();
        var actor = await factory.RegisterAsync();
        var prefs = await author.PutDataAsync("/api/notifications/preferences", new { email = new { enabled = true, replies = false }, push = new { enabled = true } });
        Assert.False(prefs.GetProperty("email").GetProperty("replies").GetBoolean());
        Assert.True(prefs.GetProperty("email").GetProperty("mentions").GetBoolean());
        Assert.True(prefs.GetProperty("push").GetProperty("replies").GetBoolean());
        Assert.False((await author.GetDataAsync("/api/notifications/preferences")).GetProperty("email").GetProperty("replies").GetBoolean());
        await author.ErrorAsync(HttpMethod.Put, "/api/notifications/preferences", new { email = new { nonsense = true } }, HttpStatusCode.BadRequest,
            "VALIDATION_ERROR");
        await author.ErrorAsync(HttpMethod.Put, "/api/notifications/preferences", new { email = new { likes = "yes" } }, HttpStatusCode.BadRequest,
            "VALIDATION_ERROR");

        var post = await author.PostAsync(new { content = "Email me maybe" });
        var id = post.GetProperty("_id").GetString()!;
        await actor.PostDataAsync($"/api/posts/{id}/like");
        await actor.PostAsync(new { content = "A reply nobody emails", replyTo = id });
        await NotificationsAsync(author, l => Has(l, "like") && Has(l, "reply"), "like and reply");
        await actor.PostAsync(new { content = $"Hi @{author.Username}" });

        // The verification email, then the mention's; never the reply's (off) or the like's (in-site only).
        var latest = await factory.ReadEmailToAsync(author.Email, count: 2);
        Assert.Contains("mentioned you", latest);
        var all = Directory.GetFiles(factory.Outbox, "*.eml").Select(File.ReadAllText)
            .Where(t => t.Contains($"To: {author.Email}\r\n", StringComparison.OrdinalIgnoreCase)).ToList();
        Assert.Equal(2, all.Count);
        Assert.DoesNotContain(all, t => t.Contains("replied to your post", StringComparison.Ordinal) || t.Contains("liked your post", StringComparison.Ordinal));

        // Email off as a whole: the next mention is not emailed; in-site it still is.
        await author.PutDataAsync("/api/notifications/preferences", new { email = new { enabled = false } });
        await actor.PostAsync(new { content = $"Again @{author.Username}" });
        await NotificationsAsync(author, l => l.Count(n => n.GetProperty("type").GetString() == "mention") == 2, "the second mention");
        await actor.PostDataAsync($"/api/users/{author.Username}/follow");
        await NotificationsAsync(author, l => Has(l, "follow"), "the follow");
        Assert.Equal(2, Directory.GetFiles(factory.Outbox, "*.eml").Count(f => File.ReadAllText(f).Contains($"To: {author.Email}\r\n", StringComparison.OrdinalIgnoreCase)));
    }
}

/// <summary>Its own server: the test moves the clock past the poll's end.</summary>
public sealed class PollNotificationTests(MindSwarmFactory factory) : IClassFixture<MindSwarmFactory>
{
    [Fact]
    public async Task Notifications_PollEnds_AuthorNotified()
    {
        var author = await factory.RegisterAsync();
        var post = await author.PostAsync(new { content = "Cats or dogs?", pollOptions = new[] { "Cats", "Dogs" }, pollDuration = 1 });
        factory.Clock.Advance(TimeSpan.FromMinutes(61));
        await author.RenewAsync();
        var list = await NotificationTests.NotificationsAsync(author, l => NotificationTests.Has(l, "poll_ended"), "poll_ended");
        var ended = list.First(n => n.GetProperty("type").GetString() == "poll_ended");
        Assert.Equal(post.GetProperty("_id").GetString(), ended.GetProperty("post").GetProperty("_id").GetString());
        Assert.Equal(JsonValueKind.Null, ended.GetProperty("sender").ValueKind);
    }
}
