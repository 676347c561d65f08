namespace Mindstack.Platform.Ai;

/// <summary>
/// Which provider and model serve each operation, and whether the engine can serve now. For
/// health pages (an API's own health route, the platform's <c>/health</c>) and for
/// modules that show users what will answer them.
/// <para>Routing rules. With the local provider (the default) every operation is local. With
/// <c>Provider=openai</c> (or a per-call <see cref="AiCallOptions.Provider"/>): chat, structured
/// output, summaries, key points, sentiment, classification, entities, planning and translation go
/// to the remote model; Embed goes remote only when an embedding model is named
/// (<c>Mindstack:Ai:Models:Embed</c>, or <see cref="AiProviderOverride.EmbeddingModel"/>), since
/// chat models cannot embed and vectors from different models must not be mixed; Moderate and
/// DetectGenerated stay local (stable category scores from curated lists; stylometry rather than a
/// chat model's guess) unless <c>Mindstack:Ai:Routes:&lt;Operation&gt;=remote</c>.
/// <c>Mindstack:Ai:Routes:&lt;Operation&gt;=local</c> keeps any operation local.</para>
/// </summary>
public interface IAiRouting
{
    /// <summary>The route of every operation for the configuration, or for a call with these options.</summary>
    AiRoutingTable Describe(AiCallOptions? options = null);

    /// <summary>
    /// Can the engine serve: always for the local engine; for a remote provider, whether it answers
    /// <c>GET models</c> (checked at most every <c>Mindstack:Ai:HealthCache</c>).
    /// </summary>
    Task<AiEngineHealth> CheckAsync(CancellationToken cancellationToken = default);
}

/// <summary>Who serves one operation: provider, model, remote or local, and why.</summary>
public sealed record AiRoute(AiOperation Operation, string Provider, string Model, bool Remote, string Reason);

/// <summary>
/// The routes of every operation: <see cref="Provider"/> is the configured (or per-call) provider
/// (<c>mindstack-local</c> or the remote provider's name) and <see cref="BaseUrl"/> its endpoint.
/// </summary>
public sealed record AiRoutingTable(string Provider, string? BaseUrl, IReadOnlyList<AiRoute> Routes)
{
    public AiRoute this[AiOperation operation] => Routes.First(r => r.Operation == operation);
}

/// <summary>Whether the engine can serve now, why not, and how it routes.</summary>
public sealed record AiEngineHealth(bool Healthy, string? Detail, AiRoutingTable Routing);
