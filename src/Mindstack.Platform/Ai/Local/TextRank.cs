using Mindstack.Platform.Ai.Text;

namespace Mindstack.Platform.Ai.Local;

/// <summary>
/// Extractive summaries and key points: sentences are TF-IDF vectors (stemmed, stop words out,
/// in the detected language); TextRank (PageRank over their cosine-similarity graph) finds the
/// central ones; a lead bonus favours the opening (news writing puts the point first) and very
/// short or very long sentences are damped. Chosen sentences are kept in reading order and
/// near-duplicates are skipped.
/// </summary>
internal sealed partial class TextRank
{
    private const double Damping = 0.85;

    private TextRank(List<Sentence> sentences, string language, double[] scores, List<Dictionary<string, double>> vectors)
    {
        Sentences = sentences;
        Language = language;
        Scores = scores;
        Vectors = vectors;
    }

    public List<Sentence> Sentences { get; }

    public string Language { get; }

    /// <summary>Each sentence's final score (centrality × lead × length).</summary>
    public double[] Scores { get; }

    private List<Dictionary<string, double>> Vectors { get; }

    [System.Text.RegularExpressions.GeneratedRegex(@"^[\p{L}][\p{L}\- ]{0,24}:\s", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex LabelPrefix();

    [System.Text.RegularExpressions.GeneratedRegex(@"\b(?:decided|decision|agreed|will|must|need to|concluded|approved|announced|deadline|action)\b", System.Text.RegularExpressions.RegexOptions.CultureInvariant | System.Text.RegularExpressions.RegexOptions.IgnoreCase)]
    private static partial System.Text.RegularExpressions.Regex Cue();

    public static TextRank Analyze(string text)
    {
        var sentences = Text.Sentences.Split(text);
        var language = Languages.Detect(TextTokens.LowerWords(text));
        var stopWords = Languages.StopWordsOf(language);
        var terms = sentences.Select(s => TermsOf(s.Text, language, stopWords)).ToList();
        var documentFrequency = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var sentenceTerms in terms)
        {
            foreach (var term in sentenceTerms.Keys)
            {
                documentFrequency[term] = documentFrequency.GetValueOrDefault(term) + 1;
            }
        }
        var n = sentences.Count;
        var vectors = terms.Select(t => Weigh(t, documentFrequency, n)).ToList();
        var centrality = PageRank(vectors);
        // Centrality favours sentences that repeat the others; a little weight on how much distinct
        // content a sentence carries (its TF-IDF mass) keeps a lone but substantial point in.
        var content = vectors.Select(v => v.Count == 0 ? 0 : v.Values.Sum() / Math.Sqrt(v.Count)).ToArray();
        var maxCentrality = centrality.DefaultIfEmpty(0).Max();
        var maxContent = content.DefaultIfEmpty(0).Max();
        var scores = new double[n];
        for (var i = 0; i < n; i++)
        {
            var words = terms[i].Values.Sum();
            var lead = 1 + 0.35 * Math.Pow(1 - (double)i / Math.Max(1, n), 3);
            var length = words switch
            {
                0 => 0.0,
                <= 2 => 0.35,
                <= 4 => 0.7,
                <= 40 => 1.0,
                _ => 40.0 / words,
            };
            // A line ending in ":" introduces a list ("Action items:"); it is not a point itself. A
            // labelled line ("Attendees: …") is a record more than a point. Decisions and
            // commitments ("decided", "will", "agreed") are what readers of notes look for.
            var line = sentences[i].Text;
            var heading = line.EndsWith(':') ? 0.3 : LabelPrefix().IsMatch(line) ? 0.5 : 1.0;
            // A short unpunctuated first line is a title ("Weekly product sync — March 4").
            if (i == 0 && n >= 3 && words <= 8 && char.IsLetterOrDigit(line[^1]))
            {
                heading = 0.5;
            }
            var cue = Cue().IsMatch(line) ? 1.2 : 1.0;
            var merit = 0.7 * (maxCentrality > 0 ? centrality[i] / maxCentrality : 0) + 0.3 * (maxContent > 0 ? content[i] / maxContent : 0);
            scores[i] = merit * lead * length * heading * cue;
        }
        return new TextRank(sentences, language, scores, vectors);
    }

    /// <summary>
    /// The best <paramref name="count"/> sentences (never near-duplicates: cosine above
    /// <paramref name="redundancy"/> to one already chosen), in reading order.
    /// </summary>
    public List<Sentence> Top(int count, double redundancy)
    {
        var chosen = new List<int>();
        foreach (var index in Enumerable.Range(0, Sentences.Count).OrderByDescending(i => Scores[i]).ThenBy(i => i))
        {
            if (chosen.Count >= count)
            {
                break;
            }
            if (Scores[index] <= 0 || chosen.Any(c => Cosine(Vectors[c], Vectors[index]) > redundancy))
            {
                continue;
            }
            chosen.Add(index);
        }
        return [.. chosen.Order().Select(i => Sentences[i])];
    }

    /// <summary>How many sentences a summary of this text should keep, at most <paramref name="maxSentences"/>.</summary>
    public int SummaryLength(int maxSentences) =>
        Math.Clamp((int)Math.Ceiling(Sentences.Count / 3.0), 1, Math.Max(1, maxSentences));

    private static Dictionary<string, int> TermsOf(string sentence, string language, HashSet<string> stopWords)
    {
        var terms = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var word in TextTokens.LowerWords(sentence))
        {
            if (stopWords.Contains(word) || (word.Length == 1 && !char.IsDigit(word[0])))
            {
                continue;
            }
            var stem = TextTokens.Stem(word, language);
            terms[stem] = terms.GetValueOrDefault(stem) + 1;
        }
        return terms;
    }

