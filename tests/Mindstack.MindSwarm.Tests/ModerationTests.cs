using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Mindstack.Platform.Accounts;

namespace Mindstack.MindSwarm.Tests;

public sealed class ModerationTests(MindSwarmFactory factory) : IClassFixture<MindSwarmFactory>
{
    private async Task<SwarmClient> ModeratorAsync(string role = AccountRoles.Moderator)
    {
        var moderator = await factory.RegisterAsync();
        using var scope = factory.Services.CreateScope();
        await scope.ServiceProvider.GetRequiredService<IAccountService>().SetRoleAsync(moderator.UserId, role);
        return moderator;
    }

    private Task<JsonElement> LoginAsync(SwarmClient user, HttpStatusCode status = HttpStatusCode.OK) =>
        factory.Anonymous().DataAsync(HttpMethod.Post, "/api/auth/login", new { login = user.Username, password = user.Password }, status);

    private Task<JsonElement> LoginRefusedAsync(SwarmClient user) =>
        factory.Anonymous().ErrorAsync(HttpMethod.Post, "/api/auth/login", new { login = user.Username, password = user.Password },
            HttpStatusCode.Forbidden, "ACCOUNT_BANNED");

    private static async Task<string> BanAsync(SwarmClient moderator, SwarmClient user, string type, string? duration = null) =>
        (await moderator.PostDataAsync("/api/moderation/bans", new { userId = user.UserId, type, duration, reason = "Rules broken" },
            HttpStatusCode.Created)).GetProperty("ban").GetProperty("id").GetString()!;

    private static List<string> Contents(JsonElement page, string property = "posts") =>
        page.GetProperty(property).EnumerateArray().Select(p => p.GetProperty("content").GetString()!).ToList();

