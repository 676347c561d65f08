using System.Globalization;
using Mindstack.Platform.Ai;

namespace Mindstack.PluginMind.Processing;

/// <summary>Which engine did a step: the role's name, the provider that served it and its model.</summary>
internal sealed record ServiceUsed(string Name, string Provider, string Model);

/// <summary>One finished analysis, in the shape <c>/process</c> answers.</summary>
internal sealed record AnalysisOutcome(
    string AnalysisType,
    string OptimizedPrompt,
    string AnalysisResult,
    string SystemPrompt,
    ServiceUsed PromptOptimizer,
    ServiceUsed Analyzer,
    IReadOnlyDictionary<string, object?> Metadata);

/// <summary>
/// Runs one analysis through the platform AI engine in two steps, as the original did: a prompt
/// optimisation step (a language model rewrites the input into a better prompt; the offline
/// engine, which cannot rewrite, frames it with the task and its own keywords), then the analysis
/// proper with the type's system prompt. <c>seo</c> adds metrics it computes itself; <c>crypto</c>
/// adds prices from the configured source and says plainly when there is none. Engine failures
/// are the engine's problems (502 <c>AI_SERVICE_ERROR</c> for a failing provider); nothing here
/// touches the database, so a caller can charge and log around it.
/// </summary>
internal sealed class AnalysisService(IAiEngine ai, IAiRouting routing, ICryptoPriceSource prices, TimeProvider clock)
{
    public async Task<AnalysisOutcome> RunAsync(string input, string type, CancellationToken ct)
    {
        var started = clock.GetTimestamp();
        var (optimized, optimizerUsage) = await OptimizeAsync(input, type, ct);

        var systemPrompt = AnalysisPrompts.SystemPrompt(type);
        var metadata = new Dictionary<string, object?>(StringComparer.Ordinal);
        var context = "";
        string? preface = null;
        if (type == "seo")
        {
            var report = SeoMetrics.Analyze(input);
            metadata["seo_metrics"] = report;
            context = string.Create(CultureInfo.InvariantCulture,
                $"\n\nMeasured metrics: {report.WordCount} words, {report.SentenceCount} sentences, Flesch reading ease {report.ReadingEase} ({report.ReadingLevel}), " +
                $"top keywords {string.Join(", ", report.KeywordDensity.Select(k => $"{k.Keyword} {k.Density}%"))}.");
        }
        else if (type == "crypto")
        {
            var (line, cryptoMetadata) = await PricesAsync(input, ct);
            metadata["crypto"] = cryptoMetadata;
            context = "\n\n" + line;
            preface = line;
        }

        var analysis = await ai.CompleteAsync([AiMessage.System(systemPrompt + context), AiMessage.User(optimized)],
            new AiCallOptions { Temperature = 0.3 }, ct);
        var text = analysis.Value.Text.Trim();
        if (preface is not null)
        {
            // The offline engine does not repeat the prices it was given; the reader must see them either way.
            text = preface + "\n\n" + text;
        }

        metadata["input_length"] = input.Length;
        metadata["processing_time_ms"] = (long)clock.GetElapsedTime(started).TotalMilliseconds;
        metadata["tokens"] = new
        {
            input = optimizerUsage.InputTokens + analysis.Usage.InputTokens,
            output = optimizerUsage.OutputTokens + analysis.Usage.OutputTokens,
            estimated = optimizerUsage.Estimated || analysis.Usage.Estimated,
        };
        metadata["timestamp"] = clock.GetUtcNow().UtcDateTime;
        return new AnalysisOutcome(type, optimized, text, systemPrompt,
            new ServiceUsed("prompt_optimizer", optimizerUsage.Provider, optimizerUsage.Model),
            new ServiceUsed(type + "_analyzer", analysis.Usage.Provider, analysis.Usage.Model),
            metadata);
    }

    private async Task<(string Prompt, AiUsage Usage)> OptimizeAsync(string input, string type, CancellationToken ct)
    {
        if (routing.Describe()[AiOperation.Complete].Remote)
        {
            var rewrite = await ai.CompleteAsync([AiMessage.System(AnalysisPrompts.OptimizerSystemPrompt(type)), AiMessage.User(input)],
                new AiCallOptions { Temperature = 0.2, MaxOutputTokens = 800 }, ct);
            var prompt = rewrite.Value.Text.Trim();
            return (prompt.Length > 0 ? prompt : input, rewrite.Usage);
        }
        // The offline engine has no language model to rewrite with: its keywords focus the task instead.
        var keyPoints = await ai.KeyPointsAsync(input, 3, null, ct);
        return (AnalysisPrompts.Frame(type, input, keyPoints.Value.Keywords), keyPoints.Usage);
    }

    private async Task<(string Line, object Metadata)> PricesAsync(string input, CancellationToken ct)
    {
        var source = prices.Name;
        if (source is null)
        {
            return ("No live price source is configured, so this analysis uses no current market prices.",
                new { price_source = (string?)null, live_prices = false, prices = Array.Empty<object>() });
        }
        var quotes = await prices.GetPricesAsync(HttpCryptoPriceSource.AssetsIn(input), ct);
        if (quotes.Count == 0)
        {
            return ($"The live price source ({source}) returned no prices, so this analysis uses no current market prices.",
                new { price_source = source, live_prices = false, prices = Array.Empty<object>() });
        }
        var line = $"Live prices from {source}: " +
            string.Join(", ", quotes.Select(q => string.Create(CultureInfo.InvariantCulture, $"{q.Asset} ${q.Usd:#,0.########} USD"))) + ".";
        return (line, new { price_source = source, live_prices = true, prices = quotes.Select(q => new { asset = q.Asset, usd = q.Usd }) });
    }
}
