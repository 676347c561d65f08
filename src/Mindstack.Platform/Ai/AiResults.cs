namespace Mindstack.Platform.Ai;

/// <summary>
/// A summary. <see cref="SentenceIndexes"/> are the input sentences an extractive summary kept
/// (empty for a remote model's abstractive summary). <see cref="Language"/> is an ISO 639-1 code
/// or <c>und</c> when not recognised.
/// </summary>
public sealed record AiSummary(string Text, string Language, IReadOnlyList<int> SentenceIndexes, int SourceSentences);

/// <summary>The main points (sentences or short statements, in reading order) and keywords (most relevant first).</summary>
public sealed record AiKeyPoints(IReadOnlyList<string> Points, IReadOnlyList<string> Keywords);

/// <summary>
/// A sentiment: <see cref="Label"/> is <c>positive</c>, <c>negative</c>, <c>neutral</c> or
/// <c>mixed</c>; <see cref="Score"/> in [-1, 1]; <see cref="Confidence"/> in [0, 1];
/// <see cref="Positive"/>/<see cref="Negative"/>/<see cref="Neutral"/> are shares summing to 1.
/// </summary>
public sealed record AiSentiment(
    string Label,
    double Score,
    double Confidence,
    double Positive,
    double Negative,
    double Neutral,
    IReadOnlyList<AiSentenceSentiment> Sentences)
{
    public const string PositiveLabel = "positive";
    public const string NegativeLabel = "negative";
    public const string NeutralLabel = "neutral";
    public const string MixedLabel = "mixed";
}

/// <summary>One sentence's sentiment score in [-1, 1] (local engine only).</summary>
public sealed record AiSentenceSentiment(string Text, double Score);

/// <summary>A label to classify into; the description (optional) says what belongs there.</summary>
public sealed record AiLabel(string Name, string? Description = null)
{
    public static implicit operator AiLabel(string name) => new(name);

    public static IReadOnlyList<AiLabel> Of(params string[] names) => [.. names.Select(n => new AiLabel(n))];
}

/// <summary>The best label, its confidence, and a score for every label (summing to 1, best first).</summary>
public sealed record AiClassification(string Label, double Confidence, IReadOnlyList<AiLabelScore> Scores);

public sealed record AiLabelScore(string Label, double Score);

/// <summary>Entities in order of appearance.</summary>
public sealed record AiEntities(IReadOnlyList<AiEntity> Items)
{
    public IEnumerable<AiEntity> OfType(string type) => Items.Where(e => e.Type == type);
}

/// <summary>
/// An entity: its text as written, its <see cref="Type"/> (one of <see cref="AiEntityTypes"/>), where
/// it starts in the input and how long it is (-1 when a remote model named text not found verbatim),
/// a normalized value where one exists (ISO date, <c>USD 1200.50</c>, lower-case email…), and a confidence.
/// </summary>
public sealed record AiEntity(string Text, string Type, int Start, int Length, string? Normalized, double Confidence);

/// <summary>The entity types the engine names.</summary>
public static class AiEntityTypes
{
    public const string Person = "person";
    public const string Organization = "organization";
    public const string Location = "location";
    public const string Email = "email";
    public const string Url = "url";
    public const string Money = "money";
    public const string Date = "date";
    public const string Time = "time";
    public const string Percent = "percent";
    public const string Phone = "phone";
    public const string Number = "number";
    public const string Hashtag = "hashtag";
    public const string Mention = "mention";
    public const string Misc = "misc";

    public static IReadOnlyList<string> All { get; } =
        [Person, Organization, Location, Email, Url, Money, Date, Time, Percent, Phone, Number, Hashtag, Mention, Misc];
}

/// <summary>
/// Moderation: a score in [0, 1] for every category of <see cref="CategoryNames"/>; a category is
/// flagged at <see cref="Threshold"/> or above. <see cref="Matches"/> says what triggered each
/// score (local engine; empty for a remote model).
/// </summary>
public sealed record AiModeration(
    bool Flagged,
    IReadOnlyDictionary<string, double> Categories,
    IReadOnlyList<string> FlaggedCategories,
    IReadOnlyList<AiModerationMatch> Matches)
{
    public const double Threshold = 0.5;

    public static IReadOnlyList<string> CategoryNames { get; } = ["harassment", "hate", "sexual", "violence", "self-harm", "spam"];
}