    [Fact]
    public async Task Review_ReportThenTwoFinalWarnings_AccountBanned()
    {
        var moderator = await ModeratorAsync();
        var reporter = await factory.RegisterAsync();
        var offender = await factory.RegisterAsync();
        var post = await offender.PostAsync(new { content = "Buy cheap followers now" });
        var postId = post.GetProperty("_id").GetString()!;

        var report = (await reporter.PostDataAsync("/api/moderation/reports",
            new { targetType = "Post", targetId = post.GetProperty("shortId").GetString(), category = "spam", description = "Ads", evidence = new[] { "https://example.com/shot.png" } },
            HttpStatusCode.Created)).GetProperty("report");
        Assert.Equal("pending", report.GetProperty("status").GetString());
        Assert.Equal(postId, report.GetProperty("targetId").GetString());
        var reportId = report.GetProperty("id").GetString()!;
        await reporter.ErrorAsync(HttpMethod.Post, "/api/moderation/reports", new { targetType = "Post", targetId = postId, category = "spam" },
            HttpStatusCode.Conflict, "ALREADY_REPORTED");
        await reporter.ErrorAsync(HttpMethod.Post, "/api/moderation/reports", new { targetType = "Post", targetId = postId, category = "rude" },
            HttpStatusCode.BadRequest, "VALIDATION_ERROR");
        await offender.ErrorAsync(HttpMethod.Post, "/api/moderation/reports", new { targetType = "Post", targetId = postId, category = "spam" },
            HttpStatusCode.BadRequest, "CANNOT_REPORT_SELF");

        var queue = await moderator.GetDataAsync("/api/moderation/queue?page=1&limit=100");
        var queued = queue.GetProperty("reports").EnumerateArray().Single(r => r.GetProperty("id").GetString() == reportId);
        Assert.Equal("Buy cheap followers now", queued.GetProperty("target").GetProperty("preview").GetString());
        Assert.Equal(offender.UserId, queued.GetProperty("target").GetProperty("account").GetProperty("id").GetString());
        Assert.Equal(reporter.UserId, queued.GetProperty("reporter").GetProperty("id").GetString());

        var reviewed = await moderator.PostDataAsync($"/api/moderation/reports/{reportId}/review",
            new { action = "warn", level = "final", reason = "Spam", message = "Stop advertising" });
        Assert.Equal("resolved", reviewed.GetProperty("report").GetProperty("status").GetString());
        Assert.Equal("final", reviewed.GetProperty("warning").GetProperty("level").GetString());
        await moderator.ErrorAsync(HttpMethod.Post, $"/api/moderation/reports/{reportId}/review", new { action = "dismiss" }, HttpStatusCode.Conflict,
            "REPORT_ALREADY_REVIEWED");
        Assert.DoesNotContain(reportId, (await moderator.GetDataAsync("/api/moderation/queue?limit=100")).GetProperty("reports").EnumerateArray()
            .Select(r => r.GetProperty("id").GetString()));

        var notifications = await NotificationTests.NotificationsAsync(offender, l => NotificationTests.Has(l, "warning"), "the warning notification");
        Assert.Contains("Stop advertising", notifications.First(n => n.GetProperty("type").GetString() == "warning").GetProperty("message").GetString());

        var second = await moderator.PostDataAsync("/api/moderation/warnings",
            new { userId = offender.UserId, level = "final", reason = "Spam again", message = "Last chance was given" }, HttpStatusCode.Created);
        Assert.True(second.GetProperty("banned").GetBoolean());
        Assert.Equal(2, second.GetProperty("finalWarnings").GetInt32());
        Assert.Equal("permanent", second.GetProperty("ban").GetProperty("type").GetString());

        // Signed out everywhere, and signing in again is refused with the document's 403.
        await offender.ErrorAsync(HttpMethod.Post, "/api/posts", new { content = "still here?" }, HttpStatusCode.Unauthorized);
        await LoginRefusedAsync(offender);
        var status = await moderator.GetDataAsync($"/api/moderation/users/{offender.UserId}/ban-status");
        Assert.True(status.GetProperty("isBanned").GetBoolean());
        Assert.True(status.GetProperty("isPermanent").GetBoolean());
        var warnings = await moderator.GetDataAsync($"/api/moderation/users/{offender.Username}/warnings");
        Assert.Equal(2, warnings.GetProperty("final").GetInt32());
        Assert.Equal(0, warnings.GetProperty("finalWarningsUntilBan").GetInt32());

        var stats = await moderator.GetDataAsync("/api/moderation/stats");
        Assert.True(stats.GetProperty("reports").GetProperty("resolved").GetInt32() >= 1);
        Assert.True(stats.GetProperty("warnings").GetProperty("byLevel").GetProperty("final").GetInt32() >= 2);
        Assert.True(stats.GetProperty("bans").GetProperty("activeByType").GetProperty("permanent").GetInt32() >= 1);
    }

    [Fact]
    public async Task Review_RemoveReportedMessage_MessageGone()
    {
        var moderator = await ModeratorAsync();
        var reader = await factory.RegisterAsync();
        var sender = await factory.RegisterAsync();
        var conversation = (await sender.PostDataAsync("/api/messages/conversations", new { recipientId = reader.UserId }, HttpStatusCode.Created))
            .GetProperty("conversation").GetProperty("_id").GetString()!;
        var message = (await sender.PostDataAsync($"/api/messages/conversations/{conversation}/messages", new { content = "nasty words" },
            HttpStatusCode.Created)).GetProperty("message").GetProperty("_id").GetString()!;
        var stranger = await factory.RegisterAsync();
        await stranger.ErrorAsync(HttpMethod.Post, "/api/moderation/reports", new { targetType = "Message", targetId = message, category = "harassment" },
            HttpStatusCode.NotFound, "MESSAGE_NOT_FOUND");
        var reportId = (await reader.PostDataAsync("/api/moderation/reports", new { targetType = "Message", targetId = message, category = "harassment" },
            HttpStatusCode.Created)).GetProperty("report").GetProperty("id").GetString()!;
        var reviewed = await moderator.PostDataAsync($"/api/moderation/reports/{reportId}/review", new { action = "remove", reason = "Harassment" });
        Assert.True(reviewed.GetProperty("contentRemoved").GetBoolean());
        var messages = (await reader.GetDataAsync($"/api/messages/conversations/{conversation}/messages?page=1")).GetProperty("messages");
        Assert.DoesNotContain(message, messages.EnumerateArray().Select(m => m.GetProperty("_id").GetString()));
    }

