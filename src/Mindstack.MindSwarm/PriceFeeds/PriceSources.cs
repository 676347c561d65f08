using System.Globalization;
using System.Numerics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using Mindstack.MindSwarm.Crypto;
using Mindstack.MindSwarm.Outside;
using Mindstack.Platform.Http;
using Nethereum.ABI.FunctionEncoding.Attributes;
using Nethereum.Contracts;
using Nethereum.JsonRpc.Client;
using Nethereum.Web3;

namespace Mindstack.MindSwarm.PriceFeeds;

/// <summary>A price in US dollars: the document's <c>{symbol, pair, price, priceFormatted, source, network}</c> and where it came from.</summary>
internal sealed record PriceQuote(
    string Symbol,
    string Pair,
    decimal Price,
    string PriceFormatted,
    string Source,
    string? Network,
    string? RoundId = null,
    DateTime? UpdatedAt = null,
    string? FeedAddress = null,
    int? Decimals = null,
    bool? Stale = null);

/// <summary>One historical point: when, and the price then.</summary>
internal sealed record PricePoint(DateTime Timestamp, decimal Price, string? RoundId = null);

/// <summary>A place prices come from (Chainlink aggregators, a CoinGecko-compatible API).</summary>
internal interface IPriceSource
{
    /// <summary><c>chainlink</c> or <c>coingecko</c>.</summary>
    string Name { get; }

    bool Configured { get; }

    /// <summary>The current USD price, or null when this source has no feed for the symbol (on that network, or any when none is named).</summary>
    Task<PriceQuote?> GetPriceAsync(string symbol, string? network, CancellationToken ct);
}

internal static partial class PriceSymbols
{
    [GeneratedRegex("^[A-Z0-9]{1,15}$")]
    private static partial Regex SymbolPattern();

    [GeneratedRegex("^0x[0-9a-fA-F]{40}$")]
    private static partial Regex AddressPattern();

    public static bool IsAddress(string? value) => value is not null && AddressPattern().IsMatch(value);

    /// <summary><c>btc</c>, <c>BTC</c>, <c>BTC/USD</c>, <c>$btc</c> → <c>BTC</c>; anything else a 400.</summary>
    public static string Normalize(string? input, string field = "symbol")
    {
        var text = (input ?? "").Trim().TrimStart('$').ToUpperInvariant();
        if (text.EndsWith("/USD", StringComparison.Ordinal))
        {
            text = text[..^4];
        }
        return SymbolPattern().IsMatch(text)
            ? text
            : throw Problem.Invalid(field, $"{field} must be a token symbol such as BTC or ETH (optionally BTC/USD)");
    }

    public static string? Network(string? input) => string.IsNullOrWhiteSpace(input) ? null : input.Trim().ToLowerInvariant();

    /// <summary>Dollars as people read them: cents above $1, significant digits below.</summary>
    public static string Format(decimal price) =>
        "$" + (Math.Abs(price) >= 1m
            ? price.ToString("N2", CultureInfo.InvariantCulture)
            : price.ToString("0.########", CultureInfo.InvariantCulture));
}

/// <summary>
/// Chainlink aggregators read over JSON-RPC with Nethereum (<c>eth_call</c> of <c>latestRoundData</c>,
/// <c>getRoundData</c>, <c>decimals</c>, <c>description</c>), one RPC URL per network.
/// </summary>
internal sealed class ChainlinkPriceSource(IOptions<PriceFeedOptions> options, IOptions<ChainOptions> chain, IHttpClientFactory http) : IPriceSource
{
    public const string HttpClientName = "mindswarm-chainlink";

    /// <summary>An answer older than this is marked stale (Chainlink's common heartbeat is at most an hour; the original warns past 10 minutes).</summary>
    private static readonly TimeSpan StaleAfter = TimeSpan.FromHours(1);

    public string Name => "chainlink";

    public bool Configured => RpcUrls().Count > 0;

