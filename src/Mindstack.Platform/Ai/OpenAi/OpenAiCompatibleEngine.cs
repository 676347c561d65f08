using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using Mindstack.Platform.Ai.Json;
using Mindstack.Platform.Ai.Local;
using Mindstack.Platform.Ai.Text;

namespace Mindstack.Platform.Ai.OpenAi;

/// <summary>
/// The engine on an OpenAI-compatible server (OpenAI, Ollama, vLLM, llama.cpp…), spoken through
/// Microsoft.Extensions.AI's <see cref="IChatClient"/> and <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/>:
/// chat (streamed when asked), JSON-schema structured output (validated here and retried once with
/// the errors) on which every typed operation is built, and embeddings. The model comes from
/// <see cref="AiCallOptions.Model"/>, which the router always sets.
/// </summary>
internal sealed class OpenAiCompatibleEngine(OpenAiClient client, TimeProvider clock) : IAiEngine
{
    private string Provider => client.Endpoint.Name;

    public async Task<AiResult<AiCompletion>> CompleteAsync(IReadOnlyList<AiMessage> messages, AiCallOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        AiInput.RequireMessages(messages);
        var (text, finish, usage) = await ChatAsync(AiOperation.Complete, messages, options, null, cancellationToken);
        return new AiResult<AiCompletion>(new AiCompletion(text, finish), usage);
    }

    public async IAsyncEnumerable<AiStreamEvent> StreamAsync(IReadOnlyList<AiMessage> messages, AiCallOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        AiInput.RequireMessages(messages);
        var model = ModelOf(options);
        var started = clock.GetTimestamp();
        var text = new StringBuilder();
        string? finish = null;
        int? prompt = null, completion = null;
        var served = model;
        await foreach (var update in client.StreamAsync(ChatMessages(messages), ChatOptionsOf(options, null), AiOperation.Complete, model, cancellationToken))
        {
            finish = update.FinishReason?.Value ?? finish;
            served = update.ModelId ?? served;
            foreach (var usageContent in update.Contents.OfType<UsageContent>())
            {
                prompt = (int?)usageContent.Details.InputTokenCount ?? prompt;
                completion = (int?)usageContent.Details.OutputTokenCount ?? completion;
            }
            var delta = update.Text;
            if (!string.IsNullOrEmpty(delta))
            {
                text.Append(delta);
                yield return new AiStreamEvent(delta);
            }
        }
        var usage = Usage(AiOperation.Complete, served, prompt, completion, Joined(messages), text.ToString(), clock.GetElapsedTime(started), 1);
        yield return new AiStreamEvent("", finish ?? "stop", usage);
    }

    public async Task<AiResult<JsonElement>> StructuredAsync(IReadOnlyList<AiMessage> messages, JsonElement schema, string schemaName,
        AiCallOptions? options = null, CancellationToken cancellationToken = default)
    {
        AiInput.RequireMessages(messages);
        return await StructuredCoreAsync(AiOperation.Structured, messages, schema, schemaName, options, cancellationToken);
    }

    public async Task<AiResult<AiSummary>> SummarizeAsync(string text, int maxSentences = 3, AiCallOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        var rank = TextRank.Analyze(text);
        if (rank.Sentences.Count <= 1)
        {
            // Nothing to condense: no need to spend a model call.
            return new AiResult<AiSummary>(TextAnalysis.Summarize(rank, text, maxSentences),
                Usage(AiOperation.Summarize, ModelOf(options), 0, 0, "", "", TimeSpan.Zero, 0));
        }
        var (summary, _, usage) = await ChatAsync(AiOperation.Summarize,
        [
            AiMessage.System($"You summarize text. Write a summary of at most {Math.Max(1, maxSentences)} sentences, in the same language as the text. Reply with the summary only."),
            AiMessage.User(text),
        ], options, null, cancellationToken);
        return new AiResult<AiSummary>(new AiSummary(summary.Trim(), rank.Language, [], rank.Sentences.Count), usage);
    }

    public async Task<AiResult<AiKeyPoints>> KeyPointsAsync(string text, int maxPoints = 5, AiCallOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        var schema = Schema(Holes("""
            {"type":"object","properties":{
              "points":{"type":"array","items":{"type":"string"},"maxItems":@0@},
              "keywords":{"type":"array","items":{"type":"string"},"maxItems":8}},
             "required":["points","keywords"],"additionalProperties":false}
            """, Math.Max(1, maxPoints)));
        var result = await StructuredCoreAsync(AiOperation.KeyPoints,
        [
            AiMessage.System($"List the main points of the text (at most {maxPoints}, each one short sentence, in the text's language, in reading order) and up to 8 keywords, most relevant first."),
            AiMessage.User(text),
        ], schema, "key_points", options, cancellationToken);
        return new AiResult<AiKeyPoints>(new AiKeyPoints(Strings(result.Value, "points"), Strings(result.Value, "keywords")), result.Usage);
    }

