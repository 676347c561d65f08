using Mindstack.Platform.Http;

namespace Mindstack.PluginMind.Processing;

/// <summary>The body of <c>/process</c>, <c>/analyze</c> and <c>/analyze-async</c>.</summary>
internal sealed record AnalysisRequest(string? UserInput, string? AnalysisType)
{
    public const int MaxInputLength = 5000;

    /// <summary>The five processing workflows.</summary>
    public static readonly IReadOnlyList<string> Types = ["document", "chat", "seo", "crypto", "custom"];

    /// <summary>
    /// The checked input and type (default <c>crypto</c>), or a Validation problem (422) naming
    /// every bad field, as the original's pydantic model did.
    /// </summary>
    public (string Input, string Type) Validate()
    {
        var errors = new List<FieldError>();
        if (UserInput is null)
        {
            errors.Add(new FieldError("user_input", "Field required"));
        }
        else if (string.IsNullOrWhiteSpace(UserInput))
        {
            errors.Add(new FieldError("user_input", "User input cannot be empty or whitespace only"));
        }
        else if (CharacterCount(UserInput) > MaxInputLength)
        {
            errors.Add(new FieldError("user_input", $"String should have at most {MaxInputLength} characters"));
        }
        var type = AnalysisType?.Trim().ToLowerInvariant() ?? "crypto";
        if (!Types.Contains(type))
        {
            errors.Add(new FieldError("analysis_type", $"Input should be {string.Join(", ", Types.Select(t => $"'{t}'"))}"));
        }
        return errors.Count > 0 ? throw Problem.Invalid(errors, "Invalid request payload.") : (UserInput!.Trim(), type);
    }

    /// <summary>Characters as the original's pydantic model counted them: code points, so an emoji is one, not two UTF-16 units.</summary>
    private static int CharacterCount(string text) => text.EnumerateRunes().Count();
}
