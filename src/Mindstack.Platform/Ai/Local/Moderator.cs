using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Mindstack.Platform.Ai.Local.Lexicons;

namespace Mindstack.Platform.Ai.Local;

/// <summary>
/// Moderation from curated term lists (<see cref="ModerationTerms"/>): the text is normalized
/// (lower case, leetspeak undone, stretched letters shortened, s.p.a.c.e.d words joined), then
/// words and phrases are matched per category. Insults count fully when aimed at someone ("you"),
/// violent words more when they threaten, any match less when negated ("I would never…"). Hate is
/// found by structure: a group named together with dehumanizing words or a call to harm or expel
/// it. Spam adds signals: links, shouting, repeated words, money bait. A category's score is
/// 1 − Π(1 − wᵢ) over its matches, so evidence accumulates without exceeding 1.
/// </summary>
internal static partial class Moderator
{
    private sealed record Term(string Category, double Weight, bool Targeted);

    private sealed record TermTable(Dictionary<string, List<Term>> Terms, List<(string Prefix, Term Term)> Prefixes, int Longest)
    {
        /// <summary>Multi-word terms by first word, longest first.</summary>
        public Dictionary<string, string[][]> PhrasesByFirstWord { get; } = Terms.Keys
            .Where(k => k.Contains(' ', StringComparison.Ordinal))
            .Select(k => k.Split(' '))
            .GroupBy(w => w[0], StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.OrderByDescending(w => w.Length).ToArray(), StringComparer.Ordinal);
    }

