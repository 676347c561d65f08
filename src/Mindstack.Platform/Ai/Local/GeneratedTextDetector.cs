using Mindstack.Platform.Ai.Text;

namespace Mindstack.Platform.Ai.Local;

/// <summary>
/// Generated-text detection by stylometry. Language models write evenly (low burstiness: sentence
/// lengths vary little), reach for a recognisable stock of connectives and phrases ("moreover",
/// "it is important to note", "delve"), rarely use contractions, slang or typos, and spread their
/// vocabulary in a narrow band. Each feature is measured, a weighted sum goes through a logistic
/// function to a probability, and short texts are pulled towards 0.5 (too little evidence).
/// Between 0.35 and 0.65 the verdict is "uncertain": this is a screening signal, not proof.
/// </summary>
internal static class GeneratedTextDetector
{
    private const int MinimumWords = 40;

    private static readonly string[] ModelPhrases =
    [
        "it is important to note", "it's important to note", "it is worth noting", "it's worth noting", "in conclusion", "in summary",
        "overall,", "furthermore", "moreover", "additionally", "delve", "delves", "delving", "tapestry", "in today's", "fast-paced",
        "ever-evolving", "ever-changing", "navigate the", "navigating the", "landscape", "crucial", "pivotal", "seamless", "seamlessly",
        "leverage", "leveraging", "foster", "fostering", "robust", "comprehensive", "embark", "realm", "elevate", "unlock", "harness",
        "plays a crucial role", "plays a vital role", "a testament to", "as an ai", "key takeaways", "whether you're", "dive into",
        "let's dive", "in the realm of", "it is essential", "it's essential", "ultimately,", "holistic", "multifaceted", "nuanced",
        "streamline", "empower", "empowering", "cutting-edge", "game-changer", "paramount", "myriad", "underscores", "showcasing",
        "in essence", "by doing so", "stands as", "serves as a", "not only", "a wide range of", "various aspects", "ensuring that",
    ];

    private static readonly HashSet<string> InformalWords = new(StringComparer.Ordinal)
    {
        "lol", "lmao", "omg", "gonna", "wanna", "gotta", "kinda", "sorta", "btw", "idk", "imo", "imho", "tbh", "haha", "hahaha",
        "yeah", "yep", "nope", "ugh", "meh", "dunno", "ya", "u", "ur", "pls", "plz", "thx", "cuz", "lemme", "gimme", "ok", "okay",
        "wtf", "damn", "dude", "guys", "stuff", "anyway", "literally", "honestly", "totally", "super", "awesome", "crap",
    };

    public static AiGeneratedTextVerdict Detect(string text)
    {
        var words = TextTokens.LowerWords(text);
        var sentences = Sentences.Split(text);
        var lengths = sentences.Select(s => TextTokens.LowerWords(s.Text).Count).Where(n => n > 0).ToList();
        var n = Math.Max(1, words.Count);
        var per100 = 100.0 / n;

        var mean = lengths.Count == 0 ? 0 : lengths.Average();
        var sd = lengths.Count < 2 ? 0 : Math.Sqrt(lengths.Sum(l => (l - mean) * (l - mean)) / (lengths.Count - 1));
        var burstiness = mean == 0 ? 0 : sd / mean;
        var lower = " " + string.Join(' ', words) + " ";
        var rawLower = text.ToLowerInvariant();
        // Phrases ending in a comma are matched on the raw text (the comma is part of the tell).
        var phraseHits = ModelPhrases.Sum(p => p.EndsWith(',') ? Count(rawLower, p) : Count(lower, " " + p + " "));
        var informal = words.Count(InformalWords.Contains)
            + Count(text, "!!") + Count(text, "??") + Count(text, "...")
            + text.Count(c => char.GetUnicodeCategory(c) is System.Globalization.UnicodeCategory.OtherSymbol or System.Globalization.UnicodeCategory.Surrogate) / 2;
        var contractions = words.Count(w => w.Contains('\'') && !w.EndsWith("'s", StringComparison.Ordinal));
        var lowercaseStarts = sentences.Count(s => char.IsLower(s.Text[0]));
        var firstPerson = words.Count(w => w is "i" or "i'm" or "i've" or "i'd" or "i'll" or "me" or "my");
        var mattr = MovingTypeTokenRatio(words, 50);
        var repeatedTrigrams = RepeatedTrigramShare(words);

        var features = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["words"] = words.Count,
            ["sentences"] = sentences.Count,
            ["burstiness"] = Math.Round(burstiness, 4),
            ["model_phrases_per_100_words"] = Math.Round(phraseHits * per100, 4),
            ["informal_markers_per_100_words"] = Math.Round(informal * per100, 4),
            ["contractions_per_100_words"] = Math.Round(contractions * per100, 4),
            ["first_person_per_100_words"] = Math.Round(firstPerson * per100, 4),
            ["lowercase_sentence_starts"] = lowercaseStarts,
            ["vocabulary_spread"] = Math.Round(mattr, 4),
            ["repeated_trigrams"] = Math.Round(repeatedTrigrams, 4),
        };

