using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Mindstack.PluginMind.Processing;

/// <summary>A spot price in US dollars.</summary>
internal sealed record CryptoPrice(string Asset, decimal Usd);

/// <summary>Where live crypto prices come from, if anywhere.</summary>
internal interface ICryptoPriceSource
{
    /// <summary>Null when no source is configured.</summary>
    string? Name { get; }

    /// <summary>Prices for the assets named (CoinGecko ids such as <c>bitcoin</c>); empty when unavailable.</summary>
    Task<IReadOnlyList<CryptoPrice>> GetPricesAsync(IReadOnlyList<string> assets, CancellationToken ct);
}

/// <summary>
/// Prices from <c>Mindstack:PluginMind:CryptoPriceUrl</c>, a CoinGecko <c>simple/price</c>-compatible
/// endpoint. With no URL configured it has no name and answers nothing; a failing source is
/// logged and answers nothing, so an analysis still runs and says prices were not used.
/// </summary>
internal sealed class HttpCryptoPriceSource(IHttpClientFactory httpClients, IOptions<PluginMindOptions> options,
    ILogger<HttpCryptoPriceSource> logger) : ICryptoPriceSource
{
    public const string HttpClientName = "pluginmind-crypto-prices";

    public string? Name => string.IsNullOrWhiteSpace(options.Value.CryptoPriceUrl) ? null : new Uri(options.Value.CryptoPriceUrl).Host;

    public async Task<IReadOnlyList<CryptoPrice>> GetPricesAsync(IReadOnlyList<string> assets, CancellationToken ct)
    {
        if (Name is null || assets.Count == 0)
        {
            return [];
        }
        var url = $"{options.Value.CryptoPriceUrl!.TrimEnd('?')}?ids={Uri.EscapeDataString(string.Join(',', assets))}&vs_currencies=usd";
        try
        {
            using var client = httpClients.CreateClient(HttpClientName);
            using var document = JsonDocument.Parse(await client.GetStringAsync(url, ct));
            var prices = new List<CryptoPrice>();
            foreach (var asset in assets)
            {
                if (document.RootElement.TryGetProperty(asset, out var quote) && quote.TryGetProperty("usd", out var usd)
                    && usd.TryGetDecimal(out var value))
                {
                    prices.Add(new CryptoPrice(asset, value));
                }
            }
            return prices;
        }
        catch (Exception exception) when (exception is HttpRequestException or JsonException or TaskCanceledException)
        {
            logger.LogWarning(exception, "Crypto price source {Source} failed", Name);
            return [];
        }
    }

    /// <summary>The assets a text mentions, by name or ticker.</summary>
    public static IReadOnlyList<string> AssetsIn(string text)
    {
        var known = new (string Id, string[] Names)[]
        {
            ("bitcoin", ["bitcoin", "btc"]), ("ethereum", ["ethereum", "eth", "ether"]), ("solana", ["solana", "sol"]),
            ("cardano", ["cardano", "ada"]), ("ripple", ["ripple", "xrp"]), ("dogecoin", ["dogecoin", "doge"]),
            ("litecoin", ["litecoin", "ltc"]), ("polkadot", ["polkadot", "dot"]),
        };
        var words = text.ToLower(CultureInfo.InvariantCulture).Split([' ', ',', '.', '?', '!', '(', ')', '/', '\n', '\t', '$'],
            StringSplitOptions.RemoveEmptyEntries);
        var found = known.Where(k => k.Names.Any(n => words.Contains(n))).Select(k => k.Id).ToList();
        return found.Count > 0 ? found : ["bitcoin", "ethereum"];
    }
}
