namespace Mindstack.Platform.Ai;

/// <summary>Who speaks a chat message.</summary>
public enum AiRole
{
    System,
    User,
    Assistant,
}

/// <summary>One chat message.</summary>
public sealed record AiMessage(AiRole Role, string Content)
{
    public static AiMessage System(string content) => new(AiRole.System, content);

    public static AiMessage User(string content) => new(AiRole.User, content);

    public static AiMessage Assistant(string content) => new(AiRole.Assistant, content);
}

/// <summary>
/// Per-call choices. All optional: without them the configured routing applies
/// (<c>Mindstack:Ai:*</c>).
/// </summary>
public sealed record AiCallOptions
{
    /// <summary>
    /// Serve this call with this OpenAI-compatible provider (e.g. a user's own key) instead of the
    /// configured one. Operations that route to the local engine by design stay local.
    /// </summary>
    public AiProviderOverride? Provider { get; init; }

    /// <summary>The remote model for this call; ignored by the local engine.</summary>
    public string? Model { get; init; }

    /// <summary>Sampling temperature for remote models; ignored by the local engine (always deterministic).</summary>
    public double? Temperature { get; init; }

    /// <summary>An upper bound on generated tokens for remote models.</summary>
    public int? MaxOutputTokens { get; init; }
}

/// <summary>
/// An OpenAI-compatible endpoint chosen per call: its base URL (the folder holding
/// <c>chat/completions</c>, e.g. <c>https://api.openai.com/v1</c>; a bare host gets <c>/v1</c>),
/// the caller's key, and its models. See <see cref="AiProviders"/> for well-known providers.
/// </summary>
public sealed record AiProviderOverride(string Name, string BaseUrl, string? ApiKey, string? Model = null)
{
    /// <summary>A model for <c>/embeddings</c>; without one, Embed stays on the local engine.</summary>
    public string? EmbeddingModel { get; init; }
}

/// <summary>
/// What a call cost and who served it. Local-engine and unreported remote counts are Mindstack's
/// own estimate (<see cref="Estimated"/>); remote counts are the provider's <c>usage</c>.
/// </summary>
public sealed record AiUsage(
    AiOperation Operation,
    string Provider,
    string Model,
    int InputTokens,
    int OutputTokens,
    TimeSpan Latency,
    bool Estimated)
{
    public int TotalTokens => InputTokens + OutputTokens;

    /// <summary>Attempts made at the provider (retries and structured-output repairs included).</summary>
    public int Attempts { get; init; } = 1;

    /// <summary>The sum of two usages of the same operation (e.g. a structured retry).</summary>
    public AiUsage Plus(AiUsage other) => this with
    {
        InputTokens = InputTokens + other.InputTokens,
        OutputTokens = OutputTokens + other.OutputTokens,
        Latency = Latency + other.Latency,
        Estimated = Estimated || other.Estimated,
        Attempts = Attempts + other.Attempts,
    };
}

/// <summary>An operation's value and its usage.</summary>
public sealed record AiResult<T>(T Value, AiUsage Usage);

/// <summary>A chat reply.</summary>
public sealed record AiCompletion(string Text, string FinishReason);

/// <summary>
/// One piece of a streamed reply: text in <see cref="Delta"/>; the final event has
/// <see cref="Usage"/> and <see cref="FinishReason"/> (and may carry the last text too).
/// </summary>
public sealed record AiStreamEvent(string Delta, string? FinishReason = null, AiUsage? Usage = null)
{
    public bool IsFinal => Usage is not null;
}