    [Fact]
    public async Task ModeratorRoutes_AsUser_Forbidden()
    {
        var user = await factory.RegisterAsync();
        var other = await factory.RegisterAsync();
        foreach (var (method, path, body) in new (HttpMethod, string, object?)[]
        {
            (HttpMethod.Get, "/api/moderation/queue", null),
            (HttpMethod.Post, "/api/moderation/reports/report_x/review", new { action = "dismiss" }),
            (HttpMethod.Post, "/api/moderation/warnings", new { userId = other.UserId, level = "minor", reason = "x" }),
            (HttpMethod.Post, "/api/moderation/bans", new { userId = other.UserId, type = "permanent", reason = "x" }),
            (HttpMethod.Post, "/api/moderation/bans/ban_x/lift", new { }),
            (HttpMethod.Post, "/api/moderation/appeals/ban_x/review", new { action = "approve" }),
            (HttpMethod.Get, "/api/moderation/stats", null),
            (HttpMethod.Get, $"/api/moderation/users/{other.UserId}/warnings", null),
            (HttpMethod.Get, $"/api/moderation/users/{other.UserId}/ban-status", null),
        })
        {
            await user.ErrorAsync(method, path, body, HttpStatusCode.Forbidden);
        }
        // One's own record is one's own to read.
        Assert.Equal(0, (await user.GetDataAsync($"/api/moderation/users/{user.UserId}/warnings")).GetProperty("total").GetInt32());
        Assert.False((await user.GetDataAsync($"/api/moderation/users/{user.UserId}/ban-status")).GetProperty("isBanned").GetBoolean());
        // A moderator acts on users only.
        var moderator = await ModeratorAsync();
        var admin = await ModeratorAsync(AccountRoles.Admin);
        await moderator.ErrorAsync(HttpMethod.Post, "/api/moderation/bans", new { userId = admin.UserId, type = "permanent", reason = "x" },
            HttpStatusCode.Forbidden, "INSUFFICIENT_ROLE");
        await moderator.ErrorAsync(HttpMethod.Post, "/api/moderation/bans", new { userId = other.UserId, type = "temporary", reason = "x" },
            HttpStatusCode.BadRequest, "VALIDATION_ERROR");
    }

    [Fact]
    public async Task CreatePost_BannedMember_Refused()
    {
        var moderator = await ModeratorAsync();
        var member = await factory.RegisterAsync();
        var key = (await member.PostDataAsync("/api/developer/apps", new { name = "My Bot" }, HttpStatusCode.Created)).GetProperty("apiKey").GetString()!;
        var bot = member.WithKey(key);
        await bot.PostAsync(new { content = "before" });

        await BanAsync(moderator, member, "permanent");
        await member.ErrorAsync(HttpMethod.Post, "/api/posts", new { content = "after" }, HttpStatusCode.Unauthorized);
        await bot.ErrorAsync(HttpMethod.Post, "/api/posts", new { content = "after" }, HttpStatusCode.Forbidden, "ACCOUNT_BANNED");
        await bot.ErrorAsync(HttpMethod.Get, "/api/posts/feed", null, HttpStatusCode.Forbidden, "ACCOUNT_BANNED");
        await LoginRefusedAsync(member);
    }

