using Microsoft.Extensions.Options;
using Mindstack.MindSwarm.Outside;

namespace Mindstack.MindSwarm.Services;

/// <summary>
/// <c>Mindstack:MindSwarm:Services:*</c>: the LANAgent-compatible gateway the other plugins go
/// through — <c>GatewayUrl</c> (those plugins answer 503 without it; we POST the parameters to
/// <c>{GatewayUrl}/api/external/service/{plugin}/{action}</c>), <c>ApiKey</c> (sent as a bearer
/// token), <c>Timeout</c>; and the local image tools' limits: <c>MaxImageBytes</c> (input),
/// <c>MaxImagePixels</c> (input) and <c>MaxOutputDimension</c> (either side of a result).
/// </summary>
public sealed class ServiceOptions
{
    public const string Section = "Mindstack:MindSwarm:Services";

    public string? GatewayUrl { get; set; }
    public string? ApiKey { get; set; }
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(60);
    public long MaxImageBytes { get; set; } = 10 * 1024 * 1024;
    public long MaxImagePixels { get; set; } = 40_000_000;
    public int MaxOutputDimension { get; set; } = 4096;

    internal bool GatewayConfigured => !string.IsNullOrWhiteSpace(GatewayUrl);
}

internal sealed class ServiceOptionsValidator : IValidateOptions<ServiceOptions>
{
    public ValidateOptionsResult Validate(string? name, ServiceOptions options)
    {
        const string at = ServiceOptions.Section + ":";
        var failures = new List<string>();
        if (OutsideService.CheckUrl(at + "GatewayUrl", options.GatewayUrl) is { } bad)
        {
            failures.Add(bad);
        }
        if (options.Timeout <= TimeSpan.Zero)
        {
            failures.Add(at + "Timeout must be more than zero");
        }
        if (options.MaxImageBytes <= 0 || options.MaxImagePixels <= 0 || options.MaxOutputDimension <= 0)
        {
            failures.Add(at + "MaxImageBytes, MaxImagePixels and MaxOutputDimension must be more than 0");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>Where a plugin runs: on this server, or through the configured gateway.</summary>
internal enum ServiceRunner
{
    Local,
    Gateway,
}

/// <summary>One plugin of the catalogue: its credit cost per call and its actions.</summary>
internal sealed record ServicePlugin(string Name, int Cost, IReadOnlyList<string> Actions, ServiceRunner Runner, string Description);

/// <summary>The document's 17 plugins (section 19), with their costs and actions.</summary>
internal static class ServiceCatalog
{
    public const string ImageTools = "imageTools";
    public const string ChallengeQuestions = "challengeQuestions";
    public const string Chainlink = "chainlink";

    public static readonly IReadOnlyList<ServicePlugin> Plugins =
    [
        new("anime", 1, ["search", "details", "top", "recommendations", "seasonal", "random"], ServiceRunner.Gateway, "Anime search and details"),
        new(Chainlink, 1, ["price", "feeds", "historical", "compare", "info"], ServiceRunner.Local, "Chainlink oracle prices (with the CoinGecko fallback)"),
        new("lyrics", 1, ["get", "search", "synced"], ServiceRunner.Gateway, "Song lyrics"),
        new("nasa", 1, ["apod", "marsRoverPhotos", "neo", "earthImagery", "epic", "launchSchedule", "adsSearch"], ServiceRunner.Gateway, "NASA open data"),
        new("weatherstack", 1, ["getCurrentWeather", "getWeatherDescription", "getHistorical", "getForecast", "getWeatherAlerts"], ServiceRunner.Gateway,
            "Weather"),
        new("news", 1, ["headlines", "everything", "sources", "getPersonalizedNews"], ServiceRunner.Gateway, "News headlines and search"),
        new(ImageTools, 2, ["optimize", "resize", "crop", "convert", "watermark", "metadata", "transform"], ServiceRunner.Local, "Image processing"),
        new("websearch", 2, ["search", "stock", "crypto", "weather", "news"], ServiceRunner.Gateway, "Web search"),
        new("scraper", 2, ["scrape", "screenshot", "pdf", "extract", "bulk"], ServiceRunner.Gateway, "Web page scraping and rendering"),
        new(ChallengeQuestions, 2, ["generate", "generateWithAnswers", "verify", "types"], ServiceRunner.Local, "Bot-filtering challenge questions"),
        new("ytdlp", 3, ["download", "info", "search", "audio", "playlist", "transcribe"], ServiceRunner.Gateway, "Video and audio downloads"),
        new("tokenProfiler", 3, ["audit", "honeypotCheck", "holderAnalysis", "score"], ServiceRunner.Gateway, "Token scam and honeypot checks"),
        new("walletProfiler", 3, ["profile", "tokens", "riskScore"], ServiceRunner.Gateway, "Wallet profiling and risk"),
        new("ffmpeg", 5, ["convert", "extract", "compress", "info", "concat", "trim"], ServiceRunner.Gateway, "Audio and video processing"),
        new("aiDetector", 5, ["detectText", "detectImage", "detectAudio", "detectVideo", "autoDetect"], ServiceRunner.Gateway, "AI-generated content detection"),
        new("contractAudit", 5, ["audit", "quickCheck", "explain"], ServiceRunner.Gateway, "Smart contract security audit"),
        new("huggingface", 10, ["classify", "sentiment", "summarize", "questionAnswering", "translate", "ner", "fillMask", "textGeneration",
            "zeroShotClassification", "imageClassification", "objectDetection", "imageToText", "featureExtraction"], ServiceRunner.Gateway,
            "Hugging Face NLP and vision tasks"),
    ];

    public static ServicePlugin? Find(string? name) =>
        Plugins.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));
}
