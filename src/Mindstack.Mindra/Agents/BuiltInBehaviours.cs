using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Mindstack.Mindra.Orchestration;
using Mindstack.Platform.Ai;

namespace Mindstack.Mindra.Agents;

/// <summary>
/// What each built-in agent does, on the platform's AI engine (the offline engine by default, a
/// model when configured). The text an agent works on is the query plus the context's text
/// fields (<c>text</c>, <c>content</c>, <c>document</c>, <c>message</c>…) and, in sequential mode,
/// the summaries of the agents before it.
/// </summary>
internal sealed class BuiltInBehaviours(IAiEngine ai)
{
    private static readonly string[] TextFields = ["text", "content", "document", "message", "body", "article", "description", "notes", "brief"];

    public Task<AgentOutput> RunAsync(AgentDefinition agent, AgentInvocation invocation, CancellationToken ct) => agent.Id switch
    {
        "campaign-strategist" => CampaignAsync(invocation, ct),
        "seo-optimizer" => SeoAsync(invocation, ct),
        "lead-qualifier" => LeadsAsync(invocation, ct),
        "sales-outreach-writer" => OutreachAsync(invocation, ct),
        "support-triage" => TriageAsync(invocation, ct),
        "support-responder" => ReplyAsync(invocation, ct),
        "data-analyst" => Task.FromResult(DataAnalysis.Analyze(invocation.Context)),
        "research-summarizer" => ResearchAsync(invocation, ct),
        "content-writer" => ArticleAsync(invocation, ct),
        "content-moderator" => ModerateAsync(invocation, ct),
        "task-planner" => PlanAsync(invocation, ct),
        "general-assistant" => GeneralAsync(invocation, ct),
        _ => throw new AgentFailedException($"Built-in agent {agent.Id} has no behaviour"),
    };