    [Fact]
    public async Task TemporaryBan_AfterItsDuration_EndsByItself()
    {
        var moderator = await ModeratorAsync();
        var member = await factory.RegisterAsync();
        var banId = await BanAsync(moderator, member, "temporary", "1h");
        var refusal = await LoginRefusedAsync(member);
        Assert.Contains("banned until", refusal.GetProperty("error").GetString());
        var status = await moderator.GetDataAsync($"/api/moderation/users/{member.UserId}/ban-status");
        Assert.Equal("temporary", status.GetProperty("banType").GetString());

        factory.Clock.Advance(TimeSpan.FromMinutes(61));
        var session = await LoginAsync(member);
        var again = new SwarmClient(factory, session.GetProperty("accessToken").GetString());
        await again.PostAsync(new { content = "back again" });
        await moderator.RenewAsync(); // its 15-minute token ran out with the hour
        var after = await moderator.GetDataAsync($"/api/moderation/users/{member.UserId}/ban-status");
        Assert.False(after.GetProperty("isBanned").GetBoolean());
        Assert.False(after.GetProperty("history").EnumerateArray().Single(b => b.GetProperty("id").GetString() == banId).GetProperty("isActive").GetBoolean());
        await moderator.ErrorAsync(HttpMethod.Post, $"/api/moderation/bans/{banId}/lift", new { }, HttpStatusCode.Conflict, "BAN_NOT_ACTIVE");
    }

    [Fact]
    public async Task Appeal_BannedAccountWithItsPassword_ApprovalLiftsBan()
    {
        var moderator = await ModeratorAsync();
        var member = await factory.RegisterAsync();
        var banId = await BanAsync(moderator, member, "permanent");
        var anonymous = factory.Anonymous();
        await anonymous.ErrorAsync(HttpMethod.Post, "/api/moderation/appeals", new { banId, reason = "Sorry", login = member.Username, password = "Wrong1234567" },
            HttpStatusCode.Unauthorized, "INVALID_CREDENTIALS");
        await anonymous.ErrorAsync(HttpMethod.Post, "/api/moderation/appeals", new { banId, reason = "Sorry" }, HttpStatusCode.BadRequest, "VALIDATION_ERROR");
        var appeal = (await anonymous.PostDataAsync("/api/moderation/appeals",
            new { banId, reason = "It was a misunderstanding", login = member.Username, password = member.Password }, HttpStatusCode.Created))
            .GetProperty("appeal");
        Assert.Equal("pending", appeal.GetProperty("status").GetString());
        await anonymous.ErrorAsync(HttpMethod.Post, "/api/moderation/appeals", new { banId, reason = "Again", login = member.Username, password = member.Password },
            HttpStatusCode.Conflict, "APPEAL_EXISTS");
        await LoginRefusedAsync(member);

        var decided = await moderator.PostDataAsync($"/api/moderation/appeals/{banId}/review", new { action = "approve", reason = "Fair enough" });
        Assert.Equal("approved", decided.GetProperty("appeal").GetProperty("status").GetString());
        Assert.False(decided.GetProperty("ban").GetProperty("isActive").GetBoolean());
        await moderator.ErrorAsync(HttpMethod.Post, $"/api/moderation/appeals/{banId}/review", new { action = "reject" }, HttpStatusCode.Conflict,
            "APPEAL_ALREADY_REVIEWED");
        await LoginAsync(member);
        Assert.Equal(1, (await moderator.GetDataAsync("/api/moderation/stats")).GetProperty("appeals").GetProperty("approved").GetInt32());
    }

