using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Mindstack.Testing;

/// <summary>
/// A program the tests start (node drivers, the published server): its output captured line by
/// line, its standard input open for commands when asked, and one way to end it. Disposing asks
/// it to end by closing its standard input (when it has one), waits <see cref="StopGrace"/>, then
/// kills its whole process tree, so no test leaves a child (or a grandchild) running.
/// </summary>
public sealed class ChildProcess : IAsyncDisposable
{
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(10);
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly StringBuilder _errors = new();
    private readonly Action<string>? _onOutputLine;
    private int _disposed;

    private ChildProcess(Process process, Action<string>? onOutputLine)
    {
        _process = process;
        _onOutputLine = onOutputLine;
    }

    /// <summary>The repository's root (where <c>Mindstack.slnx</c> is), found from the test's output folder.</summary>
    public static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Mindstack.slnx")))
        {
            directory = directory.Parent;
        }
        return directory?.FullName ?? throw new InvalidOperationException("repository root not found");
    }

    /// <summary>
    /// Starts <paramref name="info"/> with standard output and error redirected (and standard
    /// input when <paramref name="withInput"/>). Each standard output line goes to
    /// <paramref name="onOutputLine"/> when given, and is captured in <see cref="Output"/> either way.
    /// </summary>
    public static ChildProcess Start(ProcessStartInfo info, bool withInput = false, Action<string>? onOutputLine = null)
    {
        info.UseShellExecute = false;
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.RedirectStandardInput = withInput;
        var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {info.FileName}");
        var child = new ChildProcess(process, onOutputLine);
        process.OutputDataReceived += (_, e) => child.OnOutput(e.Data);
        process.ErrorDataReceived += (_, e) => child.OnError(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Everything printed so far, standard output and error interleaved as they arrived.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>What was printed on standard error so far.</summary>
    public string Errors
    {
        get
        {
            lock (_output)
            {
                return _errors.ToString();
            }
        }
    }

    /// <summary>Writes one line to the child's standard input (started with <c>withInput</c>).</summary>
    public Task WriteLineAsync(string line) => _process.StandardInput.WriteLineAsync(line);

    /// <summary>Waits for the child to exit; false when <paramref name="timeout"/> passed first.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(deadline.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Sends SIGTERM (a graceful stop) and waits for the exit; throws when it outlasts <paramref name="timeout"/>.</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        if (!_process.HasExited)
        {
            using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }
            if (!await WaitForExitAsync(timeout))
            {
                throw new TimeoutException($"{_process.StartInfo.FileName} did not exit within {timeout} of SIGTERM:\n{Output}");
            }
        }
        return _process.ExitCode;
    }

    /// <summary>Ends the child and everything it started at once (<c>kill -9</c>), as a crash would.</summary>
    public void Kill()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        if (!_process.HasExited)
        {
            var exited = false;
            if (_process.StartInfo.RedirectStandardInput)
            {
                try
                {
                    // The node drivers end when their standard input closes.
                    _process.StandardInput.Close();
                    exited = await WaitForExitAsync(StopGrace);
                }
                catch (Exception exception) when (exception is IOException or InvalidOperationException)
                {
                }
            }
            if (!exited)
            {
                Kill();
                await _process.WaitForExitAsync();
            }
        }
        _process.Dispose();
    }

    private void OnOutput(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            _output.AppendLine(line);
        }
        _onOutputLine?.Invoke(line);
    }

    private void OnError(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            _output.AppendLine(line);
            _errors.AppendLine(line);
        }
    }
}
