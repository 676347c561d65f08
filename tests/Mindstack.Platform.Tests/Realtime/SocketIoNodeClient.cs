using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace Mindstack.Platform.Tests.Realtime;

/// <summary>
/// The stock <c>socket.io-client</c> under node, driven through <c>tests/js/socketio-driver.js</c>:
/// it prints what happens as JSON lines and takes commands on stdin.
/// </summary>
internal sealed class SocketIoNodeClient : IAsyncDisposable
{
    private static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(45);
    private readonly List<JsonElement> _lines = [];
    private readonly StringBuilder _unparsed = new();
    private readonly SemaphoreSlim _arrived = new(0);
    private ChildProcess _process = null!;

    private SocketIoNodeClient()
    {
    }

    public static SocketIoNodeClient Start(Uri server, string path, string? token, string[]? transports = null,
        bool upgrade = true, string? nsp = null, IReadOnlyDictionary<string, string>? query = null)
    {
        var jsDirectory = Path.Combine(ChildProcess.RepositoryRoot(), "tests", "js");
        if (!Directory.Exists(Path.Combine(jsDirectory, "node_modules", "socket.io-client")))
        {
            throw new InvalidOperationException("socket.io-client is not installed: run `npm ci` in tests/js (./test.sh does).");
        }
        var options = JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["url"] = server.GetLeftPart(UriPartial.Authority),
            ["path"] = path,
            ["token"] = token,
            ["transports"] = transports,
            ["upgrade"] = upgrade,
            ["namespace"] = nsp,
            ["query"] = query,
        });
        var info = new ProcessStartInfo("node") { WorkingDirectory = jsDirectory };
        info.ArgumentList.Add("socketio-driver.js");
        info.ArgumentList.Add(options);
        var client = new SocketIoNodeClient();
        client._process = ChildProcess.Start(info, withInput: true, onOutputLine: client.OnLine);
        return client;
    }

    private void OnLine(string line)
    {
        if (string.IsNullOrWhiteSpace(line))
        {
            return;
        }
        JsonElement element;
        try
        {
            element = JsonDocument.Parse(line).RootElement.Clone();
        }
        catch (JsonException)
        {
            lock (_unparsed)
            {
                _unparsed.AppendLine("stdout: " + line);
            }
            return;
        }
        lock (_lines)
        {
            _lines.Add(element);
        }
        _arrived.Release();
    }

    /// <summary>Everything printed so far.</summary>
    public IReadOnlyList<JsonElement> Lines
    {
        get
        {
            lock (_lines)
            {
                return [.. _lines];
            }
        }
    }

    /// <summary>Waits (with a generous deadline) for a line matching <paramref name="match"/>.</summary>
    public async Task<JsonElement> WaitForAsync(Func<JsonElement, bool> match, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? DefaultWait);
        while (true)
        {
            var found = Lines.FirstOrDefault(match);
            if (found.ValueKind != JsonValueKind.Undefined)
            {
                return found;
            }
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || _process.HasExited && !await _arrived.WaitAsync(100))
            {
                throw new TimeoutException($"socket.io-client never reported {what}. Lines:\n{string.Join("\n", Lines)}\nstderr:\n{Errors}");
            }
            await _arrived.WaitAsync(left < TimeSpan.FromMilliseconds(500) ? left : TimeSpan.FromMilliseconds(500));
        }
    }

    public Task<JsonElement> WaitForKindAsync(string kind, TimeSpan? timeout = null) =>
        WaitForAsync(l => l.GetProperty("kind").GetString() == kind, kind, timeout);

    public Task<JsonElement> WaitForEventAsync(string name, Func<JsonElement, bool>? match = null) =>
        WaitForAsync(l => l.GetProperty("kind").GetString() == "event" && l.GetProperty("name").GetString() == name
            && (match is null || match(l.GetProperty("args"))), $"event {name}");

    public async Task<JsonElement> EmitWithAckAsync(string eventName, params object?[] args)
    {
        var reference = Guid.NewGuid().ToString("N")[..8];
        await SendAsync(new { cmd = "emit", @event = eventName, args, @ref = reference });
        var ack = await WaitForAsync(l => l.GetProperty("kind").GetString() == "ack" && l.GetProperty("ref").GetString() == reference,
            $"the ack of {eventName}");
        return ack.GetProperty("args");
    }

    public Task EmitAsync(string eventName, params object?[] args) => SendAsync(new { cmd = "emit", @event = eventName, args });

    public Task SendAsync(object command) => _process.WriteLineAsync(JsonSerializer.Serialize(command));

    private string Errors
    {
        get
        {
            lock (_unparsed)
            {
                return _unparsed + _process.Errors;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        _arrived.Dispose();
    }
}
