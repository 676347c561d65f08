using System.Net;

namespace Mindstack.MindSwarm.Tests;

public sealed class AppAndUserTests(MindSwarmFactory factory) : IClassFixture<MindSwarmFactory>
{
    [Fact]
    public async Task AppKey_PermissionsAndDenylist_Enforced()
    {
        var owner = await factory.RegisterAsync();
        var created = await owner.PostDataAsync("/api/developer/apps", new { name = "My Bot", description = "Posts updates" }, HttpStatusCode.Created);
        var key = created.GetProperty("apiKey").GetString()!;
        Assert.StartsWith("msk_", key);
        Assert.False(string.IsNullOrEmpty(created.GetProperty("warning").GetString()));
        var appId = created.GetProperty("app").GetProperty("_id").GetString();
        var bot = owner.WithKey(key);

        var post = await bot.PostAsync(new { content = "Beep from the API" });
        Assert.Equal(new[] { "API" }, post.GetProperty("badges").EnumerateArray().Select(b => b.GetString()!).ToArray());
        Assert.True(post.GetProperty("viaApi").GetBoolean());
        Assert.Equal(owner.Username, post.GetProperty("author").GetProperty("username").GetString());

        // Account-sensitive paths are JWT only.
        await bot.ErrorAsync(HttpMethod.Get, "/api/auth/me", null, HttpStatusCode.Forbidden, "API_KEY_FORBIDDEN_ON_PATH");
        await bot.ErrorAsync(HttpMethod.Get, "/api/developer/apps", null, HttpStatusCode.Forbidden, "API_KEY_FORBIDDEN_ON_PATH");
        await bot.ErrorAsync(HttpMethod.Put, "/api/users/settings", new { privacy = new { privateAccount = true } }, HttpStatusCode.Forbidden,
            "API_KEY_FORBIDDEN_ON_PATH");

        // A read-only app reads, never writes.
        await owner.PutDataAsync($"/api/developer/apps/{appId}", new { permissions = new { read = true, write = false } });
        await bot.GetDataAsync($"/api/posts/{post.GetProperty("shortId").GetString()}");
        await bot.ErrorAsync(HttpMethod.Post, "/api/posts", new { content = "nope" }, HttpStatusCode.Forbidden, "API_KEY_READ_ONLY");

        // Deactivated: refused; regenerated: the old key is dead.
        await owner.PutDataAsync($"/api/developer/apps/{appId}/deactivate");
        await bot.ErrorAsync(HttpMethod.Get, "/api/posts/feed", null, HttpStatusCode.Unauthorized);
        await owner.PutDataAsync($"/api/developer/apps/{appId}/activate");
        var regenerated = await owner.PostDataAsync($"/api/developer/apps/{appId}/regenerate-key");
        await bot.ErrorAsync(HttpMethod.Get, "/api/posts/feed", null, HttpStatusCode.Unauthorized);
        await owner.WithKey(regenerated.GetProperty("apiKey").GetString()!).GetDataAsync("/api/posts/feed");

        var usage = await owner.GetDataAsync($"/api/developer/apps/{appId}/usage?days=7");
        Assert.True(usage.GetProperty("totalRequests").GetInt64() >= 3);
        Assert.Equal(7, usage.GetProperty("daily").GetArrayLength());
    }

    [Fact]
    public async Task AppKey_OwnerUnverified_WritesRefused()
    {
        var owner = await factory.RegisterAsync(verify: false);
        var created = await owner.PostDataAsync("/api/developer/apps", new { name = "Early" }, HttpStatusCode.Created);
        var bot = owner.WithKey(created.GetProperty("apiKey").GetString()!);
        await bot.ErrorAsync(HttpMethod.Post, "/api/posts", new { content = "hi" }, HttpStatusCode.Forbidden, "EMAIL_NOT_VERIFIED");
        await bot.GetDataAsync("/api/posts/feed");
    }