    private static Dictionary<string, double> Weigh(Dictionary<string, int> terms, Dictionary<string, int> documentFrequency, int n)
    {
        var vector = new Dictionary<string, double>(terms.Count, StringComparer.Ordinal);
        foreach (var (term, count) in terms)
        {
            vector[term] = (1 + Math.Log(count)) * Math.Log(1 + (double)n / documentFrequency[term]);
        }
        return vector;
    }

    // Above this many sentences the similarity graph (n² cells) costs too much: centrality is then
    // the similarity to the whole text's centroid, which ranks alike at a linear cost.
    private const int MaxGraphSentences = 300;

    private static double[] PageRank(List<Dictionary<string, double>> vectors)
    {
        var n = vectors.Count;
        var rank = new double[n];
        if (n == 0)
        {
            return rank;
        }
        if (n > MaxGraphSentences)
        {
            var centroid = new Dictionary<string, double>(StringComparer.Ordinal);
            foreach (var vector in vectors)
            {
                foreach (var (term, weight) in vector)
                {
                    centroid[term] = centroid.GetValueOrDefault(term) + weight;
                }
            }
            for (var i = 0; i < n; i++)
            {
                rank[i] = Cosine(vectors[i], centroid) + 1e-6;
            }
            return rank;
        }
        var weights = new double[n, n];
        var outSum = new double[n];
        for (var i = 0; i < n; i++)
        {
            for (var j = i + 1; j < n; j++)
            {
                var similarity = Cosine(vectors[i], vectors[j]);
                weights[i, j] = weights[j, i] = similarity;
                outSum[i] += similarity;
                outSum[j] += similarity;
            }
        }
        Array.Fill(rank, 1.0 / n);
        var next = new double[n];
        for (var iteration = 0; iteration < 50; iteration++)
        {
            var delta = 0.0;
            for (var i = 0; i < n; i++)
            {
                var sum = 0.0;
                for (var j = 0; j < n; j++)
                {
                    if (outSum[j] > 0 && weights[j, i] > 0)
                    {
                        sum += weights[j, i] / outSum[j] * rank[j];
                    }
                }
                next[i] = (1 - Damping) / n + Damping * sum;
                delta += Math.Abs(next[i] - rank[i]);
            }
            (rank, next) = (next, rank);
            if (delta < 1e-7)
            {
                break;
            }
        }
        return rank;
    }

    public static double Cosine(Dictionary<string, double> a, Dictionary<string, double> b)
    {
        if (a.Count == 0 || b.Count == 0)
        {
            return 0;
        }
        var (small, large) = a.Count <= b.Count ? (a, b) : (b, a);
        double dot = 0;
        foreach (var (term, weight) in small)
        {
            if (large.TryGetValue(term, out var other))
            {
                dot += weight * other;
            }
        }
        if (dot == 0)
        {
            return 0;
        }
        return dot / (Norm(a) * Norm(b));
    }

    private static double Norm(Dictionary<string, double> vector)
    {
        double sum = 0;
        foreach (var value in vector.Values)
        {
            sum += value * value;
        }
        return Math.Sqrt(sum);
    }
}