    [Fact]
    public async Task ShadowBan_EverySurface_PostsShownOnlyToTheirAuthor()
    {
        var moderator = await ModeratorAsync();
        var shadowed = await factory.RegisterAsync();
        var viewer = await factory.RegisterAsync();
        var tag = "sb" + Guid.NewGuid().ToString("N")[..8];
        await viewer.PostDataAsync($"/api/users/{shadowed.Username}/follow");
        var viewerPost = (await viewer.PostAsync(new { content = $"{tag} viewer's post" })).GetProperty("_id").GetString()!;
        var groupId = (await shadowed.PostDataAsync("/api/groups", new { name = "Shadow " + tag, description = "About things", privacy = "public" },
            HttpStatusCode.Created)).GetProperty("group").GetProperty("id").GetString()!;
        await viewer.PostDataAsync($"/api/groups/{groupId}/join");
        var listId = (await viewer.PostDataAsync("/api/lists", new { name = "Watch " + tag }, HttpStatusCode.Created)).GetProperty("list").GetProperty("id").GetString()!;
        await viewer.PostDataAsync($"/api/lists/{listId}/members", new { userId = shadowed.UserId });
        var beforeBan = (await shadowed.PostAsync(new { content = $"{tag} before the ban" })).GetProperty("_id").GetString()!;

        var banId = await BanAsync(moderator, shadowed, "shadow");
        // The account itself is not told, and still signs in and posts.
        var own = await shadowed.GetDataAsync($"/api/moderation/users/{shadowed.UserId}/ban-status");
        Assert.False(own.GetProperty("isBanned").GetBoolean());
        Assert.Empty(own.GetProperty("activeBans").EnumerateArray());
        Assert.True((await moderator.GetDataAsync($"/api/moderation/users/{shadowed.UserId}/ban-status")).GetProperty("isShadowBanned").GetBoolean());
        await LoginAsync(shadowed);
        var post = (await shadowed.PostAsync(new { content = $"{tag} human post #{tag}" })).GetProperty("_id").GetString()!;
        var aiPost = (await shadowed.PostAsync(new { content = $"{tag} ai post", isAiGenerated = true })).GetProperty("_id").GetString()!;
        var reply = (await shadowed.PostAsync(new { content = $"{tag} reply", replyTo = viewerPost })).GetProperty("_id").GetString()!;
        await shadowed.PostDataAsync($"/api/posts/{viewerPost}/like");
        await shadowed.PostAsync(new { content = $"{tag} hello @{viewer.Username}" });
        var groupPost = (await shadowed.PostDataAsync($"/api/groups/{groupId}/posts", new { content = $"{tag} group post" }, HttpStatusCode.Created))
            .GetProperty("post").GetProperty("_id").GetString()!;

        // Every surface, as the viewer, as a stranger (anonymous) and as the author.
        async Task<List<string>> Surfaces(SwarmClient who, bool signedIn)
        {
            var seen = new List<string>();
            foreach (var type in signedIn ? new[] { "following", "algorithm", "ai", "human" } : ["algorithm", "ai", "human"])
            {
                seen.AddRange(Contents(await who.GetDataAsync($"/api/posts/feed?type={type}&limit=50")));
            }
            seen.AddRange(Contents(await who.GetDataAsync($"/api/posts/{viewerPost}/replies?limit=100"), "replies"));
            seen.AddRange(Contents(await who.GetDataAsync($"/api/users/{shadowed.Username}/posts?limit=100")));
            seen.AddRange(Contents(await who.GetDataAsync($"/api/groups/{groupId}/posts?limit=50")));
            if (signedIn)
            {
                seen.AddRange(Contents(await who.GetDataAsync($"/api/lists/{listId}/timeline?limit=50")));
            }
            return seen.Where(c => c.StartsWith(tag, StringComparison.Ordinal)).ToList();
        }
        string[] hidden = [$"{tag} human post #{tag}", $"{tag} ai post", $"{tag} reply", $"{tag} group post", $"{tag} before the ban", $"{tag} hello @{viewer.Username}"];
        foreach (var (who, signedIn) in new[] { (viewer, true), (factory.Anonymous(), false) })
        {
            var seen = await Surfaces(who, signedIn);
            Assert.All(hidden, h => Assert.DoesNotContain(h, seen));
            foreach (var id in new[] { post, aiPost, reply, groupPost, beforeBan })
            {
                await who.ErrorAsync(HttpMethod.Get, $"/api/posts/{id}", null, HttpStatusCode.NotFound, "POST_NOT_FOUND");
            }
        }
        Assert.Contains($"{tag} viewer's post", await Surfaces(viewer, true));
        var authorSees = await Surfaces(shadowed, true);
        Assert.All(hidden, h => Assert.Contains(h, authorSees));
        await shadowed.GetDataAsync($"/api/posts/{post}");

        // No notification reached the viewer (like, reply, mention, follow-ups); the viewer's own actions still reach others.
        var other = await factory.RegisterAsync();
        await other.PostDataAsync($"/api/posts/{viewerPost}/like");
        var notifications = await NotificationTests.NotificationsAsync(viewer, l => NotificationTests.Has(l, "like", other.Username), "the other's like");
        Assert.DoesNotContain(notifications, n => n.GetProperty("sender").ValueKind == JsonValueKind.Object
            && n.GetProperty("sender").GetProperty("username").GetString() == shadowed.Username);

        // Lifted: everything shows again.
        await moderator.PostDataAsync($"/api/moderation/bans/{banId}/lift", new { reason = "Reviewed" });
        Assert.Contains($"{tag} human post #{tag}", await Surfaces(viewer, true));
        await viewer.GetDataAsync($"/api/posts/{post}");
    }

