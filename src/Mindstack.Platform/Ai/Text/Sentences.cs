using System.Text.RegularExpressions;

namespace Mindstack.Platform.Ai.Text;

/// <summary>A sentence of a text, with its index and position.</summary>
internal sealed record Sentence(int Index, string Text, int Start);

/// <summary>
/// Splits text into sentences: at . ! ? … followed by space and a capital, digit or quote, and at
/// line breaks that start a new line of a list or paragraph. Known abbreviations ("Dr.", "e.g.",
/// "U.S.") and initials do not end a sentence. List markers are trimmed.
/// </summary>
internal static partial class Sentences
{
    private static readonly HashSet<string> Abbreviations = new(StringComparer.OrdinalIgnoreCase)
    {
        "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "vs", "etc", "e.g", "i.e", "eg", "ie", "inc", "ltd", "co", "corp",
        "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "no", "fig", "approx", "est",
        "u.s", "u.k", "u.n", "e.u", "a.m", "p.m", "dept", "gen", "gov", "sen", "rep", "capt", "lt", "col", "mt", "ft", "av", "ave",
        "sra", "srta", "mme", "mlle", "bzw", "usw", "z.b", "nr", "vgl", "ca",
    };

    // A line that starts a list item: "-", "*", "•", "1.", "2)", "a)".
    [GeneratedRegex(@"^\s*(?:[-*•–]|\d{1,3}[.)]|[a-zA-Z][)])\s+", RegexOptions.CultureInvariant)]
    private static partial Regex ListMarker();

    public static List<Sentence> Split(string text)
    {
        var sentences = new List<Sentence>();
        if (string.IsNullOrWhiteSpace(text))
        {
            return sentences;
        }
        var lineStart = 0;
        while (lineStart < text.Length)
        {
            // Blocks are lines: a line break ends a sentence unless the next line simply continues it
            // (starts lower-case and the line did not end with punctuation), as in wrapped prose.
            var end = lineStart;
            while (true)
            {
                var newline = text.IndexOf('\n', end);
                if (newline < 0)
                {
                    end = text.Length;
                    break;
                }
                if (ContinuesOnNextLine(text, lineStart, newline))
                {
                    end = newline + 1;
                    continue;
                }
                end = newline;
                break;
            }
            SplitBlock(text, lineStart, end, sentences);
            lineStart = end + 1;
        }
        return sentences;
    }

    private static bool ContinuesOnNextLine(string text, int blockStart, int newline)
    {
        var before = newline - 1;
        while (before >= blockStart && char.IsWhiteSpace(text[before]))
        {
            before--;
        }
        var after = newline + 1;
        while (after < text.Length && text[after] is ' ' or '\t' or '\r')
        {
            after++;
        }
        if (before < blockStart || after >= text.Length || text[after] == '\n')
        {
            return false;
        }
        return char.IsLower(text[after]) && text[before] is not ('.' or '!' or '?' or ':' or ';' or '…');
    }

    private static void SplitBlock(string text, int start, int end, List<Sentence> into)
    {
        var sentenceStart = start;
        for (var i = start; i < end; i++)
        {
            var c = text[i];
            if (c is not ('.' or '!' or '?' or '…' or '。' or '！' or '？'))
            {
                continue;
            }
            var j = i;
            while (j + 1 < end && text[j + 1] is '.' or '!' or '?' or '…' or '"' or '\'' or '”' or '’' or ')' or '»')
            {
                j++;
            }
            var isCjkStop = c is '。' or '！' or '？';
            if (!isCjkStop)
            {
                if (j + 1 < end && !char.IsWhiteSpace(text[j + 1]))
                {
                    continue;
                }
                var next = j + 1;
                while (next < end && char.IsWhiteSpace(text[next]))
                {
                    next++;
                }
                if (c == '.' && IsAbbreviation(text, sentenceStart, i))
                {
                    continue;
                }
                // Casual writing starts sentences in lower case too: after ! and ?, and after a
                // period that follows a real word (not an initial or abbreviation).
                if (next < end && !StartsSentence(text[next]) && !(char.IsLower(text[next]) && (c != '.' || WordBefore(text, sentenceStart, i) >= 3)))
                {
                    continue;
                }
            }
            Add(text, sentenceStart, j + 1, into);
            sentenceStart = j + 1;
            i = j;
        }
        Add(text, sentenceStart, end, into);
    }

    private static bool StartsSentence(char c) =>
        char.IsUpper(c) || char.IsDigit(c) || c is '"' or '\'' or '“' or '‘' or '(' or '[' or '¿' or '¡' or '«' or '-' or '*' or '•'
        || (char.IsLetter(c) && !char.IsLower(c));

    private static int WordBefore(string text, int sentenceStart, int period)
    {
        var start = period;
        while (start > sentenceStart && char.IsLetter(text[start - 1]))
        {
            start--;
        }
        return period - start;
    }

    private static bool IsAbbreviation(string text, int sentenceStart, int period)
    {
        var wordStart = period;
        while (wordStart > sentenceStart && (char.IsLetter(text[wordStart - 1]) || text[wordStart - 1] == '.'))
        {
            wordStart--;
        }
        var word = text[wordStart..period];
        if (word.Length == 0)
        {
            return false;
        }
        // An initial ("J. Smith") or a known abbreviation.
        return (word.Length == 1 && char.IsUpper(word[0])) || Abbreviations.Contains(word);
    }

    private static void Add(string text, int start, int end, List<Sentence> into)
    {
        var segment = text[start..end];
        var marker = ListMarker().Match(segment);
        var offset = marker.Success ? marker.Length : 0;
        var trimmedStart = offset;
        while (trimmedStart < segment.Length && char.IsWhiteSpace(segment[trimmedStart]))
        {
            trimmedStart++;
        }
        var value = segment[trimmedStart..].TrimEnd().ReplaceLineEndings(" ");
        if (value.Length == 0 || !value.Any(char.IsLetterOrDigit))
        {
            return;
        }
        into.Add(new Sentence(into.Count, value, start + trimmedStart));
    }
}
