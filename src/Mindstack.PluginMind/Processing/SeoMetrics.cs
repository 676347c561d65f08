using System.Text.RegularExpressions;

namespace Mindstack.PluginMind.Processing;

/// <summary>A keyword and its share of the words, in percent.</summary>
internal sealed record KeywordDensity(string Keyword, int Count, double Density);

/// <summary>What the <c>seo</c> analysis measures itself rather than asks a model for.</summary>
internal sealed record SeoReport(
    int WordCount,
    int SentenceCount,
    double AverageWordsPerSentence,
    double ReadingEase,
    string ReadingLevel,
    IReadOnlyList<KeywordDensity> KeywordDensity,
    IReadOnlyList<string> HeadingSuggestions,
    string MetaDescriptionSuggestion,
    int MetaDescriptionLength);

/// <summary>
/// Computed SEO metrics: counts, Flesch reading ease (syllables estimated from vowel groups),
/// keyword density without stop words, headings from the top keywords and a meta description
/// cut at a word boundary within 155 characters.
/// </summary>
internal static partial class SeoMetrics
{
    private const int MetaDescriptionMax = 155;

    private static readonly HashSet<string> StopWords = new(StringComparer.OrdinalIgnoreCase)
    {
        "a", "an", "and", "are", "as", "at", "be", "been", "but", "by", "can", "for", "from", "has", "have", "how", "i", "if",
        "in", "into", "is", "it", "its", "my", "no", "not", "of", "on", "or", "our", "so", "than", "that", "the", "their",
        "them", "then", "there", "these", "they", "this", "to", "up", "was", "we", "were", "what", "when", "which", "who",
        "will", "with", "you", "your", "do", "does", "more", "most", "all", "any", "about", "also", "just", "over",
    };

    [GeneratedRegex(@"[\p{L}\p{N}']+")]
    private static partial Regex Words();

    [GeneratedRegex(@"[.!?]+(\s|$)")]
    private static partial Regex SentenceEnds();

    [GeneratedRegex(@"[aeiouy]+", RegexOptions.IgnoreCase)]
    private static partial Regex VowelGroups();

    public static SeoReport Analyze(string text)
    {
        var words = Words().Matches(text).Select(m => m.Value).ToList();
        var wordCount = words.Count;
        var sentenceCount = Math.Max(1, SentenceEnds().Matches(text.Trim()).Count + (EndsWithTerminator(text) ? 0 : 1));
        var syllables = words.Sum(Syllables);
        var wordsPerSentence = wordCount == 0 ? 0 : (double)wordCount / sentenceCount;
        var syllablesPerWord = wordCount == 0 ? 0 : (double)syllables / wordCount;
        var ease = wordCount == 0 ? 0 : Math.Clamp(206.835 - 1.015 * wordsPerSentence - 84.6 * syllablesPerWord, 0, 100);

        var keywords = words
            .Where(w => w.Length > 2 && !StopWords.Contains(w) && !w.All(char.IsDigit))
            .GroupBy(w => w.ToLowerInvariant())
            .Select(g => new KeywordDensity(g.Key, g.Count(), Math.Round(100.0 * g.Count() / Math.Max(1, wordCount), 2)))
            .OrderByDescending(k => k.Count).ThenBy(k => k.Keyword, StringComparer.Ordinal)
            .Take(5)
            .ToList();

        var meta = MetaDescription(text);
        return new SeoReport(wordCount, sentenceCount, Math.Round(wordsPerSentence, 1), Math.Round(ease, 1), Level(ease),
            keywords, Headings(keywords), meta, meta.Length);
    }

    private static bool EndsWithTerminator(string text) => text.TrimEnd() is { Length: > 0 } t && t[^1] is '.' or '!' or '?';

    private static int Syllables(string word)
    {
        var lower = word.ToLowerInvariant();
        var count = VowelGroups().Matches(lower).Count;
        if (lower.EndsWith('e') && !lower.EndsWith("le", StringComparison.Ordinal) && count > 1)
        {
            count--;
        }
        return Math.Max(1, count);
    }

    private static string Level(double ease) => ease switch
    {
        >= 90 => "very easy",
        >= 70 => "easy",
        >= 60 => "standard",
        >= 50 => "fairly difficult",
        >= 30 => "difficult",
        _ => "very difficult",
    };

    private static List<string> Headings(IReadOnlyList<KeywordDensity> keywords)
    {
        if (keywords.Count == 0)
        {
            return ["Add a descriptive H1 that states the page's main topic"];
        }
        var main = Title(keywords[0].Keyword);
        var headings = new List<string> { $"H1: {main}: A Complete Guide" };
        foreach (var keyword in keywords.Skip(1).Take(3))
        {
            headings.Add($"H2: How {Title(keyword.Keyword)} Relates to {main}");
        }
        headings.Add($"H2: Frequently Asked Questions About {main}");
        return headings;
    }

    private static string Title(string word) => char.ToUpperInvariant(word[0]) + word[1..];

    private static string MetaDescription(string text)
    {
        var flat = string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        if (flat.Length <= MetaDescriptionMax)
        {
            return flat;
        }
        var cut = flat[..(MetaDescriptionMax - 3)];
        var space = cut.LastIndexOf(' ');
        return (space > 80 ? cut[..space] : cut).TrimEnd(',', ';', ':', '-', ' ') + "...";
    }
}
