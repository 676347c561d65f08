using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Mindstack.Platform.Ai.Json;

namespace Mindstack.Platform.Ai.Local;

/// <summary>
/// Structured output on the local engine: the schema is walked and each field is filled from the
/// engine's analyses of the conversation, chosen by the field's name and type — a summary for
/// <c>summary</c>/<c>description</c>, key points for <c>key_points</c>/<c>highlights</c>, keywords
/// for <c>tags</c>, the sentiment for <c>sentiment</c>/<c>score</c>, entities for <c>people</c>,
/// plan tasks for <c>tasks</c>/<c>steps</c>, moderation for <c>flagged</c>, classification
/// against the enum for any enumerated field. Arrays of objects get one object per source item,
/// filled from that item. Bounds (min/max, lengths, item counts) are respected; what cannot be
/// known is the type's neutral value. The result is validated like any model's output.
/// </summary>
internal sealed class StructuredFiller
{
    private readonly TextAnalysis _analysis;
    private readonly JsonElement _root;

    private StructuredFiller(TextAnalysis analysis, JsonElement root)
    {
        _analysis = analysis;
        _root = root;
    }

    public static JsonNode? Fill(string text, JsonElement schema) =>
        new StructuredFiller(new TextAnalysis(text), schema).Value(schema, "", new Item(text, null), 0);

    /// <summary>
    /// What a field is filled from: a text, and for list items the item's own facts (a list item
    /// always has facts, possibly none, so its text is used as itself rather than re-analysed).
    /// </summary>
    private sealed record Item(string Text, IReadOnlyDictionary<string, JsonNode?>? Facts)
    {
        private static readonly Dictionary<string, JsonNode?> None = new(StringComparer.Ordinal);

        public static Item Listed(string text) => new(text, None);
    }

    private JsonNode? Value(JsonElement schema, string name, Item item, int depth)
    {
        schema = JsonSchemaValidator.Resolve(schema, _root);
        if (depth > 12 || schema.ValueKind != JsonValueKind.Object)
        {
            return null;
        }
        if (schema.TryGetProperty("const", out var constant))
        {
            return JsonNode.Parse(constant.GetRawText());
        }
        foreach (var keyword in new[] { "anyOf", "oneOf" })
        {
            if (schema.TryGetProperty(keyword, out var alternatives))
            {
                var choice = alternatives.EnumerateArray().FirstOrDefault(a => !JsonSchemaValidator.Types(JsonSchemaValidator.Resolve(a, _root)).SetEquals(["null"]));
                return choice.ValueKind == JsonValueKind.Undefined ? null : Value(choice, name, item, depth + 1);
            }
        }
        var key = Normalize(name);
        if (item.Facts is not null && item.Facts.TryGetValue(key, out var fact) && Fits(fact, schema, _root))
        {
            return fact?.DeepClone();
        }
        if (schema.TryGetProperty("enum", out var options) && options.ValueKind == JsonValueKind.Array)
        {
            return Enumerated(options, key, item);
        }
        var types = JsonSchemaValidator.Types(schema);
        if (types.Count == 0)
        {
            types.Add(schema.TryGetProperty("properties", out _) ? "object" : schema.TryGetProperty("items", out _) ? "array" : "string");
        }
        if (types.Contains("object"))
        {
            return Object(schema, item, depth);
        }
        if (types.Contains("array"))
        {
            return Array(schema, key, item, depth);
        }
        if (types.Contains("boolean") && !types.Contains("string"))
        {
            return Boolean(key, item);
        }
        if (types.Contains("integer") || types.Contains("number"))
        {
            return Number(schema, key, item, integer: !types.Contains("number"));
        }
        if (types.Contains("string"))
        {
            return String(schema, key, item);
        }
        return null;
    }

