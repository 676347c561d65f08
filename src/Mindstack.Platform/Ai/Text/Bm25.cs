namespace Mindstack.Platform.Ai.Text;

/// <summary>Okapi BM25 (k1 = 1.2, b = 0.75) over stemmed, stop-word-free words.</summary>
internal static class Bm25
{
    private const double K1 = 1.2;
    private const double B = 0.75;

    public static List<double> Score(string query, IReadOnlyList<string> documents)
    {
        var queryTerms = Terms(query).Distinct(StringComparer.Ordinal).ToList();
        var docs = documents.Select(Terms).ToList();
        var scores = new List<double>(documents.Count);
        if (docs.Count == 0)
        {
            return scores;
        }
        var averageLength = Math.Max(1, docs.Average(d => d.Count));
        var documentFrequency = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var doc in docs)
        {
            foreach (var term in doc.Distinct(StringComparer.Ordinal))
            {
                documentFrequency[term] = documentFrequency.GetValueOrDefault(term) + 1;
            }
        }
        foreach (var doc in docs)
        {
            var frequencies = doc.GroupBy(t => t, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
            double score = 0;
            foreach (var term in queryTerms)
            {
                if (!frequencies.TryGetValue(term, out var tf))
                {
                    continue;
                }
                var df = documentFrequency[term];
                var idf = Math.Log(1 + (docs.Count - df + 0.5) / (df + 0.5));
                score += idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * doc.Count / averageLength));
            }
            scores.Add(score);
        }
        return scores;
    }

    public static List<string> Terms(string text)
    {
        var words = TextTokens.LowerWords(text);
        var language = Languages.Detect(words);
        var terms = new List<string>(words.Count);
        foreach (var word in words)
        {
            if (!Languages.IsStopWord(word, language))
            {
                terms.Add(TextTokens.Stem(word, language));
            }
        }
        return terms;
    }
}
