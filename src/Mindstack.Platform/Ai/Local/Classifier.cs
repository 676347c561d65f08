using Mindstack.Platform.Ai.Local.Lexicons;
using Mindstack.Platform.Ai.Text;

namespace Mindstack.Platform.Ai.Local;

/// <summary>
/// Classification by keyword evidence and embedding similarity against label profiles. A label's
/// profile is its name (weighted double), its description and, for well-known labels, hint words
/// (<see cref="LabelHints"/>). Keyword evidence counts profile terms found in the text (sublinear
/// in repetition, discounted when several labels share the term); similarity is the cosine of the
/// hashed embeddings of text and profile. Scores become a distribution by softmax; without any
/// keyword evidence the distribution is flattened so confidence stays honest.
/// </summary>
internal static class Classifier
{
    public static AiClassification Classify(string text, IReadOnlyList<AiLabel> labels)
    {
        var words = TextTokens.LowerWords(text);
        var language = Languages.Detect(words);
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var word in words)
        {
            var stem = TextTokens.Stem(word, language);
            counts[stem] = counts.GetValueOrDefault(stem) + 1;
        }
        var stopWords = Languages.StopWordsOf(language);

        var profiles = labels.Select(Profile).ToList();
        var labelFrequency = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var profile in profiles)
        {
            foreach (var term in profile.Keys)
            {
                labelFrequency[term] = labelFrequency.GetValueOrDefault(term) + 1;
            }
        }
        var textVector = HashEmbedder.Embed(text);
        var raw = new double[labels.Count];
        var evidence = new double[labels.Count];
        for (var i = 0; i < labels.Count; i++)
        {
            double keyword = 0;
            foreach (var (term, weight) in profiles[i])
            {
                if (!counts.TryGetValue(term, out var tf))
                {
                    continue;
                }
                var shared = Math.Log(1 + (double)labels.Count / labelFrequency[term]) / Math.Log(1 + labels.Count);
                // Stop words ("how", "what") are weak evidence even when a label lists them.
                var strength = stopWords.Contains(term) ? 0.3 : 1.0;
                keyword += weight * strength * (1 + Math.Log(tf)) * shared;
            }
            var similarity = Math.Max(0, AiVectors.Cosine(textVector, HashEmbedder.Embed(ProfileText(labels[i]))));
            evidence[i] = keyword;
            raw[i] = keyword + 2.0 * similarity;
        }

        var probabilities = Softmax(raw);
        if (evidence.All(e => e == 0))
        {
            var uniform = 1.0 / labels.Count;
            for (var i = 0; i < probabilities.Length; i++)
            {
                probabilities[i] = 0.5 * probabilities[i] + 0.5 * uniform;
            }
        }
        var scores = labels
            .Select((label, i) => new AiLabelScore(label.Name, Math.Round(probabilities[i], 4)))
            .Select((score, i) => (score, i))
            .OrderByDescending(p => p.score.Score)
            .ThenBy(p => p.i)
            .Select(p => p.score)
            .ToList();
        return new AiClassification(scores[0].Label, scores[0].Score, scores);
    }

    private static string ProfileText(AiLabel label)
    {
        var name = label.Name.Replace('_', ' ').Replace('-', ' ');
        var hints = LabelHints.Hints.TryGetValue(label.Name, out var h) ? string.Join(' ', h) : "";
        return $"{name} {name} {label.Description} {hints}";
    }

    private static Dictionary<string, double> Profile(AiLabel label)
    {
        var profile = new Dictionary<string, double>(StringComparer.Ordinal);
        void Add(IEnumerable<string> words, double weight)
        {
            foreach (var word in words)
            {
                var stem = TextTokens.Stem(word);
                if (stem.Length > 1 && (!profile.TryGetValue(stem, out var current) || current < weight))
                {
                    profile[stem] = weight;
                }
            }
        }
        var nameWords = TextTokens.LowerWords(label.Name.Replace('_', ' ').Replace('-', ' '));
        Add(nameWords, 2.0);
        if (label.Description is { Length: > 0 } description)
        {
            Add(TextTokens.LowerWords(description).Where(w => !Languages.IsStopWord(w, "en")), 1.0);
        }
        foreach (var key in nameWords.Prepend(label.Name))
        {
            if (LabelHints.Hints.TryGetValue(key, out var hints))
            {
                Add(hints.SelectMany(TextTokens.LowerWords), 1.0);
            }
        }
        return profile;
    }

    private static double[] Softmax(double[] values)
    {
        var max = values.Max();
        var exps = values.Select(v => Math.Exp(v - max)).ToArray();
        var sum = exps.Sum();
        return [.. exps.Select(e => e / sum)];
    }
}