    private static readonly TermTable Table = BuildTerms();
    private static readonly Dictionary<string, List<Term>> Terms = Table.Terms;
    private static readonly List<(string Prefix, Term Term)> Prefixes = Table.Prefixes;
    private static readonly HashSet<string> Groups = Words(ModerationTerms.Groups);
    private static readonly HashSet<string> Dehumanizing = Words(ModerationTerms.Dehumanizing);
    private static readonly List<string[]> HostileCalls =
        [.. ModerationTerms.HostileCalls.Split(['|', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(c => c.Split(' '))];

    private static readonly HashSet<string> SecondPerson = new(StringComparer.Ordinal)
    {
        "you", "you're", "youre", "your", "yours", "yourself", "u", "ur", "ya", "thou", "you've", "you'll", "y'all", "yall",
    };

    private static readonly HashSet<string> Negators = new(StringComparer.Ordinal)
    {
        "not", "never", "no", "don't", "dont", "won't", "wont", "wouldn't", "wouldnt", "didn't", "didnt", "isn't", "cannot", "can't",
    };

    [GeneratedRegex(@"https?://|www\.|\b[a-z0-9-]+\.(?:com|net|org|io|xyz|ru|biz|info|ly|me|co|shop|click|top)(?:/|\b)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Link();

    [GeneratedRegex(@"\b[a-z](?<sep>[.\- ])[a-z](?:\k<sep>[a-z]){2,}\b", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex SpelledOut();

    [GeneratedRegex(@"(?:\+?\d[\d\s-]{8,}\d)", RegexOptions.CultureInvariant)]
    private static partial Regex PhoneNumber();

    public static AiModeration Moderate(string text)
    {
        var matches = new List<AiModerationMatch>();
        // "s.t.u.p.i.d" and "s t u p i d": four or more single letters with one separator join up
        // (before clauses are split at the dots).
        var joined = SpelledOut().Replace(text, m => new string([.. m.Value.Where(char.IsLetter)]));
        foreach (var sentence in SplitClauses(joined))
        {
            var tokens = Normalize(sentence);
            MatchTerms(tokens, matches);
            MatchHate(tokens, matches);
        }
        AddSpamSignals(text, matches);

        var categories = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var category in AiModeration.CategoryNames)
        {
            var remaining = 1.0;
            foreach (var match in matches.Where(m => m.Category == category))
            {
                remaining *= 1 - Math.Clamp(match.Weight, 0, 0.99);
            }
            categories[category] = Math.Round(1 - remaining, 4);
        }
        var flagged = AiModeration.CategoryNames.Where(c => categories[c] >= AiModeration.Threshold).ToList();
        return new AiModeration(flagged.Count > 0, categories, flagged, matches);
    }

    private static void MatchTerms(List<string> tokens, List<AiModerationMatch> matches)
    {
        var targeted = tokens.Any(SecondPerson.Contains);
        var threatening = ContainsSequence(tokens, "i", "will") || ContainsSequence(tokens, "i'll") || ContainsSequence(tokens, "gonna")
            || ContainsSequence(tokens, "going", "to");
        for (var i = 0; i < tokens.Count; i++)
        {
            var phrases = Table.PhrasesByFirstWord.GetValueOrDefault(tokens[i]) ?? [];
            foreach (var length in phrases.Where(p => IndexOfSequence(tokens, p, i, Math.Min(tokens.Count, i + p.Length)) == i).Select(p => p.Length).Append(1))
            {
                var key = length == 1 ? tokens[i] : string.Join(' ', tokens.Skip(i).Take(length));
                var terms = Terms.GetValueOrDefault(key) ?? (length == 1 ? PrefixMatch(key) : null);
                if (terms is null)
                {
                    continue;
                }
                var negated = Negated(tokens, i);
                foreach (var term in terms)
                {
                    var weight = term.Weight;
                    if (term.Targeted && !targeted)
                    {
                        weight *= 0.5;
                    }
                    if (term.Category == ModerationTerms.Violence && length == 1 && (targeted || threatening))
                    {
                        weight = Math.Min(0.95, weight * 1.6);
                    }
                    if (negated)
                    {
                        weight *= 0.35;
                    }
                    matches.Add(new AiModerationMatch(term.Category, key, Math.Round(weight, 4)));
                }
                i += length - 1;
                break;
            }
        }
    }

    private static void MatchHate(List<string> tokens, List<AiModerationMatch> matches)
    {
        for (var i = 0; i < tokens.Count; i++)
        {
            if (!Groups.Contains(tokens[i]))
            {
                continue;
            }
            var group = tokens[i];
            // "immigrants are vermin", "filthy vermin immigrants", "those jews are parasites".
            for (var j = Math.Max(0, i - 2); j < Math.Min(tokens.Count, i + 5); j++)
            {
                if (j != i && Dehumanizing.Contains(tokens[j]))
                {
                    matches.Add(new AiModerationMatch(ModerationTerms.Hate, $"{group} … {tokens[j]}", 0.85));
                    break;
                }
            }
            foreach (var call in HostileCalls)
            {
                var at = IndexOfSequence(tokens, call, i + 1, Math.Min(tokens.Count, i + 8));
                if (at < 0)
                {
                    continue;
                }
                var phrase = string.Join(' ', call);
                matches.Add(new AiModerationMatch(ModerationTerms.Hate, $"{group} … {phrase}", 0.85));
                if (phrase.Contains("die", StringComparison.Ordinal) || phrase.Contains("kill", StringComparison.Ordinal)
                    || phrase.Contains("extermin", StringComparison.Ordinal) || phrase.Contains("gassed", StringComparison.Ordinal)
                    || phrase.Contains("shot", StringComparison.Ordinal) || phrase.Contains("wipe", StringComparison.Ordinal))
                {
                    matches.Add(new AiModerationMatch(ModerationTerms.Violence, $"{group} … {phrase}", 0.75));
                }
                break;
            }
            if (i >= 1 && tokens[i - 1] is "hate" or "despise" or "loathe" || i >= 2 && tokens[i - 2] is "hate" or "despise" && tokens[i - 1] is "all" or "the" or "those")
            {
                matches.Add(new AiModerationMatch(ModerationTerms.Hate, $"hate … {group}", 0.75));
            }
        }
        var goBack = IndexOfSequence(tokens, ["go", "back", "to", "your"], 0, tokens.Count);
        if (goBack >= 0)
        {
            matches.Add(new AiModerationMatch(ModerationTerms.Hate, "go back to your …", 0.6));
        }
    }

    private static void AddSpamSignals(string text, List<AiModerationMatch> matches)
    {
        var links = Link().Matches(text).Count;
        if (links > 0)
        {
            matches.Add(new AiModerationMatch(ModerationTerms.Spam, $"{links} link(s)", Math.Min(0.6, 0.15 + 0.15 * (links - 1))));
        }
        var letters = text.Count(char.IsLetter);
        var upper = text.Count(char.IsUpper);
        if (letters >= 20 && upper > letters * 0.6)
        {
            matches.Add(new AiModerationMatch(ModerationTerms.Spam, "shouting", 0.25));
        }
        if (text.Contains("!!!", StringComparison.Ordinal) || text.Contains("$$$", StringComparison.Ordinal))
        {
            matches.Add(new AiModerationMatch(ModerationTerms.Spam, "!!!", 0.15));
        }
        var bait = MoneyEmoji.Sum(e => CountOf(text, e));
        if (bait >= 3)
        {
            matches.Add(new AiModerationMatch(ModerationTerms.Spam, "money emoji", 0.25));
        }
        if (PhoneNumber().IsMatch(text) && links + matches.Count(m => m.Category == ModerationTerms.Spam) > 0)
        {
            matches.Add(new AiModerationMatch(ModerationTerms.Spam, "phone number", 0.2));
        }
        // The same content word again and again ("free free free…"), not just frequent function words.
        var tokens = Normalize(text);
        var repeated = tokens.Where(t => t.Length > 2 && !Text.Languages.IsAnyStopWord(t)).GroupBy(t => t, StringComparer.Ordinal)
            .FirstOrDefault(g => g.Count() >= 4 && g.Count() >= tokens.Count * 0.15);
        if (repeated is not null)
        {
            matches.Add(new AiModerationMatch(ModerationTerms.Spam, $"repeated \"{repeated.Key}\"", 0.25));
        }
    }

    private static readonly string[] MoneyEmoji = ["💰", "🤑", "🚀", "💸", "💵", "🔥"];

    private static int CountOf(string text, string value)
    {
        var count = 0;
        for (var at = text.IndexOf(value, StringComparison.Ordinal); at >= 0; at = text.IndexOf(value, at + value.Length, StringComparison.Ordinal))
        {
            count++;
        }
        return count;
    }

    private static List<Term>? PrefixMatch(string token)
    {
        List<Term>? found = null;
        foreach (var (prefix, term) in Prefixes)
        {
            if (token.StartsWith(prefix, StringComparison.Ordinal))
            {
                (found ??= []).Add(term);
            }
        }
        return found;
    }

    private static bool Negated(List<string> tokens, int index)
    {
        for (var back = 1; back <= 3 && index - back >= 0; back++)
        {
            if (Negators.Contains(tokens[index - back]))
            {
                return true;
            }
        }
        return false;
    }

    private static bool ContainsSequence(List<string> tokens, params string[] sequence) => IndexOfSequence(tokens, sequence, 0, tokens.Count) >= 0;

    private static int IndexOfSequence(List<string> tokens, string[] sequence, int from, int to)
    {
        for (var i = from; i + sequence.Length <= to; i++)
        {
            var all = true;
            for (var k = 0; k < sequence.Length && all; k++)
            {
                all = tokens[i + k] == sequence[k];
            }
            if (all)
            {
                return i;
            }
        }
        return -1;
    }

    private static IEnumerable<string> SplitClauses(string text) =>
        text.Split(['.', '!', '?', '\n', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Lower-case words with leetspeak undone and letter runs shortened ("stuuupid" → "stupid").</summary>
    internal static List<string> Normalize(string text)
    {
        var tokens = new List<string>();
        var word = new StringBuilder();
        var lower = text.ToLowerInvariant();
        for (var i = 0; i <= lower.Length; i++)
        {
            var c = i < lower.Length ? lower[i] : ' ';
            var inWord = char.IsLetter(c) || c == '\'' || c == '’'
                || (char.IsDigit(c) || c is '@' or '$' or '*') && (word.Length > 0 || i + 1 < lower.Length && char.IsLetter(lower[i + 1]));
            if (inWord)
            {
                word.Append(c == '’' ? '\'' : c);
                continue;
            }
            if (word.Length > 0)
            {
                tokens.Add(Clean(word.ToString()));
                word.Clear();
            }
        }
        tokens.RemoveAll(t => t.Length == 0);
        return tokens;
    }

    private static string Clean(string word)
    {
        var mapped = new StringBuilder(word.Length);
        var hasLetter = word.Any(char.IsLetter);
        foreach (var c in word)
        {
            var m = !hasLetter ? c : c switch
            {
                '0' => 'o',
                '1' => 'i',
                '3' => 'e',
                '4' => 'a',
                '5' => 's',
                '7' => 't',
                '@' => 'a',
                '$' => 's',
                '*' => 'u',
                _ => c,
            };
            // Stretched letters: keep at most two in a row ("stuuupid" → "stuupid" → matched via one-letter form below).
            if (mapped.Length >= 2 && mapped[^1] == m && mapped[^2] == m)
            {
                continue;
            }
            mapped.Append(m);
        }
        var result = mapped.ToString().Trim('\'');
        if (Terms.ContainsKey(result) || result.Length < 4)
        {
            return result;
        }
        var single = new StringBuilder(result.Length);
        foreach (var c in result)
        {
            if (single.Length == 0 || single[^1] != c)
            {
                single.Append(c);
            }
        }
        var collapsed = single.ToString();
        return Terms.ContainsKey(collapsed) ? collapsed : result;
    }

    private static TermTable BuildTerms()
    {
        var terms = new Dictionary<string, List<Term>>(StringComparer.Ordinal);
        var prefixes = new List<(string, Term)>();
        void Load(string source, string category, bool targeted, char separator)
        {
            foreach (var entry in source.Split([separator, '\n', '\r'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var colon = entry.LastIndexOf(':');
                var key = entry[..colon];
                var term = new Term(category, double.Parse(entry[(colon + 1)..], CultureInfo.InvariantCulture), targeted);
                if (key.EndsWith('*'))
                {
                    prefixes.Add((key[..^1], term));
                    continue;
                }
                if (!terms.TryGetValue(key, out var list))
                {
                    terms[key] = list = [];
                }
                list.Add(term);
            }
        }
        Load(ModerationTerms.Insults, ModerationTerms.Harassment, true, ' ');
        Load(ModerationTerms.HarassmentPhrases, ModerationTerms.Harassment, false, '|');
        Load(ModerationTerms.ViolenceWords, ModerationTerms.Violence, false, ' ');
        Load(ModerationTerms.ViolencePhrases, ModerationTerms.Violence, false, '|');
        Load(ModerationTerms.SelfHarmPhrases, ModerationTerms.SelfHarm, false, '|');
        Load(ModerationTerms.SexualWords, ModerationTerms.Sexual, false, ' ');
        Load(ModerationTerms.SexualPhrases, ModerationTerms.Sexual, false, '|');
        Load(ModerationTerms.SpamPhrases, ModerationTerms.Spam, false, '|');
        // Telling someone to kill themselves is self-harm content and harassment at once.
        terms["kill yourself"].Add(new Term(ModerationTerms.SelfHarm, 0.7, false));
        terms["kys"].Add(new Term(ModerationTerms.SelfHarm, 0.7, false));
        return new TermTable(terms, prefixes, terms.Keys.Max(k => k.Count(c => c == ' ') + 1));
    }

    private static HashSet<string> Words(string source) =>
        new(source.Split([' ', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries), StringComparer.Ordinal);
}
