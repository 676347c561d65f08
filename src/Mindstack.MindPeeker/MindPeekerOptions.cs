namespace Mindstack.MindPeeker;

/// <summary>The module's settings, <c>Mindstack:MindPeeker:*</c>.</summary>
public sealed class MindPeekerOptions
{
    public const string Section = "Mindstack:MindPeeker";

    /// <summary>
    /// How long after creation a session starts running (default 1000). A client that opens the
    /// session's <c>websocket_url</c> within this grace sees every stage live; one that connects
    /// later is sent the stages so far on connecting either way.
    /// </summary>
    public int StartDelayMilliseconds { get; set; } = 1000;

    /// <summary>
    /// How often each node adds its counted API calls to <c>mindpeeker_usage_months</c> (default 5
    /// seconds; also on shutdown). A crash loses at most this long's counts.
    /// </summary>
    public int UsageFlushSeconds { get; set; } = 5;
}
