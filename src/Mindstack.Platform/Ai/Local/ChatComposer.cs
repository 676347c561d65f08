using System.Globalization;
using System.Text;
using Mindstack.Platform.Ai.Text;

namespace Mindstack.Platform.Ai.Local;

/// <summary>
/// The local engine's chat reply. It has no language model, so it does not pretend to converse:
/// it reads what the last user message asks for (a summary, key points, the tone, a plan,
/// entities, an answer from earlier messages) and answers with its own analyses of the
/// conversation, labelled as such. Open questions it cannot answer from the conversation are
/// declined plainly, with what it can tell instead.
/// </summary>
internal static class ChatComposer
{
    public const string Label = "— mindstack-local (offline analysis, no language model)";

    private enum Ask
    {
        Greeting,
        Translate,
        Summary,
        KeyPoints,
        Sentiment,
        Plan,
        Entities,
        Question,
        Statement,
    }

    public static string Reply(IReadOnlyList<AiMessage> messages)
    {
        var lastUser = messages.LastOrDefault(m => m.Role == AiRole.User)?.Content.Trim() ?? "";
        var earlier = string.Join("\n", messages
            .Where(m => m.Role != AiRole.System)
            .TakeWhile(m => !ReferenceEquals(m, messages.LastOrDefault(x => x.Role == AiRole.User)))
            .Select(m => m.Content.Trim())
            .Where(c => c.Length > 0));
        var system = string.Join("\n", messages.Where(m => m.Role == AiRole.System).Select(m => m.Content));
        var ask = AskOf(lastUser, system);
        var material = MaterialFor(lastUser, earlier, ask);
        var analysis = new TextAnalysis(material);
        var reply = new StringBuilder();
        switch (ask)
        {
            case Ask.Greeting:
                reply.Append("Hello! I am Mindstack's built-in offline engine. I can summarize text, list key points, read its tone, ")
                    .Append("find names, dates and amounts, and turn a goal into a plan. Send me some text or a goal.");
                break;
            case Ask.Translate:
                reply.Append("I cannot translate: the built-in offline engine has no translation model. ")
                    .Append("An OpenAI-compatible provider (or your own provider key) can do it.");
                break;
            case Ask.Summary:
                reply.Append("Summary: ").Append(Or(analysis.Summary.Text, "there is nothing to summarize yet."));
                break;
            case Ask.KeyPoints:
                AppendPoints(reply, analysis);
                break;
            case Ask.Sentiment:
                AppendSentiment(reply, analysis);
                break;
            case Ask.Plan:
                AppendPlan(reply, Planner.Plan(material, []));
                break;
            case Ask.Entities:
                AppendEntities(reply, analysis, always: true);
                break;
            case Ask.Question:
                AppendAnswer(reply, lastUser, earlier + "\n" + system);
                break;
            default:
                reply.Append("Here is what I understood: ").Append(Or(analysis.Summary.Text, lastUser));
                var more = analysis.KeyPoints.Where(p => !analysis.Summary.Text.Contains(p.TrimEnd('.'), StringComparison.Ordinal)).ToList();
                if (more.Count > 0 && analysis.Rank.Sentences.Count > 3)
                {
                    reply.Append("\n\nAlso:");
                    foreach (var point in more)
                    {
                        reply.Append("\n- ").Append(point);
                    }
                }
                AppendEntities(reply, analysis, always: false);
                reply.Append("\nTone: ").Append(analysis.Sentiment.Label).Append('.');
                break;
        }
        reply.Append("\n\n").Append(Label);
        return reply.ToString();
    }

    private static Ask AskOf(string message, string system)
    {
        var words = TextTokens.LowerWords(message);
        var head = string.Join(' ', words.Take(12));
        bool HeadHas(params string[] cues) => cues.Any(c => (" " + head + " ").Contains(" " + c + " ", StringComparison.Ordinal));

        if (words.Count <= 4 && words.Count > 0 && words[0] is "hi" or "hello" or "hey" or "greetings" or "yo" or "hola" or "bonjour" or "hallo")
        {
            return Ask.Greeting;
        }
        if (HeadHas("translate", "translation", "traduce", "traduire", "übersetze") || system.Contains("translat", StringComparison.OrdinalIgnoreCase) && !HeadHas("summarize"))
        {
            return Ask.Translate;
        }
        if (HeadHas("key points", "main points", "bullet points", "bullets", "takeaways", "highlights", "keypoints"))
        {
            return Ask.KeyPoints;
        }
        if (HeadHas("summarize", "summarise", "summary", "tldr", "tl dr", "recap", "sum up", "gist"))
        {
            return Ask.Summary;
        }
        if (HeadHas("sentiment", "tone", "mood", "feel about", "how does", "positive or negative"))
        {
            return Ask.Sentiment;
        }
        if (HeadHas("plan", "steps", "how do i", "how can i", "how should i", "roadmap", "break down", "to do list", "todo"))
        {
            return Ask.Plan;
        }
        if (HeadHas("entities", "extract", "who is mentioned", "which people", "names", "list the people", "which companies"))
        {
            return Ask.Entities;
        }
        if (message.TrimEnd().EndsWith('?') || words.Count > 0 && words[0] is "what" or "who" or "when" or "where" or "why" or "which" or "how" or "is" or "are" or "does" or "do" or "can")
        {
            return Ask.Question;
        }
        return Ask.Statement;
    }

