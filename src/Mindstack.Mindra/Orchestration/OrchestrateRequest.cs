using System.Text.Json;
using System.Text.Json.Nodes;
using Mindstack.Mindra.Agents;
using Mindstack.Platform.Http;

namespace Mindstack.Mindra.Orchestration;

/// <summary>The body of <c>POST /v1/orchestrate</c>, as the document and its SDKs send it.</summary>
internal sealed record OrchestrateRequest
{
    public string? Query { get; init; }
    public JsonNode? Context { get; init; }
    public SelectionCriteriaBody? SelectionCriteria { get; init; }
    public string? AggregationStrategy { get; init; }
    public string? Mode { get; init; }
    public WebhookBody? Webhook { get; init; }
}

internal sealed record SelectionCriteriaBody
{
    public List<string>? Verticals { get; init; }
    public List<string>? RequiredCapabilities { get; init; }
    public int? MaxAgents { get; init; }
    public double? MinConfidence { get; init; }
}

internal sealed record WebhookBody
{
    public string? Url { get; init; }
    public List<string>? Events { get; init; }
    public string? Secret { get; init; }
}

/// <summary>How the agents' outputs become one result.</summary>
internal static class AggregationStrategies
{
    public const string Merge = "merge";
    public const string Best = "best";
    public const string Vote = "vote";
    /// <summary>No combining: every agent's output, for the client to combine as it likes.</summary>
    public const string Custom = "custom";

    public static readonly IReadOnlyList<string> All = [Merge, Best, Vote, Custom];
}

internal static class ExecutionModes
{
    public const string Sequential = "sequential";
    public const string Parallel = "parallel";
}

/// <summary>The events an execution announces.</summary>
internal static class ExecutionEvents
{
    public const string Started = "execution.started";
    public const string Completed = "execution.completed";
    public const string Failed = "execution.failed";
    public const string AgentStarted = "agent.started";
    public const string AgentCompleted = "agent.completed";

    public static readonly IReadOnlyList<string> All = [Started, Completed, Failed, AgentStarted, AgentCompleted];
}

/// <summary>What selection works with, with the document's defaults filled in.</summary>
internal sealed record SelectionCriteria(
    IReadOnlyList<string> Verticals, IReadOnlyList<string> RequiredCapabilities, int MaxAgents, double MinConfidence);

/// <summary>A request that passed validation.</summary>
internal sealed record ValidOrchestration(
    string Query,
    JsonObject Context,
    SelectionCriteria Criteria,
    string Strategy,
    string Mode,
    WebhookBody? Webhook);

internal static class OrchestrateValidation
{
    public const int MaxQueryLength = 10_000;
    public const int MaxContextDepth = 10;
    public const int MinWebhookSecretLength = 8;
    public const int MaxWebhookSecretLength = 256;

    /// <summary>Checks every field; all failures are reported together as one INVALID_REQUEST.</summary>
    public static ValidOrchestration Validate(OrchestrateRequest request)
    {
        var validation = new Validation();
        var query = request.Query?.Trim() ?? "";
        if (query.Length == 0)
        {
            validation.Add("query", "query is required");
        }
        else if (query.Length > MaxQueryLength)
        {
            validation.Add("query", $"query must be at most {MaxQueryLength} characters");
        }

        var context = new JsonObject();
        switch (request.Context)
        {
            case null:
                break;
            case JsonObject obj:
                if (Depth(obj) > MaxContextDepth)
                {
                    validation.Add("context", $"context must be nested at most {MaxContextDepth} levels deep");
                }
                context = obj;
                break;
            default:
                validation.Add("context", "context must be an object");
                break;
        }

        var body = request.SelectionCriteria ?? new SelectionCriteriaBody();
        var verticals = Clean(body.Verticals);
        foreach (var vertical in verticals.Where(v => !Verticals.IsKnown(v)))
        {
            validation.Add("selectionCriteria.verticals", $"unknown vertical '{vertical}'; known: {string.Join(", ", Verticals.All)}");
        }
        var capabilities = Clean(body.RequiredCapabilities);
        var maxAgents = body.MaxAgents ?? 5;
        if (maxAgents is < 1 or > 10)
        {
            validation.Add("selectionCriteria.maxAgents", "maxAgents must be between 1 and 10");
        }
        var minConfidence = body.MinConfidence ?? 0.7;
        if (double.IsNaN(minConfidence) || minConfidence is < 0 or > 1)
        {
            validation.Add("selectionCriteria.minConfidence", "minConfidence must be between 0 and 1");
        }

        var strategy = request.AggregationStrategy?.Trim().ToLowerInvariant() ?? AggregationStrategies.Merge;
        if (!AggregationStrategies.All.Contains(strategy, StringComparer.Ordinal))
        {
            validation.Add("aggregationStrategy", "aggregationStrategy must be merge, best, vote or custom");
        }
        var mode = request.Mode?.Trim().ToLowerInvariant() ?? ExecutionModes.Sequential;
        if (mode is not (ExecutionModes.Sequential or ExecutionModes.Parallel))
        {
            validation.Add("mode", "mode must be sequential or parallel");
        }

        if (request.Webhook is { } webhook)
        {
            if (!Uri.TryCreate(webhook.Url, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp))
            {
                validation.Add("webhook.url", "webhook.url must be an absolute http(s) URL");
            }
            foreach (var name in webhook.Events ?? [])
            {
                if (!ExecutionEvents.All.Contains(name, StringComparer.Ordinal))
                {
                    validation.Add("webhook.events", $"unknown event '{name}'; known: {string.Join(", ", ExecutionEvents.All)}");
                }
            }
            // Checked here, with the platform's bounds, so a bad secret is named as the request's field before anything is reserved.
            // Deliveries carry signature "sha256=…" over the payload with this secret, which the receiver
            // must know to verify them: a webhook without one cannot be verified, so it is refused.
            if (string.IsNullOrEmpty(webhook.Secret))
            {
                validation.Add("webhook.secret", "webhook.secret is required: deliveries are signed with it (sha256=HMAC-SHA256 of the payload)");
            }
            else if (webhook.Secret.Length is < MinWebhookSecretLength or > MaxWebhookSecretLength)
            {
                validation.Add("webhook.secret", $"webhook.secret must be {MinWebhookSecretLength} to {MaxWebhookSecretLength} characters");
            }
        }

        validation.ThrowIfInvalid();
        return new ValidOrchestration(query, context, new SelectionCriteria(verticals, capabilities, maxAgents, minConfidence),
            strategy, mode, request.Webhook);
    }

    /// <summary>Nesting depth: a flat object is 1.</summary>
    internal static int Depth(JsonNode? node) => node switch
    {
        JsonObject obj => 1 + obj.Select(p => Depth(p.Value)).DefaultIfEmpty(0).Max(),
        JsonArray array => 1 + array.Select(Depth).DefaultIfEmpty(0).Max(),
        _ => 0,
    };

    private static List<string> Clean(List<string>? values) =>
        (values ?? []).Select(v => v?.Trim().ToLowerInvariant() ?? "").Where(v => v.Length > 0).Distinct(StringComparer.Ordinal).ToList();

    /// <summary>The context as compact JSON text, for storage.</summary>
    public static string ToJson(JsonNode node) => node.ToJsonString(new JsonSerializerOptions { WriteIndented = false });
}
