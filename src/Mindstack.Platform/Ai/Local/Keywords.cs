using Mindstack.Platform.Ai.Text;

namespace Mindstack.Platform.Ai.Local;

/// <summary>
/// Keywords by RAKE (rapid automatic keyword extraction): candidate phrases are runs of up to three
/// content words between stop words and punctuation; a word scores its co-occurrence degree over
/// its frequency; a phrase scores the sum of its words, boosted when it recurs. The phrase is
/// shown as most often written (so names keep their capitals).
/// </summary>
internal static partial class Keywords
{
    public static List<string> Extract(string text, int max)
    {
        // Addresses are entities, not topics: "priya@example.com" must not become "priya example".
        text = Address().Replace(text, " ");
        var language = Languages.Detect(TextTokens.LowerWords(text));
        var stopWords = Languages.StopWordsOf(language);
        var phrases = new List<List<WordToken>>();
        var atSentenceStart = new HashSet<List<WordToken>>(ReferenceEqualityComparer.Instance);
        foreach (var sentence in Sentences.Split(text))
        {
            var firstPhrase = phrases.Count;
            var current = new List<WordToken>();
            var words = TextTokens.Words(sentence.Text);
            for (var i = 0; i < words.Count; i++)
            {
                var word = words[i];
                var lower = word.Lower;
                var breaks = i > 0 && HasBreakBetween(sentence.Text, words[i - 1], word);
                if (breaks || stopWords.Contains(lower) || lower.Length < 2 || lower.All(char.IsDigit) || current.Count == 3)
                {
                    Flush(current, phrases);
                    current = [];
                }
                if (!stopWords.Contains(lower) && lower.Length >= 2 && !lower.All(char.IsDigit))
                {
                    current.Add(word);
                }
            }
            Flush(current, phrases);
            if (phrases.Count > firstPhrase && words.Count > 0 && phrases[firstPhrase][0].Start == words[0].Start)
            {
                atSentenceStart.Add(phrases[firstPhrase]);
            }
        }

        var frequency = new Dictionary<string, int>(StringComparer.Ordinal);
        var degree = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var phrase in phrases)
        {
            foreach (var word in phrase)
            {
                var stem = TextTokens.Stem(word.Lower, language);
                frequency[stem] = frequency.GetValueOrDefault(stem) + 1;
                degree[stem] = degree.GetValueOrDefault(stem) + phrase.Count;
            }
        }

        var candidates = new Dictionary<string, (double Score, int Count, int First, Dictionary<string, int> Forms)>(StringComparer.Ordinal);
        for (var p = 0; p < phrases.Count; p++)
        {
            var phrase = phrases[p];
            var key = string.Join(' ', phrase.Select(w => TextTokens.Stem(w.Lower, language)));
            var score = phrase.Sum(w =>
            {
                var stem = TextTokens.Stem(w.Lower, language);
                return (double)degree[stem] / frequency[stem] + (frequency[stem] - 1) * 0.5;
            });
            // Capitals at a sentence start say nothing; such forms only count when nothing else is seen.
            var form = (atSentenceStart.Contains(phrase) ? "^" : "") + string.Join(' ', phrase.Select(w => w.Text));
            if (!candidates.TryGetValue(key, out var entry))
            {
                entry = (score, 0, p, new Dictionary<string, int>(StringComparer.Ordinal));
            }
            entry.Forms[form] = entry.Forms.GetValueOrDefault(form) + 1;
            candidates[key] = (Math.Max(entry.Score, score), entry.Count + 1, entry.First, entry.Forms);
        }

        var chosen = new List<string>();
        var chosenKeys = new List<string>();
        foreach (var (key, entry) in candidates
            .OrderByDescending(c => c.Value.Score * (1 + 0.5 * (c.Value.Count - 1)))
            .ThenBy(c => c.Value.First))
        {
            // A single word already inside a chosen phrase adds nothing.
            if (chosenKeys.Any(k => ContainsWord(k, key) || ContainsWord(key, k)))
            {
                continue;
            }
            chosenKeys.Add(key);
            chosen.Add(Display(entry.Forms));
            if (chosen.Count >= max)
            {
                break;
            }
        }
        return chosen;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"\S+@\S+|\bhttps?://\S+|\bwww\.\S+", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex Address();

    private static bool ContainsWord(string phrase, string word) =>
        phrase == word || phrase.StartsWith(word + " ", StringComparison.Ordinal) || phrase.EndsWith(" " + word, StringComparison.Ordinal)
        || phrase.Contains(" " + word + " ", StringComparison.Ordinal);

    private static string Display(Dictionary<string, int> forms)
    {
        var inside = forms.Where(f => f.Key[0] != '^').OrderByDescending(f => f.Value).ThenBy(f => f.Key, StringComparer.Ordinal).ToList();
        if (inside.Count > 0)
        {
            // Written mid-sentence: the most frequent casing is the real one ("Berlin", "open source").
            return inside[0].Key;
        }
        var best = forms.OrderByDescending(f => f.Value).ThenBy(f => f.Key, StringComparer.Ordinal).First().Key[1..];
        var words = best.Split(' ');
        // Only seen opening a sentence: a multi-word capitalised run is a name; a single word is lowered
        // unless it is an acronym.
        if (words.Length > 1 && words.All(w => char.IsUpper(w[0])) || best.Length > 1 && best.All(c => !char.IsLetter(c) || char.IsUpper(c)))
        {
            return best;
        }
        return char.ToLowerInvariant(best[0]) + best[1..];
    }

    private static bool HasBreakBetween(string text, WordToken previous, WordToken next)
    {
        for (var i = previous.End; i < next.Start && i < text.Length; i++)
        {
            if (text[i] is ',' or ';' or ':' or '(' or ')' or '"' or '“' or '”' or '.' or '!' or '?' or '—' or '–' or '/')
            {
                return true;
            }
        }
        return false;
    }

    private static void Flush(List<WordToken> current, List<List<WordToken>> into)
    {
        if (current.Count > 0)
        {
            into.Add(current);
        }
    }
}
