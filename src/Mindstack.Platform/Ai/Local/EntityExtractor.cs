using System.Globalization;
using System.Text.RegularExpressions;
using Mindstack.Platform.Ai.Local.Lexicons;
using Mindstack.Platform.Ai.Text;

namespace Mindstack.Platform.Ai.Local;

/// <summary>
/// Entities by patterns and a gazetteer. Patterns first, in priority order (emails, URLs, money,
/// percentages, dates, times, phones, hashtags, mentions), each claiming its span; then runs of
/// capitalised words are named: a gazetteer place or organization, an organization suffix ("Acme
/// Corp"), a title or a known given name (a person), "in/near X" (a place), an acronym (an
/// organization), otherwise <c>misc</c>. Words capitalised only because they open a sentence are
/// not names. Remaining numbers come last.
/// </summary>
internal static partial class EntityExtractor
{
    private const string Months = "Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?";

    [GeneratedRegex(@"(?<![\w.+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}", RegexOptions.CultureInvariant)]
    private static partial Regex EmailPattern();

    [GeneratedRegex(@"\bhttps?://[^\s<>""'()]+|\bwww\.[^\s<>""'()]+", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex UrlPattern();

    [GeneratedRegex(@"(?:(?<cur>US\$|USD|EUR|GBP)\s?|(?<sym>[$€£¥₹]))(?<amt>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(?:\s?(?<mult>k|m|bn|million|billion|thousand|trillion)\b)?", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex MoneyPrefixed();

    [GeneratedRegex(@"(?<![\w.])(?<amt>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s?(?<mult>million|billion|thousand|trillion)?\s?(?<cur>USD|EUR|GBP|JPY|CHF|CAD|AUD|INR|CNY|BTC|ETH|dollars?|euros?|pounds?|yen|bitcoins?)\b", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex MoneySuffixed();

    [GeneratedRegex(@"(?<![\w.])\d+(?:\.\d+)?\s?(?:%|percent\b|per cent\b)", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex PercentPattern();

    [GeneratedRegex(@"\b(?<y>\d{4})-(?<m>\d{2})-(?<d>\d{2})\b", RegexOptions.CultureInvariant)]
    private static partial Regex IsoDate();

    [GeneratedRegex(@"\b(?<a>\d{1,2})/(?<b>\d{1,2})/(?<y>\d{4}|\d{2})\b", RegexOptions.CultureInvariant)]
    private static partial Regex SlashDate();

    [GeneratedRegex(@"\b(?<mon>" + Months + @")\.?\s+(?<d>\d{1,2})(?:st|nd|rd|th)?(?:,?\s+(?<y>\d{4}))?\b", RegexOptions.CultureInvariant)]
    private static partial Regex MonthDayDate();

    [GeneratedRegex(@"\b(?<d>\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?(?<mon>" + Months + @")\.?(?:,?\s+(?<y>\d{4}))?\b", RegexOptions.CultureInvariant)]
    private static partial Regex DayMonthDate();

    [GeneratedRegex(@"\b(?<mon>January|February|March|April|May|June|July|August|September|October|November|December)\s+(?<y>\d{4})\b", RegexOptions.CultureInvariant)]
    private static partial Regex MonthYearDate();

    [GeneratedRegex(@"\b(?:(?:next|last|this)\s+)?(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)s?\b|\b(?:next|last|this)\s+(?:week|month|year|quarter|weekend)\b|\b(?:today|tomorrow|yesterday|tonight)\b|\bend of (?:the )?(?:day|week|month|quarter|year)\b|\bQ[1-4](?:\s+\d{4})?\b", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex RelativeDate();

    [GeneratedRegex(@"\b(?<h>\d{1,2})(?::(?<m>[0-5]\d))?\s?(?<ap>[ap]\.?m\.?)(?!\w)|\b(?<h>[01]?\d|2[0-3]):(?<m>[0-5]\d)\b|\b(?:noon|midnight)\b", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex TimePattern();

    [GeneratedRegex(@"(?<![\w+])\+?\(?\d{1,4}\)?[\s.-]?\(?\d{2,4}\)?[\s.-]\d{3,4}[\s.-]?\d{2,4}(?![\w])", RegexOptions.CultureInvariant)]
    private static partial Regex PhonePattern();

    [GeneratedRegex(@"(?<![\w#])#[\p{L}\p{N}_]*\p{L}[\p{L}\p{N}_]*", RegexOptions.CultureInvariant)]
    private static partial Regex HashtagPattern();

    [GeneratedRegex(@"(?<![\w@])@[A-Za-z0-9_]{2,30}\b", RegexOptions.CultureInvariant)]
    private static partial Regex MentionPattern();

    [GeneratedRegex(@"(?<![\w.,])-?\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\w])|(?<![\w.,-])-?\d+(?:\.\d+)?(?![\w])", RegexOptions.CultureInvariant)]
    private static partial Regex NumberPattern();

    private static readonly HashSet<string> Connectors = new(StringComparer.Ordinal) { "of", "de", "van", "von", "der", "del", "da", "di", "du", "la", "le", "&", "and" };

    private static readonly HashSet<string> PlacePrepositions = new(StringComparer.OrdinalIgnoreCase) { "in", "near", "across", "throughout" };

    // Capitalised words that are not names even mid-sentence (days and months are dates; "I" is a pronoun).
    private static readonly HashSet<string> NotNames = new(StringComparer.Ordinal)
    {
        "I", "I'm", "I've", "I'll", "I'd", "OK", "Ok", "AI", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
        "January", "February", "March", "April", "June", "July", "August", "September", "October", "November", "December",
    };

    public static AiEntities Extract(string text)
    {
        var found = new List<AiEntity>();
        var claimed = new bool[text.Length];

        Claim(text, EmailPattern(), AiEntityTypes.Email, 0.98, m => m.Value.ToLowerInvariant(), found, claimed);
        Claim(text, UrlPattern(), AiEntityTypes.Url, 0.97, m => m.Value, found, claimed, trimEnd: true);
        Claim(text, MoneyPrefixed(), AiEntityTypes.Money, 0.95, NormalizeMoney, found, claimed);
        Claim(text, MoneySuffixed(), AiEntityTypes.Money, 0.92, NormalizeMoney, found, claimed);
        Claim(text, PercentPattern(), AiEntityTypes.Percent, 0.95, m => Number(m.Value.TrimEnd('%', ' ').Replace("percent", "", StringComparison.OrdinalIgnoreCase).Replace("per cent", "", StringComparison.OrdinalIgnoreCase).Trim()) + "%", found, claimed);
        Claim(text, IsoDate(), AiEntityTypes.Date, 0.97, m => IsoOrNull(m.Groups["y"].Value, m.Groups["m"].Value, m.Groups["d"].Value), found, claimed);
        Claim(text, MonthDayDate(), AiEntityTypes.Date, 0.9, NormalizeNamedDate, found, claimed);
        Claim(text, DayMonthDate(), AiEntityTypes.Date, 0.9, NormalizeNamedDate, found, claimed);
        Claim(text, MonthYearDate(), AiEntityTypes.Date, 0.88, m => $"{m.Groups["y"].Value}-{MonthNumber(m.Groups["mon"].Value):00}", found, claimed);
        Claim(text, SlashDate(), AiEntityTypes.Date, 0.85, NormalizeSlashDate, found, claimed);
        Claim(text, RelativeDate(), AiEntityTypes.Date, 0.8, _ => null, found, claimed);
        Claim(text, TimePattern(), AiEntityTypes.Time, 0.9, NormalizeTime, found, claimed);
        Claim(text, PhonePattern(), AiEntityTypes.Phone, 0.8, m => (m.Value.TrimStart().StartsWith('+') ? "+" : "") + new string([.. m.Value.Where(char.IsDigit)]), found, claimed,
            accept: m => m.Value.Count(char.IsDigit) is >= 9 and <= 15);
        Claim(text, HashtagPattern(), AiEntityTypes.Hashtag, 0.95, m => m.Value.ToLowerInvariant(), found, claimed);
        Claim(text, MentionPattern(), AiEntityTypes.Mention, 0.9, m => m.Value.ToLowerInvariant(), found, claimed);
        Names(text, found, claimed);
        Claim(text, NumberPattern(), AiEntityTypes.Number, 0.9, m => Number(m.Value), found, claimed);

        found.Sort((a, b) => a.Start.CompareTo(b.Start));
        return new AiEntities(found);
    }

    private static void Claim(string text, Regex pattern, string type, double confidence, Func<Match, string?> normalize,
        List<AiEntity> found, bool[] claimed, bool trimEnd = false, Func<Match, bool>? accept = null)
    {
        foreach (Match match in pattern.Matches(text))
        {
            var length = match.Length;
            if (trimEnd)
            {
                while (length > 0 && text[match.Index + length - 1] is '.' or ',' or ';' or ':' or '!' or '?' or ')' or ']')
                {
                    length--;
                }
            }
            if (length == 0 || IsClaimed(claimed, match.Index, length) || accept is not null && !accept(match))
            {
                continue;
            }
            var value = text.Substring(match.Index, length);
            var normalized = length == match.Length ? normalize(match) : value;
            found.Add(new AiEntity(value, type, match.Index, length, normalized, confidence));
            MarkClaimed(claimed, match.Index, length);
        }
    }

    private static bool IsClaimed(bool[] claimed, int start, int length)
    {
        for (var i = start; i < start + length; i++)
        {
            if (claimed[i])
            {
                return true;
            }
        }
        return false;
    }

    private static void MarkClaimed(bool[] claimed, int start, int length) => Array.Fill(claimed, true, start, length);

    private static void Names(string text, List<AiEntity> found, bool[] claimed)
    {
        var sentenceStarts = new HashSet<int>(Sentences.Split(text).Select(s => s.Start));
        var words = TextTokens.Words(text);
        var i = 0;
        while (i < words.Count)
        {
            if (!IsNameWord(words[i], claimed) || IsClaimed(claimed, words[i].Start, words[i].Length))
            {
                i++;
                continue;
            }
            // A run of capitalised words, joined by single spaces (or connectors inside).
            var run = new List<WordToken> { words[i] };
            var j = i + 1;
            while (j < words.Count && SameRun(text, words[j - 1], words[j]))
            {
                if (IsNameWord(words[j], claimed) && !IsClaimed(claimed, words[j].Start, words[j].Length))
                {
                    run.Add(words[j]);
                    j++;
                }
                else if (Connectors.Contains(words[j].Text) && j + 1 < words.Count && IsNameWord(words[j + 1], claimed) && SameRun(text, words[j], words[j + 1]))
                {
                    run.Add(words[j]);
                    j++;
                }
                else
                {
                    break;
                }
            }
            var previous = i > 0 && SameRun(text, words[i - 1], words[i], allowComma: false) ? words[i - 1].Text : null;
            Name(text, run, sentenceStarts.Contains(run[0].Start) || previous is null && IsLineStart(text, run[0].Start), previous, found, claimed);
            i = j;
        }
    }

    private static bool IsLineStart(string text, int start)
    {
        for (var k = start - 1; k >= 0; k--)
        {
            if (text[k] == '\n')
            {
                return true;
            }
            if (!char.IsWhiteSpace(text[k]) && text[k] is not ('-' or '*' or '•' or '"' or '“' or '(' or ':'))
            {
                return false;
            }
        }
        return true;
    }

    private static void Name(string text, List<WordToken> run, bool atSentenceStart, string? previous, List<AiEntity> found, bool[] claimed)
    {
        // "ECB President Christine Lagarde": a title inside a run ends one name and opens a person's.
        var inner = run.FindIndex(1, w => Gazetteer.Titles.Contains(w.Text) && char.IsUpper(w.Text[0]));
        if (inner > 0 && inner < run.Count - 1)
        {
            Name(text, run[..inner], atSentenceStart, previous, found, claimed);
            Name(text, run[(inner + 1)..], false, run[inner].Text, found, claimed);
            return;
        }
        // Titles open a person's name but are not part of it: "Dr. Jane Smith" → "Jane Smith".
        var titled = previous is not null && Gazetteer.Titles.Contains(previous.TrimEnd('.'));
        while (run.Count > 1 && (Gazetteer.Titles.Contains(run[0].Text) || Gazetteer.Titles.Contains(run[0].Text + ".")))
        {
            titled = true;
            run.RemoveAt(0);
            atSentenceStart = false;
        }
        // A sentence-opening word is capitalised by grammar: keep it only when it is itself known.
        if (atSentenceStart && !IsKnown(run[0].Text) && (run.Count == 1 || Languages.IsAnyStopWord(run[0].Lower) || IsCommonOpener(run[0].Lower)))
        {
            run.RemoveAt(0);
            if (run.Count > 0 && Connectors.Contains(run[0].Text))
            {
                run.RemoveAt(0);
            }
        }
        while (run.Count > 0 && Connectors.Contains(run[^1].Text))
        {
            run.RemoveAt(run.Count - 1);
        }
        if (run.Count == 0)
        {
            return;
        }
        var start = run[0].Start;
        var end = run[^1].End;
        var value = text[start..end];
        if (NotNames.Contains(value))
        {
            return;
        }
        var (type, confidence) = Classify(run, value, titled, previous);
        if (type is null)
        {
            return;
        }
        found.Add(new AiEntity(value, type, start, end - start, null, confidence));
        MarkClaimed(claimed, start, end - start);
    }

    private static (string? Type, double Confidence) Classify(List<WordToken> run, string value, bool titled, string? previous)
    {
        if (Gazetteer.Places.Contains(value))
        {
            return (AiEntityTypes.Location, 0.9);
        }
        if (Gazetteer.Organizations.Contains(value))
        {
            return (AiEntityTypes.Organization, 0.9);
        }
        if (run.Count > 1 && Gazetteer.OrganizationSuffixes.Contains(run[^1].Text))
        {
            return (AiEntityTypes.Organization, 0.85);
        }
        if (titled)
        {
            return (AiEntityTypes.Person, 0.85);
        }
        if (Gazetteer.GivenNames.Contains(run[0].Text) && run.Count is 2 or 3)
        {
            return (AiEntityTypes.Person, 0.85);
        }
        if (previous is not null && PlacePrepositions.Contains(previous))
        {
            return (AiEntityTypes.Location, 0.6);
        }
        if (run.Count == 1 && Gazetteer.GivenNames.Contains(value))
        {
            return (AiEntityTypes.Person, 0.6);
        }
        if (run.Count == 1 && value.Length is >= 2 and <= 6 && value.All(c => char.IsUpper(c) || char.IsDigit(c)))
        {
            return (AiEntityTypes.Organization, 0.6);
        }
        // A place or organization with a known head: "Port of Rotterdam", "Greater London".
        if (run.Any(w => Gazetteer.Places.Contains(w.Text)) && run.Count <= 3)
        {
            return (AiEntityTypes.Location, 0.55);
        }
        // A lone demonym ("European", "Chinese") describes, it does not name.
        if (run.Count == 1 && (value.EndsWith("ean", StringComparison.Ordinal) || value.EndsWith("ian", StringComparison.Ordinal)
            || value.EndsWith("ish", StringComparison.Ordinal) || value.EndsWith("ese", StringComparison.Ordinal) || value.EndsWith("can", StringComparison.Ordinal)))
        {
            return (null, 0);
        }
        return (AiEntityTypes.Misc, run.Count > 1 ? 0.5 : 0.4);
    }

    private static bool IsKnown(string word) =>
        Gazetteer.Places.Contains(word) || Gazetteer.Organizations.Contains(word) || Gazetteer.GivenNames.Contains(word) || Gazetteer.Titles.Contains(word);

    private static bool IsCommonOpener(string lower) => lower is
        "yesterday" or "today" or "tomorrow" or "however" or "meanwhile" or "also" or "then" or "after" or "before" or "during"
        or "according" or "following" or "last" or "next" or "please" or "thanks" or "hi" or "hello" or "dear" or "great" or "overall"
        or "action" or "decision" or "decisions" or "notes" or "attendees" or "agenda" or "summary" or "update" or "new" or "our";

    private static bool IsNameWord(WordToken word, bool[] claimed) =>
        word.Text.Length > 0 && char.IsUpper(word.Text[0]) && word.Text.Any(char.IsLetter) && !claimed[word.Start];

    private static bool SameRun(string text, WordToken a, WordToken b, bool allowComma = false)
    {
        var gap = text.AsSpan(a.End, b.Start - a.End);
        return gap is " " || gap is " & " || allowComma && gap is ", ";
    }

    private static string? NormalizeMoney(Match match)
    {
        var currency = (match.Groups["cur"].Success ? match.Groups["cur"].Value : match.Groups["sym"].Value).ToUpperInvariant() switch
        {
            "$" or "US$" or "USD" or "DOLLAR" or "DOLLARS" => "USD",
            "€" or "EUR" or "EURO" or "EUROS" => "EUR",
            "£" or "GBP" or "POUND" or "POUNDS" => "GBP",
            "¥" or "JPY" or "YEN" => "JPY",
            "₹" or "INR" => "INR",
            "BITCOIN" or "BITCOINS" or "BTC" => "BTC",
            var other => other,
        };
        if (!decimal.TryParse(match.Groups["amt"].Value.Replace(",", "", StringComparison.Ordinal), NumberStyles.Number, CultureInfo.InvariantCulture, out var amount))
        {
            return null;
        }
        amount *= match.Groups["mult"].Value.ToLowerInvariant() switch
        {
            "k" or "thousand" => 1_000m,
            "m" or "million" => 1_000_000m,
            "bn" or "billion" => 1_000_000_000m,
            "trillion" => 1_000_000_000_000m,
            _ => 1m,
        };
        return $"{currency} {amount.ToString("0.##", CultureInfo.InvariantCulture)}";
    }

    private static string? NormalizeNamedDate(Match match) =>
        match.Groups["y"].Success
            ? IsoOrNull(match.Groups["y"].Value, MonthNumber(match.Groups["mon"].Value).ToString("00", CultureInfo.InvariantCulture), match.Groups["d"].Value.PadLeft(2, '0'))
            : $"--{MonthNumber(match.Groups["mon"].Value):00}-{int.Parse(match.Groups["d"].Value, CultureInfo.InvariantCulture):00}";

    private static string? NormalizeSlashDate(Match match)
    {
        var a = int.Parse(match.Groups["a"].Value, CultureInfo.InvariantCulture);
        var b = int.Parse(match.Groups["b"].Value, CultureInfo.InvariantCulture);
        var year = match.Groups["y"].Value.Length == 2 ? "20" + match.Groups["y"].Value : match.Groups["y"].Value;
        // Month first (US) unless the first number cannot be a month.
        var (month, day) = a > 12 ? (b, a) : (a, b);
        return IsoOrNull(year, month.ToString("00", CultureInfo.InvariantCulture), day.ToString("00", CultureInfo.InvariantCulture));
    }

    private static string? IsoOrNull(string year, string month, string day) =>
        DateOnly.TryParseExact($"{year}-{month}-{day}", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
            ? date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)
            : null;

    private static int MonthNumber(string name) => name[..3].ToLowerInvariant() switch
    {
        "jan" => 1,
        "feb" => 2,
        "mar" => 3,
        "apr" => 4,
        "may" => 5,
        "jun" => 6,
        "jul" => 7,
        "aug" => 8,
        "sep" => 9,
        "oct" => 10,
        "nov" => 11,
        _ => 12,
    };

    private static string? NormalizeTime(Match match)
    {
        var value = match.Value.ToLowerInvariant();
        if (value == "noon")
        {
            return "12:00";
        }
        if (value == "midnight")
        {
            return "00:00";
        }
        var hour = int.Parse(match.Groups["h"].Value, CultureInfo.InvariantCulture);
        var minute = match.Groups["m"].Success ? int.Parse(match.Groups["m"].Value, CultureInfo.InvariantCulture) : 0;
        if (match.Groups["ap"].Success)
        {
            if (hour is < 1 or > 12)
            {
                return null;
            }
            var pm = match.Groups["ap"].Value.StartsWith("p", StringComparison.OrdinalIgnoreCase);
            hour = hour % 12 + (pm ? 12 : 0);
        }
        return $"{hour:00}:{minute:00}";
    }

    private static string Number(string value) =>
        decimal.TryParse(value.Replace(",", "", StringComparison.Ordinal), NumberStyles.Number, CultureInfo.InvariantCulture, out var number)
            ? number.ToString("0.####", CultureInfo.InvariantCulture)
            : value;
}
