using Microsoft.Extensions.Options;
using Microsoft.ML.Tokenizers;
using Mindstack.MindSwarm.Outside;
using Mindstack.Platform.Ai;

namespace Mindstack.MindSwarm.Ai;

/// <summary>
/// <c>Mindstack:MindSwarm:Ai:*</c>: whether the AI features are on (<c>Enabled</c>, what
/// <c>site-status</c> answers), and per provider of the document (<c>Providers:&lt;name&gt;:BaseUrl</c>
/// and <c>:Model</c>) the OpenAI-compatible endpoint and default model a user's own key is used with.
/// </summary>
public sealed class MindSwarmAiOptions
{
    public const string Section = "Mindstack:MindSwarm:Ai";

    public bool Enabled { get; set; } = true;

    public Dictionary<string, MindSwarmAiProvider> Providers { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}

public sealed class MindSwarmAiProvider
{
    public string? BaseUrl { get; set; }
    public string? Model { get; set; }
}

internal sealed class MindSwarmAiOptionsValidator : IValidateOptions<MindSwarmAiOptions>
{
    public ValidateOptionsResult Validate(string? name, MindSwarmAiOptions options)
    {
        var failures = new List<string>();
        foreach (var (provider, settings) in options.Providers)
        {
            if (!AiProviderCatalog.Names.Contains(provider, StringComparer.OrdinalIgnoreCase))
            {
                failures.Add($"{MindSwarmAiOptions.Section}:Providers:{provider} is not a provider of the document ({string.Join(", ", AiProviderCatalog.Names)})");
            }
            if (OutsideService.CheckUrl($"{MindSwarmAiOptions.Section}:Providers:{provider}:BaseUrl", settings.BaseUrl) is { } bad)
            {
                failures.Add(bad);
            }
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>The document's providers, where their OpenAI-compatible endpoints are, and their default models.</summary>
internal static class AiProviderCatalog
{
    public static readonly string[] Names = ["openai", "anthropic", "google", "mistral", "huggingface", "uncensored", "gab"];

    private static readonly Dictionary<string, (string Title, string? Model)> Known = new(StringComparer.OrdinalIgnoreCase)
    {
        ["openai"] = ("OpenAI", "gpt-4o-mini"),
        ["anthropic"] = ("Anthropic", "claude-3-5-haiku-latest"),
        ["google"] = ("Google Gemini", "gemini-2.0-flash"),
        ["mistral"] = ("Mistral AI", "mistral-small-latest"),
        ["huggingface"] = ("Hugging Face", "Qwen/Qwen3-Coder-Next:cheapest"),
        ["uncensored"] = ("Uncensored AI", null),
        ["gab"] = ("Gab AI", null),
    };

    public static string Title(string provider) => Known.TryGetValue(provider, out var known) ? known.Title : provider;

    /// <summary>The endpoint a key of this provider is used at: the operator's, else the provider's public one; null when neither.</summary>
    public static string? BaseUrl(MindSwarmAiOptions options, string provider) =>
        options.Providers.TryGetValue(provider, out var own) && !string.IsNullOrWhiteSpace(own.BaseUrl) ? own.BaseUrl : AiProviders.BaseUrlOf(provider);

    public static string? DefaultModel(MindSwarmAiOptions options, string provider) =>
        options.Providers.TryGetValue(provider, out var own) && !string.IsNullOrWhiteSpace(own.Model) ? own.Model
        : Known.TryGetValue(provider, out var known) ? known.Model : null;
}

/// <summary>Token counts as OpenAI's chat models count them (tiktoken <c>cl100k_base</c>), for usage records.</summary>
internal sealed class AiTokenCounter
{
    private readonly Lazy<Tokenizer> _tokenizer = new(() => TiktokenTokenizer.CreateForEncoding("cl100k_base"));

    public int Count(string? text) => string.IsNullOrEmpty(text) ? 0 : _tokenizer.Value.CountTokens(text);
}
