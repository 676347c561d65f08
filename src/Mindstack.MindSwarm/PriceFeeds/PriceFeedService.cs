using System.Globalization;
using System.Numerics;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Mindstack.MindSwarm.Outside;
using Mindstack.Platform.Http;

namespace Mindstack.MindSwarm.PriceFeeds;

internal sealed record PriceFeedList(string Network, IReadOnlyList<string> Feeds, int TotalFeeds, bool Configured, IReadOnlyList<string> AvailableNetworks,
    IReadOnlyList<string> ConfiguredNetworks, bool CoinGeckoFallback);

internal sealed record PriceFeedInfo(string Symbol, string Pair, IReadOnlyList<string> Sources, string? Network, string? FeedAddress,
    string? Description, int? Decimals, string? CoinGeckoId, PriceQuote? Latest);

internal sealed record PriceHistory(string Symbol, string Pair, string Source, string? Network, int? Days, IReadOnlyList<PricePoint> Points);

internal sealed record ComparePricesRequest(string? Pair, string? Symbol, string? Network);

internal sealed record PriceComparison(string Symbol, string Pair, string? Network, decimal? Chainlink, decimal? Coingecko, decimal? Difference,
    decimal? PercentDifference, IReadOnlyList<PriceQuote> Quotes);

/// <summary>
/// Section 18: prices from Chainlink first, CoinGecko as the fallback, each answer cached for
/// <see cref="PriceFeedOptions.CacheTtl"/>; never a price no source gave.
/// </summary>
internal sealed class PriceFeedService(ChainlinkPriceSource chainlink, CoinGeckoPriceSource coinGecko, IMemoryCache cache, IOptions<PriceFeedOptions> options)
{
    private IEnumerable<IPriceSource> Sources => [chainlink, coinGecko];

    public async Task<PriceQuote> GetPriceAsync(string? rawSymbol, string? rawNetwork, CancellationToken ct)
    {
        var symbol = PriceSymbols.Normalize(rawSymbol);
        var network = PriceSymbols.Network(rawNetwork);
        RequireConfigured();
        var key = $"mindswarm:price:{network}:{symbol}";
        if (cache.TryGetValue(key, out PriceQuote? cached) && cached is not null)
        {
            return cached;
        }
        Problem? failure = null;
        foreach (var source in Sources.Where(s => s.Configured))
        {
            try
            {
                if (await source.GetPriceAsync(symbol, network, ct) is { } quote)
                {
                    if (options.Value.CacheTtl > TimeSpan.Zero)
                    {
                        cache.Set(key, quote, options.Value.CacheTtl);
                    }
                    return quote;
                }
            }
            catch (Problem e) when (e.Kind == ProblemKind.UpstreamFailed)
            {
                // The next source is the fallback; the failure is the answer only when none has the price.
                failure ??= e;
            }
        }
        throw failure ?? Problem.NotFound($"No price feed for {symbol}/USD" + (network is null ? "" : $" on {network}"), "PRICE_FEED_NOT_FOUND");
    }

    public PriceFeedList ListFeeds(string? rawNetwork)
    {
        var network = PriceSymbols.Network(rawNetwork) ?? options.Value.DefaultNetwork.ToLowerInvariant();
        var feeds = chainlink.Feeds();
        if (!feeds.TryGetValue(network, out var onNetwork))
        {
            throw Problem.Invalid("network", "network must be one of " + string.Join(", ", feeds.Keys.Order(StringComparer.Ordinal)));
        }
        var configured = chainlink.RpcUrls();
        var pairs = onNetwork.Keys.Select(s => s.ToUpperInvariant() + "/USD").Order(StringComparer.Ordinal).ToList();
        return new PriceFeedList(network, pairs, pairs.Count, configured.ContainsKey(network), [.. feeds.Keys.Order(StringComparer.Ordinal)],
            [.. configured.Keys.Order(StringComparer.Ordinal)], coinGecko.Configured);
    }

    public async Task<PriceFeedInfo> InfoAsync(string? rawSymbol, string? rawNetwork, CancellationToken ct)
    {
        var symbol = PriceSymbols.Normalize(rawSymbol);
        var network = PriceSymbols.Network(rawNetwork);
        RequireConfigured();
        var feed = chainlink.Resolve(symbol, network);
        var geckoId = coinGecko.Configured ? coinGecko.CoinId(symbol) : null;
        if (feed is null && geckoId is null)
        {
            throw Problem.NotFound($"No price feed for {symbol}/USD" + (network is null ? "" : $" on {network}"), "PRICE_FEED_NOT_FOUND");
        }
        string? description = null;
        int? decimals = null;
        if (feed is { } f)
        {
            (description, decimals) = await chainlink.DescribeAsync(f.RpcUrl, f.Address, ct);
        }
        var latest = await GetPriceAsync(symbol, network, ct);
        List<string> sources = [];
        if (feed is not null)
        {
            sources.Add("chainlink");
        }
        if (geckoId is not null)
        {
            sources.Add("coingecko");
        }
        return new PriceFeedInfo(symbol, symbol + "/USD", sources, feed?.Network, feed?.Address, description, decimals, geckoId, latest);
    }

