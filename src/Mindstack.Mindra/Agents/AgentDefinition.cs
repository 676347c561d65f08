namespace Mindstack.Mindra.Agents;

/// <summary>The verticals agents are grouped in.</summary>
internal static class Verticals
{
    public static readonly IReadOnlyList<string> All =
        ["marketing", "sales", "support", "analytics", "research", "content", "engineering", "general"];

    public static bool IsKnown(string vertical) => All.Contains(vertical, StringComparer.Ordinal);
}

/// <summary>
/// An agent as the orchestrator sees it: built into the server or registered by an account (then
/// called over HTTP at <see cref="Url"/>). Prices are whole US cents per execution.
/// </summary>
internal sealed record AgentDefinition
{
    public required string Id { get; init; }
    public required string Name { get; init; }
    public required string Description { get; init; }
    public required string Vertical { get; init; }
    public required IReadOnlyList<string> Capabilities { get; init; }
    /// <summary>Words that make a query relevant to this agent, beyond its capabilities and vertical.</summary>
    public IReadOnlyList<string> Keywords { get; init; } = [];
    public required long PriceCents { get; init; }
    public string PricingModel { get; init; } = "per_execution";
    public string Version { get; init; } = "1.0.0";
    public bool IsActive { get; init; } = true;
    /// <summary>Null for built-in agents; the https endpoint of a registered agent.</summary>
    public string? Url { get; init; }
    public int TimeoutMs { get; init; } = 30_000;
    public int Retries { get; init; }
    /// <summary>The account that registered the agent; null for built-in agents.</summary>
    public string? OwnerAccountId { get; init; }
    /// <summary>The secret a registered agent's requests are signed with.</summary>
    public string? SigningSecret { get; init; }
    /// <summary>Only the fallback when no specialist clears the confidence threshold.</summary>
    public bool IsFallback { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime UpdatedAt { get; init; }

    public bool IsBuiltIn => Url is null;
}
