using System.Diagnostics;
using System.Text.Json;

namespace Mindstack.Testing;

/// <summary>
/// npm's <c>s3rver</c> (an S3-compatible store) on a loopback port, through <c>tests/js/s3rver-driver.js</c>,
/// keeping its objects in a temporary folder. Credentials: <see cref="AccessKey"/> / <see cref="SecretKey"/>.
/// </summary>
public sealed class S3rverProcess : IAsyncDisposable
{
    public const string AccessKey = "S3RVER";
    public const string SecretKey = "S3RVER";
    private readonly Process _process;

    private S3rverProcess(Process process, string folder, int port)
    {
        _process = process;
        Folder = folder;
        ServiceUrl = $"http://127.0.0.1:{port}";
    }

    public string ServiceUrl { get; }

    /// <summary>Where s3rver keeps buckets and objects.</summary>
    public string Folder { get; }

    public static async Task<S3rverProcess> StartAsync()
    {
        var jsDirectory = Path.Combine(ServerProcess.RepositoryRoot(), "tests", "js");
        if (!Directory.Exists(Path.Combine(jsDirectory, "node_modules", "s3rver")))
        {
            throw new InvalidOperationException("s3rver is not installed: run `npm ci` in tests/js (./test.sh does).");
        }
        var folder = Path.Combine(Path.GetTempPath(), "mindstack-s3rver-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(folder);
        var info = new ProcessStartInfo("node")
        {
            WorkingDirectory = jsDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("s3rver-driver.js");
        info.ArgumentList.Add(folder);
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start node");
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var line = await process.StandardOutput.ReadLineAsync(timeout.Token);
        if (line is null)
        {
            throw new InvalidOperationException("s3rver did not start: " + await errors);
        }
        var port = JsonDocument.Parse(line).RootElement.GetProperty("port").GetInt32();
        return new S3rverProcess(process, folder, port);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            try
            {
                _process.StandardInput.Close();
                using var exit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await _process.WaitForExitAsync(exit.Token);
            }
            catch (Exception exception) when (exception is OperationCanceledException or IOException or InvalidOperationException)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        _process.Dispose();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