    private static string MaterialFor(string message, string earlier, Ask ask)
    {
        if (ask is Ask.Plan)
        {
            return StripInstruction(message);
        }
        // "Summarize this: <text>" — the text after the instruction is the material.
        var stripped = StripInstruction(message);
        if (ask is Ask.Summary or Ask.KeyPoints or Ask.Sentiment or Ask.Entities)
        {
            return TextTokens.LowerWords(stripped).Count >= 8 || earlier.Length == 0 ? stripped : earlier;
        }
        return message;
    }

    private static string StripInstruction(string message)
    {
        var colon = message.IndexOf(':');
        var newline = message.IndexOf('\n');
        var cut = colon >= 0 && colon < 80 ? colon : newline >= 0 && newline < 120 ? newline : -1;
        if (cut >= 0 && message.Length - cut > 20)
        {
            return message[(cut + 1)..].Trim();
        }
        foreach (var prefix in new[] { "please ", "can you ", "could you ", "help me ", "i need to ", "i want to ", "make a plan to " })
        {
            if (message.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                message = message[prefix.Length..];
            }
        }
        return message.Trim();
    }

    private static void AppendPoints(StringBuilder reply, TextAnalysis analysis)
    {
        if (analysis.KeyPoints.Count == 0)
        {
            reply.Append("There are no points to list yet.");
            return;
        }
        reply.Append("Key points:");
        foreach (var point in analysis.KeyPoints)
        {
            reply.Append("\n- ").Append(point);
        }
        if (analysis.Keywords.Count > 0)
        {
            reply.Append("\nKeywords: ").Append(string.Join(", ", analysis.Keywords.Take(6))).Append('.');
        }
    }

    private static void AppendSentiment(StringBuilder reply, TextAnalysis analysis)
    {
        var s = analysis.Sentiment;
        reply.Append(CultureInfo.InvariantCulture, $"The tone is {s.Label} (score {s.Score:0.00} on a scale from -1 to 1, confidence {s.Confidence:0.00}).");
        var strongest = s.Sentences.OrderByDescending(x => Math.Abs(x.Score)).FirstOrDefault(x => Math.Abs(x.Score) >= 0.3);
        if (strongest is not null)
        {
            reply.Append(" Most telling: \"").Append(strongest.Text).Append("\"");
        }
    }

    private static void AppendPlan(StringBuilder reply, AiPlan plan)
    {
        reply.Append(CultureInfo.InvariantCulture, $"A plan ({plan.Intent}), about {Hours(plan.TotalEstimateMinutes)} of work, {Hours(plan.CriticalPathMinutes)} end to end:");
        foreach (var task in plan.Tasks)
        {
            reply.Append(CultureInfo.InvariantCulture, $"\n{task.Id[1..]}. {task.Title} (~{task.EstimateMinutes} min");
            if (task.DependsOn.Count > 0)
            {
                reply.Append(", after ").Append(string.Join(", ", task.DependsOn.Select(d => d[1..])));
            }
            reply.Append(')');
        }
        foreach (var constraint in plan.Constraints)
        {
            reply.Append(CultureInfo.InvariantCulture, $"\nConstraint ({constraint.Kind}): {constraint.Text}");
        }
    }

    private static void AppendEntities(StringBuilder reply, TextAnalysis analysis, bool always)
    {
        var named = analysis.Entities.Items.Where(e => e.Type != AiEntityTypes.Number && e.Type != AiEntityTypes.Misc || always && e.Type == AiEntityTypes.Misc).ToList();
        if (named.Count == 0)
        {
            if (always)
            {
                reply.Append("I found no names, places, dates, amounts or contacts.");
            }
            return;
        }
        reply.Append(always ? "Found: " : "\nMentioned: ")
            .Append(string.Join("; ", named.GroupBy(e => e.Text, StringComparer.Ordinal).Select(g => $"{g.Key} ({g.First().Type})").Take(12)))
            .Append('.');
    }

    private static void AppendAnswer(StringBuilder reply, string question, string context)
    {
        var sentences = Sentences.Split(context).Select(s => s.Text).ToList();
        if (sentences.Count > 0)
        {
            var scores = Bm25.Score(question, sentences);
            var best = scores.Max();
            if (best > 0.5)
            {
                var index = scores.IndexOf(best);
                reply.Append("From the conversation: \"").Append(sentences[index]).Append('"');
                var second = scores.Select((s, i) => (s, i)).Where(p => p.i != index && p.s >= best * 0.8).OrderByDescending(p => p.s).FirstOrDefault();
                if (second.s > 0)
                {
                    reply.Append(" and \"").Append(sentences[second.i]).Append('"');
                }
                reply.Append('.');
                return;
            }
        }
        var analysis = new TextAnalysis(question);
        reply.Append("I cannot answer that offline: the built-in engine has no general knowledge, only analyses of the text it is given.");
        var intent = Classifier.Classify(question, AiIntents.Labels);
        if (analysis.Keywords.Count > 0)
        {
            reply.Append(" Your question is about ").Append(string.Join(", ", analysis.Keywords.Take(4)))
                .Append(CultureInfo.InvariantCulture, $" (intent: {intent.Label}).");
        }
        AppendEntities(reply, analysis, always: false);
    }

    private static string Hours(int minutes) =>
        minutes < 60 ? $"{minutes} min" : string.Create(CultureInfo.InvariantCulture, $"{minutes / 60.0:0.#} h");

    private static string Or(string value, string fallback) => string.IsNullOrWhiteSpace(value) ? fallback : value;
}