    [Fact]
    public async Task PrivateAccount_FollowRequestAccepted_FollowRecordsShown()
    {
        var star = await factory.RegisterAsync();
        var fan = await factory.RegisterAsync();
        var settings = await star.PutDataAsync("/api/users/settings", new { privacy = new { privateAccount = true } });
        Assert.True(settings.GetProperty("isPrivate").GetBoolean());
        var secret = await star.PostAsync(new { content = "for followers" });
        await fan.ErrorAsync(HttpMethod.Get, $"/api/posts/{secret.GetProperty("shortId").GetString()}", null, HttpStatusCode.NotFound);

        var asked = await fan.PostDataAsync($"/api/users/{star.Username}/follow");
        Assert.Equal("pending", asked.GetProperty("status").GetString());
        var requests = await star.GetDataAsync("/api/users/follow-requests");
        var request = requests.GetProperty("requests")[0];
        Assert.Equal(fan.Username, request.GetProperty("follower").GetProperty("username").GetString());
        await star.PostDataAsync($"/api/users/follow-requests/{request.GetProperty("_id").GetString()}", new { action = "accept" });

        var followers = await fan.GetDataAsync($"/api/users/{star.Username}/followers");
        var record = followers.GetProperty("followers")[0];
        Assert.Equal(fan.Username, record.GetProperty("follower").GetProperty("username").GetString());
        Assert.Equal("accepted", record.GetProperty("status").GetString());
        Assert.True(record.GetProperty("follower").TryGetProperty("badges", out _));
        Assert.Equal(1, followers.GetProperty("total").GetInt32());
        var following = await fan.GetDataAsync($"/api/users/{fan.Username}/following");
        Assert.Equal(star.Username, following.GetProperty("following")[0].GetProperty("following").GetProperty("username").GetString());
        await fan.GetDataAsync($"/api/posts/{secret.GetProperty("shortId").GetString()}");
        var profile = (await fan.GetDataAsync($"/api/users/{star.Username}")).GetProperty("user");
        Assert.Equal(1, profile.GetProperty("followersCount").GetInt32());
        Assert.True(profile.GetProperty("isFollowing").GetBoolean());
        Assert.False(profile.TryGetProperty("email", out _));
    }

    [Fact]
    public async Task BlockAndMute_HideAndExpire()
    {
        var a = await factory.RegisterAsync();
        var b = await factory.RegisterAsync();
        await a.PostDataAsync($"/api/users/{b.Username}/follow");
        await b.PostDataAsync($"/api/users/{a.Username}/block");
        // Both ways: neither sees the other's profile; the follow ended.
        await a.ErrorAsync(HttpMethod.Get, $"/api/users/{b.Username}", null, HttpStatusCode.NotFound);
        await b.ErrorAsync(HttpMethod.Get, $"/api/users/{a.Username}", null, HttpStatusCode.NotFound);
        Assert.Equal(0, (await b.GetDataAsync("/api/users/blocked")).GetProperty("blocked")[0].GetProperty("blocked").GetProperty("username")
            .GetString()!.CompareTo(a.Username));
        await a.ErrorAsync(HttpMethod.Post, $"/api/users/{b.Username}/follow", null, HttpStatusCode.NotFound);
        await b.DataAsync(HttpMethod.Delete, $"/api/users/{a.Username}/block");
        await a.GetDataAsync($"/api/users/{b.Username}");

        var c = await factory.RegisterAsync();
        await a.PostDataAsync($"/api/users/{c.Username}/follow");
        await c.PostAsync(new { content = "quiet please" });
        await a.PostDataAsync($"/api/users/{c.Username}/mute", new { duration = 60 });
        Assert.Equal(1, (await a.GetDataAsync("/api/users/muted")).GetProperty("muted").GetArrayLength());
        Assert.DoesNotContain("quiet please", (await a.GetDataAsync("/api/posts/feed?type=following")).GetProperty("posts").EnumerateArray()
            .Select(p => p.GetProperty("content").GetString()));
        factory.Clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Contains("quiet please", (await a.GetDataAsync("/api/posts/feed?type=following")).GetProperty("posts").EnumerateArray()
            .Select(p => p.GetProperty("content").GetString()));
    }