    public async Task<AiResult<AiSentiment>> SentimentAsync(string text, AiCallOptions? options = null, CancellationToken cancellationToken = default)
    {
        var schema = Schema("""
            {"type":"object","properties":{
              "label":{"type":"string","enum":["positive","negative","neutral","mixed"]},
              "score":{"type":"number","minimum":-1,"maximum":1},
              "confidence":{"type":"number","minimum":0,"maximum":1}},
             "required":["label","score","confidence"],"additionalProperties":false}
            """);
        var result = await StructuredCoreAsync(AiOperation.Sentiment,
        [
            AiMessage.System("Judge the sentiment of the text: label (positive, negative, neutral or mixed), score from -1 (most negative) to 1 (most positive), and your confidence from 0 to 1."),
            AiMessage.User(text),
        ], schema, "sentiment", options, cancellationToken);
        var value = result.Value;
        var score = value.GetProperty("score").GetDouble();
        var positive = Math.Max(0, score);
        var negative = Math.Max(0, -score);
        return new AiResult<AiSentiment>(new AiSentiment(value.GetProperty("label").GetString()!, score, value.GetProperty("confidence").GetDouble(),
            positive, negative, 1 - positive - negative, []), result.Usage);
    }

    public async Task<AiResult<AiClassification>> ClassifyAsync(string text, IReadOnlyList<AiLabel> labels, AiCallOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        AiInput.RequireLabels(labels);
        var names = new JsonArray([.. labels.Select(l => (JsonNode?)JsonValue.Create(l.Name))]);
        var schema = Schema(Holes("""
            {"type":"object","properties":{"scores":{"type":"array","minItems":1,"items":{"type":"object","properties":{
              "label":{"type":"string","enum":@0@},"score":{"type":"number","minimum":0,"maximum":1}},
              "required":["label","score"],"additionalProperties":false}}},"required":["scores"],"additionalProperties":false}
            """, names.ToJsonString()));
        var described = string.Join("\n", labels.Select(l => l.Description is { Length: > 0 } d ? $"- {l.Name}: {d}" : $"- {l.Name}"));
        var result = await StructuredCoreAsync(AiOperation.Classify,
        [
            AiMessage.System($"Classify the text. Give every label a score from 0 to 1 for how well it fits; the scores should sum to 1.\nLabels:\n{described}"),
            AiMessage.User(text),
        ], schema, "classification", options, cancellationToken);
        var raw = labels.ToDictionary(l => l.Name, _ => 0.0, StringComparer.Ordinal);
        foreach (var entry in result.Value.GetProperty("scores").EnumerateArray())
        {
            raw[entry.GetProperty("label").GetString()!] = Math.Max(raw[entry.GetProperty("label").GetString()!], entry.GetProperty("score").GetDouble());
        }
        var sum = raw.Values.Sum();
        var scores = labels
            .Select((l, i) => (Score: new AiLabelScore(l.Name, Math.Round(sum > 0 ? raw[l.Name] / sum : 1.0 / labels.Count, 4)), Index: i))
            .OrderByDescending(p => p.Score.Score).ThenBy(p => p.Index).Select(p => p.Score).ToList();
        return new AiResult<AiClassification>(new AiClassification(scores[0].Label, scores[0].Score, scores), result.Usage);
    }

    public async Task<AiResult<AiEntities>> ExtractEntitiesAsync(string text, AiCallOptions? options = null, CancellationToken cancellationToken = default)
    {
        var types = new JsonArray([.. AiEntityTypes.All.Select(t => (JsonNode?)JsonValue.Create(t))]);
        var schema = Schema(Holes("""
            {"type":"object","properties":{"entities":{"type":"array","items":{"type":"object","properties":{
              "text":{"type":"string"},"type":{"type":"string","enum":@0@}},
              "required":["text","type"],"additionalProperties":false}}},"required":["entities"],"additionalProperties":false}
            """, types.ToJsonString()));
        var result = await StructuredCoreAsync(AiOperation.ExtractEntities,
        [
            AiMessage.System("Extract the named entities of the text in order of appearance: people, organizations, locations, emails, URLs, money, dates, times, percentages, phone numbers, hashtags, mentions. Copy each entity's text exactly as written."),
            AiMessage.User(text),
        ], schema, "entities", options, cancellationToken);
        var entities = new List<AiEntity>();
        var cursor = 0;
        foreach (var entry in result.Value.GetProperty("entities").EnumerateArray())
        {
            var value = entry.GetProperty("text").GetString()!;
            var at = value.Length == 0 ? -1 : text.IndexOf(value, cursor, StringComparison.Ordinal);
            if (at < 0 && value.Length > 0)
            {
                at = text.IndexOf(value, StringComparison.Ordinal);
            }
            if (at >= 0)
            {
                cursor = at + value.Length;
            }
            // A model states no confidence; found verbatim in the text is the evidence we have.
            entities.Add(new AiEntity(value, entry.GetProperty("type").GetString()!, at, at >= 0 ? value.Length : -1, null, at >= 0 ? 0.8 : 0.5));
        }
        return new AiResult<AiEntities>(new AiEntities(entities), result.Usage);
    }

