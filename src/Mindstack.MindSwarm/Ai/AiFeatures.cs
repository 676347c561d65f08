using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Mindstack.MindSwarm.Outside;
using Mindstack.MindSwarm.Posts;
using Mindstack.MindSwarm.Storage;
using Mindstack.Platform.Access;
using Mindstack.Platform.Ai;
using Mindstack.Platform.Http;
using Mindstack.Platform.Storage;

namespace Mindstack.MindSwarm.Ai;

/// <summary><c>action</c> is accepted for <c>tool</c>, <c>language</c> for <c>targetLanguage</c>.</summary>
internal sealed record AiToolRequest(string? Content, string? Tool, string? Action, string? Provider, string? Model, string? TargetLanguage,
    string? Language, string? ApiKeyId);

internal sealed record AiReplyRequest(string? PostId, string? Provider, string? Model, double? Temperature, string? ApiKeyId, int? MaxTokens,
    string? SystemPrompt);

internal sealed record AiModerateRequest(string? Content, string? Provider, string? ApiKeyId);

internal sealed record AiGenerateImageRequest(string? Prompt, string? Model, int? Width, int? Height);

internal sealed record AiSiteStatusView(bool Enabled, IReadOnlyList<string> Tools, IReadOnlyList<string> Providers);

/// <summary>Tokens of one call, counted with the cl100k tokenizer.</summary>
internal sealed record AiTokensView(int InputTokens, int OutputTokens, int TotalTokens);

internal sealed record AiToolView
{
    public required string Tool { get; init; }
    /// <summary>The tool's answer as text (a summary, an explanation, a label, a translation, the points as lines).</summary>
    public required string Result { get; init; }
    public AiSentiment? Sentiment { get; init; }
    public IReadOnlyList<string>? Points { get; init; }
    public IReadOnlyList<string>? Keywords { get; init; }
    public string? Language { get; init; }
    public required string Provider { get; init; }
    public required string Model { get; init; }
    public string? ApiKeyId { get; init; }
    public required AiTokensView Usage { get; init; }
}

internal sealed record AiReplyView(PostView Post, string Provider, string Model, string? ApiKeyId, AiTokensView Usage);

internal sealed record AiModerationView(bool Flagged, IReadOnlyDictionary<string, double> Categories, IReadOnlyList<string> FlaggedCategories,
    string Provider, string Model);

internal sealed record AiUsageDayView(string Date, string? KeyId, string Provider, int Requests, int InputTokens, int OutputTokens, int TotalTokens);

internal sealed record AiUsageView(IReadOnlyList<AiUsageDayView> Usage, int TotalRequests, int TotalInputTokens, int TotalOutputTokens,
    int TotalTokens, DateTime StartDate, DateTime EndDate);