    [Fact]
    public async Task ShadowBan_Counters_ShadowBannedActionsLeftOutForOthers()
    {
        var moderator = await ModeratorAsync();
        var shadowed = await factory.RegisterAsync();
        var author = await factory.RegisterAsync();
        var fan = await factory.RegisterAsync();
        var postId = (await author.PostAsync(new { content = "Count me" })).GetProperty("_id").GetString()!;
        var banId = await BanAsync(moderator, shadowed, "shadow");
        await shadowed.PostDataAsync($"/api/posts/{postId}/like");
        await shadowed.PostAsync(new { content = "A hidden reply", replyTo = postId });
        await shadowed.PostDataAsync($"/api/posts/{postId}/repost");
        await shadowed.PostDataAsync($"/api/posts/{postId}/repost", new { content = "A hidden quote" });
        await shadowed.PostDataAsync($"/api/users/{author.Username}/follow");
        await fan.PostDataAsync($"/api/posts/{postId}/like");

        async Task<(int Likes, int Replies, int Reposts, int Quotes, int Followers)> Counts(SwarmClient who)
        {
            var post = (await who.GetDataAsync($"/api/posts/{postId}")).GetProperty("post");
            var user = (await who.GetDataAsync($"/api/users/{author.Username}")).GetProperty("user");
            return (post.GetProperty("likeCount").GetInt32(), post.GetProperty("replyCount").GetInt32(), post.GetProperty("repostCount").GetInt32(),
                post.GetProperty("quoteCount").GetInt32(), user.GetProperty("followersCount").GetInt32());
        }
        // Others (the author, a fan, a stranger) count only the fan's like; the shadow-banned account sees its own actions counted.
        Assert.Equal((1, 0, 0, 0, 0), await Counts(author));
        Assert.Equal((1, 0, 0, 0, 0), await Counts(fan));
        Assert.Equal((1, 0, 0, 0, 0), await Counts(factory.Anonymous()));
        Assert.Equal((2, 1, 1, 1, 1), await Counts(shadowed));
        // Lists of posts answer the same counts as the single post.
        var listed = (await fan.GetDataAsync($"/api/users/{author.Username}/posts?limit=50")).GetProperty("posts").EnumerateArray()
            .Single(p => p.GetProperty("_id").GetString() == postId);
        Assert.Equal(1, listed.GetProperty("likeCount").GetInt32());

        // Lifted: the stored counters were right all along.
        await moderator.PostDataAsync($"/api/moderation/bans/{banId}/lift", new { reason = "Reviewed" });
        Assert.Equal((2, 1, 1, 1, 1), await Counts(author));
    }