    public async Task<AiResult<AiModeration>> ModerateAsync(string text, AiCallOptions? options = null, CancellationToken cancellationToken = default)
    {
        var properties = string.Join(',', AiModeration.CategoryNames.Select(c => $"\"{c}\":{{\"type\":\"number\",\"minimum\":0,\"maximum\":1}}"));
        var required = string.Join(',', AiModeration.CategoryNames.Select(c => $"\"{c}\""));
        var schema = Schema($"{{\"type\":\"object\",\"properties\":{{\"categories\":{{\"type\":\"object\",\"properties\":{{{properties}}},\"required\":[{required}],\"additionalProperties\":false}}}},\"required\":[\"categories\"],\"additionalProperties\":false}}");
        var result = await StructuredCoreAsync(AiOperation.Moderate,
        [
            AiMessage.System("You are a content moderator. Score the text from 0 (absent) to 1 (certain) for each category: harassment, hate, sexual, violence, self-harm, spam."),
            AiMessage.User(text),
        ], schema, "moderation", options, cancellationToken);
        var categories = AiModeration.CategoryNames.ToDictionary(c => c, c => result.Value.GetProperty("categories").GetProperty(c).GetDouble(), StringComparer.Ordinal);
        var flagged = AiModeration.CategoryNames.Where(c => categories[c] >= AiModeration.Threshold).ToList();
        return new AiResult<AiModeration>(new AiModeration(flagged.Count > 0, categories, flagged, []), result.Usage);
    }

    public async Task<AiResult<AiGeneratedTextVerdict>> DetectGeneratedAsync(string text, AiCallOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        var schema = Schema("""
            {"type":"object","properties":{"probability":{"type":"number","minimum":0,"maximum":1}},"required":["probability"],"additionalProperties":false}
            """);
        var result = await StructuredCoreAsync(AiOperation.DetectGenerated,
        [
            AiMessage.System("Estimate the probability (0 to 1) that the text was written by a language model rather than a person."),
            AiMessage.User(text),
        ], schema, "generated_text", options, cancellationToken);
        var p = result.Value.GetProperty("probability").GetDouble();
        var verdict = p >= 0.65 ? AiGeneratedTextVerdict.AiGenerated : p <= 0.35 ? AiGeneratedTextVerdict.Human : AiGeneratedTextVerdict.Uncertain;
        var confidence = verdict == AiGeneratedTextVerdict.Uncertain ? 1 - Math.Abs(p - 0.5) * 2 : Math.Max(p, 1 - p);
        return new AiResult<AiGeneratedTextVerdict>(new AiGeneratedTextVerdict(verdict, Math.Round(confidence, 4), p, new Dictionary<string, double>()), result.Usage);
    }

