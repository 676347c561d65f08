using System.Runtime.CompilerServices;
using System.Text.Json;
using Mindstack.Platform.Http;

namespace Mindstack.Platform.Ai;

/// <summary>
/// The <see cref="IAiEngine"/> modules get: each call is routed (<see cref="AiRouter"/>) to the
/// local or a remote engine and counted in the AI metrics.
/// </summary>
internal sealed class AiEngine(AiRouter router, AiMetrics metrics) : IAiEngine
{
    public Task<AiResult<AiCompletion>> CompleteAsync(IReadOnlyList<AiMessage> messages, AiCallOptions? options = null,
        CancellationToken cancellationToken = default) =>
        Call(AiOperation.Complete, options, (e, o) => e.CompleteAsync(messages, o, cancellationToken));

    public async IAsyncEnumerable<AiStreamEvent> StreamAsync(IReadOnlyList<AiMessage> messages, AiCallOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var (engine, route, routed) = router.Resolve(AiOperation.Complete, options);
        var events = engine.StreamAsync(messages, routed, cancellationToken).GetAsyncEnumerator(cancellationToken);
        try
        {
            while (true)
            {
                AiStreamEvent current;
                try
                {
                    if (!await events.MoveNextAsync())
                    {
                        yield break;
                    }
                    current = events.Current;
                }
                catch (Exception exception) when (exception is Problem or OperationCanceledException)
                {
                    metrics.Failed(AiOperation.Complete, route.Provider, exception);
                    throw;
                }
                if (current.Usage is { } usage)
                {
                    metrics.Succeeded(usage);
                }
                yield return current;
            }
        }
        finally
        {
            await events.DisposeAsync();
        }
    }

    public Task<AiResult<JsonElement>> StructuredAsync(IReadOnlyList<AiMessage> messages, JsonElement schema, string schemaName,
        AiCallOptions? options = null, CancellationToken cancellationToken = default) =>
        Call(AiOperation.Structured, options, (e, o) => e.StructuredAsync(messages, schema, schemaName, o, cancellationToken));

    public Task<AiResult<AiSummary>> SummarizeAsync(string text, int maxSentences = 3, AiCallOptions? options = null,
        CancellationToken cancellationToken = default) =>
        Call(AiOperation.Summarize, options, (e, o) => e.SummarizeAsync(text ?? "", maxSentences, o, cancellationToken));

    public Task<AiResult<AiKeyPoints>> KeyPointsAsync(string text, int maxPoints = 5, AiCallOptions? options = null,
        CancellationToken cancellationToken = default) =>
        Call(AiOperation.KeyPoints, options, (e, o) => e.KeyPointsAsync(text ?? "", maxPoints, o, cancellationToken));

    public Task<AiResult<AiSentiment>> SentimentAsync(string text, AiCallOptions? options = null, CancellationToken cancellationToken = default) =>
        Call(AiOperation.Sentiment, options, (e, o) => e.SentimentAsync(text ?? "", o, cancellationToken));

    public Task<AiResult<AiClassification>> ClassifyAsync(string text, IReadOnlyList<AiLabel> labels, AiCallOptions? options = null,
        CancellationToken cancellationToken = default) =>
        Call(AiOperation.Classify, options, (e, o) => e.ClassifyAsync(text ?? "", labels, o, cancellationToken));

    public Task<AiResult<AiEntities>> ExtractEntitiesAsync(string text, AiCallOptions? options = null, CancellationToken cancellationToken = default) =>
        Call(AiOperation.ExtractEntities, options, (e, o) => e.ExtractEntitiesAsync(text ?? "", o, cancellationToken));

    public Task<AiResult<AiModeration>> ModerateAsync(string text, AiCallOptions? options = null, CancellationToken cancellationToken = default) =>
        Call(AiOperation.Moderate, options, (e, o) => e.ModerateAsync(text ?? "", o, cancellationToken));

    public Task<AiResult<AiGeneratedTextVerdict>> DetectGeneratedAsync(string text, AiCallOptions? options = null,
        CancellationToken cancellationToken = default) =>
        Call(AiOperation.DetectGenerated, options, (e, o) => e.DetectGeneratedAsync(text ?? "", o, cancellationToken));

    public Task<AiResult<AiPlan>> PlanAsync(string goal, IReadOnlyList<string>? constraints = null, AiCallOptions? options = null,
        CancellationToken cancellationToken = default) =>
        Call(AiOperation.Plan, options, (e, o) => e.PlanAsync(goal, constraints, o, cancellationToken));

    public Task<AiResult<AiEmbeddings>> EmbedAsync(IReadOnlyList<string> texts, AiCallOptions? options = null, CancellationToken cancellationToken = default) =>
        Call(AiOperation.Embed, options, (e, o) => e.EmbedAsync(texts, o, cancellationToken));

    public Task<AiResult<AiTranslation>> TranslateAsync(string text, string targetLanguage, string? sourceLanguage = null,
        AiCallOptions? options = null, CancellationToken cancellationToken = default) =>
        Call(AiOperation.Translate, options, (e, o) => e.TranslateAsync(text ?? "", targetLanguage, sourceLanguage, o, cancellationToken));

    private async Task<AiResult<T>> Call<T>(AiOperation operation, AiCallOptions? options, Func<IAiEngine, AiCallOptions?, Task<AiResult<T>>> call)
    {
        var (engine, route, routed) = router.Resolve(operation, options);
        try
        {
            var result = await call(engine, routed);
            metrics.Succeeded(result.Usage);
            return result;
        }
        catch (Exception exception) when (exception is Problem or OperationCanceledException)
        {
            metrics.Failed(operation, route.Provider, exception);
            throw;
        }
    }
}
