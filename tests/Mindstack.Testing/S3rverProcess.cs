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
    private readonly ChildProcess _process;

    private S3rverProcess(ChildProcess process, string folder, int port)
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
        var jsDirectory = Path.Combine(ChildProcess.RepositoryRoot(), "tests", "js");
        if (!Directory.Exists(Path.Combine(jsDirectory, "node_modules", "s3rver")))
        {
            throw new InvalidOperationException("s3rver is not installed: run `npm ci` in tests/js (./test.sh does).");
        }
        var folder = Path.Combine(Path.GetTempPath(), "mindstack-s3rver-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(folder);
        var info = new ProcessStartInfo("node") { WorkingDirectory = jsDirectory };
        info.ArgumentList.Add("s3rver-driver.js");
        info.ArgumentList.Add(folder);
        // The driver's first line says where it listens.
        var firstLine = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = ChildProcess.Start(info, withInput: true, onOutputLine: line => firstLine.TrySetResult(line));
        // Whichever comes first: the line, or the driver's exit (a failed start) or the deadline.
        var done = await Task.WhenAny(firstLine.Task, process.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        if (done != firstLine.Task)
        {
            await process.DisposeAsync();
            throw new InvalidOperationException("s3rver did not start: " + process.Output);
        }
        var port = JsonDocument.Parse(await firstLine.Task).RootElement.GetProperty("port").GetInt32();
        return new S3rverProcess(process, folder, port);
    }

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