    [Fact]
    public async Task ShadowBan_LikeRepostAndFollowReplies_CountAsTheCallerReadsThem()
    {
        var moderator = await ModeratorAsync();
        var shadowed = await factory.RegisterAsync();
        var author = await factory.RegisterAsync();
        var fan = await factory.RegisterAsync();
        var postId = (await author.PostAsync(new { content = "Reply counts" })).GetProperty("_id").GetString()!;
        await BanAsync(moderator, shadowed, "shadow");

        // The shadow-banned account's own replies count its own actions, as its reads do.
        Assert.Equal(1, (await shadowed.PostDataAsync($"/api/posts/{postId}/like")).GetProperty("likeCount").GetInt32());
        Assert.Equal(1, (await shadowed.PostDataAsync($"/api/posts/{postId}/repost")).GetProperty("repostCount").GetInt32());
        Assert.Equal(1, (await shadowed.PostDataAsync($"/api/users/{author.Username}/follow")).GetProperty("followersCount").GetInt32());

        // Everyone else's replies leave it out: the same numbers a GET shows them right after.
        var liked = await fan.PostDataAsync($"/api/posts/{postId}/like");
        Assert.Equal((1, 1), (liked.GetProperty("likeCount").GetInt32(), liked.GetProperty("likesCount").GetInt32()));
        Assert.Equal(1, (await fan.GetDataAsync($"/api/posts/{postId}")).GetProperty("post").GetProperty("likeCount").GetInt32());
        Assert.Equal(1, (await fan.PostDataAsync($"/api/posts/{postId}/repost")).GetProperty("repostCount").GetInt32());
        Assert.Equal(1, (await fan.PostDataAsync($"/api/posts/{postId}/repost", new { content = "Quoting it" })).GetProperty("repostCount").GetInt32());
        Assert.Equal(1, (await fan.PostDataAsync($"/api/users/{author.Username}/follow")).GetProperty("followersCount").GetInt32());
        Assert.Equal(1, (await fan.GetDataAsync($"/api/users/{author.Username}")).GetProperty("user").GetProperty("followersCount").GetInt32());
        Assert.Equal(0, (await fan.PostDataAsync($"/api/posts/{postId}/like")).GetProperty("likeCount").GetInt32());
        Assert.Equal(0, (await fan.PostDataAsync($"/api/posts/{postId}/repost")).GetProperty("repostCount").GetInt32());
        Assert.Equal(0, (await fan.DataAsync(HttpMethod.Delete, $"/api/users/{author.Username}/follow")).GetProperty("followersCount").GetInt32());
    }

    [Fact]
    public async Task ShadowBan_EngagementOnAPost_AlgorithmFeedRanksWithoutIt()
    {
        var moderator = await ModeratorAsync();
        var shadowed = await factory.RegisterAsync();
        var older = await factory.RegisterAsync();
        var newer = await factory.RegisterAsync();
        var viewer = await factory.RegisterAsync();
        var tag = Guid.NewGuid().ToString("N")[..6];
        var boosted = (await older.PostAsync(new { content = $"Older {tag}" })).GetProperty("_id").GetString()!;
        var plain = (await newer.PostAsync(new { content = $"Newer {tag}" })).GetProperty("_id").GetString()!;
        // Followed by the viewer, both rank above the rest; with nothing counted the newer one leads.
        await viewer.PostDataAsync($"/api/users/{older.Username}/follow");
        await viewer.PostDataAsync($"/api/users/{newer.Username}/follow");
        await BanAsync(moderator, shadowed, "shadow");
        await shadowed.PostDataAsync($"/api/posts/{boosted}/like");
        await shadowed.PostAsync(new { content = "Hidden reply", replyTo = boosted });
        await shadowed.PostDataAsync($"/api/posts/{boosted}/repost");
        await shadowed.PostDataAsync($"/api/posts/{boosted}/repost", new { content = "Hidden quote" });

        List<string> Ranked(JsonElement page) => page.GetProperty("posts").EnumerateArray().Select(p => p.GetProperty("_id").GetString()!)
            .Where(id => id == boosted || id == plain).ToList();
        Assert.Equal([plain, boosted], Ranked(await viewer.GetDataAsync("/api/posts/feed?type=algorithm&limit=50")));
        // The shadow-banned account sees its own engagement counted.
        await shadowed.PostDataAsync($"/api/users/{older.Username}/follow");
        await shadowed.PostDataAsync($"/api/users/{newer.Username}/follow");
        Assert.Equal([boosted, plain], Ranked(await shadowed.GetDataAsync("/api/posts/feed?type=algorithm&limit=50")));
    }
}