    public async Task<AiResult<AiPlan>> PlanAsync(string goal, IReadOnlyList<string>? constraints = null, AiCallOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        AiInput.RequireText(goal, "goal");
        var intents = new JsonArray([.. AiIntents.All.Select(i => (JsonNode?)JsonValue.Create(i))]);
        var schema = Schema(Holes("""
            {"type":"object","properties":{
              "intent":{"type":"string","enum":@0@},
              "tasks":{"type":"array","minItems":1,"items":{"type":"object","properties":{
                "id":{"type":"string"},"title":{"type":"string"},"description":{"type":"string"},
                "intent":{"type":"string","enum":@0@},
                "depends_on":{"type":"array","items":{"type":"string"}},
                "estimate_minutes":{"type":"integer","minimum":1},
                "capability":{"type":"string","enum":["web_search","docs","calendar","email","code","data","notes","contacts"]}},
                "required":["id","title","description","intent","depends_on","estimate_minutes","capability"],"additionalProperties":false}}},
             "required":["intent","tasks"],"additionalProperties":false}
            """, intents.ToJsonString(), intents.ToJsonString()));
        var given = constraints is { Count: > 0 } ? "\nConstraints:\n" + string.Join("\n", constraints.Select(c => "- " + c)) : "";
        var result = await StructuredCoreAsync(AiOperation.Plan,
        [
            AiMessage.System("Turn the goal into a plan of concrete tasks. Give each task an id (t1, t2…), a title, a description, its intent, the ids of tasks it depends on, an estimate in minutes and the capability it needs. Respect the constraints."),
            AiMessage.User(goal + given),
        ], schema, "plan", options, cancellationToken);
        var tasks = new List<AiPlanTask>();
        foreach (var entry in result.Value.GetProperty("tasks").EnumerateArray())
        {
            tasks.Add(new AiPlanTask(entry.GetProperty("id").GetString()!, entry.GetProperty("title").GetString()!,
                entry.GetProperty("description").GetString()!, entry.GetProperty("intent").GetString()!,
                Strings(entry, "depends_on"), entry.GetProperty("estimate_minutes").GetInt32(), entry.GetProperty("capability").GetString()!));
        }
        // Dependencies on tasks that do not exist (or on themselves) are dropped rather than trusted.
        var ids = tasks.Select(t => t.Id).ToHashSet(StringComparer.Ordinal);
        tasks = [.. tasks.Select(t => t with { DependsOn = [.. t.DependsOn.Where(d => ids.Contains(d) && d != t.Id).Distinct(StringComparer.Ordinal)] })];
        var intent = result.Value.GetProperty("intent").GetString()!;
        var plan = new AiPlan(goal, intent, [.. tasks.Select(t => t.Intent).Prepend(intent).Distinct(StringComparer.Ordinal)], tasks,
            tasks.Sum(t => t.EstimateMinutes), Planner.CriticalPath(tasks), Planner.ReadConstraints(goal, constraints ?? []));
        return new AiResult<AiPlan>(plan, result.Usage);
    }

    public async Task<AiResult<AiEmbeddings>> EmbedAsync(IReadOnlyList<string> texts, AiCallOptions? options = null, CancellationToken cancellationToken = default)
    {
        var model = ModelOf(options);
        if (texts.Count == 0)
        {
            return new AiResult<AiEmbeddings>(new AiEmbeddings([], 0), Usage(AiOperation.Embed, model, 0, 0, "", "", TimeSpan.Zero, 0));
        }
        var answer = await client.EmbedAsync(texts, model, cancellationToken);
        var vectors = answer.Embeddings.Select(e => Unit(e.Vector.ToArray())).ToArray();
        if (vectors.Length != texts.Count || vectors.Select(v => v.Length).Distinct().Count() != 1)
        {
            throw AiProblems.Upstream(AiOperation.Embed, Provider, model, $"expected {texts.Count} embeddings of one dimension", null, answer.Attempts);
        }
        var served = answer.Embeddings.Select(e => e.ModelId).FirstOrDefault(m => m is not null) ?? model;
        var usage = Usage(AiOperation.Embed, served, (int?)answer.Embeddings.Usage?.InputTokenCount, 0, string.Join('\n', texts), "", answer.Latency, answer.Attempts);
        return new AiResult<AiEmbeddings>(new AiEmbeddings(vectors, vectors[0].Length), usage);
    }

    public async Task<AiResult<AiTranslation>> TranslateAsync(string text, string targetLanguage, string? sourceLanguage = null,
        AiCallOptions? options = null, CancellationToken cancellationToken = default)
    {
        AiInput.RequireText(targetLanguage, "targetLanguage");
        var source = sourceLanguage ?? Languages.Detect(TextTokens.LowerWords(text));
        var from = source == Languages.Undetermined ? "" : $" from {source}";
        var (translation, _, usage) = await ChatAsync(AiOperation.Translate,
        [
            AiMessage.System($"Translate the user's text{from} into {targetLanguage}. Reply with the translation only, without notes or quotes."),
            AiMessage.User(text),
        ], options, null, cancellationToken);
        return new AiResult<AiTranslation>(new AiTranslation(translation.Trim(), source, targetLanguage), usage);
    }

