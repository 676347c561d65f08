namespace Mindstack.Platform.Ai.OpenAi;

/// <summary>An OpenAI-compatible server: its name (for usage and errors), base URI and key.</summary>
internal sealed record OpenAiEndpoint(string Name, Uri BaseUri, string? ApiKey)
{
    /// <summary>
    /// The base URL as configured, with <c>/v1</c> added when it is a bare host
    /// (<c>http://localhost:11434</c> → <c>http://localhost:11434/v1</c>).
    /// </summary>
    public static OpenAiEndpoint Create(string name, string baseUrl, string? apiKey)
    {
        if (!Uri.TryCreate(baseUrl.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw Http.Problem.Invalid("baseUrl", $"'{baseUrl}' is not an absolute http(s) URL.");
        }
        var path = uri.AbsolutePath.TrimEnd('/');
        var builder = new UriBuilder(uri) { Path = (path.Length == 0 ? "/v1" : path) + "/" };
        return new OpenAiEndpoint(name, builder.Uri, string.IsNullOrWhiteSpace(apiKey) ? null : apiKey.Trim());
    }

    public Uri Resolve(string relative) => new(BaseUri, relative);

    /// <summary>The base URL for display (never with credentials).</summary>
    public string Display => new UriBuilder(BaseUri) { UserName = "", Password = "" }.Uri.ToString().TrimEnd('/');
}
