using Mindstack.Platform.Ai.Text;

namespace Mindstack.Platform.Ai.Local;

/// <summary>
/// One text's analyses by the local engine, each computed on first use and kept: what the chat
/// composer and the structured-output filler draw from.
/// </summary>
internal sealed class TextAnalysis(string text)
{
    private TextRank? _rank;
    private AiSummary? _summary;
    private List<string>? _points;
    private List<string>? _keywords;
    private AiSentiment? _sentiment;
    private AiEntities? _entities;
    private AiModeration? _moderation;
    private AiGeneratedTextVerdict? _generated;
    private AiPlan? _plan;

    public string Text { get; } = text;

    public TextRank Rank => _rank ??= TextRank.Analyze(Text);

    public string Language => Rank.Language;

    public int WordCount => TextTokens.LowerWords(Text).Count;

    public AiSummary Summary => _summary ??= Summarize(Rank, Text, 3);

    public List<string> KeyPoints => _points ??= Points(Rank, 5);

    public List<string> Keywords => _keywords ??= Local.Keywords.Extract(Text, 8);

    public AiSentiment Sentiment => _sentiment ??= SentimentAnalyzer.Analyze(Text);

    public AiEntities Entities => _entities ??= EntityExtractor.Extract(Text);

    public AiModeration Moderation => _moderation ??= Moderator.Moderate(Text);

    public AiGeneratedTextVerdict Generated => _generated ??= GeneratedTextDetector.Detect(Text);

    public AiPlan Plan => _plan ??= Planner.Plan(Text, []);

    public static AiSummary Summarize(TextRank rank, string text, int maxSentences)
    {
        if (rank.Sentences.Count == 0)
        {
            return new AiSummary("", rank.Language, [], 0);
        }
        if (rank.Sentences.Count <= 1)
        {
            return new AiSummary(rank.Sentences[0].Text, rank.Language, [0], 1);
        }
        var chosen = rank.Top(rank.SummaryLength(maxSentences), redundancy: 0.75);
        return new AiSummary(string.Join(' ', chosen.Select(s => EndWithStop(s.Text))), rank.Language,
            [.. chosen.Select(s => s.Index)], rank.Sentences.Count);
    }

    public static List<string> Points(TextRank rank, int maxPoints) =>
        [.. rank.Top(Math.Max(1, maxPoints), redundancy: 0.5).Select(s => EndWithStop(s.Text))];

    private static string EndWithStop(string sentence) =>
        sentence.Length > 0 && char.IsLetterOrDigit(sentence[^1]) ? sentence + "." : sentence;
}
