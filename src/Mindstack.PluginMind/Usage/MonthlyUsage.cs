namespace Mindstack.PluginMind.Usage;

/// <summary>
/// Queries an account made in one calendar month (UTC, <c>yyyy-MM</c>). A new month is a new row,
/// so the count starts again at zero without any reset job.
/// </summary>
internal sealed class MonthlyUsage
{
    public required string AccountId { get; set; }
    public required string Period { get; set; }
    public int QueriesUsed { get; set; }
}
