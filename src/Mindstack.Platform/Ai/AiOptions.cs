namespace Mindstack.Platform.Ai;

/// <summary>
/// <c>Mindstack:Ai</c>. Without configuration every operation runs on the built-in offline engine.
/// With <c>Provider=openai</c>, <c>BaseUrl</c> (and usually <c>ApiKey</c>, <c>Model</c>) an
/// OpenAI-compatible server (OpenAI, Ollama, vLLM, llama.cpp) serves the operations it does well;
/// see <see cref="IAiRouting"/> for the rules.
/// </summary>
public sealed class AiOptions
{
    public const string Section = "Mindstack:Ai";

    /// <summary><c>local</c> (default) or <c>openai</c> (any OpenAI-compatible server).</summary>
    public string Provider { get; set; } = "local";

    /// <summary>How usage and health name the remote provider (e.g. <c>ollama</c>); default <c>openai</c>.</summary>
    public string? ProviderName { get; set; }

    /// <summary>The folder holding <c>chat/completions</c> (e.g. <c>http://localhost:11434/v1</c>); a bare host gets <c>/v1</c>.</summary>
    public string? BaseUrl { get; set; }

    public string? ApiKey { get; set; }

    /// <summary>The chat model for every remote operation without its own entry in <see cref="Models"/>.</summary>
    public string? Model { get; set; }

