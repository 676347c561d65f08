using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Mindstack.Platform.Observability;

/// <summary>
/// How long each phase of a start took, from the process's start to listening, logged once at
/// Information under <see cref="Category"/> (<c>Logging:LogLevel:Mindstack.Startup=Information</c>
/// shows it where the default level is higher), so a slow start shows where it went. The host
/// marks the end of each phase; the platform marks its own (migrations, the key ring).
/// </summary>
public sealed class StartupTimeline
{
    /// <summary>The log category of the start's timings.</summary>
    public const string Category = "Mindstack.Startup";

    private readonly Lock _gate = new();
    private readonly List<(string Phase, TimeSpan Took)> _phases = [];
    private readonly TimeSpan _beforeMain;
    private long _last = Stopwatch.GetTimestamp();
    private bool _written;

    private StartupTimeline(TimeSpan beforeMain) => _beforeMain = beforeMain;

    /// <summary>Starts timing at the entry point; what the runtime took before it is the first phase.</summary>
    public static StartupTimeline Begin()
    {
        TimeSpan beforeMain;
        try
        {
            using var process = Process.GetCurrentProcess();
            beforeMain = DateTime.Now - process.StartTime;
        }
        catch (Exception exception) when (exception is InvalidOperationException or NotSupportedException or System.ComponentModel.Win32Exception)
        {
            beforeMain = TimeSpan.Zero;
        }
        return new StartupTimeline(beforeMain < TimeSpan.Zero ? TimeSpan.Zero : beforeMain);
    }

    /// <summary>Ends the phase that ran since the last mark (or since the entry point).</summary>
    public void Mark(string phase)
    {
        var now = Stopwatch.GetTimestamp();
        lock (_gate)
        {
            _phases.Add((phase, Stopwatch.GetElapsedTime(_last, now)));
            _last = now;
        }
    }

    /// <summary>Every phase so far, the runtime's start first.</summary>
    public IReadOnlyList<(string Phase, TimeSpan Took)> Phases
    {
        get
        {
            lock (_gate)
            {
                return [("runtime start (process to entry point)", _beforeMain), .. _phases];
            }
        }
    }

    /// <summary>From the process's start to the last mark.</summary>
    public TimeSpan Total => Phases.Aggregate(TimeSpan.Zero, (sum, p) => sum + p.Took);

    /// <summary>Logs the phases once (later calls do nothing).</summary>
    public void Write(ILoggerFactory loggers)
    {
        lock (_gate)
        {
            if (_written)
            {
                return;
            }
            _written = true;
        }
        var logger = loggers.CreateLogger(Category);
        if (!logger.IsEnabled(LogLevel.Information))
        {
            return;
        }
        var text = new StringBuilder();
        foreach (var (phase, took) in Phases)
        {
            text.Append(CultureInfo.InvariantCulture, $"{phase} {took.TotalMilliseconds:F0} ms; ");
        }
        logger.LogInformation("Started in {TotalMs} ms: {Phases}", Math.Round(Total.TotalMilliseconds), text.ToString().TrimEnd(' ', ';'));
    }
}
