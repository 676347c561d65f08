using System.Globalization;
using Microsoft.Extensions.Options;
using Mindstack.MindSwarm.Tips;

namespace Mindstack.MindSwarm.Ads;

/// <summary>
/// <c>Mindstack:MindSwarm:Ads:*</c>: <c>FreeMode</c> (ads activate without payment),
/// <c>AutoApprove</c> (ads AI moderation does not flag skip admin review), <c>AiModeration</c>
/// (default on), <c>MaxDurationDays</c> (1–30, default 30), <c>DailyRates:&lt;token&gt;</c> (a
/// decimal string per token; absent or 0 activates at once), <c>PaymentAddress</c> (the Ethereum
/// address on-chain payments must reach), <c>MaxBannerAds</c>/<c>MaxInlineAds</c> (how many
/// <c>/ads/active</c> serves) and <c>ImpressionDedupWindow</c> (default 5 minutes).
/// </summary>
public sealed class AdOptions
{
    public const string Section = "Mindstack:MindSwarm:Ads";

    public bool FreeMode { get; set; }
    public bool AutoApprove { get; set; }
    public bool AiModeration { get; set; } = true;
    public int MaxDurationDays { get; set; } = 30;
    public Dictionary<string, string> DailyRates { get; set; } = new(StringComparer.OrdinalIgnoreCase);
    public string? PaymentAddress { get; set; }
    public int MaxBannerAds { get; set; } = 3;
    public int MaxInlineAds { get; set; } = 5;
    public TimeSpan ImpressionDedupWindow { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The daily rate of a token (0 when not set).</summary>
    internal decimal Rate(string token) =>
        DailyRates.TryGetValue(token, out var text) ? decimal.Parse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture) : 0m;
}

internal sealed class AdOptionsValidator : IValidateOptions<AdOptions>
{
    public ValidateOptionsResult Validate(string? name, AdOptions options)
    {
        var failures = new List<string>();
        if (options.MaxDurationDays is < 1 or > 30)
        {
            failures.Add($"{AdOptions.Section}:MaxDurationDays must be from 1 to 30");
        }
        foreach (var (token, rate) in options.DailyRates)
        {
            if (CryptoTokens.Find(token) is null
                || !decimal.TryParse(rate, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) || value < 0)
            {
                failures.Add($"{AdOptions.Section}:DailyRates:{token} must name a known token ({string.Join(", ", CryptoTokens.All.Select(t => t.Symbol))}) and be a decimal of 0 or more");
            }
        }
        if (!string.IsNullOrWhiteSpace(options.PaymentAddress) && !CryptoTokens.AddressPattern().IsMatch(options.PaymentAddress))
        {
            failures.Add($"{AdOptions.Section}:PaymentAddress must be an Ethereum address (0x and 40 hex digits)");
        }
        if (options.MaxBannerAds is < 1 or > 50 || options.MaxInlineAds is < 1 or > 50)
        {
            failures.Add($"{AdOptions.Section}:MaxBannerAds and MaxInlineAds must be from 1 to 50");
        }
        if (options.ImpressionDedupWindow <= TimeSpan.Zero)
        {
            failures.Add($"{AdOptions.Section}:ImpressionDedupWindow must be more than zero");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