/// <summary>A term, phrase or signal that raised a moderation category.</summary>
public sealed record AiModerationMatch(string Category, string Term, double Weight);

/// <summary>
/// Generated-text detection: <see cref="Verdict"/> is <c>ai_generated</c>, <c>human</c> or
/// <c>uncertain</c> (short or ambiguous text); <see cref="Probability"/> is the estimated chance
/// the text is model-generated; <see cref="Confidence"/> is the confidence in the verdict;
/// <see cref="Features"/> are the measurements behind it.
/// </summary>
public sealed record AiGeneratedTextVerdict(
    string Verdict,
    double Confidence,
    double Probability,
    IReadOnlyDictionary<string, double> Features)
{
    public const string AiGenerated = "ai_generated";
    public const string Human = "human";
    public const string Uncertain = "uncertain";
}

/// <summary>
/// A plan: the goal's main intent (<see cref="AiIntents"/>), every intent found in order, tasks
/// (a DAG by <see cref="AiPlanTask.DependsOn"/>), the sum of estimates and the longest dependency
/// chain, and the constraints as understood.
/// </summary>
public sealed record AiPlan(
    string Goal,
    string Intent,
    IReadOnlyList<string> Intents,
    IReadOnlyList<AiPlanTask> Tasks,
    int TotalEstimateMinutes,
    int CriticalPathMinutes,
    IReadOnlyList<AiPlanConstraint> Constraints);

/// <summary>
/// One task: id (<c>t1</c>…), title, description, the intent it serves, the ids it waits for, an
/// estimate in minutes and the kind of tool it needs (<c>web_search</c>, <c>docs</c>, <c>calendar</c>,
/// <c>email</c>, <c>code</c>, <c>data</c>, <c>notes</c>).
/// </summary>
public sealed record AiPlanTask(
    string Id,
    string Title,
    string Description,
    string Intent,
    IReadOnlyList<string> DependsOn,
    int EstimateMinutes,
    string Capability);

/// <summary>A constraint: its text and kind (<c>deadline</c>, <c>budget</c>, <c>limit</c>, <c>scope</c>, <c>other</c>).</summary>
public sealed record AiPlanConstraint(string Text, string Kind);

/// <summary>The intents the planner and intent routing know.</summary>
public static class AiIntents
{
    public const string Research = "research";
    public const string Write = "write";
    public const string Schedule = "schedule";
    public const string Summarize = "summarize";
    public const string Plan = "plan";
    public const string Code = "code";
    public const string Analyze = "analyze";

    public static IReadOnlyList<string> All { get; } = [Research, Write, Schedule, Summarize, Plan, Code, Analyze];

    /// <summary>The intents as classification labels with descriptions (for <see cref="IAiEngine.ClassifyAsync"/>).</summary>
    public static IReadOnlyList<AiLabel> Labels { get; } =
    [
        new(Research, "find out, investigate, look into, compare sources and gather information"),
        new(Write, "write, draft or compose a document, post, article, email or report"),
        new(Schedule, "schedule, book or arrange a meeting, call, event, reminder on the calendar"),
        new(Summarize, "summarize, recap or condense a document, thread, meeting or inbox"),
        new(Plan, "plan, organize or prepare a project, trip, launch, roadmap or strategy"),
        new(Code, "write, fix, build, deploy or refactor software, code, scripts, APIs"),
        new(Analyze, "analyze, evaluate or measure data, metrics, trends, performance or results"),
    ];
}

/// <summary>Vectors for the texts, in order, each of <see cref="Dimensions"/> floats and unit length.</summary>
public sealed record AiEmbeddings(IReadOnlyList<float[]> Vectors, int Dimensions);

/// <summary>A translation with the languages as understood.</summary>
public sealed record AiTranslation(string Text, string SourceLanguage, string TargetLanguage);
