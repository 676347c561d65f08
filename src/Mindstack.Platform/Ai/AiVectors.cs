using Mindstack.Platform.Ai.Text;

namespace Mindstack.Platform.Ai;

/// <summary>Vector arithmetic and hybrid (BM25 + vector) ranking for memory and document search.</summary>
public static class AiVectors
{
    /// <summary>Cosine similarity in [-1, 1]; 0 when either vector is zero or the lengths differ.</summary>
    public static double Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length || a.Length == 0)
        {
            return 0;
        }
        double dot = 0, na = 0, nb = 0;
        for (var i = 0; i < a.Length; i++)
        {
            dot += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }
        return na == 0 || nb == 0 ? 0 : dot / Math.Sqrt(na * nb);
    }

    /// <summary>
    /// Ranks documents for a query by a blend of BM25 (exact words, normalized to [0, 1] by the best
    /// match) and vector similarity; <paramref name="vectorWeight"/> is the vector share (0..1).
    /// Vectors are optional per document: without one, only BM25 counts for it. Best first; ties
    /// keep input order.
    /// </summary>
    public static IReadOnlyList<AiSearchHit> HybridRank(
        string query,
        IReadOnlyList<AiSearchDocument> documents,
        float[]? queryVector = null,
        double vectorWeight = 0.5,
        int? top = null)
    {
        var bm25 = Bm25.Score(query, documents.Select(d => d.Text).ToList());
        var best = bm25.Count == 0 ? 0 : bm25.Max();
        var hits = new List<AiSearchHit>(documents.Count);
        for (var i = 0; i < documents.Count; i++)
        {
            var lexical = best > 0 ? bm25[i] / best : 0;
            var vector = queryVector is not null && documents[i].Vector is { } v ? Math.Max(0, Cosine(queryVector, v)) : (double?)null;
            var score = vector is null ? lexical * (queryVector is null ? 1 : 1 - vectorWeight) : (1 - vectorWeight) * lexical + vectorWeight * vector.Value;
            hits.Add(new AiSearchHit(documents[i].Id, score, lexical, vector));
        }
        var ranked = hits.Select((h, i) => (h, i)).OrderByDescending(p => p.h.Score).ThenBy(p => p.i).Select(p => p.h);
        return [.. top is { } n ? ranked.Take(n) : ranked];
    }
}

/// <summary>A document to rank: its id, text, and (optionally) its embedding.</summary>
public sealed record AiSearchDocument(string Id, string Text, float[]? Vector = null);

/// <summary>A ranked document: the blended score, its BM25 share (0..1) and its vector similarity (if any).</summary>
public sealed record AiSearchHit(string Id, double Score, double Lexical, double? Vector);