/// <summary>The MindSwarm server with each request's client address taken from a test header (in-process hosts have none).</summary>
public sealed class AddressedMindSwarmFactory : MindSwarmFactory
{
    public const string Header = "X-Test-Client-Address";

    public AddressedMindSwarmFactory() => WithServices(s => s.AddSingleton<IStartupFilter, AddressFromHeader>());

    private sealed class AddressFromHeader : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, following) =>
            {
                if (IPAddress.TryParse(context.Request.Headers[Header].ToString(), out var address))
                {
                    context.Connection.RemoteIpAddress = address;
                }
                return following(context);
            });
            next(app);
        };
    }
}

public sealed class IpBanTests(AddressedMindSwarmFactory factory) : IClassFixture<AddressedMindSwarmFactory>
{
    private async Task<(HttpStatusCode Status, JsonElement Body)> SendFromAsync(string address, HttpMethod method, string path, object body, string? token = null)
    {
        using var client = factory.CreateClient();
        using var request = new HttpRequestMessage(method, "/mindswarm" + path)
        {
            Content = new StringContent(JsonSerializer.Serialize(body), System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Add(AddressedMindSwarmFactory.Header, address);
        if (token is not null)
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
    }

    [Fact]
    public async Task IpBan_LastSignInAddress_SignInsAndWritesFromItRefused()
    {
        var moderator = await factory.RegisterAsync();
        using (var scope = factory.Services.CreateScope())
        {
            await scope.ServiceProvider.GetRequiredService<IAccountService>().SetRoleAsync(moderator.UserId, AccountRoles.Moderator);
        }
        var member = await factory.RegisterAsync();
        var bystander = await factory.RegisterAsync();
        const string banned = "203.0.113.9";
        var (signedIn, _) = await SendFromAsync(banned, HttpMethod.Post, "/api/auth/login", new { login = member.Username, password = member.Password });
        Assert.Equal(HttpStatusCode.OK, signedIn);

        var ban = (await moderator.PostDataAsync("/api/moderation/bans", new { userId = member.UserId, type = "ip", reason = "Ban evasion" },
            HttpStatusCode.Created)).GetProperty("ban");
        Assert.Equal(banned, ban.GetProperty("ip").GetString());

        var (posted, refusal) = await SendFromAsync(banned, HttpMethod.Post, "/api/posts", new { content = "from the banned address" }, bystander.AccessToken);
        Assert.Equal(HttpStatusCode.Forbidden, posted);
        Assert.Equal("ACCOUNT_BANNED", refusal.GetProperty("code").GetString());
        var (elsewhere, _) = await SendFromAsync("198.51.100.7", HttpMethod.Post, "/api/posts", new { content = "from elsewhere" }, bystander.AccessToken);
        Assert.Equal(HttpStatusCode.Created, elsewhere);
        var (again, _) = await SendFromAsync("198.51.100.7", HttpMethod.Post, "/api/auth/login", new { login = member.Username, password = member.Password });
        Assert.Equal(HttpStatusCode.Forbidden, again);
        await moderator.ErrorAsync(HttpMethod.Post, "/api/moderation/bans", new { userId = bystander.UserId, type = "ip", reason = "x", ip = "not-an-ip" },
            HttpStatusCode.BadRequest, "VALIDATION_ERROR");
    }
}