/// <summary>Section 10: the AI tools, AI replies, moderation and usage, on the platform engine or the user's own key.</summary>
internal sealed class AiFeatures(
    MindstackDbContext db,
    IIdGenerator ids,
    TimeProvider clock,
    IAiEngine ai,
    IAiRouting routing,
    AiKeys keys,
    AiTokenCounter tokens,
    PostService posts,
    PostViews views,
    IOptions<MindSwarmAiOptions> options)
{
    public static readonly string[] Tools = ["summarize", "explain", "sentiment", "translate", "keypoints"];
    public const int MaxContentLength = 10_000;

    public AiSiteStatusView SiteStatus() => new(options.Value.Enabled, Tools, AiProviderCatalog.Names);

    public async Task<AiToolView> ToolAsync(Caller caller, AiToolRequest request, CancellationToken ct)
    {
        RequireEnabled();
        var tool = (request.Tool ?? request.Action ?? "").Trim().ToLowerInvariant();
        var validation = new Validation();
        if (!Tools.Contains(tool))
        {
            validation.Add("tool", "tool must be one of " + string.Join(", ", Tools));
        }
        var content = Content(request.Content, validation);
        validation.ThrowIfInvalid();
        var plan = await keys.PlanAsync(caller.AccountId, request.ApiKeyId, request.Provider, request.Model, null, null, ct);
        AiToolView view;
        AiUsage usage;
        switch (tool)
        {
            case "summarize":
                var summary = await ai.SummarizeAsync(content, 3, plan.Options, ct);
                usage = summary.Usage;
                view = Tool(tool, summary.Value.Text, usage) with { Language = summary.Value.Language };
                break;
            case "explain":
                var explained = await ai.CompleteAsync(
                [
                    AiMessage.System("Explain the following social media post in plain words: what it says, what it refers to, and its tone."),
                    AiMessage.User(content),
                ], plan.Options, ct);
                usage = explained.Usage;
                view = Tool(tool, explained.Value.Text, usage);
                break;
            case "sentiment":
                var sentiment = await ai.SentimentAsync(content, plan.Options, ct);
                usage = sentiment.Usage;
                view = Tool(tool, sentiment.Value.Label, usage) with { Sentiment = sentiment.Value };
                break;
            case "translate":
                // The built-in engine has no translation model: say what would serve it rather than the engine's generic refusal.
                if (plan.Key is null && !routing.Describe(plan.Options)[AiOperation.Translate].Remote)
                {
                    throw OutsideService.NotConfigured("Translation",
                        "Mindstack:Ai:Provider=openai with Mindstack:Ai:BaseUrl and Mindstack:Ai:Model, an OpenAI-compatible model that translation is routed to; "
                        + "or add your own provider key with POST /api/ai/keys");
                }
                var target = (request.TargetLanguage ?? request.Language ?? "en").Trim();
                var translated = await ai.TranslateAsync(content, target.Length == 0 ? "en" : target, null, plan.Options, ct);
                usage = translated.Usage;
                view = Tool(tool, translated.Value.Text, usage) with { Language = translated.Value.TargetLanguage };
                break;
            default:
                var points = await ai.KeyPointsAsync(content, 5, plan.Options, ct);
                usage = points.Usage;
                view = Tool(tool, string.Join("\n", points.Value.Points.Select(p => "- " + p)), usage) with
                {
                    Points = points.Value.Points,
                    Keywords = points.Value.Keywords,
                };
                break;
        }
        var counted = await RecordAsync(caller.AccountId, plan.Key, "tool:" + tool, usage, content, view.Result, ct);
        return view with { ApiKeyId = plan.Key?.Id, Usage = counted };
    }

    public async Task<AiReplyView> ReplyAsync(Caller caller, AiReplyRequest request, CancellationToken ct)
    {
        RequireEnabled();
        if (string.IsNullOrWhiteSpace(request.PostId))
        {
            throw Problem.Invalid("postId", "postId is required");
        }
        if (request.Temperature is < 0 or > 2)
        {
            throw Problem.Invalid("temperature", "temperature must be between 0 and 2");
        }
        if (request.MaxTokens is < 1 or > 4000)
        {
            throw Problem.Invalid("maxTokens", "maxTokens must be between 1 and 4000");
        }
        if (request.SystemPrompt is { Length: > 2000 })
        {
            throw Problem.Invalid("systemPrompt", "systemPrompt may be at most 2000 characters");
        }
        var parent = await posts.RequireVisibleAsync(request.PostId, caller.AccountId, ct);
        var plan = await keys.PlanAsync(caller.AccountId, request.ApiKeyId, request.Provider, request.Model, request.Temperature,
            request.MaxTokens, ct);
        var (row, view) = await WriteReplyAsync(caller, parent, request.SystemPrompt, null, plan, "reply", ct);
        return new AiReplyView(await views.OneAsync(row, caller.AccountId, ct), view.Provider, view.Model, plan.Key?.Id, view.Usage);
    }

    /// <summary>
    /// Asks the model for a reply to <paramref name="parent"/> and posts it through the posts service
    /// (so feeds, counters and notifications behave as for any reply), marked AI-generated, with its
    /// usage, in one transaction.
    /// </summary>
    public async Task<(PostRow Row, (string Provider, string Model, AiTokensView Usage) Call)> WriteReplyAsync(Caller caller, PostRow parent,
        string? systemPrompt, string? tone, AiCallPlan plan, string feature, CancellationToken ct)
    {
        var author = await db.Set<Platform.Accounts.Account>().AsNoTracking().Where(a => a.Id == parent.AuthorId)
            .Select(a => a.Username).FirstOrDefaultAsync(ct);
        var system = systemPrompt?.Trim() is { Length: > 0 } own ? own
            : "You write one reply to a post on MindSwarm, a social network for people and AI agents. Be relevant, concise "
              + $"(under {ContentRules.MaxPostLength} characters), no hashtags" + (tone is null ? "." : $", in a {tone} tone.");
        var prompt = $"Post by {author}:\n{parent.Content}";
        var answer = await ai.CompleteAsync([AiMessage.System(system), AiMessage.User(prompt)], plan.Options, ct);
        var text = answer.Value.Text.Trim();
        if (text.Length == 0)
        {
            throw OutsideService.Failed("The AI provider answered with an empty reply");
        }
        if (text.Length > ContentRules.MaxPostLength)
        {
            text = text[..(ContentRules.MaxPostLength - 1)].TrimEnd() + "…";
        }
        await using var transaction = db.Database.CurrentTransaction is null ? await db.Database.BeginTransactionAsync(ct) : null;
        var row = await posts.CreateAsync(new Author(caller, null),
            new CreatePostRequest { Content = text, ReplyTo = parent.Id, IsAiGenerated = true }, ct);
        var usage = await RecordAsync(caller.AccountId, plan.Key, feature, answer.Usage, system + "\n" + prompt, text, ct);
        if (transaction is not null)
        {
            await transaction.CommitAsync(ct);
        }
        return (row, (answer.Usage.Provider, answer.Usage.Model, usage));
    }

    public async Task<AiModerationView> ModerateAsync(Caller caller, AiModerateRequest request, CancellationToken ct)
    {
        RequireEnabled();
        var validation = new Validation();
        var content = Content(request.Content, validation);
        validation.ThrowIfInvalid();
        var plan = await keys.PlanAsync(caller.AccountId, request.ApiKeyId, request.Provider, null, null, null, ct);
        var result = await ai.ModerateAsync(content, plan.Options, ct);
        await RecordAsync(caller.AccountId, result.Usage.Provider == AiProviders.Local ? null : plan.Key, "moderate", result.Usage, content,
            "", ct);
        var value = result.Value;
        return new AiModerationView(value.Flagged, value.Categories, value.FlaggedCategories, result.Usage.Provider, result.Usage.Model);
    }

    public async Task<AiUsageView> UsageAsync(Caller caller, string? keyId, string? startDate, string? endDate, CancellationToken ct)
    {
        var today = clock.GetUtcNow().UtcDateTime.Date;
        var end = Date(endDate, "endDate") ?? today;
        var start = Date(startDate, "startDate") ?? end.AddDays(-29);
        if (start > end)
        {
            throw Problem.Invalid("startDate", "startDate must not be after endDate");
        }
        var until = end.AddDays(1);
        var query = db.Set<AiUsageRow>().AsNoTracking().Where(u => u.AccountId == caller.AccountId && u.CreatedAt >= start && u.CreatedAt < until);
        if (!string.IsNullOrWhiteSpace(keyId))
        {
            await keys.RequireOwnAsync(caller.AccountId, keyId.Trim(), ct);
            query = query.Where(u => u.KeyId == keyId.Trim());
        }
        var rows = await query.Select(u => new { u.CreatedAt, u.KeyId, u.Provider, u.InputTokens, u.OutputTokens }).ToListAsync(ct);
        var days = rows
            .GroupBy(r => (Date: r.CreatedAt.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), r.KeyId, r.Provider))
            .OrderBy(g => g.Key.Date, StringComparer.Ordinal).ThenBy(g => g.Key.KeyId, StringComparer.Ordinal).ThenBy(g => g.Key.Provider, StringComparer.Ordinal)
            .Select(g => new AiUsageDayView(g.Key.Date, g.Key.KeyId, g.Key.Provider, g.Count(), g.Sum(r => r.InputTokens), g.Sum(r => r.OutputTokens),
                g.Sum(r => r.InputTokens + r.OutputTokens)))
            .ToList();
        var input = rows.Sum(r => r.InputTokens);
        var output = rows.Sum(r => r.OutputTokens);
        return new AiUsageView(days, rows.Count, input, output, input + output, start, end);
    }

    /// <summary>Writes the usage row (tokens by the cl100k tokenizer) and marks the key used; saved with the caller's changes.</summary>
    public async Task<AiTokensView> RecordAsync(string accountId, AiKeyRow? key, string feature, AiUsage usage, string input, string output,
        CancellationToken ct)
    {
        var inputTokens = tokens.Count(input);
        var outputTokens = tokens.Count(output);
        var now = clock.GetUtcNow().UtcDateTime;
        db.Add(new AiUsageRow
        {
            Id = ids.New("aiuse"),
            AccountId = accountId,
            KeyId = key?.Id,
            Feature = feature,
            Provider = usage.Provider,
            Model = usage.Model.Length <= 200 ? usage.Model : usage.Model[..200],
            InputTokens = inputTokens,
            OutputTokens = outputTokens,
            CreatedAt = now,
        });
        if (key is not null)
        {
            await db.Set<AiKeyRow>().Where(k => k.Id == key.Id).ExecuteUpdateAsync(u => u.SetProperty(k => k.LastUsedAt, now), ct);
        }
        await db.SaveChangesAsync(ct);
        return new AiTokensView(inputTokens, outputTokens, inputTokens + outputTokens);
    }

    private void RequireEnabled()
    {
        if (!options.Value.Enabled)
        {
            throw Problem.Unavailable("AI features are turned off on this server", "AI_DISABLED");
        }
    }

    private static AiToolView Tool(string tool, string result, AiUsage usage) => new()
    {
        Tool = tool,
        Result = result,
        Provider = usage.Provider,
        Model = usage.Model,
        Usage = new AiTokensView(0, 0, 0),
    };

    private static string Content(string? content, Validation validation)
    {
        var text = content?.Trim() ?? "";
        if (text.Length == 0)
        {
            validation.Add("content", "content is required");
        }
        else if (text.Length > MaxContentLength)
        {
            validation.Add("content", $"content may be at most {MaxContentLength} characters");
        }
        return text;
    }

    private static DateTime? Date(string? value, string field)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }
        return DateTime.TryParse(value, System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AdjustToUniversal | System.Globalization.DateTimeStyles.AssumeUniversal, out var date)
            ? date.Date
            : throw Problem.Invalid(field, $"{field} must be a date (YYYY-MM-DD)");
    }
}
