using Mindstack.Platform.Http;

namespace Mindstack.Platform.Ai;

/// <summary>
/// The facts an AI problem carries in <see cref="Problem.Details"/>, so a module can tell, say, a
/// user's rejected key (<see cref="Status"/> 401) from a provider outage. Never holds a key.
/// </summary>
public sealed record AiProblemDetails(string Operation, string Provider, string? Model, string Reason, int? Status = null, int Attempts = 1);

/// <summary>The engine's problems. Each module's Dialect names them with its own code and status.</summary>
public static class AiProblems
{
    /// <summary>The reason of the local engine's refusal to translate.</summary>
    public const string TranslationUnavailableReason = "translation_unavailable";

    /// <summary>
    /// The local engine cannot translate offline: kind <see cref="ProblemKind.Unavailable"/> (in most
    /// dialects <c>SERVICE_UNAVAILABLE</c> 503), details reason <c>translation_unavailable</c>.
    /// </summary>
    public static Problem TranslationUnavailable() => new(
        ProblemKind.Unavailable,
        "Translation is not available on the built-in offline AI engine (mindstack-local); configure an OpenAI-compatible provider or use your own provider key.",
        details: new AiProblemDetails(nameof(AiOperation.Translate), AiProviders.Local, null, TranslationUnavailableReason));

    /// <summary>A remote provider failed (kind <see cref="ProblemKind.UpstreamFailed"/>).</summary>
    public static Problem Upstream(AiOperation operation, string provider, string? model, string reason, int? status, int attempts) =>
        new(ProblemKind.UpstreamFailed,
            $"The AI provider '{provider}' failed{(status is null ? "" : $" (HTTP {status})")} after {attempts} attempt{(attempts == 1 ? "" : "s")}: {reason}",
            details: new AiProblemDetails(operation.ToString(), provider, model, reason, status, attempts));

    /// <summary>The local engine cannot satisfy a structured-output schema.</summary>
    public static Problem SchemaUnsatisfiable(string schemaName, IReadOnlyList<string> errors) => new(
        ProblemKind.Unavailable,
        $"The offline AI engine cannot produce output for the schema '{schemaName}': {string.Join("; ", errors.Take(3))}",
        details: new AiProblemDetails(nameof(AiOperation.Structured), AiProviders.Local, null, "schema_unsatisfiable"));
}
