using System.Net;
using System.Numerics;
using System.Text.Json;

namespace Mindstack.MindSwarm.Tests.Connected;

/// <summary>Boosts verified against a JSON-RPC stand-in, and link previews of a page served on loopback.</summary>
public sealed class BoostAndPreviewTests(StandInServices services) : IClassFixture<StandInServices>
{
    private static readonly BigInteger CentEther = BigInteger.Pow(10, 16);

    private MindSwarmFactory Swarm => services.Swarm;

    [Fact]
    public async Task Boost_PaymentVerifiedOnChain_ActiveAndListed()
    {
        var user = await Swarm.RegisterAsync();
        var post = await user.PostAsync(new { content = "Boost me" });
        var hash = StandInServices.NewTxHash();
        services.Chain[hash] = new ChainTransaction("0x2222222222222222222222222222222222222222", StandInServices.BoostRecipient, CentEther, 95);
        var boost = (await user.PostDataAsync($"/api/posts/{post.GetProperty("shortId").GetString()}/boost",
            new { duration = 24, amount = "0.01", crypto = "eth", txHash = hash }, HttpStatusCode.Created)).GetProperty("boost");
        Assert.Equal("active", boost.GetProperty("status").GetString());
        Assert.Equal(24, (boost.GetProperty("endsAt").GetDateTime() - boost.GetProperty("startsAt").GetDateTime()).TotalHours);
        var methods = services.Outside.On("/rpc").Select(r => r.Json.GetProperty("method").GetString()).ToList();
        Assert.Contains("eth_getTransactionReceipt", methods);
        Assert.Contains("eth_getTransactionByHash", methods);

        var boosted = await Swarm.Anonymous().GetDataAsync("/api/posts/boosted");
        Assert.Contains(boosted.GetProperty("posts").EnumerateArray(), p => p.GetProperty("post").GetProperty("id").GetString() == post.GetProperty("id").GetString());

        // A boost ends with its duration.
        Swarm.Clock.Advance(TimeSpan.FromHours(25));
        boosted = await Swarm.Anonymous().GetDataAsync("/api/posts/boosted");
        Assert.DoesNotContain(boosted.GetProperty("posts").EnumerateArray(),
            p => p.GetProperty("post").GetProperty("id").GetString() == post.GetProperty("id").GetString());
    }

