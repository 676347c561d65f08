namespace Mindstack.Platform.Ai;

/// <summary>
/// Provider names, and the OpenAI-compatible endpoints of well-known providers, so a module holding
/// a user's key for, say, <c>mistral</c> can build an <see cref="AiProviderOverride"/>.
/// </summary>
public static class AiProviders
{
    /// <summary>The built-in offline engine's provider name, as reported in usage and health.</summary>
    public const string Local = "mindstack-local";

    private static readonly Dictionary<string, string> KnownBaseUrls = new(StringComparer.OrdinalIgnoreCase)
    {
        ["openai"] = "https://api.openai.com/v1",
        ["mistral"] = "https://api.mistral.ai/v1",
        ["google"] = "https://generativelanguage.googleapis.com/v1beta/openai",
        ["anthropic"] = "https://api.anthropic.com/v1",
        ["huggingface"] = "https://router.huggingface.co/v1",
    };

    /// <summary>Providers whose OpenAI-compatible endpoint is known.</summary>
    public static IReadOnlyCollection<string> Known => KnownBaseUrls.Keys;

    /// <summary>The OpenAI-compatible base URL of a well-known provider, or null.</summary>
    public static string? BaseUrlOf(string provider) => KnownBaseUrls.GetValueOrDefault(provider);

    /// <summary>An override for a well-known provider with the caller's key, or null when the provider is not known.</summary>
    public static AiProviderOverride? ForKnown(string provider, string apiKey, string? model = null) =>
        BaseUrlOf(provider) is { } baseUrl ? new AiProviderOverride(provider.ToLowerInvariant(), baseUrl, apiKey, model) : null;
}