    private JsonObject Object(JsonElement schema, Item item, int depth)
    {
        var result = new JsonObject();
        if (schema.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in properties.EnumerateObject())
            {
                result[property.Name] = Value(property.Value, property.Name, item, depth + 1);
            }
        }
        return result;
    }

    private JsonArray Array(JsonElement schema, string key, Item item, int depth)
    {
        var itemSchema = schema.TryGetProperty("items", out var i) ? JsonSchemaValidator.Resolve(i, _root) : default;
        var sources = Sources(key, item);
        var min = schema.TryGetProperty("minItems", out var mn) ? mn.GetInt32() : 0;
        var max = schema.TryGetProperty("maxItems", out var mx) ? mx.GetInt32() : int.MaxValue;
        if (sources.Count < min)
        {
            // Not enough of the named thing: make up the count with the text's sentences.
            sources.AddRange(_analysis.Rank.Sentences.Select(s => Item.Listed(s.Text)).Where(s => sources.All(x => x.Text != s.Text)).Take(min - sources.Count));
        }
        var array = new JsonArray();
        foreach (var source in sources.Take(max))
        {
            array.Add(itemSchema.ValueKind == JsonValueKind.Undefined ? JsonValue.Create(source.Text) : Value(itemSchema, Singular(key), source, depth + 1));
        }
        return array;
    }

    private List<Item> Sources(string key, Item item)
    {
        if (item.Facts is not null && key is "dependson" or "dependencies" or "after" or "blockedby")
        {
            return [];
        }
        var entityType = EntityTypeFor(key);
        if (entityType is not null || key is "entities" or "namedentities")
        {
            var entities = EntitiesOf(item.Text).Where(e => entityType is null ? e.Type is not (AiEntityTypes.Number or AiEntityTypes.Misc) : entityType.Contains(e.Type));
            return [.. entities.Select(EntityItem)];
        }
        if (key is "tasks" or "steps" or "plan" or "actions" or "todos" or "todo" or "milestones" or "subtasks")
        {
            return [.. Planner.Plan(item.Text, []).Tasks.Select(TaskItem)];
        }
        if (Contains(key, "keyword", "tag", "topic", "keyphrase", "hashtag", "term", "concept", "theme"))
        {
            var keywords = item.Facts is null ? _analysis.Keywords : Local.Keywords.Extract(item.Text, 5);
            return [.. keywords.Select(k => Item.Listed(key.Contains("hashtag", StringComparison.Ordinal) ? "#" + k.Replace(" ", "", StringComparison.Ordinal) : k))];
        }
        if (Contains(key, "sentence"))
        {
            return [.. _analysis.Rank.Sentences.Select(s => Item.Listed(s.Text))];
        }
        // Pros and cons: the text's positive or negative sentences.
        var wantsPositive = key is "pros" or "pro" or "advantages" or "strengths" or "likes" or "positives" or "praise" or "benefits" or "upsides";
        var wantsNegative = key is "cons" or "con" or "disadvantages" or "weaknesses" or "dislikes" or "negatives" or "complaints" or "issues"
            or "problems" or "drawbacks" or "risks" or "downsides" or "concerns";
        if (wantsPositive != wantsNegative)
        {
            var sentiment = SentimentOf(item);
            return [.. sentiment.Sentences.Where(s => wantsPositive ? s.Score >= 0.2 : s.Score <= -0.2).Select(s => Item.Listed(s.Text))];
        }
        var points = item.Facts is null ? _analysis.KeyPoints : TextAnalysis.Points(TextRank.Analyze(item.Text), 5);
        return [.. points.Select(Item.Listed)];
    }

    private IEnumerable<AiEntity> EntitiesOf(string text) =>
        ReferenceEquals(text, _analysis.Text) ? _analysis.Entities.Items : EntityExtractor.Extract(text).Items;

    private static string[]? EntityTypeFor(string key) => key switch
    {
        _ when Contains(key, "people", "person", "names", "participant", "attendee", "author") => [AiEntityTypes.Person],
        _ when Contains(key, "organization", "organisation", "company", "companies", "org") => [AiEntityTypes.Organization],
        _ when Contains(key, "place", "location", "city", "cities", "countr") => [AiEntityTypes.Location],
        _ when Contains(key, "email") => [AiEntityTypes.Email],
        _ when Contains(key, "url", "link") => [AiEntityTypes.Url],
        _ when Contains(key, "date", "deadline") => [AiEntityTypes.Date],
        _ when Contains(key, "amount", "money", "price", "cost") => [AiEntityTypes.Money],
        _ when Contains(key, "phone") => [AiEntityTypes.Phone],
        _ => null,
    };

    private static Item EntityItem(AiEntity entity) => new(entity.Text, new Dictionary<string, JsonNode?>(StringComparer.Ordinal)
    {
        ["text"] = entity.Text,
        ["name"] = entity.Text,
        ["value"] = entity.Normalized ?? entity.Text,
        ["normalized"] = entity.Normalized,
        ["type"] = entity.Type,
        ["kind"] = entity.Type,
        ["label"] = entity.Type,
        ["category"] = entity.Type,
        ["start"] = entity.Start,
        ["offset"] = entity.Start,
        ["end"] = entity.Start + entity.Length,
        ["length"] = entity.Length,
        ["confidence"] = entity.Confidence,
        ["score"] = entity.Confidence,
    });

    private static Item TaskItem(AiPlanTask task) => new(task.Title, new Dictionary<string, JsonNode?>(StringComparer.Ordinal)
    {
        ["id"] = task.Id,
        ["title"] = task.Title,
        ["name"] = task.Title,
        ["task"] = task.Title,
        ["step"] = task.Title,
        ["description"] = task.Description,
        ["details"] = task.Description,
        ["intent"] = task.Intent,
        ["type"] = task.Intent,
        ["dependson"] = new JsonArray([.. task.DependsOn.Select(d => (JsonNode?)JsonValue.Create(d))]),
        ["dependencies"] = new JsonArray([.. task.DependsOn.Select(d => (JsonNode?)JsonValue.Create(d))]),
        ["estimateminutes"] = task.EstimateMinutes,
        ["estimatedminutes"] = task.EstimateMinutes,
        ["minutes"] = task.EstimateMinutes,
        ["duration"] = task.EstimateMinutes,
        ["durationminutes"] = task.EstimateMinutes,
        ["estimatehours"] = Math.Round(task.EstimateMinutes / 60.0, 2),
        ["estimatedhours"] = Math.Round(task.EstimateMinutes / 60.0, 2),
        ["hours"] = Math.Round(task.EstimateMinutes / 60.0, 2),
        ["capability"] = task.Capability,
        ["tool"] = task.Capability,
        ["status"] = "pending",
    });

    private JsonNode? Enumerated(JsonElement options, string key, Item item)
    {
        var values = options.EnumerateArray().ToList();
        var strings = values.Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!).ToList();
        if (strings.Count == 0)
        {
            return values.Count == 0 ? null : JsonNode.Parse(values[0].GetRawText());
        }
        string? wanted = null;
        if (Contains(key, "sentiment", "tone", "mood", "feeling", "polarity", "emotion"))
        {
            wanted = SentimentOf(item).Label;
        }
        else if (Contains(key, "verdict", "generated", "origin"))
        {
            wanted = _analysis.Generated.Verdict;
        }
        else if (Contains(key, "language", "lang", "locale"))
        {
            wanted = _analysis.Language;
        }
        else if (Contains(key, "intent"))
        {
            wanted = Classifier.Classify(item.Text, AiIntents.Labels).Label;
        }
        var match = wanted is null ? null
            : strings.FirstOrDefault(s => string.Equals(s, wanted, StringComparison.OrdinalIgnoreCase))
              ?? strings.FirstOrDefault(s => s.Contains(wanted, StringComparison.OrdinalIgnoreCase) || wanted.Contains(s, StringComparison.OrdinalIgnoreCase));
        return match ?? Classifier.Classify(item.Text, [.. strings.Select(s => new AiLabel(s))]).Label;
    }

    private JsonNode? Boolean(string key, Item item)
    {
        var analysis = item.Facts is null ? _analysis : new TextAnalysis(item.Text);
        if (Contains(key, "spam"))
        {
            return analysis.Moderation.FlaggedCategories.Contains("spam");
        }
        if (Contains(key, "safe", "appropriate", "allowed", "approved"))
        {
            return !analysis.Moderation.Flagged;
        }
        if (Contains(key, "flag", "toxic", "nsfw", "harm", "offensive", "abusive", "violat", "unsafe", "inappropriate"))
        {
            return analysis.Moderation.Flagged;
        }
        if (Contains(key, "aigenerated", "isai", "generated", "synthetic"))
        {
            return analysis.Generated.Verdict == AiGeneratedTextVerdict.AiGenerated;
        }
        if (Contains(key, "positive"))
        {
            return analysis.Sentiment.Label == AiSentiment.PositiveLabel;
        }
        if (Contains(key, "negative"))
        {
            return analysis.Sentiment.Label == AiSentiment.NegativeLabel;
        }
        if (Contains(key, "question"))
        {
            return item.Text.Contains('?');
        }
        if (Contains(key, "urgent", "priority", "critical"))
        {
            return Classifier.Classify(item.Text, [new AiLabel("urgent"), new AiLabel("routine", "normal regular later whenever")]).Label == "urgent";
        }
        return false;
    }

    private JsonNode? Number(JsonElement schema, string key, Item item, bool integer)
    {
        var min = schema.TryGetProperty("minimum", out var mn) ? mn.GetDouble() : (double?)null;
        var max = schema.TryGetProperty("maximum", out var mx) ? mx.GetDouble() : (double?)null;
        double value;
        var analysis = item.Facts is null ? _analysis : new TextAnalysis(item.Text);
        if (Contains(key, "rating", "stars"))
        {
            // A sentiment in [-1, 1] onto the rating's scale (1..5 unless the schema says otherwise).
            var low = min ?? 1;
            var high = max ?? 5;
            value = low + (analysis.Sentiment.Score + 1) / 2 * (high - low);
        }
        else if (Contains(key, "sentiment", "polarity") || key == "score" && min is null or < 0)
        {
            value = Rescale(analysis.Sentiment.Score, -1, 1, min, max);
        }
        else if (Contains(key, "confidence", "probability", "certainty", "score"))
        {
            value = Rescale(analysis.Sentiment.Confidence, 0, 1, min ?? 0, max ?? 1);
        }
        else if (Contains(key, "toxic", "risk", "harm", "spam", "moderation"))
        {
            value = Rescale(analysis.Moderation.Categories.Values.Max(), 0, 1, min ?? 0, max ?? 1);
        }
        else if (Contains(key, "wordcount", "words"))
        {
            value = analysis.WordCount;
        }
        else if (Contains(key, "sentencecount", "sentences"))
        {
            value = analysis.Rank.Sentences.Count;
        }
        else if (Contains(key, "charactercount", "characters", "length"))
        {
            value = item.Text.Length;
        }
        else if (Contains(key, "minutes", "duration", "estimate"))
        {
            value = Planner.Plan(item.Text, []).TotalEstimateMinutes;
        }
        else if (Contains(key, "hours"))
        {
            value = Math.Round(Planner.Plan(item.Text, []).TotalEstimateMinutes / 60.0, 2);
        }
        else if (Contains(key, "count", "total", "number"))
        {
            value = analysis.KeyPoints.Count;
        }
        else
        {
            value = min ?? 0;
        }
        value = Math.Clamp(value, min ?? double.MinValue, max ?? double.MaxValue);
        return integer ? JsonValue.Create((long)Math.Round(value)) : JsonValue.Create(Math.Round(value, 4));
    }

    private static double Rescale(double value, double from, double to, double? min, double? max)
    {
        if (min is null || max is null)
        {
            return value;
        }
        return min.Value + (value - from) / (to - from) * (max.Value - min.Value);
    }

    private JsonNode? String(JsonElement schema, string key, Item item)
    {
        var analysis = item.Facts is null ? _analysis : new TextAnalysis(item.Text);
        string value;
        var entityType = EntityTypeFor(key);
        if (Contains(key, "sentiment", "tone", "mood", "feeling", "polarity"))
        {
            value = SentimentOf(item).Label;
        }
        else if (Contains(key, "language", "lang", "locale"))
        {
            value = analysis.Language;
        }
        else if (Contains(key, "verdict"))
        {
            value = analysis.Generated.Verdict;
        }
        else if (Contains(key, "intent", "category", "classification"))
        {
            value = Classifier.Classify(item.Text, AiIntents.Labels).Label;
        }
        else if (key is "title" or "headline" or "subject" or "name" or "topic" or "heading")
        {
            value = Title(analysis, item);
        }
        else if (entityType is not null && !Contains(key, "summary", "description"))
        {
            value = analysis.Entities.Items.FirstOrDefault(e => entityType.Contains(e.Type))?.Text ?? "";
        }
        else if (key is "id")
        {
            value = "1";
        }
        else if (item.Facts is not null)
        {
            value = item.Text;
        }
        else if (Contains(key, "summary", "abstract", "overview", "description", "tldr", "synopsis", "gist", "explanation", "analysis",
            "answer", "response", "reply", "result", "content", "text", "body", "message", "insight", "conclusion", "interpretation",
            "reason", "rationale", "comment", "feedback", "notes", "output"))
        {
            value = analysis.Summary.Text;
        }
        else
        {
            value = analysis.KeyPoints.FirstOrDefault() ?? item.Text;
        }
        if (schema.TryGetProperty("maxLength", out var maxLength) && value.Length > maxLength.GetInt32())
        {
            value = Cut(value, maxLength.GetInt32());
        }
        if (schema.TryGetProperty("minLength", out var minLength) && value.Length < minLength.GetInt32() && _analysis.Text.Length >= minLength.GetInt32())
        {
            value = Cut(_analysis.Text, Math.Max(minLength.GetInt32(), schema.TryGetProperty("maxLength", out var ml) ? ml.GetInt32() : minLength.GetInt32() * 2));
        }
        return value;
    }

    private AiSentiment SentimentOf(Item item) => item.Facts is null ? _analysis.Sentiment : SentimentAnalyzer.Analyze(item.Text);

    private static string Title(TextAnalysis analysis, Item item)
    {
        if (item.Facts is not null)
        {
            return Cut(item.Text, 80);
        }
        var keywords = analysis.Keywords.Take(3).ToList();
        if (keywords.Count == 0)
        {
            return Cut(analysis.Summary.Text, 80);
        }
        var title = string.Join(", ", keywords);
        return char.ToUpper(title[0], CultureInfo.InvariantCulture) + title[1..];
    }

    private static string Cut(string value, int max)
    {
        if (value.Length <= max)
        {
            return value;
        }
        var cut = value.LastIndexOf(' ', Math.Max(0, max - 1));
        return (cut > max / 2 ? value[..cut] : value[..max]).TrimEnd(',', ';', ':');
    }

    private static bool Fits(JsonNode? value, JsonElement schema, JsonElement root) =>
        JsonSchemaValidator.Validate(JsonSerializer.SerializeToElement(value), schema, root).Count == 0;

    private static string Normalize(string name) =>
        new([.. name.Where(char.IsLetterOrDigit).Select(char.ToLowerInvariant)]);

    private static string Singular(string key) => key.EndsWith('s') ? key[..^1] : key;

    private static bool Contains(string key, params string[] parts) => parts.Any(p => key.Contains(p, StringComparison.Ordinal));
}
