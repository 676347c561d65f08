using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Mindstack.Platform.Storage;

namespace Mindstack.MindSwarm.Tests.Analytics;

public sealed class AnalyticsTests(MindSwarmFactory factory) : IClassFixture<MindSwarmFactory>
{
    [Fact]
    public async Task Track_AnonymousAndSignedIn_WrittenInBatchesAndCountedOnContent()
    {
        var author = await factory.RegisterAsync();
        var reader = await factory.RegisterAsync();
        var post = await author.PostAsync(new { content = "Tracked post" });
        var postId = post.GetProperty("_id").GetString()!;

        var anonymous = await factory.Anonymous().PostDataAsync("/api/analytics/track", new
        {
            eventType = "post_view",
            targetId = postId,
            targetType = "Post",
            metadata = new { utmSource = "twitter", utmMedium = "social", landingPath = "/feed" },
        });
        Assert.True(anonymous.GetProperty("tracked").GetBoolean());
        await reader.PostDataAsync("/api/analytics/track", new { eventType = "link_click", targetId = postId, targetType = "post" });
        await reader.PostDataAsync("/api/analytics/track", new { eventType = "inbound_landing", metadata = new { referrer = "https://t.co/abc", landingPath = "/" } });

        var content = await Eventually.UntilAsync(() => factory.Anonymous().GetDataAsync("/api/analytics/content/" + postId),
            c => c.GetProperty("events").GetArrayLength() == 2, "both events on the post");
        Assert.Equal(1, Count(content.GetProperty("events"), "post_view"));
        Assert.Equal(1, Count(content.GetProperty("events"), "link_click"));
        var sources = content.GetProperty("trafficSources").EnumerateArray().ToList();
        Assert.Contains(sources, s => s.GetProperty("source").GetString() == "twitter" && s.GetProperty("count").GetInt32() == 1);
        Assert.Contains(sources, s => s.GetProperty("source").GetString() == "(direct)");
        Assert.Equal(30, content.GetProperty("daily").GetArrayLength());

        // The landing without utm: the referrer's host, medium "referral"; signed in, it names the account.
        // (Tracked last, it may be in the writer's next batch.)
        await Eventually.UntilAsync(async () => await ScalarAsync($"SELECT COUNT(*) AS \"Value\" FROM mindswarm_analytics_events WHERE event_type = 'inbound_landing' AND account_id = '{reader.UserId}' AND utm_source = 't.co' AND utm_medium = 'referral'") == 1,
            "the landing written");
        Assert.Equal(1, await ScalarAsync($"SELECT COUNT(*) AS \"Value\" FROM mindswarm_analytics_events WHERE event_type = 'post_view' AND target_id = '{postId}' AND account_id IS NULL"));
    }

    [Fact]
    public async Task Track_InvalidEnumerations_400InModuleEnvelope()
    {
        var anonymous = factory.Anonymous();
        var body = await anonymous.ErrorAsync(HttpMethod.Post, "/api/analytics/track", new { eventType = "page_visit" }, HttpStatusCode.BadRequest,
            "VALIDATION_ERROR");
        Assert.Equal("eventType", body.GetProperty("errors")[0].GetProperty("field").GetString());
        body = await anonymous.ErrorAsync(HttpMethod.Post, "/api/analytics/track", new { eventType = "page_view", targetId = "x", targetType = "Comment" },
            HttpStatusCode.BadRequest, "VALIDATION_ERROR");
        Assert.Equal("targetType", body.GetProperty("errors")[0].GetProperty("field").GetString());
        await anonymous.ErrorAsync(HttpMethod.Post, "/api/analytics/track", new { eventType = "page_view", metadata = "utm" }, HttpStatusCode.BadRequest,
            "VALIDATION_ERROR");
        await anonymous.ErrorAsync(HttpMethod.Post, "/api/analytics/track", "{not json", HttpStatusCode.BadRequest);
        var user = await factory.RegisterAsync();
        await user.ErrorAsync(HttpMethod.Get, "/api/analytics/dashboard?period=forever", null, HttpStatusCode.BadRequest, "VALIDATION_ERROR");
        await user.ErrorAsync(HttpMethod.Post, "/api/analytics/export", new { period = "7d", format = "xml" }, HttpStatusCode.BadRequest, "VALIDATION_ERROR");
        await anonymous.ErrorAsync(HttpMethod.Get, "/api/analytics/dashboard", null, HttpStatusCode.Unauthorized);
        await anonymous.ErrorAsync(HttpMethod.Get, "/api/analytics/user/nobody-here", null, HttpStatusCode.NotFound, "USER_NOT_FOUND");
    }

