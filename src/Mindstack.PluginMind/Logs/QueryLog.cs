namespace Mindstack.PluginMind.Logs;

/// <summary>One processing call: who, what (an excerpt), whether it worked and how long it took.</summary>
internal sealed class QueryLog
{
    public required string Id { get; set; }
    public string? AccountId { get; set; }
    public required string AnalysisType { get; set; }
    /// <summary>The first 100 characters of the input, with "..." when cut.</summary>
    public required string UserInput { get; set; }
    public bool Success { get; set; }
    public long ResponseTimeMs { get; set; }
    public DateTime CreatedAt { get; set; }
    public string? ErrorMessage { get; set; }

    public static string Excerpt(string input)
    {
        if (input.Length <= 100)
        {
            return input;
        }
        // Never cut a surrogate pair in half: a lone surrogate is not valid UTF-8, and PostgreSQL refuses it.
        var cut = char.IsHighSurrogate(input[99]) ? 99 : 100;
        return input[..cut] + "...";
    }
}
