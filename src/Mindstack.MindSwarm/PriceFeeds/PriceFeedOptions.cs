using Microsoft.Extensions.Options;
using Mindstack.MindSwarm.Outside;

namespace Mindstack.MindSwarm.PriceFeeds;

/// <summary>
/// <c>Mindstack:MindSwarm:PriceFeeds:*</c>: where prices come from. Chainlink aggregators are read
/// over <c>Chainlink:RpcUrls:&lt;network&gt;</c> (the <c>ethereum</c> network falls back to
/// <c>Mindstack:MindSwarm:Chain:RpcUrl</c>); <c>Chainlink:Feeds:&lt;network&gt;:&lt;SYMBOL&gt;</c> adds or
/// replaces aggregator addresses over <see cref="DefaultFeeds"/>. <c>CoinGecko:BaseUrl</c> (a
/// CoinGecko-compatible <c>/api/v3</c> root) is the fallback, with <c>CoinGecko:Ids:&lt;SYMBOL&gt;</c>
/// over <see cref="DefaultCoinGeckoIds"/>. Answers are cached <c>CacheTtl</c>. Nothing configured: 503.
/// </summary>
public sealed class PriceFeedOptions
{
    public const string Section = "Mindstack:MindSwarm:PriceFeeds";

    public ChainlinkSettings Chainlink { get; set; } = new();
    public CoinGeckoSettings CoinGecko { get; set; } = new();
    public string DefaultNetwork { get; set; } = "ethereum";
    public TimeSpan CacheTtl { get; set; } = TimeSpan.FromSeconds(5);
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    public sealed class ChainlinkSettings
    {
        public Dictionary<string, string> RpcUrls { get; set; } = [];
        public Dictionary<string, Dictionary<string, string>> Feeds { get; set; } = [];
    }

    public sealed class CoinGeckoSettings
    {
        public string? BaseUrl { get; set; }
        public string? ApiKey { get; set; }
        public string ApiKeyHeader { get; set; } = "x-cg-demo-api-key";
        public Dictionary<string, string> Ids { get; set; } = [];

        internal bool Configured => !string.IsNullOrWhiteSpace(BaseUrl);
    }

    /// <summary>Chainlink's published USD aggregators (mainnets) for the common assets.</summary>
    public static readonly IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> DefaultFeeds =
        new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.OrdinalIgnoreCase)
        {
            ["ethereum"] = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
            {
                ["ETH"] = "0x5f4eC3Df9cbd43714FE2740f5E3616155c5b8419",
                ["BTC"] = "0xF4030086522a5bEEa4988F8cA5B36dbC97BeE88c",
                ["LINK"] = "0x2c1d072e956AFFC0D435Cb7AC38EF18d24d9127c",
                ["USDC"] = "0x8fFfFfd4AfB6115b954Bd326cbe7B4BA576818f6",
                ["USDT"] = "0x3E7d1eAB13ad0104d2750B8863b489D65364e32D",
                ["DAI"] = "0xAed0c38402a5d19df6E4c03F4E2DceD6e29c1ee9",
                ["AAVE"] = "0x547a514d5e3769680Ce22B2361c10Ea13619e8a9",
                ["UNI"] = "0x553303d460EE0afB37EdFf9bE42922D8FF63220e",
            },
            ["bsc"] = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
            {
                ["BNB"] = "0x0567F2323251f0Aab15c8dFb1967E4e8A7D42aeE",
                ["ETH"] = "0x9ef1B8c0E4F7dc8bF5719Ea496883DC6401d5b2e",
                ["BTC"] = "0x264990fbd0A4796A3E3d8E37C4d5F87a3aCa5Ebf",
                ["CAKE"] = "0xB6064eD41d4f67e353768aA239cA86f4F73665a1",
            },
            ["polygon"] = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
            {
                ["ETH"] = "0xF9680D99D6C9589e2a93a78A04A279e509205945",
                ["BTC"] = "0xc907E116054Ad103354f2D350FD2514433D57F6f",
                ["LINK"] = "0xd9FFdb71EbE7496cC440152d43986Aae0AB76665",
            },
            ["arbitrum"] = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
            {
                ["ETH"] = "0x639Fe6ab55C921f74e7fac1ee960C0B6293ba612",
                ["BTC"] = "0x6ce185860a4963106506C203335A2910413708e9",
                ["ARB"] = "0xb2A824043730FE05F3DA2efaFa1CBbe83fa548D6",
            },
            ["base"] = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
            {
                ["ETH"] = "0x71041dddad3595F9CEd3DcCFBe3D1F4b0a16Bb70",
                ["BTC"] = "0xCCADC697c55bbB68dc5bCdf8d3CBe83CdD4E071E",
            },
            ["optimism"] = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
            {
                ["ETH"] = "0x13e3Ee699D1909E989722E753853AE30b17e08c5",
                ["BTC"] = "0xD702DD976Fb76Fffc2D3963D037dfDae5b04E593",
            },
        };

    /// <summary>CoinGecko's coin ids of the common symbols.</summary>
    public static readonly IReadOnlyDictionary<string, string> DefaultCoinGeckoIds = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["BTC"] = "bitcoin",
        ["ETH"] = "ethereum",
        ["BNB"] = "binancecoin",
        ["SOL"] = "solana",
        ["ADA"] = "cardano",
        ["XRP"] = "ripple",
        ["DOGE"] = "dogecoin",
        ["DOT"] = "polkadot",
        ["LINK"] = "chainlink",
        ["AVAX"] = "avalanche-2",
        ["UNI"] = "uniswap",
        ["AAVE"] = "aave",
        ["LTC"] = "litecoin",
        ["ARB"] = "arbitrum",
        ["OP"] = "optimism",
        ["SHIB"] = "shiba-inu",
        ["PEPE"] = "pepe",
        ["USDT"] = "tether",
        ["USDC"] = "usd-coin",
        ["DAI"] = "dai",
        ["FLOKI"] = "floki",
        ["CAKE"] = "pancakeswap-token",
        ["TRX"] = "tron",
        ["TON"] = "the-open-network",
        ["SUI"] = "sui",
    };
}

internal sealed class PriceFeedOptionsValidator : IValidateOptions<PriceFeedOptions>
{
    public ValidateOptionsResult Validate(string? name, PriceFeedOptions options)
    {
        const string at = PriceFeedOptions.Section + ":";
        var failures = new List<string>();
        foreach (var (network, url) in options.Chainlink.RpcUrls)
        {
            if (OutsideService.CheckUrl($"{at}Chainlink:RpcUrls:{network}", url) is { } bad)
            {
                failures.Add(bad);
            }
        }
        foreach (var (network, feeds) in options.Chainlink.Feeds)
        {
            failures.AddRange(feeds.Where(f => !PriceSymbols.IsAddress(f.Value))
                .Select(f => $"{at}Chainlink:Feeds:{network}:{f.Key} must be a 0x-prefixed 20-byte address"));
        }
        if (OutsideService.CheckUrl(at + "CoinGecko:BaseUrl", options.CoinGecko.BaseUrl) is { } badGecko)
        {
            failures.Add(badGecko);
        }
        if (string.IsNullOrWhiteSpace(options.DefaultNetwork))
        {
            failures.Add(at + "DefaultNetwork is required");
        }
        if (options.CacheTtl < TimeSpan.Zero)
        {
            failures.Add(at + "CacheTtl must not be negative");
        }
        if (options.Timeout <= TimeSpan.Zero)
        {
            failures.Add(at + "Timeout must be more than zero");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
