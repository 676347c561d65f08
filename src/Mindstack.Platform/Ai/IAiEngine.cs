using System.Text.Json;

namespace Mindstack.Platform.Ai;

/// <summary>
/// The platform's AI engine: typed operations that modules call instead of writing prompts.
/// Which provider serves an operation (the built-in <c>mindstack-local</c> engine or a configured
/// OpenAI-compatible model) is decided by configuration and <see cref="AiCallOptions"/>; see
/// <see cref="IAiRouting"/>. Every result carries <see cref="AiUsage"/> for billing and logs.
/// Failures are <see cref="Http.Problem"/>s: <see cref="Http.ProblemKind.UpstreamFailed"/> when a
/// remote provider fails (after retries), <see cref="Http.ProblemKind.Unavailable"/> when the
/// serving engine cannot do the operation (translation on the local engine),
/// <see cref="Http.ProblemKind.Validation"/> for unusable input (no messages, no labels).
/// </summary>
public interface IAiEngine
{
    /// <summary>Chat messages → one reply.</summary>
    Task<AiResult<AiCompletion>> CompleteAsync(IReadOnlyList<AiMessage> messages, AiCallOptions? options = null,
        CancellationToken cancellationToken = default);

    /// <summary>
    /// Chat messages → the reply as it is produced. Text arrives in <see cref="AiStreamEvent.Delta"/>s;
    /// the last event has <see cref="AiStreamEvent.Usage"/> and a finish reason. A remote failure before
    /// the first event is retried; after it, it ends the stream with a Problem.
    /// </summary>
    IAsyncEnumerable<AiStreamEvent> StreamAsync(IReadOnlyList<AiMessage> messages, AiCallOptions? options = null,
        CancellationToken cancellationToken = default);

    /// <summary>
    /// Chat messages → a JSON value valid against <paramref name="schema"/> (a JSON Schema object).
    /// Output that is not valid JSON or not valid against the schema is retried once with the
    /// errors given back to the model; invalid twice → UpstreamFailed. See
    /// <see cref="AiStructuredExtensions.StructuredAsync{T}"/> for a typed result.
    /// </summary>
    Task<AiResult<JsonElement>> StructuredAsync(IReadOnlyList<AiMessage> messages, JsonElement schema, string schemaName,
        AiCallOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>A summary of at most <paramref name="maxSentences"/> sentences, in the text's language.</summary>
    Task<AiResult<AiSummary>> SummarizeAsync(string text, int maxSentences = 3, AiCallOptions? options = null,
        CancellationToken cancellationToken = default);

    /// <summary>The text's main points (at most <paramref name="maxPoints"/>) and its keywords.</summary>
    Task<AiResult<AiKeyPoints>> KeyPointsAsync(string text, int maxPoints = 5, AiCallOptions? options = null,
        CancellationToken cancellationToken = default);

    /// <summary>Positive, negative, neutral or mixed, with a score in [-1, 1].</summary>
    Task<AiResult<AiSentiment>> SentimentAsync(string text, AiCallOptions? options = null,
        CancellationToken cancellationToken = default);

    /// <summary>Which of <paramref name="labels"/> fits the text best, with a score for every label.</summary>
    Task<AiResult<AiClassification>> ClassifyAsync(string text, IReadOnlyList<AiLabel> labels, AiCallOptions? options = null,
        CancellationToken cancellationToken = default);

    /// <summary>People, organizations, places, emails, URLs, money, dates… with their positions in the text.</summary>
    Task<AiResult<AiEntities>> ExtractEntitiesAsync(string text, AiCallOptions? options = null,
        CancellationToken cancellationToken = default);

    /// <summary>A score in [0, 1] for each of <see cref="AiModeration.CategoryNames"/>, and which are flagged.</summary>
    Task<AiResult<AiModeration>> ModerateAsync(string text, AiCallOptions? options = null,
        CancellationToken cancellationToken = default);

    /// <summary>Was the text written by a language model: a verdict (with an honest "uncertain") and a confidence.</summary>
    Task<AiResult<AiGeneratedTextVerdict>> DetectGeneratedAsync(string text, AiCallOptions? options = null,
        CancellationToken cancellationToken = default);

    /// <summary>A goal → tasks with dependencies and estimates, honouring the constraints given.</summary>
    Task<AiResult<AiPlan>> PlanAsync(string goal, IReadOnlyList<string>? constraints = null, AiCallOptions? options = null,
        CancellationToken cancellationToken = default);

    /// <summary>One unit-length vector per text, all of the same dimension (compare with <see cref="AiVectors.Cosine"/>).</summary>
    Task<AiResult<AiEmbeddings>> EmbedAsync(IReadOnlyList<string> texts, AiCallOptions? options = null,
        CancellationToken cancellationToken = default);

    /// <summary>
    /// The text in <paramref name="targetLanguage"/> (a language code or name). The local engine cannot
    /// translate and says so with an Unavailable problem (<see cref="AiProblems.TranslationUnavailable"/>).
    /// </summary>
    Task<AiResult<AiTranslation>> TranslateAsync(string text, string targetLanguage, string? sourceLanguage = null,
        AiCallOptions? options = null, CancellationToken cancellationToken = default);
}

/// <summary>The engine's operations, as named in configuration (<c>Mindstack:Ai:Models:&lt;Operation&gt;</c>).</summary>
public enum AiOperation
{
    Complete,
    Structured,
    Summarize,
    KeyPoints,
    Sentiment,
    Classify,
    ExtractEntities,
    Moderate,
    DetectGenerated,
    Plan,
    Embed,
    Translate,
}