    /// <summary>Per-operation models, keyed by <see cref="AiOperation"/> name (<c>Embed</c> needs one to go remote).</summary>
    public Dictionary<string, string> Models { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Per-operation routes, <c>local</c> or <c>remote</c>, overriding the defaults.</summary>
    public Dictionary<string, string> Routes { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Time allowed for one attempt (and, when streaming, between two chunks).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Retries after a 429, a 5xx, a timeout or a refused connection.</summary>
    public int MaxRetries { get; set; } = 2;

    /// <summary>The first retry's delay; each next one doubles (a <c>Retry-After</c> answer wins).</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The longest delay between two attempts.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// Time allowed for one call with all its attempts and waits; default every attempt's
    /// <see cref="Timeout"/> plus the longest wait before each retry.
    /// </summary>
    public TimeSpan? TotalTimeout { get; set; }

    internal TimeSpan EffectiveTotalTimeout => TotalTimeout ?? Timeout * (1 + Math.Max(0, MaxRetries)) + MaxRetryDelay * Math.Max(0, MaxRetries);

    /// <summary>How long the health probe's reachability check of the remote provider is reused.</summary>
    public TimeSpan HealthCache { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The older spelling of <see cref="Timeout"/>, in seconds.</summary>
    public double? TimeoutSeconds { get; set; }

    /// <summary>The older spelling of <see cref="RetryBaseDelay"/>, in milliseconds.</summary>
    public double? RetryBaseDelayMilliseconds { get; set; }

    /// <summary>The older spelling of <see cref="MaxRetryDelay"/>, in seconds.</summary>
    public double? MaxRetryDelaySeconds { get; set; }

    /// <summary>The older spelling of <see cref="HealthCache"/>, in seconds.</summary>
    public double? HealthCacheSeconds { get; set; }

    /// <summary>
    /// The built-in engine's embedder: <c>minilm</c> (default: all-MiniLM-L6-v2 sentence embeddings,
    /// falling back to hashing if the model cannot load) or <c>hash</c> (always hashing).
    /// </summary>
    public string LocalEmbedder { get; set; } = "minilm";

    internal bool ForcesHashEmbedder => string.Equals(LocalEmbedder?.Trim(), "hash", StringComparison.OrdinalIgnoreCase);

    public bool IsRemote => string.Equals(Provider, "openai", StringComparison.OrdinalIgnoreCase);

    internal string RemoteProviderName => string.IsNullOrWhiteSpace(ProviderName) ? "openai" : ProviderName.Trim();

    internal string? ModelFor(AiOperation operation) =>
        Models.TryGetValue(operation.ToString(), out var model) && !string.IsNullOrWhiteSpace(model) ? model.Trim() : null;

    internal string? RouteFor(AiOperation operation) =>
        Routes.TryGetValue(operation.ToString(), out var route) && !string.IsNullOrWhiteSpace(route) ? route.Trim().ToLowerInvariant() : null;

    /// <summary>Why these options cannot work, or null.</summary>
    internal string? Problem()
    {
        if (!IsRemote && !string.Equals(Provider, "local", StringComparison.OrdinalIgnoreCase)
            && !string.Equals(Provider, AiProviders.Local, StringComparison.OrdinalIgnoreCase))
        {
            return $"Mindstack:Ai:Provider must be 'local' or 'openai', not '{Provider}'";
        }
        if (IsRemote && !Uri.TryCreate(BaseUrl, UriKind.Absolute, out _))
        {
            return "Mindstack:Ai:Provider=openai needs Mindstack:Ai:BaseUrl (an absolute http(s) URL)";
        }
        if (IsRemote && string.IsNullOrWhiteSpace(Model) && Enum.GetValues<AiOperation>().Any(o => o != AiOperation.Embed && ModelFor(o) is null))
        {
            return "Mindstack:Ai:Provider=openai needs Mindstack:Ai:Model (or a model for every operation in Mindstack:Ai:Models)";
        }
        foreach (var (operation, route) in Routes)
        {
            if (!Enum.TryParse<AiOperation>(operation, ignoreCase: true, out _))
            {
                return $"Mindstack:Ai:Routes:{operation} is not an operation ({string.Join(", ", Enum.GetNames<AiOperation>())})";
            }
            if (route is not ("local" or "remote" or "Local" or "Remote"))
            {
                return $"Mindstack:Ai:Routes:{operation} must be 'local' or 'remote'";
            }
        }
        if (!ForcesHashEmbedder && !string.Equals(LocalEmbedder?.Trim(), "minilm", StringComparison.OrdinalIgnoreCase))
        {
            return $"Mindstack:Ai:LocalEmbedder must be 'minilm' or 'hash', not '{LocalEmbedder}'";
        }
        foreach (var operation in Models.Keys)
        {
            if (!Enum.TryParse<AiOperation>(operation, ignoreCase: true, out _))
            {
                return $"Mindstack:Ai:Models:{operation} is not an operation ({string.Join(", ", Enum.GetNames<AiOperation>())})";
            }
        }
        if (Timeout <= TimeSpan.Zero)
        {
            return TimeoutSeconds is null ? "Mindstack:Ai:Timeout must be more than zero" : "Mindstack:Ai:TimeoutSeconds must be more than 0";
        }
        if (MaxRetries < 0)
        {
            return "Mindstack:Ai:MaxRetries must be 0 or more";
        }
        if (RetryBaseDelay < TimeSpan.Zero)
        {
            return RetryBaseDelayMilliseconds is null ? "Mindstack:Ai:RetryBaseDelay must not be negative" : "Mindstack:Ai:RetryBaseDelayMilliseconds must be 0 or more";
        }
        if (MaxRetryDelay < TimeSpan.Zero)
        {
            return MaxRetryDelaySeconds is null ? "Mindstack:Ai:MaxRetryDelay must not be negative" : "Mindstack:Ai:MaxRetryDelaySeconds must be 0 or more";
        }
        if (TotalTimeout is { } total && total <= TimeSpan.Zero)
        {
            return "Mindstack:Ai:TotalTimeout must be more than zero";
        }
        return HealthCache < TimeSpan.Zero
            ? HealthCacheSeconds is null ? "Mindstack:Ai:HealthCache must not be negative" : "Mindstack:Ai:HealthCacheSeconds must be 0 or more"
            : null;
    }

    /// <summary>Applies the older numeric keys, which win when given.</summary>
    internal void ApplyNumericKeys()
    {
        if (TimeoutSeconds is { } timeout)
        {
            Timeout = TimeSpan.FromSeconds(timeout);
        }
        if (RetryBaseDelayMilliseconds is { } retryBase)
        {
            RetryBaseDelay = TimeSpan.FromMilliseconds(retryBase);
        }
        if (MaxRetryDelaySeconds is { } maxRetryDelay)
        {
            MaxRetryDelay = TimeSpan.FromSeconds(maxRetryDelay);
        }
        if (HealthCacheSeconds is { } healthCache)
        {
            HealthCache = TimeSpan.FromSeconds(healthCache);
        }
    }
}
