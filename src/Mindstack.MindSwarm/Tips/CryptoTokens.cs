using System.Globalization;
using System.Numerics;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Mindstack.MindSwarm.Tips;

/// <summary>
/// <c>Mindstack:MindSwarm:Tokens:*</c>: the ERC-20 contracts of the stable tokens on the configured
/// Ethereum node (<c>Contracts:usdt</c>, <c>Contracts:usdc</c>; Ethereum mainnet's by default).
/// </summary>
public sealed class TokenOptions
{
    public const string Section = "Mindstack:MindSwarm:Tokens";

    public Dictionary<string, string> Contracts { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}

internal sealed class TokenOptionsValidator : IValidateOptions<TokenOptions>
{
    public ValidateOptionsResult Validate(string? name, TokenOptions options)
    {
        var failures = options.Contracts
            .Where(c => !CryptoTokens.AddressPattern().IsMatch(c.Value) || CryptoTokens.Find(c.Key) is not { Decimals: > 0 })
            .Select(c => $"{TokenOptions.Section}:Contracts:{c.Key} must name a known token and be an Ethereum address (0x and 40 hex digits)")
            .ToList();
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>A token payments and tips can be made in; <see cref="MainnetContract"/> is null for a chain's own coin.</summary>
internal sealed record CryptoToken(string Symbol, string Name, int Decimals, IReadOnlyList<string> Networks, string? MainnetContract);

/// <summary>The tokens of sections 9 and 15, how many decimals each has, and which of them this server can verify on chain.</summary>
internal static partial class CryptoTokens
{
    /// <summary>The networks the configured Ethereum JSON-RPC node can check: Ethereum itself.</summary>
    public const string VerifiableNetwork = "ethereum";

    public static readonly IReadOnlyList<CryptoToken> All =
    [
        new("btc", "Bitcoin", 8, ["bitcoin"], null),
        new("eth", "Ethereum", 18, ["ethereum"], null),
        new("bnb", "BNB", 18, ["bsc"], null),
        new("sol", "Solana", 9, ["solana"], null),
        new("usdt", "Tether USD", 6, ["ethereum", "polygon", "bsc"], "0xdAC17F958D2ee523a2206206994597C13D831ec7"),
        new("usdc", "USD Coin", 6, ["ethereum", "polygon", "solana"], "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"),
    ];

    public static readonly IReadOnlyList<string> Networks = ["bitcoin", "ethereum", "solana", "polygon", "bsc"];

    [GeneratedRegex("^0x[0-9a-fA-F]{40}$")]
    internal static partial Regex AddressPattern();

    /// <summary>An EVM or Bitcoin transaction hash (64 hex digits, 0x optional) or a Solana signature (base58).</summary>
    [GeneratedRegex("^((0x)?[0-9a-fA-F]{64}|[1-9A-HJ-NP-Za-km-z]{43,80})$")]
    internal static partial Regex TxHashPattern();

    public static CryptoToken? Find(string? symbol) =>
        All.FirstOrDefault(t => string.Equals(t.Symbol, symbol?.Trim(), StringComparison.OrdinalIgnoreCase));

    /// <summary>The ERC-20 contract of <paramref name="token"/> on the configured node: the operator's, else mainnet's.</summary>
    public static string? Contract(CryptoToken token, TokenOptions options) =>
        options.Contracts.TryGetValue(token.Symbol, out var configured) ? configured : token.MainnetContract;

    /// <summary>Whether the configured Ethereum node can verify a payment in this token on this network.</summary>
    public static bool Verifiable(CryptoToken token, string network) =>
        network == VerifiableNetwork && (token.Symbol == "eth" || token.MainnetContract is not null);

    /// <summary>
    /// A positive decimal string (<c>"0.01"</c>) in the token's smallest unit; null when it is not one,
    /// has more decimals than the token or is absurdly large.
    /// </summary>
    public static BigInteger? ToUnits(string? amount, int decimals)
    {
        var text = amount?.Trim() ?? "";
        if (text.Length is 0 or > 40 || !decimal.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) || value <= 0)
        {
            return null;
        }
        var parts = text.Split('.');
        var fraction = parts.Length > 1 ? parts[1].TrimEnd('0') : "";
        if (fraction.Length > decimals)
        {
            return null;
        }
        var units = BigInteger.Parse((parts[0].Length == 0 ? "0" : parts[0]) + fraction.PadRight(decimals, '0'), CultureInfo.InvariantCulture);
        return units.IsZero ? null : units;
    }

    /// <summary>A canonical decimal string of a positive amount (<c>"0.010"</c> → <c>"0.01"</c>).</summary>
    public static string Canonical(string amount) =>
        decimal.Parse(amount, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture).ToString("0.##################", CultureInfo.InvariantCulture);
}
