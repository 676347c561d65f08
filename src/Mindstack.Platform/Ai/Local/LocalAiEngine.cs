using System.Runtime.CompilerServices;
using System.Text.Json;
using Mindstack.Platform.Ai.Json;
using Mindstack.Platform.Ai.Text;
using Mindstack.Platform.Http;

namespace Mindstack.Platform.Ai.Local;

/// <summary>The local engine's model names, one per algorithm, as usage and health report them.</summary>
internal static class LocalModels
{
    public const string Composer = "analysis-composer-1";
    public const string TextRank = "textrank-1";
    public const string Sentiment = "lexicon-sentiment-1";
    public const string Classifier = "keyword-embedding-classifier-1";
    public const string Entities = "pattern-gazetteer-ner-1";
    public const string Moderation = "term-list-moderation-1";
    public const string Stylometry = "stylometry-detector-1";
    public const string Planner = "intent-template-planner-1";
    public const string Embedding = "hash-ngram-embed-384";
    public const string None = "none";

    public static string For(AiOperation operation) => operation switch
    {
        AiOperation.Complete or AiOperation.Structured => Composer,
        AiOperation.Summarize or AiOperation.KeyPoints => TextRank,
        AiOperation.Sentiment => Sentiment,
        AiOperation.Classify => Classifier,
        AiOperation.ExtractEntities => Entities,
        AiOperation.Moderate => Moderation,
        AiOperation.DetectGenerated => Stylometry,
        AiOperation.Plan => Planner,
        AiOperation.Embed => Embedding,
        AiOperation.Translate => None,
        _ => throw new ArgumentOutOfRangeException(nameof(operation), operation, null),
    };
}

/// <summary>
/// The built-in engine (<c>mindstack-local</c>): deterministic algorithms and, for embeddings, a
/// small sentence-embedding model shipped in a package; no network. Call options are accepted and ignored (there is no model or temperature to choose).
/// Token counts are Mindstack's estimate.
/// </summary>
internal sealed class LocalAiEngine(TimeProvider clock, SentenceEmbedder embedder) : IAiEngine
{
    /// <summary>The model <see cref="EmbedAsync"/> uses on this node (MiniLM, or the hashed fallback).</summary>
    public string EmbeddingModel => embedder.Model;

    /// <summary>The embedding model's load state, for <c>/health</c>.</summary>
    public string EmbeddingModelState => embedder.State;

    public Task<AiResult<AiCompletion>> CompleteAsync(IReadOnlyList<AiMessage> messages, AiCallOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        AiInput.RequireMessages(messages);
        return Run(AiOperation.Complete, Joined(messages), () => new AiCompletion(ChatComposer.Reply(messages), "stop"), c => c.Text);
    }

