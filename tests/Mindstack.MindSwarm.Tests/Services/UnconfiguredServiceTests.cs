using System.Net;
using Mindstack.MindSwarm.Tests.Media;

namespace Mindstack.MindSwarm.Tests.Services;

/// <summary>Sections 18 and 19 on a server with no outside service configured, and the admin gates.</summary>
public sealed class UnconfiguredServiceTests(MindSwarmFactory factory) : IClassFixture<MindSwarmFactory>
{
    [Fact]
    public async Task Price_NothingConfigured_Answers503()
    {
        var error = await factory.Anonymous().ErrorAsync(HttpMethod.Get, "/api/posts/price/BTC", null, HttpStatusCode.ServiceUnavailable, "SERVICE_NOT_CONFIGURED");
        Assert.Contains("PriceFeeds:CoinGecko:BaseUrl", error.GetProperty("error").GetString(), StringComparison.Ordinal);
        await factory.Anonymous().ErrorAsync(HttpMethod.Post, "/api/posts/price/compare", new { pair = "ETH" }, HttpStatusCode.ServiceUnavailable,
            "SERVICE_NOT_CONFIGURED");
        await factory.Anonymous().ErrorAsync(HttpMethod.Get, "/api/posts/price/ETH/history", null, HttpStatusCode.ServiceUnavailable, "SERVICE_NOT_CONFIGURED");
        await factory.Anonymous().ErrorAsync(HttpMethod.Get, "/api/posts/price/ETH/info", null, HttpStatusCode.ServiceUnavailable, "SERVICE_NOT_CONFIGURED");
        var feeds = await factory.Anonymous().GetDataAsync("/api/posts/price/feeds");
        Assert.False(feeds.GetProperty("configured").GetBoolean());
    }

    [Fact]
    public async Task ServiceCall_GatewayNotConfigured_Answers503WithoutCharge()
    {
        var admin = await ServiceStandIns.AdminAsync(factory, credits: 10);
        var error = await admin.ErrorAsync(HttpMethod.Post, "/api/posts/service/anime/search", new { q = "x" }, HttpStatusCode.ServiceUnavailable,
            "SERVICE_NOT_CONFIGURED");
        Assert.Contains("Services:GatewayUrl", error.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(10, await ServiceStandIns.CreditsAsync(factory, admin));
        var catalog = await factory.Anonymous().GetDataAsync("/api/posts/service/catalog");
        Assert.Equal(17, catalog.GetProperty("totalPlugins").GetInt32());
        var anime = catalog.GetProperty("services").EnumerateArray().Single(s => s.GetProperty("plugin").GetString() == "anime");
        Assert.False(anime.GetProperty("available").GetBoolean());
        var image = catalog.GetProperty("services").EnumerateArray().Single(s => s.GetProperty("plugin").GetString() == "imageTools");
        Assert.Equal((2, "local", true), (image.GetProperty("creditCost").GetInt32(), image.GetProperty("runsOn").GetString(), image.GetProperty("available").GetBoolean()));
        var status = await admin.GetDataAsync("/api/admin/lanagent-status");
        Assert.False(status.GetProperty("gatewayConfigured").GetBoolean());
        Assert.All(status.GetProperty("outside").EnumerateArray(), o => Assert.False(o.GetProperty("configured").GetBoolean()));
    }

    [Fact]
    public async Task ServiceToggle_Off_CallsRefusedUntilOn()
    {
        var admin = await ServiceStandIns.AdminAsync(factory, credits: 10);
        var image = Convert.ToBase64String(TestMedia.Png());
        var off = await admin.PutDataAsync("/api/admin/lanagent-services", new { service = "imageTools", enabled = false });
        Assert.False(off.GetProperty("enabled").GetBoolean());
        Assert.False(off.GetProperty("toggles").GetProperty("imageTools").GetBoolean());
        await admin.ErrorAsync(HttpMethod.Post, "/api/posts/service/imageTools/metadata", new { image }, HttpStatusCode.Forbidden, "SERVICE_DISABLED");
        await admin.ErrorAsync(HttpMethod.Post, "/api/posts/image-tools/metadata", new { image }, HttpStatusCode.Forbidden, "SERVICE_DISABLED");
        Assert.Equal(10, await ServiceStandIns.CreditsAsync(factory, admin));
        var catalog = await factory.Anonymous().GetDataAsync("/api/posts/service/catalog");
        Assert.False(catalog.GetProperty("services").EnumerateArray().Single(s => s.GetProperty("plugin").GetString() == "imageTools").GetProperty("enabled").GetBoolean());

        await admin.PutDataAsync("/api/admin/lanagent-services", new { service = "imageTools", enabled = true });
        var call = await admin.PostDataAsync("/api/posts/service/imageTools/metadata", new { image });
        Assert.Equal(8, call.GetProperty("creditsRemaining").GetInt64());
        await admin.ErrorAsync(HttpMethod.Put, "/api/admin/lanagent-services", new { service = "nosuch", enabled = true }, HttpStatusCode.BadRequest);
        await admin.ErrorAsync(HttpMethod.Put, "/api/admin/lanagent-services", new { service = "anime" }, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task AdminRoutes_NonAdmin_Answer403()
    {
        var user = await factory.RegisterAsync();
        await user.ErrorAsync(HttpMethod.Get, "/api/admin/lanagent-status", null, HttpStatusCode.Forbidden);
        await user.ErrorAsync(HttpMethod.Put, "/api/admin/lanagent-services", new { service = "anime", enabled = false }, HttpStatusCode.Forbidden);
        await user.ErrorAsync(HttpMethod.Post, "/api/posts/service/challengeQuestions/types", new { }, HttpStatusCode.Forbidden);
        await factory.Anonymous().ErrorAsync(HttpMethod.Get, "/api/admin/lanagent-status", null, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task OpenApi_PriceAndServiceRoutes_Described()
    {
        using var response = await factory.SendRawAsync(HttpMethod.Get, "/openapi/mindswarm.json");
        var paths = (await SwarmClient.Expect(response, HttpStatusCode.OK)).GetProperty("paths");
        foreach (var (path, method) in new[]
                 {
                     ("/mindswarm/api/posts/price/{symbol}", "get"), ("/mindswarm/api/posts/price/feeds", "get"),
                     ("/mindswarm/api/posts/price/{symbol}/info", "get"), ("/mindswarm/api/posts/price/{symbol}/history", "get"),
                     ("/mindswarm/api/posts/price/compare", "post"), ("/mindswarm/api/posts/service/catalog", "get"),
                     ("/mindswarm/api/posts/service/{plugin}/{action}", "post"), ("/mindswarm/api/posts/image-tools/{action}", "post"),
                     ("/mindswarm/api/admin/lanagent-status", "get"), ("/mindswarm/api/admin/lanagent-services", "put"),
                 })
        {
            Assert.True(paths.TryGetProperty(path, out var item), path + " missing");
            var schema = item.GetProperty(method).GetProperty("responses").GetProperty("200").GetProperty("content").GetProperty("application/json");
            Assert.True(schema.TryGetProperty("schema", out _), path + " has no schema");
        }
    }
}