    private async Task<AiResult<JsonElement>> StructuredCoreAsync(AiOperation operation, IReadOnlyList<AiMessage> messages, JsonElement schema,
        string schemaName, AiCallOptions? options, CancellationToken cancellationToken)
    {
        var format = ChatResponseFormat.ForJsonSchema(schema, SchemaName(schemaName));
        var conversation = messages.ToList();
        AiUsage? total = null;
        List<string> errors = [];
        for (var attempt = 1; attempt <= 2; attempt++)
        {
            var (text, _, usage) = await ChatAsync(operation, conversation, options, format, cancellationToken);
            total = total is null ? usage : total.Plus(usage);
            var value = StructuredJson.Find(text);
            errors = value is null ? ["the answer is not JSON"] : JsonSchemaValidator.Validate(value.Value, schema);
            if (errors.Count == 0)
            {
                return new AiResult<JsonElement>(value!.Value, total);
            }
            // One repair: the model sees its answer and what was wrong with it.
            conversation.Add(AiMessage.Assistant(text));
            conversation.Add(AiMessage.User(
                "That answer does not match the required JSON schema: " + string.Join("; ", errors.Take(5))
                + ". Reply again with only a JSON value that matches the schema."));
        }
        throw AiProblems.Upstream(operation, Provider, total!.Model, "invalid structured output twice: " + string.Join("; ", errors.Take(3)), null, total.Attempts);
    }

    private async Task<(string Text, string FinishReason, AiUsage Usage)> ChatAsync(AiOperation operation, IReadOnlyList<AiMessage> messages,
        AiCallOptions? options, ChatResponseFormat? responseFormat, CancellationToken cancellationToken)
    {
        var model = ModelOf(options);
        var answer = await client.ChatAsync(ChatMessages(messages), ChatOptionsOf(options, responseFormat), operation, model, cancellationToken);
        var response = answer.Response;
        if (!response.Messages.SelectMany(m => m.Contents).OfType<TextContent>().Any())
        {
            throw AiProblems.Upstream(operation, Provider, model, "the answer has no message content", null, answer.Attempts);
        }
        var text = response.Text;
        var finish = response.FinishReason?.Value ?? "stop";
        var usage = Usage(operation, response.ModelId ?? model, (int?)response.Usage?.InputTokenCount, (int?)response.Usage?.OutputTokenCount,
            Joined(messages), text, answer.Latency, answer.Attempts);
        return (text, finish, usage);
    }

    private static List<ChatMessage> ChatMessages(IReadOnlyList<AiMessage> messages) =>
        [.. messages.Select(m => new ChatMessage(m.Role switch
        {
            AiRole.System => ChatRole.System,
            AiRole.Assistant => ChatRole.Assistant,
            _ => ChatRole.User,
        }, m.Content))];

    private static ChatOptions ChatOptionsOf(AiCallOptions? options, ChatResponseFormat? responseFormat) => new()
    {
        Temperature = options?.Temperature is { } temperature ? (float)temperature : null,
        MaxOutputTokens = options?.MaxOutputTokens,
        ResponseFormat = responseFormat,
    };

    private string ModelOf(AiCallOptions? options) =>
        options?.Model is { Length: > 0 } model ? model : throw Http.Problem.Invalid("model", $"No model is configured for the AI provider '{Provider}'.");

    private AiUsage Usage(AiOperation operation, string model, int? prompt, int? completion, string input, string output, TimeSpan latency, int attempts) =>
        new(operation, Provider, model, prompt ?? TextTokens.EstimateTokens(input), completion ?? TextTokens.EstimateTokens(output), latency,
            Estimated: prompt is null || completion is null)
        { Attempts = attempts };

    /// <summary>Puts values into a schema template's <c>@0@</c>, <c>@1@</c>… holes.</summary>
    private static string Holes(string template, params object[] values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            template = template.Replace($"@{i}@", Convert.ToString(values[i], CultureInfo.InvariantCulture), StringComparison.Ordinal);
        }
        return template;
    }

    private static JsonElement Schema(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    private static List<string> Strings(JsonElement element, string property) =>
        element.TryGetProperty(property, out var array) && array.ValueKind == JsonValueKind.Array
            ? [.. array.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!)]
            : [];

    private static float[] Unit(float[] vector)
    {
        double norm = 0;
        foreach (var v in vector)
        {
            norm += v * v;
        }
        if (norm == 0)
        {
            return vector;
        }
        var scale = 1 / Math.Sqrt(norm);
        return [.. vector.Select(v => (float)(v * scale))];
    }

    private static string SchemaName(string name)
    {
        var clean = new string([.. name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' ? c : '_')]);
        return clean.Length == 0 ? "result" : clean.Length > 64 ? clean[..64] : clean;
    }

    private static string Joined(IReadOnlyList<AiMessage> messages) => string.Join('\n', messages.Select(m => m.Content));
}