        var z = -0.4
            + 2.6 * (0.42 - Math.Min(1.2, burstiness)) * (lengths.Count >= 3 ? 1 : 0.3)
            + 1.1 * Math.Min(4, phraseHits * per100)
            - 1.3 * Math.Min(4, informal * per100)
            - 0.45 * Math.Min(5, contractions * per100)
            - 0.12 * Math.Min(8, firstPerson * per100)
            - 0.8 * Math.Min(3, lowercaseStarts)
            + 3.0 * (mattr - 0.72)
            + 4.0 * Math.Min(0.2, repeatedTrigrams);
        var probability = 1 / (1 + Math.Exp(-z));
        // Little text, little evidence: shrink towards a coin toss.
        var weight = Math.Min(1.0, (double)words.Count / (MinimumWords * 2));
        probability = 0.5 + (probability - 0.5) * weight;

        var verdict = words.Count < MinimumWords || probability is > 0.35 and < 0.65
            ? AiGeneratedTextVerdict.Uncertain
            : probability >= 0.65 ? AiGeneratedTextVerdict.AiGenerated : AiGeneratedTextVerdict.Human;
        var confidence = verdict switch
        {
            AiGeneratedTextVerdict.AiGenerated => probability,
            AiGeneratedTextVerdict.Human => 1 - probability,
            // For "uncertain", how sure we are that no call can be made: highest at 0.5.
            _ => 1 - Math.Abs(probability - 0.5) * 2,
        };
        return new AiGeneratedTextVerdict(verdict, Math.Round(confidence, 4), Math.Round(probability, 4), features);
    }

    private static int Count(string haystack, string needle)
    {
        var count = 0;
        for (var at = haystack.IndexOf(needle, StringComparison.Ordinal); at >= 0; at = haystack.IndexOf(needle, at + needle.Length, StringComparison.Ordinal))
        {
            count++;
        }
        return count;
    }

    private static double MovingTypeTokenRatio(List<string> words, int window)
    {
        if (words.Count == 0)
        {
            return 0;
        }
        if (words.Count <= window)
        {
            return (double)words.Distinct(StringComparer.Ordinal).Count() / words.Count;
        }
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < window; i++)
        {
            counts[words[i]] = counts.GetValueOrDefault(words[i]) + 1;
        }
        double sum = counts.Count;
        var windows = 1;
        for (var i = window; i < words.Count; i++)
        {
            var outgoing = words[i - window];
            if (--counts[outgoing] == 0)
            {
                counts.Remove(outgoing);
            }
            counts[words[i]] = counts.GetValueOrDefault(words[i]) + 1;
            sum += counts.Count;
            windows++;
        }
        return sum / windows / window;
    }

    private static double RepeatedTrigramShare(List<string> words)
    {
        if (words.Count < 6)
        {
            return 0;
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var repeated = 0;
        for (var i = 0; i + 3 <= words.Count; i++)
        {
            if (!seen.Add($"{words[i]} {words[i + 1]} {words[i + 2]}"))
            {
                repeated++;
            }
        }
        return (double)repeated / (words.Count - 2);
    }
}
