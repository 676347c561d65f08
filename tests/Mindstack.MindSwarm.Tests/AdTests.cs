using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Mindstack.Platform.Accounts;

namespace Mindstack.MindSwarm.Tests;

/// <summary>
/// Section 15 on a server with no blockchain node and no daily rates (payment activates at once),
/// and section 9's "not configured" answer. Ads here are inline, except the fairness test's banners.
/// </summary>
public sealed class AdTests(MindSwarmFactory factory) : IClassFixture<MindSwarmFactory>
{
    private async Task<SwarmClient> AdminAsync()
    {
        var admin = await factory.RegisterAsync();
        using var scope = factory.Services.CreateScope();
        await scope.ServiceProvider.GetRequiredService<IAccountService>().SetRoleAsync(admin.UserId, AccountRoles.Admin);
        return admin;
    }

    private static async Task<JsonElement> SubmitAsync(SwarmClient advertiser, string placement = "inline", string title = "Our project",
        string link = "https://example.com/landing?ref=1#top") =>
        (await advertiser.PostDataAsync("/api/ads",
            new { title, description = "Building decentralized social", linkUrl = link, duration = 7, placement, targetTags = new[] { " Crypto", "WEB3" } },
            HttpStatusCode.Created)).GetProperty("ad");

    private static async Task<string> ActiveAdAsync(SwarmClient advertiser, SwarmClient admin, string placement = "inline")
    {
        var id = (await SubmitAsync(advertiser, placement)).GetProperty("id").GetString()!;
        await admin.PostDataAsync($"/api/admin/ads/{id}/review", new { action = "approve" });
        var paid = await advertiser.PostDataAsync($"/api/ads/{id}/pay");
        Assert.Equal("active", paid.GetProperty("status").GetString());
        return id;
    }

    private static List<string> Served(JsonElement active, string placement) =>
        active.GetProperty(placement).EnumerateArray().Select(a => a.GetProperty("id").GetString()!).ToList();