    /// <summary>A Chainlink round (<c>roundId</c>), or CoinGecko's market chart over <c>days</c>.</summary>
    public async Task<PriceHistory> HistoryAsync(string? rawSymbol, string? rawNetwork, string? rawRoundId, string? rawDays, CancellationToken ct)
    {
        var symbol = PriceSymbols.Normalize(rawSymbol);
        var network = PriceSymbols.Network(rawNetwork);
        RequireConfigured();
        if (!string.IsNullOrWhiteSpace(rawRoundId))
        {
            if (!BigInteger.TryParse(rawRoundId, NumberStyles.None, CultureInfo.InvariantCulture, out var roundId) || roundId.IsZero
                || roundId >= BigInteger.One << 80)
            {
                throw Problem.Invalid("roundId", "roundId must be a Chainlink round id (a positive whole number below 2^80)");
            }
            if (!chainlink.Configured)
            {
                throw OutsideService.NotConfigured("Chainlink round history", PriceFeedOptions.Section + ":Chainlink:RpcUrls:<network>");
            }
            var round = await chainlink.GetRoundAsync(symbol, network, roundId, ct);
            return new PriceHistory(symbol, round.Pair, "chainlink", round.Network, null,
                [new PricePoint(round.UpdatedAt ?? DateTime.UnixEpoch, round.Price, round.RoundId)]);
        }
        var days = Query.Int(rawDays, "days", 1, 1, 365);
        if (!coinGecko.Configured)
        {
            throw OutsideService.NotConfigured("Price history without a roundId (CoinGecko's market chart)", PriceFeedOptions.Section + ":CoinGecko:BaseUrl");
        }
        var points = await coinGecko.GetHistoryAsync(symbol, days, ct)
            ?? throw Problem.NotFound($"No CoinGecko coin id for {symbol} (the operator adds one under {PriceFeedOptions.Section}:CoinGecko:Ids)", "PRICE_FEED_NOT_FOUND");
        return new PriceHistory(symbol, symbol + "/USD", "coingecko", network, days, points);
    }

    /// <summary>The same asset from every configured source, and how far they differ.</summary>
    public async Task<PriceComparison> CompareAsync(ComparePricesRequest request, CancellationToken ct)
    {
        var symbol = PriceSymbols.Normalize(request.Pair ?? request.Symbol, request.Pair is null && request.Symbol is not null ? "symbol" : "pair");
        var network = PriceSymbols.Network(request.Network);
        RequireConfigured();
        var quotes = new List<PriceQuote>();
        Problem? failure = null;
        foreach (var source in Sources.Where(s => s.Configured))
        {
            try
            {
                if (await source.GetPriceAsync(symbol, network, ct) is { } quote)
                {
                    quotes.Add(quote);
                }
            }
            catch (Problem e) when (e.Kind == ProblemKind.UpstreamFailed)
            {
                failure ??= e;
            }
        }
        if (quotes.Count == 0)
        {
            throw failure ?? Problem.NotFound($"No price feed for {symbol}/USD", "PRICE_FEED_NOT_FOUND");
        }
        var link = quotes.FirstOrDefault(q => q.Source == "chainlink")?.Price;
        var gecko = quotes.FirstOrDefault(q => q.Source == "coingecko")?.Price;
        decimal? difference = link is { } a && gecko is { } b ? Math.Abs(a - b) : null;
        decimal? percent = difference is { } d && gecko is { } g && g != 0 ? Math.Round(d / g * 100m, 4) : null;
        return new PriceComparison(symbol, symbol + "/USD", quotes.FirstOrDefault(q => q.Network is not null)?.Network ?? network, link, gecko, difference,
            percent, quotes);
    }

    /// <summary>Which sources are configured (for the admin status).</summary>
    public (bool Chainlink, IReadOnlyList<string> Networks, bool CoinGecko) Status() =>
        (chainlink.Configured, [.. chainlink.RpcUrls().Keys.Order(StringComparer.Ordinal)], coinGecko.Configured);

    private void RequireConfigured()
    {
        if (!chainlink.Configured && !coinGecko.Configured)
        {
            throw OutsideService.NotConfigured("Price feeds",
                $"{PriceFeedOptions.Section}:Chainlink:RpcUrls:<network> or {PriceFeedOptions.Section}:CoinGecko:BaseUrl");
        }
    }
}