    private async Task<AgentOutput> CampaignAsync(AgentInvocation invocation, CancellationToken ct)
    {
        var text = Material(invocation);
        var constraints = ContextStrings(invocation.Context, "budget", "deadline", "audience", "goal", "product");
        var plan = (await ai.PlanAsync(invocation.Query, constraints, cancellationToken: ct)).Value;
        var points = (await ai.KeyPointsAsync(text, 5, cancellationToken: ct)).Value;
        var audience = ContextString(invocation.Context, "audience") ?? "existing and prospective customers";
        var product = ContextString(invocation.Context, "product") ?? Title(points.Keywords.FirstOrDefault() ?? "our offer");
        var channels = new List<string>();
        var lower = text.ToLowerInvariant();
        foreach (var (channel, cue) in new[] { ("email", "email"), ("social", "social"), ("search", "seo"), ("paid-ads", "ads"), ("events", "event") })
        {
            if (lower.Contains(cue, StringComparison.Ordinal))
            {
                channels.Add(channel);
            }
        }
        if (channels.Count == 0)
        {
            channels.AddRange(["email", "social"]);
        }
        var subject = $"{product}: {Title(points.Keywords.Skip(1).FirstOrDefault() ?? "what's new")} for you";
        var body = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"Hi {{first_name}},")
            .AppendLine()
            .AppendLine(CultureInfo.InvariantCulture, $"We built {product} for {audience}.")
            .AppendJoin(Environment.NewLine, points.Points.Take(3).Select(p => "• " + p)).AppendLine()
            .AppendLine()
            .AppendLine("Get started today — reply to this email or visit our site.")
            .ToString();
        var campaign = new JsonObject
        {
            ["name"] = $"{product} campaign",
            ["audience"] = audience,
            ["channels"] = Array(channels),
            ["messaging"] = Array(points.Keywords.Take(6)),
            ["timeline"] = Tasks(plan),
            ["emailDraft"] = new JsonObject { ["subject"] = subject, ["body"] = body },
            ["constraints"] = Array(plan.Constraints.Select(c => $"{c.Kind}: {c.Text}")),
        };
        return new AgentOutput(
            $"Drafted the \"{product} campaign\" for {audience} on {string.Join(", ", channels)}, in {plan.Tasks.Count} steps, with an email draft (\"{subject}\").",
            channels[0], 0.85, new JsonObject { ["campaign"] = campaign });
    }

    private async Task<AgentOutput> SeoAsync(AgentInvocation invocation, CancellationToken ct)
    {
        var text = Material(invocation);
        var points = (await ai.KeyPointsAsync(text, 3, cancellationToken: ct)).Value;
        var summary = (await ai.SummarizeAsync(text, 1, cancellationToken: ct)).Value;
        var keywords = points.Keywords.Take(8).ToList();
        var title = Title(string.Join(" ", keywords.Take(3)));
        var meta = summary.Text.Length > 155 ? summary.Text[..152] + "..." : summary.Text;
        return new AgentOutput($"Suggested the title \"{title}\" and {keywords.Count} keywords.", keywords.FirstOrDefault(), 0.8,
            new JsonObject { ["title"] = title, ["metaDescription"] = meta, ["keywords"] = Array(keywords) });
    }

    private async Task<AgentOutput> LeadsAsync(AgentInvocation invocation, CancellationToken ct)
    {
        if (invocation.Context["leads"] is not JsonArray leads || leads.Count == 0)
        {
            var sentiment = (await ai.SentimentAsync(Material(invocation), cancellationToken: ct)).Value;
            return new AgentOutput("No leads were given in context.leads; pass [{name, budget, employees, engagement}] to score them.",
                "needs-data", 0.4, new JsonObject { ["leads"] = new JsonArray(), ["querySentiment"] = sentiment.Label });
        }
        var scored = leads.OfType<JsonObject>().Select((lead, i) =>
        {
            // Budget (up to 40), company size (up to 30), engagement 0-1 or 0-100 (up to 30).
            var budget = Number(lead, "budget");
            var employees = Number(lead, "employees") ?? Number(lead, "companySize");
            var engagement = Number(lead, "engagement");
            var score = 0.0;
            var reasons = new List<string>();
            if (budget is { } b)
            {
                score += Math.Min(40, b / 2_500.0);
                reasons.Add(string.Create(CultureInfo.InvariantCulture, $"budget {b:0}"));
            }
            if (employees is { } e)
            {
                score += Math.Min(30, Math.Log10(Math.Max(1, e)) * 10);
                reasons.Add(string.Create(CultureInfo.InvariantCulture, $"{e:0} employees"));
            }
            if (engagement is { } g)
            {
                score += Math.Min(30, (g <= 1 ? g * 100 : g) * 0.3);
                reasons.Add(string.Create(CultureInfo.InvariantCulture, $"engagement {g:0.##}"));
            }
            var rounded = Math.Round(score, 1);
            return (Name: ContextString(lead, "name") ?? ContextString(lead, "company") ?? $"lead {i + 1}", Score: rounded,
                Grade: rounded >= 70 ? "hot" : rounded >= 40 ? "warm" : "cold", Reasons: reasons);
        }).OrderByDescending(l => l.Score).ToList();
        var ranked = new JsonArray(scored.Select(l => (JsonNode?)new JsonObject
        {
            ["name"] = l.Name,
            ["score"] = l.Score,
            ["grade"] = l.Grade,
            ["reasons"] = Array(l.Reasons),
        }).ToArray());
        return new AgentOutput(
            $"Scored {scored.Count} leads; best is {scored[0].Name} ({scored[0].Score}/100, {scored[0].Grade}).",
            scored[0].Name, 0.9, new JsonObject { ["leads"] = ranked });
    }

    private async Task<AgentOutput> OutreachAsync(AgentInvocation invocation, CancellationToken ct)
    {
        var text = Material(invocation);
        var points = (await ai.KeyPointsAsync(text, 3, cancellationToken: ct)).Value;
        var prospect = ContextString(invocation.Context, "prospect") ?? ContextString(invocation.Context, "name") ?? "there";
        var offer = ContextString(invocation.Context, "offer") ?? ContextString(invocation.Context, "product") ?? Title(points.Keywords.FirstOrDefault() ?? "our product");
        var subject = $"{offer} — a quick idea for you";
        var body = $"Hi {prospect},\n\n{string.Join(" ", points.Points.Take(2))}\n\nWould a 15-minute call next week make sense to see whether {offer} fits?\n\nBest regards";
        var followUp = $"Hi {prospect}, following up on my note about {offer}. Happy to share a short demo whenever suits you.";
        return new AgentOutput($"Wrote an outreach email to {prospect} about {offer} and a follow-up.", "outreach", 0.8,
            new JsonObject { ["email"] = new JsonObject { ["subject"] = subject, ["body"] = body }, ["followUp"] = followUp });
    }

    private static readonly AiLabel[] SupportTopics =
    [
        new("billing", "payments, invoices, refunds, charges, subscription price"),
        new("technical", "errors, bugs, crashes, something not working, login problems"),
        new("account", "account settings, password, profile, access"),
        new("shipping", "delivery, order status, package, tracking"),
        new("feedback", "suggestions, praise, feature requests"),
    ];

    private async Task<AgentOutput> TriageAsync(AgentInvocation invocation, CancellationToken ct)
    {
        var text = Material(invocation);
        var topic = (await ai.ClassifyAsync(text, SupportTopics, cancellationToken: ct)).Value;
        var sentiment = (await ai.SentimentAsync(text, cancellationToken: ct)).Value;
        var lower = text.ToLowerInvariant();
        var urgent = new[] { "urgent", "asap", "immediately", "down", "outage", "cannot", "can't" }.Any(w => lower.Contains(w, StringComparison.Ordinal));
        var urgency = urgent && sentiment.Score < 0 ? "high" : urgent || sentiment.Score < -0.3 ? "medium" : "low";
        var team = topic.Label switch
        {
            "billing" => "billing-team",
            "technical" => "engineering-support",
            "account" => "account-team",
            "shipping" => "logistics",
            _ => "customer-success",
        };
        return new AgentOutput($"A {topic.Label} request, {sentiment.Label} in tone, {urgency} urgency: route to {team}.",
            sentiment.Label, Math.Round((topic.Confidence + sentiment.Confidence) / 2, 3),
            new JsonObject
            {
                ["category"] = topic.Label,
                ["categoryConfidence"] = topic.Confidence,
                ["sentiment"] = sentiment.Label,
                ["sentimentScore"] = sentiment.Score,
                ["urgency"] = urgency,
                ["route"] = team,
            });
    }

    private async Task<AgentOutput> ReplyAsync(AgentInvocation invocation, CancellationToken ct)
    {
        var text = Material(invocation);
        var sentiment = (await ai.SentimentAsync(text, cancellationToken: ct)).Value;
        var points = (await ai.KeyPointsAsync(text, 3, cancellationToken: ct)).Value;
        var opening = sentiment.Label == AiSentiment.NegativeLabel
            ? "I'm sorry for the trouble, and thank you for telling us."
            : "Thank you for reaching out.";
        var reply = $"Hello,\n\n{opening} We have looked at your message about {string.Join(", ", points.Keywords.Take(3))}. " +
            "Here is what we will do next: we will review the details, update you within one business day, and make sure it is resolved.\n\nKind regards,\nSupport";
        return new AgentOutput($"Drafted a {(sentiment.Label == AiSentiment.NegativeLabel ? "apologetic" : "friendly")} reply.",
            sentiment.Label, Math.Round(Math.Max(0.6, sentiment.Confidence), 3),
            new JsonObject { ["reply"] = reply, ["tone"] = sentiment.Label, ["addresses"] = Array(points.Points) });
    }

    private async Task<AgentOutput> ResearchAsync(AgentInvocation invocation, CancellationToken ct)
    {
        var text = Material(invocation);
        var summary = (await ai.SummarizeAsync(text, 3, cancellationToken: ct)).Value;
        var points = (await ai.KeyPointsAsync(text, 5, cancellationToken: ct)).Value;
        var entities = (await ai.ExtractEntitiesAsync(text, cancellationToken: ct)).Value;
        var sentiment = (await ai.SentimentAsync(text, cancellationToken: ct)).Value;
        return new AgentOutput(summary.Text, sentiment.Label, 0.85, new JsonObject
        {
            ["summary"] = summary.Text,
            ["keyPoints"] = Array(points.Points),
            ["keywords"] = Array(points.Keywords),
            ["entities"] = new JsonArray(entities.Items.Select(e => (JsonNode?)new JsonObject { ["text"] = e.Text, ["type"] = e.Type }).ToArray()),
            ["sentiment"] = sentiment.Label,
        });
    }

    private async Task<AgentOutput> ArticleAsync(AgentInvocation invocation, CancellationToken ct)
    {
        var text = Material(invocation);
        var points = (await ai.KeyPointsAsync(text, 5, cancellationToken: ct)).Value;
        var topic = ContextString(invocation.Context, "topic") ?? Title(string.Join(" ", points.Keywords.Take(3)));
        var sections = new List<string> { $"Why {topic} matters" };
        sections.AddRange(points.Keywords.Skip(1).Take(3).Select(k => $"Getting {Title(k)} right"));
        sections.Add("Next steps");
        var outline = new JsonArray(sections.Select(s => (JsonNode?)new JsonObject
        {
            ["heading"] = s,
            ["notes"] = points.Points.FirstOrDefault(p => p.Contains(s.Split(' ').Last(), StringComparison.OrdinalIgnoreCase)) ?? "",
        }).ToArray());
        var intro = $"{topic} is on many teams' minds. In this post we cover {string.Join(", ", sections.Skip(1).Take(3).Select(s => s.ToLowerInvariant()))}, and what to do next.";
        return new AgentOutput($"Outlined \"{topic}: a practical guide\" in {sections.Count} sections.", "draft", 0.8,
            new JsonObject { ["title"] = $"{topic}: a practical guide", ["introduction"] = intro, ["outline"] = outline, ["callToAction"] = "Subscribe for more guides like this." });
    }

    private async Task<AgentOutput> ModerateAsync(AgentInvocation invocation, CancellationToken ct)
    {
        var text = Material(invocation);
        var verdict = (await ai.ModerateAsync(text, cancellationToken: ct)).Value;
        var highest = verdict.Categories.Count == 0 ? 0 : verdict.Categories.Values.Max();
        var categories = new JsonObject();
        foreach (var (name, score) in verdict.Categories)
        {
            categories[name] = score;
        }
        return new AgentOutput(
            verdict.Flagged ? $"Not publishable: flagged for {string.Join(", ", verdict.FlaggedCategories)}." : "Publishable: nothing unsafe found.",
            verdict.Flagged ? "block" : "allow", Math.Round(verdict.Flagged ? Math.Max(0.5, highest) : 1 - highest, 3),
            new JsonObject { ["flagged"] = verdict.Flagged, ["flaggedCategories"] = Array(verdict.FlaggedCategories), ["categories"] = categories });
    }

    private async Task<AgentOutput> PlanAsync(AgentInvocation invocation, CancellationToken ct)
    {
        var constraints = ContextStrings(invocation.Context, "deadline", "budget", "constraints", "stack");
        var plan = (await ai.PlanAsync(invocation.Query, constraints, cancellationToken: ct)).Value;
        return new AgentOutput(
            $"{plan.Tasks.Count} tasks, about {plan.TotalEstimateMinutes} minutes of work ({plan.CriticalPathMinutes} on the critical path).",
            plan.Intent, 0.8, new JsonObject
            {
                ["intent"] = plan.Intent,
                ["tasks"] = Tasks(plan),
                ["totalEstimateMinutes"] = plan.TotalEstimateMinutes,
                ["criticalPathMinutes"] = plan.CriticalPathMinutes,
            });
    }

    private async Task<AgentOutput> GeneralAsync(AgentInvocation invocation, CancellationToken ct)
    {
        var text = Material(invocation);
        var summary = (await ai.SummarizeAsync(text, 2, cancellationToken: ct)).Value;
        var points = (await ai.KeyPointsAsync(text, 3, cancellationToken: ct)).Value;
        var sentiment = (await ai.SentimentAsync(text, cancellationToken: ct)).Value;
        return new AgentOutput(summary.Text, sentiment.Label, 0.7, new JsonObject
        {
            ["summary"] = summary.Text,
            ["keyPoints"] = Array(points.Points),
            ["sentiment"] = sentiment.Label,
        });
    }

    /// <summary>The query, the context's text fields and earlier agents' summaries, as one text.</summary>
    private static string Material(AgentInvocation invocation)
    {
        var parts = new List<string> { invocation.Query };
        parts.AddRange(TextFields.Select(f => ContextString(invocation.Context, f)).OfType<string>());
        parts.AddRange(invocation.PreviousResults.Select(r => r.Output.Summary).Where(s => s.Length > 0));
        return string.Join("\n\n", parts.Select(p => p.Trim().TrimEnd('.') + "."));
    }

    private static string? ContextString(JsonObject obj, string name) =>
        obj[name] switch
        {
            JsonValue value when value.TryGetValue<string>(out var text) && !string.IsNullOrWhiteSpace(text) => text.Trim(),
            JsonValue value when value.TryGetValue<double>(out var number) => number.ToString(CultureInfo.InvariantCulture),
            _ => null,
        };

    private static List<string> ContextStrings(JsonObject context, params string[] names) =>
        names.Select(n => ContextString(context, n) is { } v ? $"{n}: {v}" : null).OfType<string>().ToList();

    private static double? Number(JsonObject obj, string name) =>
        obj[name] is JsonValue value && value.TryGetValue<double>(out var number) ? number : null;

    private static JsonArray Tasks(AiPlan plan) => new(plan.Tasks.Select(t => (JsonNode?)new JsonObject
    {
        ["id"] = t.Id,
        ["title"] = t.Title,
        ["description"] = t.Description,
        ["dependsOn"] = Array(t.DependsOn),
        ["estimateMinutes"] = t.EstimateMinutes,
    }).ToArray());

    private static JsonArray Array(IEnumerable<string> values) => new(values.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());

    private static string Title(string text) =>
        CultureInfo.InvariantCulture.TextInfo.ToTitleCase(text.Trim());
}