    /// <summary>Networks with an RPC URL, each with its URL.</summary>
    public IReadOnlyDictionary<string, string> RpcUrls()
    {
        var urls = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (network, url) in options.Value.Chainlink.RpcUrls)
        {
            if (!string.IsNullOrWhiteSpace(url))
            {
                urls[network.ToLowerInvariant()] = url;
            }
        }
        if (!urls.ContainsKey("ethereum") && chain.Value.Configured)
        {
            urls["ethereum"] = chain.Value.RpcUrl!;
        }
        return urls;
    }

    /// <summary>Every known feed: the defaults with the configured ones over them, by network then symbol.</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> Feeds()
    {
        var all = new Dictionary<string, Dictionary<string, string>>(StringComparer.OrdinalIgnoreCase);
        foreach (var (network, feeds) in PriceFeedOptions.DefaultFeeds)
        {
            all[network] = new Dictionary<string, string>(feeds, StringComparer.OrdinalIgnoreCase);
        }
        foreach (var (network, feeds) in options.Value.Chainlink.Feeds)
        {
            var into = all.TryGetValue(network, out var existing) ? existing : all[network.ToLowerInvariant()] = new(StringComparer.OrdinalIgnoreCase);
            foreach (var (symbol, address) in feeds)
            {
                into[symbol.ToUpperInvariant()] = address;
            }
        }
        return all.ToDictionary(n => n.Key.ToLowerInvariant(), n => (IReadOnlyDictionary<string, string>)n.Value, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>The feed of <paramref name="symbol"/> on <paramref name="network"/>, or (none named) on the default network, then any configured one.</summary>
    public (string Network, string Address, string RpcUrl)? Resolve(string symbol, string? network)
    {
        var feeds = Feeds();
        var urls = RpcUrls();
        IEnumerable<string> candidates = network is not null
            ? [network]
            : new[] { options.Value.DefaultNetwork.ToLowerInvariant() }.Concat(urls.Keys.Order(StringComparer.Ordinal));
        foreach (var candidate in candidates.Distinct(StringComparer.OrdinalIgnoreCase))
        {
            if (feeds.TryGetValue(candidate, out var onNetwork) && onNetwork.TryGetValue(symbol, out var address)
                && urls.TryGetValue(candidate, out var url))
            {
                return (candidate, address, url);
            }
        }
        return null;
    }

    public async Task<PriceQuote?> GetPriceAsync(string symbol, string? network, CancellationToken ct)
    {
        if (Resolve(symbol, network) is not { } feed)
        {
            return null;
        }
        return await CallAsync(feed.RpcUrl, async web3 =>
        {
            var round = await web3.Eth.GetContractQueryHandler<LatestRoundDataFunction>()
                .QueryDeserializingToObjectAsync<RoundDataOutput>(new LatestRoundDataFunction(), feed.Address);
            var decimals = await DecimalsAsync(web3, feed.Address);
            return Quote(symbol, feed.Network, feed.Address, round, decimals);
        }, ct);
    }

    /// <summary>One past round of the feed (<c>getRoundData</c>).</summary>
    public async Task<PriceQuote> GetRoundAsync(string symbol, string? network, BigInteger roundId, CancellationToken ct)
    {
        var feed = Resolve(symbol, network) ?? throw Problem.NotFound($"No Chainlink feed for {symbol}/USD on a configured network", "PRICE_FEED_NOT_FOUND");
        return await CallAsync(feed.RpcUrl, async web3 =>
        {
            var round = await web3.Eth.GetContractQueryHandler<GetRoundDataFunction>()
                .QueryDeserializingToObjectAsync<RoundDataOutput>(new GetRoundDataFunction { RoundId = roundId }, feed.Address);
            if (round.UpdatedAt.IsZero)
            {
                throw Problem.NotFound($"The {symbol}/USD feed has no round {roundId}", "ROUND_NOT_FOUND");
            }
            return Quote(symbol, feed.Network, feed.Address, round, await DecimalsAsync(web3, feed.Address));
        }, ct);
    }

    /// <summary>The aggregator's own description and decimals.</summary>
    public async Task<(string Description, int Decimals)> DescribeAsync(string rpcUrl, string address, CancellationToken ct) =>
        await CallAsync(rpcUrl, async web3 =>
        {
            var description = await web3.Eth.GetContractQueryHandler<DescriptionFunction>().QueryAsync<string>(address, new DescriptionFunction());
            return (description, await DecimalsAsync(web3, address));
        }, ct);

    private static async Task<int> DecimalsAsync(IWeb3 web3, string address) =>
        await web3.Eth.GetContractQueryHandler<DecimalsFunction>().QueryAsync<byte>(address, new DecimalsFunction());

    private static PriceQuote Quote(string symbol, string network, string address, RoundDataOutput round, int decimals)
    {
        if (decimals > 28)
        {
            throw OutsideService.Failed($"The {symbol}/USD aggregator reports {decimals} decimals");
        }
        var price = (decimal)round.Answer / (decimal)BigInteger.Pow(10, decimals);
        var updated = DateTime.UnixEpoch.AddSeconds((double)round.UpdatedAt);
        var stale = price <= 0 || DateTime.UtcNow - updated > StaleAfter;
        return new PriceQuote(symbol, symbol + "/USD", price, PriceSymbols.Format(price), "chainlink", network, round.RoundId.ToString(CultureInfo.InvariantCulture),
            updated, address, decimals, stale);
    }

    private async Task<T> CallAsync<T>(string rpcUrl, Func<IWeb3, Task<T>> call, CancellationToken ct)
    {
        var client = http.CreateClient(HttpClientName);
        client.Timeout = options.Value.Timeout;
        var web3 = new Web3(new RpcClient(new Uri(rpcUrl), client));
        try
        {
            return await call(web3);
        }
        // Anything the node or the ABI decoding throws (bad node, reverted call, an answer that is not the ABI) is the node's failure.
        catch (Exception e) when (e is not Problem && !ct.IsCancellationRequested)
        {
            throw OutsideService.Failed("The Chainlink price feed could not be read from the configured RPC node");
        }
    }

    [Function("latestRoundData", typeof(RoundDataOutput))]
    internal sealed class LatestRoundDataFunction : FunctionMessage;

    [Function("getRoundData", typeof(RoundDataOutput))]
    internal sealed class GetRoundDataFunction : FunctionMessage
    {
        [Parameter("uint80", "_roundId", 1)]
        public BigInteger RoundId { get; set; }
    }

    [Function("decimals", "uint8")]
    internal sealed class DecimalsFunction : FunctionMessage;

    [Function("description", "string")]
    internal sealed class DescriptionFunction : FunctionMessage;

    [FunctionOutput]
    internal sealed class RoundDataOutput : IFunctionOutputDTO
    {
        [Parameter("uint80", "roundId", 1)]
        public BigInteger RoundId { get; set; }

        [Parameter("int256", "answer", 2)]
        public BigInteger Answer { get; set; }

        [Parameter("uint256", "startedAt", 3)]
        public BigInteger StartedAt { get; set; }

        [Parameter("uint256", "updatedAt", 4)]
        public BigInteger UpdatedAt { get; set; }

        [Parameter("uint80", "answeredInRound", 5)]
        public BigInteger AnsweredInRound { get; set; }
    }
}

/// <summary>A CoinGecko-compatible API: <c>/simple/price</c> for the price, <c>/coins/{id}/market_chart</c> for history.</summary>
internal sealed class CoinGeckoPriceSource(IOptions<PriceFeedOptions> options, IHttpClientFactory http) : IPriceSource
{
    public const string HttpClientName = "mindswarm-coingecko";

    public string Name => "coingecko";

    public bool Configured => options.Value.CoinGecko.Configured;

    public string? CoinId(string symbol) =>
        options.Value.CoinGecko.Ids.FirstOrDefault(i => string.Equals(i.Key, symbol, StringComparison.OrdinalIgnoreCase)).Value
        ?? PriceFeedOptions.DefaultCoinGeckoIds.GetValueOrDefault(symbol);

    public async Task<PriceQuote?> GetPriceAsync(string symbol, string? network, CancellationToken ct)
    {
        if (!Configured || CoinId(symbol) is not { } id)
        {
            return null;
        }
        var root = await GetAsync($"simple/price?ids={Uri.EscapeDataString(id)}&vs_currencies=usd", ct);
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty(id, out var coin) || coin.ValueKind != JsonValueKind.Object
            || !coin.TryGetProperty("usd", out var usd) || usd.ValueKind != JsonValueKind.Number)
        {
            return null;
        }
        var price = usd.GetDecimal();
        return new PriceQuote(symbol, symbol + "/USD", price, PriceSymbols.Format(price), "coingecko", network);
    }

    /// <summary>USD prices over the last <paramref name="days"/> days, as CoinGecko's market chart has them.</summary>
    public async Task<IReadOnlyList<PricePoint>?> GetHistoryAsync(string symbol, int days, CancellationToken ct)
    {
        if (!Configured || CoinId(symbol) is not { } id)
        {
            return null;
        }
        var root = await GetAsync($"coins/{Uri.EscapeDataString(id)}/market_chart?vs_currency=usd&days={days.ToString(CultureInfo.InvariantCulture)}", ct);
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("prices", out var prices) || prices.ValueKind != JsonValueKind.Array)
        {
            throw OutsideService.Failed("CoinGecko answered a market chart without prices");
        }
        var points = new List<PricePoint>();
        foreach (var point in prices.EnumerateArray())
        {
            if (point.ValueKind == JsonValueKind.Array && point.GetArrayLength() >= 2
                && point[0].ValueKind == JsonValueKind.Number && point[1].ValueKind == JsonValueKind.Number)
            {
                points.Add(new PricePoint(DateTime.UnixEpoch.AddMilliseconds(point[0].GetDouble()), point[1].GetDecimal()));
            }
        }
        return points;
    }

    private async Task<JsonElement> GetAsync(string pathAndQuery, CancellationToken ct)
    {
        var settings = options.Value;
        using var client = http.CreateClient(HttpClientName);
        client.Timeout = settings.Timeout;
        using var message = new HttpRequestMessage(HttpMethod.Get, OutsideService.Join(settings.CoinGecko.BaseUrl!, pathAndQuery));
        if (!string.IsNullOrWhiteSpace(settings.CoinGecko.ApiKey))
        {
            message.Headers.TryAddWithoutValidation(settings.CoinGecko.ApiKeyHeader, settings.CoinGecko.ApiKey);
        }
        return await OutsideService.ReadJsonAsync(client, message, "The CoinGecko price API answered", "The CoinGecko price API could not be reached", ct);
    }
}
