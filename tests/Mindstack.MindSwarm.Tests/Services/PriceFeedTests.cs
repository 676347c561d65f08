using System.Net;

namespace Mindstack.MindSwarm.Tests.Services;

/// <summary>Section 18 against a Chainlink JSON-RPC stand-in and a CoinGecko stand-in on loopback.</summary>
public sealed class PriceFeedTests(ServiceStandIns services) : IClassFixture<ServiceStandIns>
{
    private MindSwarmFactory Swarm => services.Swarm;

    [Fact]
    public async Task Price_ChainlinkConfigured_ReadsLatestRoundOverRpc()
    {
        var quote = await Swarm.Anonymous().GetDataAsync("/api/posts/price/btc");
        Assert.Equal("BTC", quote.GetProperty("symbol").GetString());
        Assert.Equal("BTC/USD", quote.GetProperty("pair").GetString());
        Assert.Equal(67123.45m, quote.GetProperty("price").GetDecimal());
        Assert.Equal("$67,123.45", quote.GetProperty("priceFormatted").GetString());
        Assert.Equal("chainlink", quote.GetProperty("source").GetString());
        Assert.Equal("ethereum", quote.GetProperty("network").GetString());
        Assert.Equal(8, quote.GetProperty("decimals").GetInt32());
        Assert.Equal(ServiceStandIns.RoundFor(6_712_345_000_000).ToString(), quote.GetProperty("roundId").GetString());
        Assert.False(quote.GetProperty("stale").GetBoolean());
        Assert.Contains(services.Calls, c => string.Equals(c.To, ServiceStandIns.BtcFeed, StringComparison.OrdinalIgnoreCase) && c.Selector == "0xfeaf968c");
        Assert.Contains(services.Calls, c => string.Equals(c.To, ServiceStandIns.BtcFeed, StringComparison.OrdinalIgnoreCase) && c.Selector == "0x313ce567");
    }

    [Fact]
    public async Task Price_ReadAgainWithinTtl_ServedFromCache()
    {
        var first = await Swarm.Anonymous().GetDataAsync("/api/posts/price/LINK");
        var calls = services.Calls.Count(c => string.Equals(c.To, ServiceStandIns.LinkFeed, StringComparison.OrdinalIgnoreCase));
        var second = await Swarm.Anonymous().GetDataAsync("/api/posts/price/link");
        Assert.Equal(18.5m, first.GetProperty("price").GetDecimal());
        Assert.Equal(first.GetProperty("price").GetDecimal(), second.GetProperty("price").GetDecimal());
        Assert.Equal(calls, services.Calls.Count(c => string.Equals(c.To, ServiceStandIns.LinkFeed, StringComparison.OrdinalIgnoreCase)));
    }

    [Fact]
    public async Task Price_NoChainlinkFeed_CoinGeckoFallback()
    {
        var quote = await Swarm.Anonymous().GetDataAsync("/api/posts/price/SOL");
        Assert.Equal("coingecko", quote.GetProperty("source").GetString());
        Assert.Equal(142.5m, quote.GetProperty("price").GetDecimal());
        Assert.Equal("$142.50", quote.GetProperty("priceFormatted").GetString());
        var sent = services.Outside.On("/coingecko/api/v3/simple/price").Last();
        Assert.Equal("cg-key", sent.Header("x-cg-demo-api-key"));
    }

    [Fact]
    public async Task Price_UnknownSymbol_Answers404AndBadSymbol400()
    {
        await Swarm.Anonymous().ErrorAsync(HttpMethod.Get, "/api/posts/price/NOSUCHCOIN", null, HttpStatusCode.NotFound, "PRICE_FEED_NOT_FOUND");
        await Swarm.Anonymous().ErrorAsync(HttpMethod.Get, "/api/posts/price/b%20t%20c!", null, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task PriceFeeds_Network_ListsPairsAndConfiguredNetworks()
    {
        var feeds = await Swarm.Anonymous().GetDataAsync("/api/posts/price/feeds?network=ethereum");
        Assert.Contains("BTC/USD", feeds.GetProperty("feeds").EnumerateArray().Select(f => f.GetString()));
        Assert.True(feeds.GetProperty("configured").GetBoolean());
        Assert.Equal(["ethereum"], feeds.GetProperty("configuredNetworks").EnumerateArray().Select(n => n.GetString()));
        var bsc = await Swarm.Anonymous().GetDataAsync("/api/posts/price/feeds?network=bsc");
        Assert.False(bsc.GetProperty("configured").GetBoolean());
        await Swarm.Anonymous().ErrorAsync(HttpMethod.Get, "/api/posts/price/feeds?network=nowhere", null, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task PriceInfo_ChainlinkFeed_DescriptionAndDecimals()
    {
        var info = await Swarm.Anonymous().GetDataAsync("/api/posts/price/BTC/info");
        Assert.Equal("BTC / USD", info.GetProperty("description").GetString());
        Assert.Equal(8, info.GetProperty("decimals").GetInt32());
        Assert.Equal(ServiceStandIns.BtcFeed, info.GetProperty("feedAddress").GetString());
        Assert.Equal(["chainlink", "coingecko"], info.GetProperty("sources").EnumerateArray().Select(s => s.GetString()));
    }

    [Fact]
    public async Task PriceHistory_RoundIdOrDays_ChainlinkRoundOrMarketChart()
    {
        var round = await Swarm.Anonymous().GetDataAsync("/api/posts/price/BTC/history?roundId=110680464442257320247");
        Assert.Equal("chainlink", round.GetProperty("source").GetString());
        var point = Assert.Single(round.GetProperty("points").EnumerateArray());
        Assert.Equal("110680464442257320247", point.GetProperty("roundId").GetString());
        Assert.Equal(67122.45m, point.GetProperty("price").GetDecimal());

        var chart = await Swarm.Anonymous().GetDataAsync("/api/posts/price/BTC/history?days=7");
        Assert.Equal("coingecko", chart.GetProperty("source").GetString());
        Assert.Equal([66000.5m, 66500.25m], chart.GetProperty("points").EnumerateArray().Select(p => p.GetProperty("price").GetDecimal()));
        Assert.Contains("days=7", services.Outside.Received.Last(r => r.Path.EndsWith("/market_chart", StringComparison.Ordinal)).Path + "?days=7",
            StringComparison.Ordinal);
        await Swarm.Anonymous().ErrorAsync(HttpMethod.Get, "/api/posts/price/BTC/history?roundId=abc", null, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task PriceCompare_BothSources_DifferenceReported()
    {
        var compared = await Swarm.Anonymous().PostDataAsync("/api/posts/price/compare", new { pair = "BTC" });
        Assert.Equal(67123.45m, compared.GetProperty("chainlink").GetDecimal());
        Assert.Equal(67000m, compared.GetProperty("coingecko").GetDecimal());
        Assert.Equal(123.45m, compared.GetProperty("difference").GetDecimal());
        Assert.Equal(2, compared.GetProperty("quotes").GetArrayLength());
    }
}
