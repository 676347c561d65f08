namespace Mindstack.Mindra.Agents;

/// <summary>The agents every account can use, across the verticals. Their behaviours are in <see cref="BuiltInBehaviours"/>.</summary>
internal static class BuiltInAgents
{
    private static readonly DateTime Published = new(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc);

    public static readonly IReadOnlyList<AgentDefinition> All =
    [
        Agent("campaign-strategist", "Campaign Strategist", "marketing",
            "Drafts marketing campaigns: audience, channels, messaging, a step-by-step launch plan and an email draft.",
            ["campaign-planning", "email-campaign", "copywriting", "audience-targeting"],
            ["campaign", "email", "newsletter", "marketing", "promotion", "launch", "audience", "brand", "ads", "promote", "product"], 5),
        Agent("seo-optimizer", "SEO Optimizer", "marketing",
            "Finds the key phrases of a page or brief and proposes titles, meta descriptions and keywords.",
            ["seo", "keyword-research", "meta-description"],
            ["seo", "keyword", "search", "ranking", "meta", "title", "google", "traffic"], 3),
        Agent("lead-qualifier", "Lead Qualifier", "sales",
            "Scores and ranks leads given in context (company, budget, employees, engagement) and explains each score.",
            ["lead-scoring", "qualification", "prioritization"],
            ["lead", "prospect", "qualify", "score", "pipeline", "deal", "budget", "sales"], 4),
        Agent("sales-outreach-writer", "Sales Outreach Writer", "sales",
            "Writes personalised outreach and follow-up emails for a prospect and an offer.",
            ["outreach", "email-writing", "follow-up"],
            ["outreach", "cold", "follow", "prospect", "pitch", "sales", "email", "offer"], 3),
        Agent("support-triage", "Support Triage", "support",
            "Classifies a customer message by topic and urgency, measures its sentiment and routes it.",
            ["ticket-classification", "sentiment-analysis", "routing"],
            ["ticket", "customer", "complaint", "support", "issue", "refund", "urgent", "help", "problem", "angry"], 2),
        Agent("support-responder", "Support Responder", "support",
            "Drafts an empathetic reply to a customer message, addressing its key points.",
            ["reply-drafting", "customer-communication"],
            ["reply", "respond", "answer", "customer", "support", "message", "apology"], 3),
        Agent("data-analyst", "Data Analyst", "analytics",
            "Computes statistics from data given in context (count, sum, mean, median, min, max, standard deviation, trend, growth).",
            ["statistics", "trend-analysis", "metrics"],
            ["analyze", "analyse", "analysis", "data", "metric", "revenue", "growth", "trend", "average", "statistics", "sales", "numbers", "kpi", "report"], 4),
        Agent("research-summarizer", "Research Summarizer", "research",
            "Summarises documents and extracts key points and named entities.",
            ["summarization", "key-points", "entity-extraction"],
            ["research", "summarize", "summarise", "summary", "document", "article", "paper", "extract", "findings", "study", "report"], 4),
        Agent("content-writer", "Content Writer", "content",
            "Outlines and drafts blog posts and articles on a topic, with a title, sections and a call to action.",
            ["blog-writing", "outlining", "copywriting"],
            ["blog", "post", "article", "write", "content", "outline", "draft", "story"], 4),
        Agent("content-moderator", "Content Moderator", "content",
            "Checks text for unsafe content (harassment, hate, violence, spam) and says whether it can be published.",
            ["moderation", "safety-review"],
            ["moderate", "moderation", "safe", "unsafe", "toxic", "spam", "review", "publish"], 1),
        Agent("task-planner", "Engineering Task Planner", "engineering",
            "Breaks an engineering goal into ordered tasks with dependencies and estimates.",
            ["planning", "task-breakdown", "estimation"],
            ["build", "implement", "engineering", "feature", "code", "api", "deploy", "migrate", "plan", "bug", "system", "refactor", "integration"], 5),
        Agent("general-assistant", "General Assistant", "general",
            "Answers any query with a short summary and key points; used when no specialist agent fits.",
            ["general", "summarization"],
            [], 1) with { IsFallback = true },
    ];

    public static AgentDefinition? Find(string id) => All.FirstOrDefault(a => a.Id == id);

    private static AgentDefinition Agent(string id, string name, string vertical, string description,
        IReadOnlyList<string> capabilities, IReadOnlyList<string> keywords, long priceCents) => new()
        {
            Id = id,
            Name = name,
            Vertical = vertical,
            Description = description,
            Capabilities = capabilities,
            Keywords = keywords,
            PriceCents = priceCents,
            CreatedAt = Published,
            UpdatedAt = Published,
        };
}