    [Fact]
    public async Task DashboardAndCompare_Activity_CountedPerPeriod()
    {
        var author = await factory.RegisterAsync();
        var fan = await factory.RegisterAsync();
        var first = (await author.PostAsync(new { content = "First #launch post" })).GetProperty("_id").GetString()!;
        await author.PostAsync(new { content = "Second post" });
        await fan.PostDataAsync($"/api/posts/{first}/like");
        await fan.GetDataAsync($"/api/posts/{first}");
        await fan.PostAsync(new { content = "Nice one", replyTo = first });
        await fan.PostDataAsync($"/api/users/{author.Username}/follow");
        await factory.Anonymous().PostDataAsync("/api/analytics/track", new { eventType = "profile_view", targetId = author.UserId, targetType = "User" });

        var dashboard = await Eventually.UntilAsync(() => author.GetDataAsync("/api/analytics/dashboard?period=7d"),
            d => d.GetProperty("overview").GetProperty("profileViews").GetInt32() == 1, "the tracked profile view");
        var overview = dashboard.GetProperty("overview");
        Assert.Equal(2, overview.GetProperty("posts").GetInt32());
        Assert.Equal(1, overview.GetProperty("views").GetInt32());
        Assert.Equal(1, overview.GetProperty("likes").GetInt32());
        Assert.Equal(1, overview.GetProperty("replies").GetInt32());
        Assert.Equal(1, overview.GetProperty("newFollowers").GetInt32());
        Assert.Equal(2, overview.GetProperty("engagement").GetInt32());
        Assert.Equal(200, overview.GetProperty("engagementRate").GetDouble());
        Assert.Equal("7d", dashboard.GetProperty("period").GetProperty("period").GetString());
        var daily = dashboard.GetProperty("daily").EnumerateArray().ToList();
        Assert.Equal(8, daily.Count);
        Assert.Equal(2, daily.Sum(d => d.GetProperty("posts").GetInt32()));
        Assert.Equal(first, dashboard.GetProperty("topPosts")[0].GetProperty("id").GetString());
        Assert.Equal(1, Count(dashboard.GetProperty("events"), "profile_view"));

        var compare = await author.GetDataAsync("/api/analytics/compare?period1=today&period2=30d");
        Assert.Equal(2, compare.GetProperty("period1").GetProperty("metrics").GetProperty("posts").GetInt32());
        Assert.Equal(2, compare.GetProperty("period2").GetProperty("metrics").GetProperty("posts").GetInt32());
        var likes = compare.GetProperty("changes").EnumerateArray().Single(c => c.GetProperty("metric").GetString() == "likes");
        Assert.Equal(0, likes.GetProperty("change").GetDouble());
        Assert.Equal(0, likes.GetProperty("percentChange").GetDouble());

        var user = await factory.Anonymous().GetDataAsync($"/api/analytics/user/{author.Username}?dateRange=week");
        Assert.Equal(author.UserId, user.GetProperty("userId").GetString());
        Assert.Equal(1, user.GetProperty("followers").GetInt32());
        Assert.Equal(1, user.GetProperty("metrics").GetProperty("likes").GetInt32());

        var insights = await author.GetDataAsync("/api/analytics/insights/" + author.UserId);
        Assert.Equal("launch", insights.GetProperty("topHashtags")[0].GetProperty("tag").GetString());
        Assert.Equal(1, insights.GetProperty("followerGrowth").GetProperty("current").GetInt32());
        Assert.True(insights.GetProperty("recommendations").GetArrayLength() > 0);
        await fan.ErrorAsync(HttpMethod.Get, "/api/analytics/insights/" + author.UserId, null, HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Export_JsonAndCsv_BothParse()
    {
        var author = await factory.RegisterAsync();
        var fan = await factory.RegisterAsync();
        var postId = (await author.PostAsync(new { content = "=SUM(A1) \"quoted\", exported" })).GetProperty("_id").GetString()!;
        await fan.PostDataAsync($"/api/posts/{postId}/like");

        var json = await author.PostDataAsync("/api/analytics/export", new { period = "30d", format = "json" });
        Assert.Equal("json", json.GetProperty("format").GetString());
        Assert.Equal(1, json.GetProperty("overview").GetProperty("likes").GetInt32());
        Assert.Equal(31, json.GetProperty("daily").GetArrayLength());
        Assert.Equal(postId, json.GetProperty("posts")[0].GetProperty("id").GetString());

        using var response = await author.SendAsync(HttpMethod.Post, "/api/analytics/export", new { period = "30d", format = "csv" });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("attachment", response.Content.Headers.ContentDisposition?.ToString() ?? "", StringComparison.Ordinal);
        var tables = (await response.Content.ReadAsStringAsync()).Split("\r\n\r\n");
        Assert.Equal(2, tables.Length);
        var days = tables[0].Split("\r\n").Select(l => l.Split(',')).ToList();
        Assert.Equal(["date", "posts", "views", "likes", "replies", "reposts", "newFollowers", "profileViews"], days[0]);
        Assert.Equal(31, days.Count - 1);
        Assert.Equal(1, days.Skip(1).Sum(d => int.Parse(d[3], System.Globalization.CultureInfo.InvariantCulture)));
        var posts = tables[1].TrimEnd('\r', '\n').Split("\r\n");
        Assert.Equal("postId,shortId,publishedAt,views,likes,replies,reposts,engagement,content", posts[0]);
        var row = Csv(posts[1]);
        Assert.Equal(postId, row[0]);
        Assert.Equal("1", row[4]);
        Assert.Equal("'=SUM(A1) \"quoted\", exported", row[8]);
    }

    [Fact]
    public async Task Register_WithAttribution_FirstTouchKeptAndSignupAttributed()
    {
        var anonymous = factory.Anonymous();
        var challenge = await anonymous.GetDataAsync("/api/auth/challenge");
        var username = "attr" + Guid.NewGuid().ToString("N")[..8];
        var registered = await anonymous.PostDataAsync("/api/auth/register", new Dictionary<string, object>
        {
            ["email"] = username + "@example.com",
            ["username"] = username,
            ["password"] = "BotPass1234!",
            ["challengeToken"] = challenge.GetProperty("token").GetString()!,
            ["challengeAnswer"] = MindSwarmFactory.Solve(challenge.GetProperty("question").GetString()!),
            ["_attribution"] = new { utmSource = "newsletter", utmMedium = "email", utmCampaign = "launch_2026", landingPath = "/feed" },
        }, HttpStatusCode.Created);
        var id = registered.GetProperty("user").GetProperty("_id").GetString()!;
        Assert.Equal(1, await ScalarAsync($"SELECT COUNT(*) AS \"Value\" FROM mindswarm_attributions WHERE account_id = '{id}' AND via = 'register' AND utm_source = 'newsletter' AND utm_campaign = 'launch_2026'"));
        await Eventually.UntilAsync(async () => await ScalarAsync(
            $"SELECT COUNT(*) AS \"Value\" FROM mindswarm_analytics_events WHERE event_type = 'signup_attributed' AND account_id = '{id}' AND utm_source = 'newsletter'") == 1,
            "the signup_attributed event");

        // A direct sign-up is counted too, without a first touch.
        var direct = await factory.RegisterAsync(verify: false);
        await Eventually.UntilAsync(async () => await ScalarAsync(
            $"SELECT COUNT(*) AS \"Value\" FROM mindswarm_analytics_events WHERE event_type = 'signup_attributed' AND account_id = '{direct.UserId}' AND utm_source IS NULL") == 1,
            "the direct signup_attributed event");
        Assert.Equal(0, await ScalarAsync($"SELECT COUNT(*) AS \"Value\" FROM mindswarm_attributions WHERE account_id = '{direct.UserId}'"));

        // The magic link that makes an account records the attribution sent with it; a second link does not replace it.
        var email = "ml" + Guid.NewGuid().ToString("N")[..8] + "@example.com";
        await anonymous.PostDataAsync("/api/auth/magic-link", new Dictionary<string, object>
        {
            ["email"] = email,
            ["_attribution"] = new { referrer = "https://news.example.org/item/1" },
        });
        await anonymous.PostDataAsync("/api/auth/magic-link", new Dictionary<string, object>
        {
            ["email"] = email,
            ["_attribution"] = new { utmSource = "later" },
        });
        var link = MindSwarmFactory.TokenFromEmail(await factory.ReadEmailToAsync(email, count: 2));
        var session = await anonymous.GetDataAsync("/api/auth/magic-link/verify?token=" + Uri.EscapeDataString(link));
        Assert.False(string.IsNullOrEmpty(session.GetProperty("accessToken").GetString()));
        Assert.Equal(1, await ScalarAsync($"SELECT COUNT(*) AS \"Value\" FROM mindswarm_attributions a JOIN accounts_accounts c ON c.id = a.account_id WHERE c.email = '{email}' AND a.via = 'magic-link' AND a.utm_source = 'news.example.org' AND a.utm_medium = 'referral'"));
        Assert.Equal(0, await ScalarAsync("SELECT COUNT(*) AS \"Value\" FROM mindswarm_attributions WHERE utm_source = 'later'"));
    }

    private static int Count(JsonElement counts, string name) =>
        counts.EnumerateArray().Where(c => c.GetProperty("name").GetString() == name).Select(c => c.GetProperty("count").GetInt32()).SingleOrDefault();

    private Task<int> ScalarAsync(string sql) => ScalarAsync(factory, sql);

    private static async Task<int> ScalarAsync(MindSwarmFactory swarm, string sql)
    {
        using var scope = swarm.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<MindstackDbContext>();
        return await db.Database.SqlQueryRaw<int>(sql).SingleAsync();
    }

    /// <summary>One CSV record with quoted fields.</summary>
    private static List<string> Csv(string line)
    {
        var fields = new List<string>();
        var current = new System.Text.StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    current.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    current.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                fields.Add(current.ToString());
                current.Clear();
            }
            else
            {
                current.Append(c);
            }
        }
        fields.Add(current.ToString());
        return fields;
    }
}
