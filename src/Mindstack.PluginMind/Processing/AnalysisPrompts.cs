namespace Mindstack.PluginMind.Processing;

/// <summary>
/// What each analysis type asks of the model: its system prompt, how the prompt optimiser is told
/// to rewrite the user's input, and the framing the input gets when the optimiser is the offline
/// engine (which cannot rewrite text, so the frame names the task in words it recognises).
/// </summary>
internal static class AnalysisPrompts
{
    public static readonly IReadOnlyDictionary<string, string> Descriptions = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["document"] = "Summarise a document and pull out its key points, entities and action items.",
        ["chat"] = "A helpful conversational reply.",
        ["seo"] = "SEO review of web content, with computed metrics (word count, reading ease, keyword density, heading and meta-description suggestions).",
        ["crypto"] = "Crypto market analysis, with live prices from the configured price source when there is one.",
        ["custom"] = "Any other request, answered as asked.",
    };

    public static string SystemPrompt(string type) => type switch
    {
        "document" =>
            "You are a document analyst. Summarise the document faithfully, list its key points, the people, organisations, " +
            "dates and amounts it names, and any action items. Do not invent facts that are not in the document.",
        "chat" =>
            "You are a helpful, concise assistant. Answer the user's message directly and say so when you do not know.",
        "seo" =>
            "You are an SEO specialist. Review the content for search visibility: topic focus, keyword use, headings, " +
            "meta description, readability and concrete improvements. Use the measured metrics given below rather than estimating them.",
        "crypto" =>
            "You are a cryptocurrency market analyst. Give a balanced view of the assets asked about: drivers, risks, " +
            "sentiment and what to watch. Use only the prices given below as current prices; if none are given, say that no " +
            "live prices were available and do not quote any. This is not financial advice.",
        _ =>
            "You are a capable assistant. Do what the user asks, precisely and completely, and state any assumption you make.",
    };

    /// <summary>The prompt optimiser's instructions (a language model rewrites the input into a better prompt).</summary>
    public static string OptimizerSystemPrompt(string type) =>
        "You rewrite a user's request into a clear, specific prompt for an AI analyst doing a " + type + " analysis. " +
        "Keep every fact, figure and constraint the user gave, add the structure the answer should have, and do not answer " +
        "the request yourself. Reply with the rewritten prompt only.";

    /// <summary>
    /// The offline optimiser's frame: a task line (kept short and free of colons, so the offline
    /// engine reads the input after it as the material) naming the focus keywords, then the input.
    /// Chat and custom inputs are the user's own words and stay as they are.
    /// </summary>
    public static string Frame(string type, string input, IReadOnlyList<string> keywords)
    {
        var task = type switch
        {
            "document" => "Summarize this document and list its key points",
            "seo" => "List the key points and keywords of this web content for SEO",
            "crypto" => "Assess the sentiment and tone of this crypto market question",
            _ => null,
        };
        if (task is null)
        {
            return input;
        }
        var focus = string.Join(", ", keywords.Where(k => !k.Contains(':', StringComparison.Ordinal)).Take(3));
        var head = focus.Length > 0 ? $"{task} (focus {focus})" : task;
        return (head.Length <= 110 ? head : task) + "\n" + input;
    }
}