    [Fact]
    public async Task Boost_WrongRecipient_Failed()
    {
        var user = await Swarm.RegisterAsync();
        var post = await user.PostAsync(new { content = "Boost me elsewhere" });
        var hash = StandInServices.NewTxHash();
        services.Chain[hash] = new ChainTransaction("0x2222222222222222222222222222222222222222", "0x3333333333333333333333333333333333333333",
            CentEther, 95);
        var boost = (await user.PostDataAsync($"/api/posts/{post.GetProperty("id").GetString()}/boost",
            new { duration = 24, amount = "0.01", crypto = "eth", txHash = hash }, HttpStatusCode.Created)).GetProperty("boost");
        Assert.Equal("failed", boost.GetProperty("status").GetString());
        Assert.Contains("different address", boost.GetProperty("statusReason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Boost_TooLittlePaid_Failed()
    {
        var user = await Swarm.RegisterAsync();
        var post = await user.PostAsync(new { content = "Cheap boost" });
        var hash = StandInServices.NewTxHash();
        services.Chain[hash] = new ChainTransaction("0x2222222222222222222222222222222222222222", StandInServices.BoostRecipient, CentEther / 2, 95);
        var boost = (await user.PostDataAsync($"/api/posts/{post.GetProperty("id").GetString()}/boost",
            new { duration = 24, amount = "0.01", crypto = "eth", txHash = hash }, HttpStatusCode.Created)).GetProperty("boost");
        Assert.Equal("failed", boost.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Boost_NotMinedYet_PendingThenActivatedByRecheck()
    {
        var user = await Swarm.RegisterAsync();
        var post = await user.PostAsync(new { content = "Soon boosted" });
        var hash = StandInServices.NewTxHash();
        services.Chain[hash] = new ChainTransaction("0x2222222222222222222222222222222222222222", StandInServices.BoostRecipient, CentEther, 0, Mined: false);
        var boost = (await user.PostDataAsync($"/api/posts/{post.GetProperty("id").GetString()}/boost",
            new { duration = 2, amount = "0.01", crypto = "eth", txHash = hash }, HttpStatusCode.Created)).GetProperty("boost");
        Assert.Equal("pending", boost.GetProperty("status").GetString());
        Assert.Contains("not mined", boost.GetProperty("statusReason").GetString(), StringComparison.Ordinal);
        services.Chain[hash] = services.Chain[hash] with { Mined = true, Block = 99 };
        Swarm.Clock.Advance(TimeSpan.FromMinutes(2));
        await Eventually.UntilAsync(async () => await Swarm.Anonymous().GetDataAsync("/api/posts/boosted"),
            page => page.GetProperty("posts").EnumerateArray().Any(p => p.GetProperty("boost").GetProperty("id").GetString() == boost.GetProperty("id").GetString()),
            "the boost activated by its recheck");
    }

    [Fact]
    public async Task Boost_SameTxHashTwice_Refused409()
    {
        var user = await Swarm.RegisterAsync();
        var first = await user.PostAsync(new { content = "One" });
        var second = await user.PostAsync(new { content = "Two" });
        var hash = StandInServices.NewTxHash();
        services.Chain[hash] = new ChainTransaction("0x2222222222222222222222222222222222222222", StandInServices.BoostRecipient, CentEther, 95);
        await user.PostDataAsync($"/api/posts/{first.GetProperty("id").GetString()}/boost",
            new { duration = 24, amount = "0.01", crypto = "eth", txHash = hash }, HttpStatusCode.Created);
        await user.ErrorAsync(HttpMethod.Post, $"/api/posts/{second.GetProperty("id").GetString()}/boost",
            new { duration = 24, amount = "0.01", crypto = "eth", txHash = hash.ToUpperInvariant().Replace("0X", "0x", StringComparison.Ordinal) },
            HttpStatusCode.Conflict, "TX_HASH_USED");
    }

    [Fact]
    public async Task Boost_BadInput_Refused400()
    {
        var user = await Swarm.RegisterAsync();
        var post = await user.PostAsync(new { content = "Bad boost" });
        await user.ErrorAsync(HttpMethod.Post, $"/api/posts/{post.GetProperty("id").GetString()}/boost",
            new { duration = 0, amount = "-1", crypto = "doge", txHash = "0x12" }, HttpStatusCode.BadRequest, "VALIDATION_ERROR");
    }

    [Fact]
    public async Task LinkPreview_PageOnLoopback_FetchedAfterCreation()
    {
        services.On("/page/article", (context, _) => StandInServices.WriteAsync(context, 200, """
            <!doctype html><html><head><title>Fallback title</title>
            <meta property="og:title" content="The Article">
            <meta property="og:description" content="What it is about">
            <meta property="og:image" content="/images/cover.jpg">
            <meta property="og:site_name" content="Stand-in News">
            <meta name="twitter:card" content="summary_large_image">
            </head><body><p>Hello</p></body></html>
            """, "text/html; charset=utf-8"));
        var user = await Swarm.RegisterAsync();
        var url = services.Outside.Url("/page/article");
        var post = await user.PostAsync(new { content = $"Read this: {url}." });
        Assert.True(!post.TryGetProperty("linkPreview", out var none) || none.ValueKind == JsonValueKind.Null);
        var preview = await Eventually.UntilAsync(
            async () => (await user.GetDataAsync("/api/posts/" + post.GetProperty("id").GetString())).GetProperty("post").GetProperty("linkPreview"),
            p => p.ValueKind == JsonValueKind.Object, "the link preview", TimeSpan.FromSeconds(60));
        Assert.Equal("The Article", preview.GetProperty("title").GetString());
        Assert.Equal("What it is about", preview.GetProperty("description").GetString());
        Assert.Equal(services.Outside.Url("/images/cover.jpg"), preview.GetProperty("image").GetString());
        Assert.Equal("Stand-in News", preview.GetProperty("siteName").GetString());
        Assert.Equal("direct", preview.GetProperty("source").GetString());
        Assert.Equal("MindSwarmBot/1.0 (link preview)", services.Outside.On("/page/article").Last().Header("User-Agent"));
    }

    [Fact]
    public async Task LinkPreview_EditChangesOrRemovesLink_PreviewFollows()
    {
        foreach (var (path, title) in new[] { ("/page/edit-first", "First Page"), ("/page/edit-second", "Second Page") })
        {
            services.On(path, (context, _) => StandInServices.WriteAsync(context, 200,
                $"<!doctype html><html><head><meta property=\"og:title\" content=\"{title}\"></head><body></body></html>", "text/html; charset=utf-8"));
        }
        var user = await Swarm.RegisterAsync();
        var id = (await user.PostAsync(new { content = $"First: {services.Outside.Url("/page/edit-first")}" })).GetProperty("id").GetString()!;
        await PreviewTitleAsync(user, id, "First Page");

        // A changed link: the stale preview goes at once, the new page's comes from the job.
        var edited = await user.PutDataAsync("/api/posts/" + id, new { content = $"Second: {services.Outside.Url("/page/edit-second")}" });
        Assert.True(IsNone(edited.GetProperty("post")), "the old preview survived a changed link");
        await PreviewTitleAsync(user, id, "Second Page");
        Assert.Single(services.Outside.On("/page/edit-second"));

        // The same link in new words keeps its preview, without a fetch.
        edited = await user.PutDataAsync("/api/posts/" + id, new { content = $"Still worth it: {services.Outside.Url("/page/edit-second")}" });
        Assert.Equal("Second Page", edited.GetProperty("post").GetProperty("linkPreview").GetProperty("title").GetString());

        // No link left: no preview.
        edited = await user.PutDataAsync("/api/posts/" + id, new { content = "No links any more" });
        Assert.True(IsNone(edited.GetProperty("post")), "a preview outlived its link");
        Assert.True(IsNone((await user.GetDataAsync("/api/posts/" + id)).GetProperty("post")));
        Assert.Single(services.Outside.On("/page/edit-second"));
    }

    private static bool IsNone(JsonElement post) => !post.TryGetProperty("linkPreview", out var preview) || preview.ValueKind == JsonValueKind.Null;

    private static Task<JsonElement> PreviewTitleAsync(SwarmClient user, string id, string title) => Eventually.UntilAsync(
        async () => (await user.GetDataAsync("/api/posts/" + id)).GetProperty("post").GetProperty("linkPreview"),
        p => p.ValueKind == JsonValueKind.Object && p.GetProperty("title").GetString() == title, "the preview titled " + title, TimeSpan.FromSeconds(60));
}