    public async IAsyncEnumerable<AiStreamEvent> StreamAsync(IReadOnlyList<AiMessage> messages, AiCallOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var result = await CompleteAsync(messages, options, cancellationToken);
        // The reply exists whole; it is streamed a few words at a time, as a model's would be.
        var text = result.Value.Text;
        var start = 0;
        var words = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] is ' ' or '\n' && ++words % 4 == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                yield return new AiStreamEvent(text[start..(i + 1)]);
                start = i + 1;
            }
        }
        yield return new AiStreamEvent(text[start..], result.Value.FinishReason, result.Usage);
    }

    public Task<AiResult<JsonElement>> StructuredAsync(IReadOnlyList<AiMessage> messages, JsonElement schema, string schemaName,
        AiCallOptions? options = null, CancellationToken cancellationToken = default)
    {
        AiInput.RequireMessages(messages);
        var users = messages.Where(m => m.Role == AiRole.User).Select(m => m.Content).ToList();
        var text = string.Join("\n\n", users.Count > 0 ? users : messages.Select(m => m.Content));
        return Run(AiOperation.Structured, Joined(messages), () =>
        {
            var value = StructuredJson.ToElement(StructuredFiller.Fill(text, schema));
            var errors = JsonSchemaValidator.Validate(value, schema);
            return errors.Count == 0 ? value : throw AiProblems.SchemaUnsatisfiable(schemaName, errors);
        }, v => v.GetRawText());
    }

    public Task<AiResult<AiSummary>> SummarizeAsync(string text, int maxSentences = 3, AiCallOptions? options = null,
        CancellationToken cancellationToken = default) =>
        Run(AiOperation.Summarize, text, () => TextAnalysis.Summarize(TextRank.Analyze(text), text, maxSentences), s => s.Text);

    public Task<AiResult<AiKeyPoints>> KeyPointsAsync(string text, int maxPoints = 5, AiCallOptions? options = null,
        CancellationToken cancellationToken = default) =>
        Run(AiOperation.KeyPoints, text, () => new AiKeyPoints(TextAnalysis.Points(TextRank.Analyze(text), maxPoints), Keywords.Extract(text, 8)),
            k => string.Join('\n', k.Points.Concat(k.Keywords)));

    public Task<AiResult<AiSentiment>> SentimentAsync(string text, AiCallOptions? options = null, CancellationToken cancellationToken = default) =>
        Run(AiOperation.Sentiment, text, () => SentimentAnalyzer.Analyze(text), _ => null);

    public Task<AiResult<AiClassification>> ClassifyAsync(string text, IReadOnlyList<AiLabel> labels, AiCallOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        AiInput.RequireLabels(labels);
        return Run(AiOperation.Classify, text + " " + string.Join(' ', labels.Select(l => l.Name + " " + l.Description)), () => Classifier.Classify(text, labels), _ => null);
    }

    public Task<AiResult<AiEntities>> ExtractEntitiesAsync(string text, AiCallOptions? options = null, CancellationToken cancellationToken = default) =>
        Run(AiOperation.ExtractEntities, text, () => EntityExtractor.Extract(text), _ => null);

    public Task<AiResult<AiModeration>> ModerateAsync(string text, AiCallOptions? options = null, CancellationToken cancellationToken = default) =>
        Run(AiOperation.Moderate, text, () => Moderator.Moderate(text), _ => null);

    public Task<AiResult<AiGeneratedTextVerdict>> DetectGeneratedAsync(string text, AiCallOptions? options = null,
        CancellationToken cancellationToken = default) =>
        Run(AiOperation.DetectGenerated, text, () => GeneratedTextDetector.Detect(text), _ => null);

    public Task<AiResult<AiPlan>> PlanAsync(string goal, IReadOnlyList<string>? constraints = null, AiCallOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        AiInput.RequireText(goal, "goal");
        return Run(AiOperation.Plan, goal + " " + string.Join(' ', constraints ?? []), () => Planner.Plan(goal, constraints ?? []),
            p => string.Join('\n', p.Tasks.Select(t => t.Title + " " + t.Description)));
    }

    public Task<AiResult<AiEmbeddings>> EmbedAsync(IReadOnlyList<string> texts, AiCallOptions? options = null, CancellationToken cancellationToken = default) =>
        Run(AiOperation.Embed, string.Join('\n', texts), () => new AiEmbeddings(embedder.Embed(texts, cancellationToken), SentenceEmbedder.Dimensions), _ => null);

    public Task<AiResult<AiTranslation>> TranslateAsync(string text, string targetLanguage, string? sourceLanguage = null,
        AiCallOptions? options = null, CancellationToken cancellationToken = default) =>
        throw AiProblems.TranslationUnavailable();

    private Task<AiResult<T>> Run<T>(AiOperation operation, string input, Func<T> work, Func<T, string?> output)
    {
        var started = clock.GetTimestamp();
        var value = work();
        var model = operation == AiOperation.Embed ? embedder.Model : LocalModels.For(operation);
        var usage = new AiUsage(operation, AiProviders.Local, model,
            TextTokens.EstimateTokens(input), TextTokens.EstimateTokens(output(value)), clock.GetElapsedTime(started), Estimated: true);
        return Task.FromResult(new AiResult<T>(value, usage));
    }

    private static string Joined(IReadOnlyList<AiMessage> messages) => string.Join('\n', messages.Select(m => m.Content));
}

/// <summary>Input checks every engine applies the same way.</summary>
internal static class AiInput
{
    public static void RequireMessages(IReadOnlyList<AiMessage> messages)
    {
        if (messages.Count == 0 || messages.All(m => string.IsNullOrWhiteSpace(m.Content)))
        {
            throw Problem.Invalid("messages", "At least one message with content is required.");
        }
    }

    public static void RequireLabels(IReadOnlyList<AiLabel> labels)
    {
        if (labels.Count == 0 || labels.Any(l => string.IsNullOrWhiteSpace(l.Name)))
        {
            throw Problem.Invalid("labels", "At least one label, each with a name, is required.");
        }
        if (labels.Select(l => l.Name).Distinct(StringComparer.Ordinal).Count() != labels.Count)
        {
            throw Problem.Invalid("labels", "Labels must be distinct.");
        }
    }

    public static void RequireText(string? text, string field)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw Problem.Invalid(field, $"The {field} must not be empty.");
        }
    }
}
