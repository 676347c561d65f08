using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Mindstack.Platform.Ai.Text;

namespace Mindstack.Platform.Search;

/// <summary>A query's words for the full-text leg and the highlighter: lower-cased, stop words dropped.</summary>
internal static partial class SearchTerms
{
    // Letters and digits only: whatever reaches FTS5 MATCH or to_tsquery can never be syntax.
    [GeneratedRegex(@"[\p{L}\p{N}]+", RegexOptions.CultureInvariant)]
    private static partial Regex TermPattern();

    public static IReadOnlyList<string> Of(string query)
    {
        var words = TermPattern().Matches(query).Select(m => m.Value.ToLowerInvariant()).Distinct(StringComparer.Ordinal).ToList();
        var language = Languages.Detect(words);
        var content = words.Where(w => !Languages.IsStopWord(w, language)).ToList();
        // A query of stop words only ("to be or not to be") still searches for them.
        return content.Count > 0 ? content : words;
    }

    /// <summary>
    /// A snippet of about <paramref name="length"/> characters around the first matched term, HTML-escaped,
    /// matched words (same word or same stem) wrapped in <c>&lt;em&gt;</c>; the text's start when none matches.
    /// </summary>
    public static string Highlight(string text, IReadOnlyList<string> terms, int length = 200)
    {
        var wanted = new HashSet<string>(StringComparer.Ordinal);
        foreach (var term in terms)
        {
            wanted.Add(term);
            wanted.Add(TextTokens.Stem(term));
        }
        var matches = TermPattern().Matches(text)
            .Where(m => wanted.Contains(m.Value.ToLowerInvariant()) || wanted.Contains(TextTokens.Stem(m.Value.ToLowerInvariant())))
            .ToList();
        var start = 0;
        if (matches.Count > 0 && matches[0].Index + matches[0].Length > length)
        {
            // Some context before the first match, starting at a word.
            start = Math.Max(0, matches[0].Index - (length / 4));
            while (start > 0 && start < matches[0].Index && !char.IsWhiteSpace(text[start - 1]))
            {
                start++;
            }
        }
        var end = Math.Min(text.Length, start + length);
        if (end < text.Length)
        {
            var space = text.LastIndexOf(' ', end - 1, end - start);
            if (space > start + (length / 2))
            {
                end = space;
            }
        }
        var snippet = new StringBuilder(length + 32);
        if (start > 0)
        {
            snippet.Append('…');
        }
        var at = start;
        foreach (var match in matches)
        {
            if (match.Index < start || match.Index + match.Length > end)
            {
                continue;
            }
            snippet.Append(WebUtility.HtmlEncode(text[at..match.Index]));
            snippet.Append("<em>").Append(WebUtility.HtmlEncode(match.Value)).Append("</em>");
            at = match.Index + match.Length;
        }
        snippet.Append(WebUtility.HtmlEncode(text[at..end]));
        if (end < text.Length)
        {
            snippet.Append('…');
        }
        return snippet.ToString();
    }
}
