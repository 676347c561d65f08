using Mindstack.Platform.Http;

namespace Mindstack.PluginMind.Processing;

/// <summary>An analysis request that passed validation: the trimmed input and its workflow.</summary>
internal sealed record ValidAnalysis(string Input, string Type);

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
    public ValidAnalysis Validate()
    {
        var validation = new Validation();
        if (UserInput is null)
        {
            validation.Add("user_input", "Field required");
        }
        else if (string.IsNullOrWhiteSpace(UserInput))
        {
            validation.Add("user_input", "User input cannot be empty or whitespace only");
        }
        else if (CharacterCount(UserInput) > MaxInputLength)
        {
            validation.Add("user_input", $"String should have at most {MaxInputLength} characters");
        }
        var type = AnalysisType?.Trim().ToLowerInvariant() ?? "crypto";
        if (!Types.Contains(type))
        {
            validation.Add("analysis_type", $"Input should be {string.Join(", ", Types.Select(t => $"'{t}'"))}");
        }
        validation.ThrowIfInvalid("Invalid request payload.");
        return new ValidAnalysis(UserInput!.Trim(), type);
    }

    /// <summary>Characters as the original's pydantic model counted them: code points, so an emoji is one, not two UTF-16 units.</summary>
    private static int CharacterCount(string text) => text.EnumerateRunes().Count();
}