    [Fact]
    public async Task Profile_UpdateRenameAndReferral_Applied()
    {
        var user = await factory.RegisterAsync();
        var updated = (await user.PutDataAsync($"/api/users/{user.Username}", new { profile = new { displayName = "Bot", bio = "An AI agent" } }))
            .GetProperty("user");
        Assert.Equal("Bot", updated.GetProperty("profile").GetProperty("displayName").GetString());
        await user.PutDataAsync("/api/users/social-links", new { github = "https://github.com/bot" });
        await user.PutDataAsync("/api/users/crypto-addresses", new { eth = "0xabc" });
        var me = (await user.GetDataAsync("/api/auth/me")).GetProperty("user");
        Assert.Equal("https://github.com/bot", me.GetProperty("socialLinks").GetProperty("github").GetString());
        Assert.Equal("0xabc", me.GetProperty("cryptoAddresses").GetProperty("eth").GetString());

        var code = (await user.PostDataAsync("/api/users/referral-code/regenerate")).GetProperty("referralCode").GetString()!;
        Assert.Equal(8, code.Length);
        // A new account names the code: it is referred.
        var anonymous = factory.Anonymous();
        var challenge = await anonymous.GetDataAsync("/api/auth/challenge");
        var name = "ref" + Guid.NewGuid().ToString("N")[..8];
        var referred = await anonymous.PostDataAsync("/api/auth/register", new
        {
            email = name + "@example.com",
            username = name,
            password = "BotPass1234!",
            challengeToken = challenge.GetProperty("token").GetString(),
            challengeAnswer = MindSwarmFactory.Solve(challenge.GetProperty("question").GetString()!),
            referralCode = code,
        }, HttpStatusCode.Created);
        Assert.Equal(user.UserId, referred.GetProperty("user").GetProperty("referredBy").GetString());
        Assert.Equal(1, (await user.GetDataAsync("/api/auth/me")).GetProperty("user").GetProperty("referralCount").GetInt32());

        var newName = "renamed_" + Guid.NewGuid().ToString("N")[..6];
        var renamed = (await user.PutDataAsync("/api/users/change-username", new { newUsername = newName })).GetProperty("user");
        Assert.Equal(newName, renamed.GetProperty("username").GetString());
        await user.GetDataAsync($"/api/users/{newName}");
    }

    [Fact]
    public async Task OpenApi_EveryMindSwarmRoute_DescribedWithSchemas()
    {
        using var response = await factory.SendRawAsync(HttpMethod.Get, "/openapi/mindswarm.json");
        var document = await SwarmClient.Expect(response, HttpStatusCode.OK);
        var paths = document.GetProperty("paths");
        foreach (var path in new[] { "/mindswarm/api/auth/register", "/mindswarm/api/posts", "/mindswarm/api/posts/feed",
                     "/mindswarm/api/posts/{postId}/vote", "/mindswarm/api/users/{username}/followers", "/mindswarm/api/developer/apps/{appId}/usage",
                     "/mindswarm/api/groups/{groupId}/posts", "/mindswarm/api/groups/join/{inviteCode}", "/mindswarm/api/lists/{listId}/timeline",
                     "/mindswarm/api/drafts/{draftId}/restore/{versionId}", "/mindswarm/api/moderation/appeals/{banId}/review",
                     "/mindswarm/api/moderation/users/{userId}/ban-status", "/mindswarm/socket.io/" })
        {
            Assert.True(paths.TryGetProperty(path, out _), path + " missing");
        }
        foreach (var path in paths.EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject())
            {
                if (path.Name.StartsWith("/mindswarm/uploads/", StringComparison.Ordinal)
                    || path.Name.StartsWith("/mindswarm/api/posts/video-downloads/", StringComparison.Ordinal)
                    || path.Name.StartsWith("/mindswarm/api/data-export/download/", StringComparison.Ordinal)
                    || path.Name == "/mindswarm/socket.io/")
                {
                    continue; // the stored files themselves, and Socket.IO's Engine.IO packets: described, not JSON
                }
                var responses = operation.Value.GetProperty("responses");
                var success = responses.EnumerateObject().First(r => r.Name.StartsWith('2'));
                Assert.True(success.Value.TryGetProperty("content", out var content), $"{operation.Name} {path.Name} has no schema");
                Assert.True(content.GetProperty("application/json").TryGetProperty("schema", out _), $"{operation.Name} {path.Name} has no schema");
            }
        }
    }

    [Fact]
    public async Task OpenApi_SocketIoRoute_DescribesAuthAndEvents()
    {
        using var response = await factory.SendRawAsync(HttpMethod.Get, "/openapi/mindswarm.json");
        var document = await SwarmClient.Expect(response, HttpStatusCode.OK);
        var item = document.GetProperty("paths").GetProperty("/mindswarm/socket.io/");
        var get = item.GetProperty("get");
        var description = get.GetProperty("description").GetString()!;
        foreach (var text in new[] { "auth: { token }", "msk_", "`new-message`", "`typing`", "`notification`", "`post-liked`", "`post-created`",
                     "`message-reaction`", "`messages-read`", "connect_error" })
        {
            Assert.Contains(text, description, StringComparison.Ordinal);
        }
        Assert.Equal(["EIO", "transport", "sid", "token"], get.GetProperty("parameters").EnumerateArray().Select(p => p.GetProperty("name").GetString()));
        Assert.True(get.GetProperty("responses").TryGetProperty("101", out _));
        Assert.True(get.GetProperty("responses").GetProperty("200").GetProperty("content").TryGetProperty("text/plain", out _));
        Assert.True(item.GetProperty("post").GetProperty("requestBody").GetProperty("content").TryGetProperty("text/plain", out _));
    }
}
