using Mindstack.Platform.Ai.Local;
using Mindstack.Platform.Observability;

namespace Mindstack.Platform.Ai;

/// <summary>
/// <c>ai_engine</c> in <c>/health</c>: healthy when the engine can serve (see
/// <see cref="IAiRouting.CheckAsync"/>); its data names the provider, base URL and, for each
/// operation, the provider and model that serve it, remote or local, and why; and the built-in
/// engine's embedding model (<c>all-MiniLM-L6-v2</c>, or the hashed fallback) and its load state.
/// </summary>
internal sealed class AiHealthProbe(IAiRouting routing, LocalAiEngine local) : IHealthProbe
{
    public string Name => "ai_engine";

    public async Task<ProbeResult> CheckAsync(CancellationToken cancellationToken)
    {
        var health = await routing.CheckAsync(cancellationToken);
        var operations = health.Routing.Routes.ToDictionary(
            r => AiMetrics.Name(r.Operation),
            r => (object?)new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                ["provider"] = r.Provider,
                ["model"] = r.Model,
                ["remote"] = r.Remote,
                ["reason"] = r.Reason,
            },
            StringComparer.Ordinal);
        var data = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["provider"] = health.Routing.Provider,
            ["base_url"] = health.Routing.BaseUrl,
            ["operations"] = operations,
            // The built-in engine's embedder on this node, whoever serves Embed (search stores its vectors).
            ["embedding_model"] = local.EmbeddingModel,
            ["embedding_model_state"] = local.EmbeddingModelState,
        };
        return new ProbeResult(health.Healthy, health.Detail, data);
    }
}
