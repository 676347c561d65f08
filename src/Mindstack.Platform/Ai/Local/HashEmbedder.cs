using Mindstack.Platform.Ai.Text;

namespace Mindstack.Platform.Ai.Local;

/// <summary>
/// Embeddings by feature hashing: stemmed content words, word bigrams and character trigrams of
/// each word are hashed (FNV-1a, stable across runs and machines) with a sign bit into a fixed
/// number of dimensions, weighted sublinearly, and L2-normalized. Texts sharing words, stems or
/// word fragments point the same way; cosine similarity is their dot product.
/// </summary>
internal static class HashEmbedder
{
    public const int Dimensions = 384;

    private const double WordWeight = 1.0;
    private const double BigramWeight = 0.6;
    private const double TrigramWeight = 0.35;

    public static float[] Embed(string text)
    {
        var vector = new double[Dimensions];
        var words = TextTokens.LowerWords(text);
        var language = Languages.Detect(words);
        var features = new Dictionary<ulong, double>();
        string? previous = null;
        foreach (var word in words)
        {
            if (Languages.IsStopWord(word, language))
            {
                previous = null;
                continue;
            }
            var stem = TextTokens.Stem(word, language);
            Add(features, Hash('w', stem), WordWeight);
            if (previous is not null)
            {
                Add(features, Hash('b', previous, stem), BigramWeight);
            }
            previous = stem;
            AddTrigrams(features, word);
        }
        foreach (var (hash, count) in features)
        {
            // Sublinear term frequency: repetition counts, but less and less.
            var weight = 1 + Math.Log(count);
            var index = (int)(hash % Dimensions);
            vector[index] += (hash >> 63) == 0 ? weight : -weight;
        }
        return Normalize(vector);
    }

    private static void AddTrigrams(Dictionary<ulong, double> features, string word)
    {
        // "<word>" so prefixes and suffixes are features of their own.
        Span<char> padded = stackalloc char[Math.Min(word.Length, 62) + 2];
        padded[0] = '<';
        word.AsSpan(0, padded.Length - 2).CopyTo(padded[1..]);
        padded[^1] = '>';
        var count = padded.Length - 2;
        if (count <= 0)
        {
            return;
        }
        // Each word's trigrams share one unit of weight, so long words do not dominate.
        var weight = TrigramWeight / Math.Sqrt(count);
        for (var i = 0; i + 3 <= padded.Length; i++)
        {
            Add(features, Hash('c', padded.Slice(i, 3)), weight);
        }
    }

    private static void Add(Dictionary<ulong, double> features, ulong hash, double weight)
    {
        features[hash] = features.TryGetValue(hash, out var current) ? current + weight : weight;
    }

    private static float[] Normalize(double[] vector)
    {
        double norm = 0;
        foreach (var value in vector)
        {
            norm += value * value;
        }
        var result = new float[vector.Length];
        if (norm == 0)
        {
            return result;
        }
        norm = Math.Sqrt(norm);
        for (var i = 0; i < vector.Length; i++)
        {
            result[i] = (float)(vector[i] / norm);
        }
        return result;
    }

    private static ulong Hash(char kind, ReadOnlySpan<char> value) => Fnv(Fnv(Seed, kind), value);

    private static ulong Hash(char kind, string first, string second) => Fnv(Fnv(Fnv(Fnv(Seed, kind), first), ' '), second);

    private const ulong Seed = 14695981039346656037UL;
    private const ulong Prime = 1099511628211UL;

    private static ulong Fnv(ulong hash, char c)
    {
        hash ^= (byte)c;
        hash *= Prime;
        hash ^= (byte)(c >> 8);
        return hash * Prime;
    }

    private static ulong Fnv(ulong hash, ReadOnlySpan<char> value)
    {
        foreach (var c in value)
        {
            hash = Fnv(hash, c);
        }
        // A final avalanche so the low bits (the dimension) and the top bit (the sign) are well mixed.
        hash ^= hash >> 33;
        hash *= 0xff51afd7ed558ccdUL;
        hash ^= hash >> 33;
        return hash;
    }
}
