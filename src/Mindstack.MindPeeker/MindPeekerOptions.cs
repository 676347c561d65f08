using Microsoft.Extensions.Options;

namespace Mindstack.MindPeeker;

/// <summary>
/// The module's settings, <c>Mindstack:MindPeeker:*</c>, bound and validated at start. The older
/// numeric keys <c>StartDelayMilliseconds</c> and <c>UsageFlushSeconds</c> are still read and win.
/// </summary>
public sealed class MindPeekerOptions
{
    public const string Section = "Mindstack:MindPeeker";

    /// <summary>
    /// How long after creation a session starts running (default 1 s). A client that opens the
    /// session's <c>websocket_url</c> within this grace sees every stage live; one that connects
    /// later is sent the stages so far on connecting either way.
    /// </summary>
    public TimeSpan StartDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How often each node adds its counted API calls to <c>mindpeeker_usage_months</c> (default 5
    /// seconds; also on shutdown). A crash loses at most this long's counts.
    /// </summary>
    public TimeSpan UsageFlush { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The older spelling of <see cref="StartDelay"/>, in milliseconds.</summary>
    public double? StartDelayMilliseconds { get; set; }

    /// <summary>The older spelling of <see cref="UsageFlush"/>, in seconds.</summary>
    public double? UsageFlushSeconds { get; set; }

    /// <summary>Applies the older numeric keys, which win when given.</summary>
    internal void ApplyNumericKeys()
    {
        if (StartDelayMilliseconds is { } delay)
        {
            StartDelay = TimeSpan.FromMilliseconds(delay);
        }
        if (UsageFlushSeconds is { } flush)
        {
            UsageFlush = TimeSpan.FromSeconds(flush);
        }
    }
}

/// <summary>Refuses a start with a bad <c>Mindstack:MindPeeker:*</c> value, naming the setting.</summary>
internal sealed class MindPeekerOptionsValidator : IValidateOptions<MindPeekerOptions>
{
    public ValidateOptionsResult Validate(string? name, MindPeekerOptions options)
    {
        var failures = new List<string>();
        const string at = MindPeekerOptions.Section + ":";
        if (options.StartDelay < TimeSpan.Zero)
        {
            failures.Add(options.StartDelayMilliseconds is null ? $"{at}StartDelay must not be negative" : $"{at}StartDelayMilliseconds must be 0 or more");
        }
        if (options.UsageFlush < TimeSpan.FromSeconds(1))
        {
            failures.Add(options.UsageFlushSeconds is null ? $"{at}UsageFlush must be at least 00:00:01" : $"{at}UsageFlushSeconds must be at least 1");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
