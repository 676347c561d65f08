using System.Text.RegularExpressions;

namespace Mindstack.Platform.Ai.Text;

/// <summary>A word as found in a text: its surface form and position.</summary>
internal readonly record struct WordToken(string Text, int Start)
{
    public int Length => Text.Length;

    public int End => Start + Text.Length;

    public string Lower => Text.ToLowerInvariant();
}

/// <summary>Word tokenization, light stemming and token-count estimates shared by the local engine.</summary>
internal static partial class TextTokens
{
    // Letters, marks and digits, with inner apostrophes or hyphens ("don't", "state-of-the-art").
    [GeneratedRegex(@"[\p{L}\p{M}\p{N}]+(?:['’\-][\p{L}\p{M}\p{N}]+)*", RegexOptions.CultureInvariant)]
    private static partial Regex WordPattern();

    // What a BPE tokenizer tends to split into one or more tokens: words, numbers, single symbols.
    [GeneratedRegex(@"[\p{L}\p{M}]+|\p{N}+|[^\s\p{L}\p{M}\p{N}]", RegexOptions.CultureInvariant)]
    private static partial Regex PiecePattern();

    public static List<WordToken> Words(string text)
    {
        var words = new List<WordToken>();
        foreach (var match in WordPattern().EnumerateMatches(text))
        {
            words.Add(new WordToken(text.Substring(match.Index, match.Length).Replace('’', '\''), match.Index));
        }
        return words;
    }

    /// <summary>Lower-cased words (for lexicon lookups).</summary>
    public static List<string> LowerWords(string text)
    {
        var words = new List<string>();
        foreach (var match in WordPattern().EnumerateMatches(text))
        {
            words.Add(text.Substring(match.Index, match.Length).Replace('’', '\'').ToLowerInvariant());
        }
        return words;
    }

    /// <summary>
    /// A deterministic estimate of what an OpenAI-style tokenizer would count: about one token
    /// per four letters of a word, one per symbol, one per three digits.
    /// </summary>
    public static int EstimateTokens(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return 0;
        }
        var tokens = 0;
        foreach (var match in PiecePattern().EnumerateMatches(text))
        {
            var c = text[match.Index];
            tokens += char.IsDigit(c) ? (match.Length + 2) / 3 : char.IsLetter(c) || char.GetUnicodeCategory(c) is System.Globalization.UnicodeCategory.NonSpacingMark
                ? IsCjk(c) ? match.Length : Math.Max(1, (match.Length + 3) / 4)
                : 1;
        }
        return tokens;
    }

    public static bool IsCjk(char c) =>
        c is >= '\u3040' and <= '\u30ff' or >= '\u3400' and <= '\u4dbf' or >= '\u4e00' and <= '\u9fff' or >= '\uac00' and <= '\ud7af';

    public static bool IsLatinLetter(char c) =>
        c is >= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '\u00c0' and <= '\u024f' && c != '\u00d7' && c != '\u00f7';

    /// <summary>
    /// A light stemmer: folds plurals and common English inflections so "meetings"/"meeting" and
    /// "priced"/"price" meet. Deliberately conservative; only length-safe suffixes are removed.
    /// </summary>
    public static string Stem(string lower, string language = "en")
    {
        if (lower.Length <= 3 || !char.IsLetter(lower[^1]))
        {
            return lower;
        }
        if (language is not ("en" or Languages.Undetermined))
        {
            // Romance and Germanic plurals: drop a final s (es/fr/pt/it/nl) when the word is long enough.
            return language is "es" or "fr" or "pt" or "nl" && lower.Length > 4 && lower[^1] == 's' && lower[^2] != 's'
                ? lower[..^1]
                : lower;
        }
        // Step 1: possessives and plurals.
        if (lower.EndsWith("'s", StringComparison.Ordinal))
        {
            lower = lower[..^2];
        }
        if (lower.EndsWith("ies", StringComparison.Ordinal) && lower.Length > 4)
        {
            return lower[..^3] + "y";
        }
        if (lower.EndsWith("sses", StringComparison.Ordinal))
        {
            lower = lower[..^2];
        }
        else if (lower.EndsWith("es", StringComparison.Ordinal) && lower.Length > 4
            && (lower.EndsWith("ches", StringComparison.Ordinal) || lower.EndsWith("shes", StringComparison.Ordinal)
                || lower.EndsWith("xes", StringComparison.Ordinal) || lower.EndsWith("zes", StringComparison.Ordinal)))
        {
            lower = lower[..^2];
        }
        else if (lower.Length > 3 && lower[^1] == 's' && lower[^2] is not ('s' or 'u' or 'i'))
        {
            lower = lower[..^1];
        }
        // Step 2: verb and adverb endings.
        if (lower.EndsWith("ing", StringComparison.Ordinal) && lower.Length > 5)
        {
            return Undouble(lower[..^3]);
        }
        if (lower.EndsWith("ed", StringComparison.Ordinal) && lower.Length > 4 && !lower.EndsWith("eed", StringComparison.Ordinal))
        {
            var stem = lower[..^2];
            return stem.EndsWith('i') ? stem[..^1] + "y" : Undouble(stem);
        }
        if (lower.EndsWith("ly", StringComparison.Ordinal) && lower.Length > 5)
        {
            return lower[..^2];
        }
        // Step 3: a final e is dropped so "price", "priced" and "pricing" share "pric".
        return lower.Length > 4 && lower[^1] == 'e' ? lower[..^1] : lower;
    }

    private static string Undouble(string stem)
    {
        if (stem.Length > 3 && stem[^1] == stem[^2] && stem[^1] is not ('l' or 's' or 'z'))
        {
            return stem[..^1];
        }
        return stem.Length > 3 && stem[^1] == 'e' ? stem[..^1] : stem;
    }
}
