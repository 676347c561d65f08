using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Mindstack.Testing;

/// <summary>
/// The real server as a separate process, from the published build (<c>MINDSTACK_PUBLISHED_DIR</c>,
/// which <c>./test.sh</c> fills; otherwise published on first use). For tests of what only a real
/// process shows: ports, signals, several nodes.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private static readonly SemaphoreSlim PublishGate = new(1, 1);
    private static string? _published;
    private readonly ChildProcess _process;

    private ServerProcess(ChildProcess process, int port)
    {
        _process = process;
        Port = port;
        BaseAddress = new Uri($"http://127.0.0.1:{port}");
    }

    public int Port { get; }

    public Uri BaseAddress { get; }

    public string Output => _process.Output;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>
    /// Starts the server on a free loopback port with its own data folder and waits for <c>/health</c>
    /// (up to <paramref name="startTimeout"/>, default 3 minutes: a cold start on a loaded machine is
    /// slow). A start that fails or times out ends its process before throwing.
    /// </summary>
    public static async Task<ServerProcess> StartAsync(string dataDirectory, IDictionary<string, string>? environment = null,
        string? databaseConnectionString = null, TimeSpan? startTimeout = null)
    {
        // FreePort's port is free when asked, not when the server binds it: a test process running beside
        // this one can take it in between. A start that loses its port that way is started again on another.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await StartOnceAsync(dataDirectory, environment, databaseConnectionString, startTimeout);
            }
            catch (InvalidOperationException exception) when (attempt < 3
                && exception.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
            {
            }
        }
    }

    private static async Task<ServerProcess> StartOnceAsync(string dataDirectory, IDictionary<string, string>? environment,
        string? databaseConnectionString, TimeSpan? startTimeout)
    {
        var port = FreePort();
        var info = await PublishedStartInfoAsync("--urls", $"http://127.0.0.1:{port}", "--data", dataDirectory);
        info.WorkingDirectory = dataDirectory;
        info.Environment["Mindstack__Database"] = databaseConnectionString ?? "";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }
        var server = new ServerProcess(ChildProcess.Start(info), port);
        try
        {
            await server.WaitHealthyAsync(startTimeout ?? TimeSpan.FromMinutes(3));
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
        return server;
    }

    private async Task WaitHealthyAsync(TimeSpan timeout)
    {
        // Each probe may take long (a busy machine, a first request's JIT): only the overall deadline fails the start.
        using var client = new HttpClient { BaseAddress = BaseAddress, Timeout = Timeout.InfiniteTimeSpan };
        var deadline = DateTime.UtcNow + timeout;
        try
        {
            await Eventually.UntilAsync(ProbeAsync, "the server to answer /health", timeout, TimeSpan.FromMilliseconds(200));
        }
        catch (TimeoutException)
        {
            // The output is read now, at the deadline: it tells why the server never answered.
            throw new TimeoutException($"server did not answer /health in {timeout}:\n{Output}");
        }

        async Task<bool> ProbeAsync()
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"server exited with {_process.ExitCode}:\n{Output}");
            }
            var left = deadline - DateTime.UtcNow;
            using var probe = new CancellationTokenSource(left > TimeSpan.FromSeconds(30) ? TimeSpan.FromSeconds(30)
                : left > TimeSpan.Zero ? left : TimeSpan.FromMilliseconds(1));
            try
            {
                using var response = await client.GetAsync("/health", probe.Token);
                return response.IsSuccessStatusCode;
            }
            catch (Exception exception) when (exception is HttpRequestException or OperationCanceledException)
            {
                // Not listening yet, or too slow this time: ask again until the deadline.
                return false;
            }
        }
    }

    /// <summary>Sends SIGTERM and waits for a graceful exit.</summary>
    public Task<int> StopAsync(TimeSpan? timeout = null) => _process.TerminateAsync(timeout ?? TimeSpan.FromSeconds(30));

    /// <summary>Ends the process at once (<c>kill -9</c>), as a crashed node.</summary>
    public void Kill() => _process.Kill();

    /// <summary>Kills the server (it has no standard input to be asked to stop by).</summary>
    public ValueTask DisposeAsync() => _process.DisposeAsync();

    /// <summary>The folder of the published server (published on first use), e.g. to run its CLI commands.</summary>
    /// <summary>
    /// Whether <paramref name="directory"/> holds a published server: the self-contained single-file
    /// <c>mindstack</c> that <c>./publish.sh</c> makes (what <c>./test.sh</c> publishes, so the shipped
    /// binary is the one the process-level tests run), or a framework-dependent <c>Mindstack.Server.dll</c>.
    /// </summary>
    public static bool IsPublishedDirectory(string? directory) =>
        !string.IsNullOrEmpty(directory)
        && (File.Exists(Path.Combine(directory, SingleFileName)) || File.Exists(Path.Combine(directory, "Mindstack.Server.dll")));

    /// <summary>The published server's command line with <paramref name="args"/>: the single-file binary when there is one, else <c>dotnet Mindstack.Server.dll</c>.</summary>
    public static async Task<ProcessStartInfo> PublishedStartInfoAsync(params string[] args)
    {
        var directory = await PublishedDirectoryAsync();
        var binary = Path.Combine(directory, SingleFileName);
        ProcessStartInfo info;
        if (File.Exists(binary))
        {
            info = new ProcessStartInfo(binary);
        }
        else
        {
            info = new ProcessStartInfo("dotnet");
            info.ArgumentList.Add(Path.Combine(directory, "Mindstack.Server.dll"));
        }
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        return info;
    }

    /// <summary>The name <c>./publish.sh</c> gives the single-file binary.</summary>
    public const string SingleFileName = "mindstack";

    public static async Task<string> PublishedDirectoryAsync()
    {
        PublishedServer.ThrowIfPending();
        await PublishGate.WaitAsync();
        try
        {
            if (_published is not null)
            {
                return _published;
            }
            var fromEnvironment = Environment.GetEnvironmentVariable("MINDSTACK_PUBLISHED_DIR");
            if (fromEnvironment is not null && IsPublishedDirectory(fromEnvironment))
            {
                return _published = fromEnvironment;
            }
            var root = RepositoryRoot();
            var output = Path.Combine(Path.GetTempPath(), "mindstack-published-" + Guid.NewGuid().ToString("N")[..8]);
            var publish = Process.Start(new ProcessStartInfo("dotnet",
                ["publish", Path.Combine(root, "src", "Mindstack.Server"), "-c", "Release", "-o", output, "--nologo", "-v", "q"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            })!;
            var log = await publish.StandardOutput.ReadToEndAsync() + await publish.StandardError.ReadToEndAsync();
            await publish.WaitForExitAsync();
            if (publish.ExitCode != 0)
            {
                throw new InvalidOperationException("dotnet publish failed:\n" + log);
            }
            return _published = output;
        }
        finally
        {
            PublishGate.Release();
        }
    }

    public static string RepositoryRoot() => ChildProcess.RepositoryRoot();
}