    [Fact]
    public async Task AdLifecycle_SubmitReviewPayEditCancel_StatusesFollowTheDocument()
    {
        var advertiser = await factory.RegisterAsync();
        var admin = await AdminAsync();
        var draft = (await advertiser.PostDataAsync("/api/ads",
            new { title = "Draft", description = "Not yet", linkUrl = "https://example.com", duration = 3, placement = "inline", draft = true },
            HttpStatusCode.Created)).GetProperty("ad");
        Assert.Equal("draft", draft.GetProperty("status").GetString());
        var draftId = draft.GetProperty("id").GetString();
        var refused = await advertiser.ErrorAsync(HttpMethod.Post, $"/api/ads/{draftId}/pay", new { }, HttpStatusCode.BadRequest, "INVALID_AD_STATUS");
        Assert.Equal("Ad is still a draft", refused.GetProperty("error").GetString());
        Assert.Equal("draft", refused.GetProperty("status").GetString());
        Assert.Equal("pending_review", (await advertiser.PostDataAsync($"/api/ads/{draftId}/submit")).GetProperty("ad").GetProperty("status").GetString());
        await advertiser.ErrorAsync(HttpMethod.Post, $"/api/ads/{draftId}/pay", new { }, HttpStatusCode.BadRequest, "INVALID_AD_STATUS");

        var ad = await SubmitAsync(advertiser);
        var id = ad.GetProperty("id").GetString();
        Assert.Equal("pending_review", ad.GetProperty("status").GetString());
        Assert.Equal(["crypto", "web3"], ad.GetProperty("targetTags").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal("https://example.com/landing?ref=1&utm_source=mindswarm#top", ad.GetProperty("taggedLinkUrl").GetString());
        Assert.Equal("approved", (await admin.PostDataAsync($"/api/admin/ads/{id}/review", new { action = "approve" })).GetProperty("ad")
            .GetProperty("status").GetString());
        var paid = await advertiser.PostDataAsync($"/api/ads/{id}/pay");
        Assert.Equal("active", paid.GetProperty("status").GetString());
        Assert.Equal("free", paid.GetProperty("ad").GetProperty("payment").GetProperty("status").GetString());
        var again = await advertiser.ErrorAsync(HttpMethod.Post, $"/api/ads/{id}/pay", new { }, HttpStatusCode.BadRequest);
        Assert.Equal("Ad is already active", again.GetProperty("error").GetString());
        Assert.Equal("active", again.GetProperty("status").GetString());

        var served = (await factory.Anonymous().GetDataAsync("/api/ads/active")).GetProperty("inline").EnumerateArray().Single(a => a.GetProperty("id").GetString() == id);
        Assert.Equal("https://example.com/landing?ref=1&utm_source=mindswarm#top", served.GetProperty("linkUrl").GetString());

        // Someone else's ad cannot be edited; the owner's appears in my-ads.
        var stranger = await factory.RegisterAsync();
        await stranger.ErrorAsync(HttpMethod.Patch, $"/api/ads/{id}", new { title = "Mine now" }, HttpStatusCode.Forbidden);
        Assert.Contains((await advertiser.GetDataAsync("/api/ads/my-ads?page=1")).GetProperty("ads").EnumerateArray(), a => a.GetProperty("id").GetString() == id);

        // Paused by an admin: not served; resumed: served again.
        Assert.Equal("paused", (await admin.PutDataAsync($"/api/admin/ads/{id}/status", new { status = "paused" })).GetProperty("ad").GetProperty("status").GetString());
        Assert.DoesNotContain(id, Served(await factory.Anonymous().GetDataAsync("/api/ads/active"), "inline"));
        await admin.ErrorAsync(HttpMethod.Put, $"/api/admin/ads/{draftId}/status", new { status = "active" }, HttpStatusCode.BadRequest, "INVALID_AD_STATUS");
        Assert.Equal("active", (await admin.PutDataAsync($"/api/admin/ads/{id}/status", new { status = "active" })).GetProperty("ad").GetProperty("status").GetString());

        var cancelled = (await advertiser.DataAsync(HttpMethod.Delete, $"/api/ads/{id}")).GetProperty("ad");
        Assert.Equal("cancelled", cancelled.GetProperty("status").GetString());
        Assert.DoesNotContain(id, Served(await factory.Anonymous().GetDataAsync("/api/ads/active"), "inline"));
        await advertiser.ErrorAsync(HttpMethod.Patch, $"/api/ads/{id}", new { title = "Back" }, HttpStatusCode.BadRequest, "INVALID_AD_STATUS");
    }

    [Fact]
    public async Task PatchAd_ActiveAdChanged_BackToReviewUntilReapproved()
    {
        var advertiser = await factory.RegisterAsync();
        var admin = await AdminAsync();
        var id = await ActiveAdAsync(advertiser, admin);

        // Nothing actually changed: still active.
        var same = await advertiser.DataAsync(HttpMethod.Patch, $"/api/ads/{id}", new { title = "Our project" });
        Assert.Equal("active", same.GetProperty("ad").GetProperty("status").GetString());
        await advertiser.ErrorAsync(HttpMethod.Patch, $"/api/ads/{id}", new { imageUrl = "https://example.com/x.png" }, HttpStatusCode.BadRequest);

        var changed = (await advertiser.DataAsync(HttpMethod.Patch, $"/api/ads/{id}", new { title = "Something else entirely", duration = 10 }))
            .GetProperty("ad");
        Assert.Equal("pending_review", changed.GetProperty("status").GetString());
        Assert.Equal(10, (changed.GetProperty("endDate").GetDateTime() - changed.GetProperty("startDate").GetDateTime()).TotalDays);
        Assert.DoesNotContain(id, Served(await factory.Anonymous().GetDataAsync("/api/ads/active"), "inline"));

        var reapproved = (await admin.PostDataAsync($"/api/admin/ads/{id}/review", new { action = "approve" })).GetProperty("ad");
        Assert.Equal("active", reapproved.GetProperty("status").GetString());
        Assert.Contains(id, Served(await factory.Anonymous().GetDataAsync("/api/ads/active"), "inline"));
    }

    [Fact]
    public async Task PatchAd_AutoApproveOn_ActiveAdStaysActive()
    {
        await using var autoApprove = new MindSwarmFactory();
        autoApprove.WithSetting("Mindstack:MindSwarm:Ads:AutoApprove", "true");
        var advertiser = await autoApprove.RegisterAsync();
        var ad = (await advertiser.PostDataAsync("/api/ads",
            new { title = "Auto", description = "Approved at once", linkUrl = "https://example.com?utm_source=partner", duration = 2 },
            HttpStatusCode.Created)).GetProperty("ad");
        Assert.Equal("approved", ad.GetProperty("status").GetString());
        Assert.Equal("https://example.com?utm_source=partner", ad.GetProperty("taggedLinkUrl").GetString());
        var id = ad.GetProperty("id").GetString();
        Assert.Equal("active", (await advertiser.PostDataAsync($"/api/ads/{id}/pay")).GetProperty("status").GetString());
        var changed = await advertiser.DataAsync(HttpMethod.Patch, $"/api/ads/{id}", new { description = "A new description" });
        Assert.Equal("active", changed.GetProperty("ad").GetProperty("status").GetString());
    }

    [Fact]
    public async Task ActiveAds_FewerImpressions_ServedFirst()
    {
        var advertiser = await factory.RegisterAsync();
        var admin = await AdminAsync();
        var shown = await ActiveAdAsync(advertiser, admin, "banner");
        var fresh = await ActiveAdAsync(advertiser, admin, "banner");
        await factory.Anonymous().PostDataAsync($"/api/ads/{shown}/track", new { type = "impression" });

        for (var i = 0; i < 5; i++)
        {
            var banner = Served(await factory.Anonymous().GetDataAsync("/api/ads/active"), "banner");
            Assert.Equal([fresh, shown], banner);
        }
        // Once caught up, either may lead (random tiebreak); both are served.
        await factory.Anonymous().PostDataAsync($"/api/ads/{fresh}/track", new { type = "impression" });
        Assert.Equal(new[] { fresh, shown }.Order(StringComparer.Ordinal),
            Served(await factory.Anonymous().GetDataAsync("/api/ads/active"), "banner").Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task TrackAd_SameAddressTwice_OneImpressionButEveryClick()
    {
        var advertiser = await factory.RegisterAsync();
        var admin = await AdminAsync();
        var id = await ActiveAdAsync(advertiser, admin);
        var viewer = factory.Anonymous();
        Assert.True((await viewer.PostDataAsync($"/api/ads/{id}/track", new { type = "impression" })).GetProperty("counted").GetBoolean());
        Assert.False((await viewer.PostDataAsync($"/api/ads/{id}/track", new { type = "impression" })).GetProperty("counted").GetBoolean());
        await viewer.PostDataAsync($"/api/ads/{id}/track", new { type = "click" });
        await viewer.PostDataAsync($"/api/ads/{id}/track", new { type = "click" });
        await viewer.ErrorAsync(HttpMethod.Post, $"/api/ads/{id}/track", new { type = "hover" }, HttpStatusCode.BadRequest, "VALIDATION_ERROR");

        var stats = await admin.GetDataAsync($"/api/admin/ads/{id}/stats?days=7");
        Assert.Equal(1, stats.GetProperty("lifetime").GetProperty("impressions").GetInt64());
        Assert.Equal(2, stats.GetProperty("lifetime").GetProperty("clicks").GetInt64());
        Assert.Equal(7, stats.GetProperty("series").GetArrayLength());
        Assert.Equal(1, stats.GetProperty("series")[6].GetProperty("impressions").GetInt64());
        Assert.Equal(0, stats.GetProperty("series")[0].GetProperty("impressions").GetInt64());
        Assert.Equal(2, stats.GetProperty("window").GetProperty("clicks").GetInt64());

        // After the dedup window the same address counts again.
        factory.Clock.Advance(TimeSpan.FromMinutes(6));
        Assert.True((await viewer.PostDataAsync($"/api/ads/{id}/track", new { type = "impression" })).GetProperty("counted").GetBoolean());
    }

    [Fact]
    public async Task TrackAd_ConcurrentImpressionsFromOneAddress_CountedOnce()
    {
        var advertiser = await factory.RegisterAsync();
        var admin = await AdminAsync();
        var id = await ActiveAdAsync(advertiser, admin);
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ =>
            factory.Anonymous().PostDataAsync($"/api/ads/{id}/track", new { type = "impression" })));
        Assert.Single(results, r => r.GetProperty("counted").GetBoolean());
        Assert.Equal(1, (await admin.GetDataAsync($"/api/admin/ads/{id}/stats")).GetProperty("lifetime").GetProperty("impressions").GetInt64());
    }

    [Fact]
    public async Task AdminRoutes_AsUser_Forbidden()
    {
        var user = await factory.RegisterAsync();
        var admin = await AdminAsync();
        var id = (await SubmitAsync(user)).GetProperty("id").GetString();
        await user.ErrorAsync(HttpMethod.Put, $"/api/admin/ads/{id}/status", new { status = "paused" }, HttpStatusCode.Forbidden);
        await user.ErrorAsync(HttpMethod.Get, $"/api/admin/ads/{id}/stats", null, HttpStatusCode.Forbidden);
        await user.ErrorAsync(HttpMethod.Get, "/api/admin/inbound/stats", null, HttpStatusCode.Forbidden);
        await user.ErrorAsync(HttpMethod.Get, "/api/admin/dashboard/trends", null, HttpStatusCode.Forbidden);
        await user.ErrorAsync(HttpMethod.Post, $"/api/admin/ads/{id}/review", new { action = "approve" }, HttpStatusCode.Forbidden);

        var inbound = await admin.GetDataAsync("/api/admin/inbound/stats?days=14&groupBy=campaign");
        Assert.Equal("campaign", inbound.GetProperty("groupBy").GetString());
        Assert.Equal(14, inbound.GetProperty("series").GetArrayLength());
        Assert.True(inbound.GetProperty("window").GetProperty("signups").GetInt64() >= 2);
        await admin.ErrorAsync(HttpMethod.Get, "/api/admin/inbound/stats?groupBy=medium", null, HttpStatusCode.BadRequest, "VALIDATION_ERROR");

        await user.PostAsync(new { content = "Trending #mindswarm" });
        var trends = await admin.GetDataAsync("/api/admin/dashboard/trends?days=7");
        Assert.Equal(7, trends.GetProperty("users").GetProperty("series").GetArrayLength());
        Assert.True(trends.GetProperty("posts").GetProperty("total").GetInt64() >= 1);
        Assert.Contains(trends.GetProperty("topHashtags").EnumerateArray(), h => h.GetProperty("key").GetString() == "mindswarm");
        Assert.True(trends.GetProperty("accountStatus").EnumerateArray().Single(s => s.GetProperty("key").GetString() == "active")
            .GetProperty("count").GetInt64() >= 2);
        await admin.ErrorAsync(HttpMethod.Get, "/api/admin/dashboard/trends?days=3", null, HttpStatusCode.BadRequest, "VALIDATION_ERROR");
    }

    [Fact]
    public async Task InboundStats_TrackedLandingsWithUtm_GroupedUnderTheirSource()
    {
        var admin = await AdminAsync();
        var tag = Guid.NewGuid().ToString("N")[..6];
        var (source, campaign, referrerHost) = ("newsletter" + tag, "spring" + tag, $"ref{tag}.example.org");
        var anonymous = factory.Anonymous();
        for (var i = 0; i < 2; i++)
        {
            await anonymous.PostDataAsync("/api/analytics/track", new
            {
                eventType = "inbound_landing",
                metadata = new { utmSource = source, utmMedium = "email", utmCampaign = campaign, landingPath = "/feed" },
            });
        }
        await anonymous.PostDataAsync("/api/analytics/track", new { eventType = "inbound_landing", metadata = new { referrer = $"https://{referrerHost}/a" } });
        await anonymous.PostDataAsync("/api/analytics/track", new { eventType = "inbound_landing", metadata = new { landingPath = "/" } });
        // A page view is no landing.
        await anonymous.PostDataAsync("/api/analytics/track", new { eventType = "page_view", metadata = new { utmSource = source } });
        var challenge = await anonymous.GetDataAsync("/api/auth/challenge");
        var username = "in" + tag;
        await anonymous.PostDataAsync("/api/auth/register", new Dictionary<string, object>
        {
            ["email"] = username + "@example.com",
            ["username"] = username,
            ["password"] = "BotPass1234!",
            ["challengeToken"] = challenge.GetProperty("token").GetString()!,
            ["challengeAnswer"] = MindSwarmFactory.Solve(challenge.GetProperty("question").GetString()!),
            ["_attribution"] = new { utmSource = source, utmMedium = "email", utmCampaign = campaign },
        }, HttpStatusCode.Created);

        static JsonElement? Group(JsonElement stats, string key) =>
            stats.GetProperty("byGroup").EnumerateArray().Where(g => g.GetProperty("key").GetString() == key).Select(g => (JsonElement?)g).FirstOrDefault();
        // Tracked events are written in batches: the landings show up once flushed.
        var bySource = await Eventually.UntilAsync(() => admin.GetDataAsync("/api/admin/inbound/stats?days=7&groupBy=source"),
            s => Group(s, source)?.GetProperty("landings").GetInt64() == 2 && Group(s, referrerHost) is not null
                && Group(s, "(direct)") is not null && s.GetProperty("window").GetProperty("landings").GetInt64() >= 4, "the tracked landings");
        var mine = Group(bySource, source)!.Value;
        Assert.Equal(1, mine.GetProperty("signups").GetInt64());
        Assert.Equal(50.0, mine.GetProperty("conversionRate").GetDouble());
        // No utm but an outside referrer: its host; neither: the (direct) bucket.
        Assert.Equal(1, Group(bySource, referrerHost)!.Value.GetProperty("landings").GetInt64());
        Assert.True(Group(bySource, "(direct)")!.Value.GetProperty("landings").GetInt64() >= 1);
        var window = bySource.GetProperty("window");
        Assert.True(window.GetProperty("landings").GetInt64() >= 4);
        Assert.True(window.GetProperty("attributedSignups").GetInt64() >= 1);
        Assert.Equal(window.GetProperty("signups").GetInt64(),
            window.GetProperty("attributedSignups").GetInt64() + window.GetProperty("directSignups").GetInt64());
        Assert.Equal(window.GetProperty("landings").GetInt64(), bySource.GetProperty("series").EnumerateArray().Sum(d => d.GetProperty("landings").GetInt64()));
        Assert.Equal(bySource.GetProperty("byGroup").EnumerateArray().Sum(g => g.GetProperty("landings").GetInt64()), window.GetProperty("landings").GetInt64());

        var byCampaign = await admin.GetDataAsync("/api/admin/inbound/stats?days=7&groupBy=campaign");
        var spring = Group(byCampaign, campaign)!.Value;
        Assert.Equal((2, 1), (spring.GetProperty("landings").GetInt64(), spring.GetProperty("signups").GetInt64()));
    }

    [Fact]
    public async Task SendTip_NoNodeConfigured_PendingWithReason()
    {
        var author = await factory.RegisterAsync();
        await author.PutDataAsync("/api/users/crypto-addresses", new { eth = "0x6666666666666666666666666666666666666666" });
        var fan = await factory.RegisterAsync();
        var tokens = await factory.Anonymous().GetDataAsync("/api/tips/supported-tokens");
        Assert.False(tokens.GetProperty("verificationConfigured").GetBoolean());
        Assert.Equal(["btc", "eth", "sol", "usdt", "usdc"], tokens.GetProperty("tokens").EnumerateArray().Select(t => t.GetProperty("symbol").GetString()));

        var sent = await fan.PostDataAsync("/api/tips/send",
            new { recipientId = author.UserId, cryptocurrency = "eth", amount = "0.01", transactionHash = "0x" + new string('a', 64), blockchainNetwork = "ethereum" },
            HttpStatusCode.Created);
        var tip = sent.GetProperty("tip");
        Assert.Equal("pending", tip.GetProperty("status").GetString());
        Assert.Contains("not configured", tip.GetProperty("statusReason").GetString(), StringComparison.Ordinal);
        Assert.Contains("RpcUrl", sent.GetProperty("message").GetString(), StringComparison.Ordinal);
        var verified = await fan.PostDataAsync($"/api/tips/{tip.GetProperty("id").GetString()}/verify");
        Assert.Equal("pending", verified.GetProperty("tip").GetProperty("status").GetString());
        await factory.Anonymous().ErrorAsync(HttpMethod.Get, $"/api/tips/{tip.GetProperty("id").GetString()}/status", null, HttpStatusCode.Unauthorized);
        await fan.ErrorAsync(HttpMethod.Post, "/api/tips/send",
            new { recipientId = fan.UserId, cryptocurrency = "eth", amount = "0.01", transactionHash = "0x" + new string('b', 64) },
            HttpStatusCode.BadRequest, "CANNOT_TIP_SELF");
        await fan.ErrorAsync(HttpMethod.Post, "/api/tips/send",
            new { recipientId = author.UserId, cryptocurrency = "doge", amount = "-1", transactionHash = "nope" }, HttpStatusCode.BadRequest, "VALIDATION_ERROR");
    }

    [Fact]
    public async Task PayAd_PricedButNoNodeConfigured_PaymentPendingWithReason()
    {
        await using var priced = new MindSwarmFactory();
        priced.WithSetting("Mindstack:MindSwarm:Ads:DailyRates:eth", "0.005");
        var advertiser = await priced.RegisterAsync();
        var admin = await priced.RegisterAsync();
        using (var scope = priced.Services.CreateScope())
        {
            await scope.ServiceProvider.GetRequiredService<IAccountService>().SetRoleAsync(admin.UserId, AccountRoles.Admin);
        }
        var id = (await SubmitAsync(advertiser)).GetProperty("id").GetString()!;
        await admin.PostDataAsync($"/api/admin/ads/{id}/review", new { action = "approve" });

        var paid = await advertiser.PostDataAsync($"/api/ads/{id}/pay",
            new { cryptocurrency = "eth", amount = "0.035", transactionHash = "0x" + new string('c', 64), blockchainNetwork = "ethereum" });
        Assert.Equal("approved", paid.GetProperty("status").GetString());
        var payment = paid.GetProperty("ad").GetProperty("payment");
        Assert.Equal("pending", payment.GetProperty("status").GetString());
        Assert.Contains("Mindstack:MindSwarm:Chain:RpcUrl", payment.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(id, Served(await priced.Anonymous().GetDataAsync("/api/ads/active"), "inline"));
    }

    [Fact]
    public async Task OpenApi_TipAndAdRoutes_DescribedWithSchemas()
    {
        using var response = await factory.SendRawAsync(HttpMethod.Get, "/openapi/mindswarm.json");
        var paths = (await SwarmClient.Expect(response, HttpStatusCode.OK)).GetProperty("paths");
        foreach (var (method, path) in new[]
                 {
                     ("get", "/tips/supported-tokens"), ("post", "/tips/send"), ("post", "/tips/{tipId}/verify"), ("get", "/tips/{tipId}/status"),
                     ("get", "/tips/history"), ("get", "/tips/stats"), ("get", "/tips/post/{postId}"), ("get", "/ads/active"), ("get", "/ads/settings"),
                     ("post", "/ads"), ("get", "/ads/my-ads"), ("post", "/ads/{adId}/pay"), ("post", "/ads/{adId}/track"), ("patch", "/ads/{adId}"),
                     ("delete", "/ads/{adId}"), ("put", "/admin/ads/{adId}/status"), ("get", "/admin/ads/{adId}/stats"), ("get", "/admin/inbound/stats"),
                     ("get", "/admin/dashboard/trends"),
                 })
        {
            Assert.True(paths.TryGetProperty("/mindswarm/api" + path, out var item), path + " missing");
            Assert.True(item.TryGetProperty(method, out var operation), $"{method} {path} missing");
            var success = operation.GetProperty("responses").EnumerateObject().First(r => r.Name.StartsWith('2'));
            Assert.True(success.Value.GetProperty("content").GetProperty("application/json").TryGetProperty("schema", out _), $"{method} {path} has no schema");
        }
    }
}
