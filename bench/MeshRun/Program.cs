using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

// A whole MindMesh graph run with the server's built-in engine and approvals off (autonomy L3):
// the latency from POST /goals/{id}/start to the run's goal.completed event on /mindmesh/ws, one
// run at a time, through a running server (all nine nodes, each a durable job with its checkpoint).
// Usage: Mindstack.Bench.MeshRun --url http://127.0.0.1:PORT [--runs N] [--warmup N]
// Prints the figures and a "RESULT runs/s p50 p99 errors" line for ./bench/bench.sh.
var url = new Uri(Option("--url") ?? throw new ArgumentException("--url is required"));
var runs = int.Parse(Option("--runs") ?? "50", CultureInfo.InvariantCulture);
var warmup = int.Parse(Option("--warmup") ?? "3", CultureInfo.InvariantCulture);
var timeout = TimeSpan.FromSeconds(60);
string[] goals =
[
    "Research the market for electric bikes and plan the product launch",
    "Summarize the notes of the weekly planning meeting and record the decisions",
    "Analyze last quarter's support tickets and write a short report",
];

using var http = new HttpClient { BaseAddress = url, Timeout = timeout };
var name = "bench" + Guid.NewGuid().ToString("N")[..10];
using (var registered = await http.PostAsJsonAsync("/mindmesh/auth/register",
    new { email = name + "@example.com", username = name, password = "Str0ng!Passw0rd", full_name = "Bench" }))
{
    var body = await registered.Content.ReadAsStringAsync();
    if (!registered.IsSuccessStatusCode)
    {
        Console.Error.WriteLine($"register → {(int)registered.StatusCode} {body}");
        return 1;
    }
    http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
        JsonDocument.Parse(body).RootElement.GetProperty("access_token").GetString());
}
using var socket = new ClientWebSocket();
var wsUrl = new UriBuilder(url) { Scheme = url.Scheme == "https" ? "wss" : "ws", Path = "/mindmesh/ws", Query = "token=" + http.DefaultRequestHeaders.Authorization!.Parameter };
await socket.ConnectAsync(wsUrl.Uri, CancellationToken.None);

var timings = new List<double>();
var errors = 0;
var total = Stopwatch.StartNew();
for (var i = 0; i < warmup + runs; i++)
{
    if (i == warmup)
    {
        total.Restart();
    }
    try
    {
        using var created = await http.PostAsJsonAsync("/mindmesh/goals",
            new { text = goals[i % goals.Length], autonomy_level = "L3", priority = "medium", constraints = new { } });
        created.EnsureSuccessStatusCode();
        var goalId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        var watch = Stopwatch.StartNew();
        using var started = await http.PostAsJsonAsync($"/mindmesh/goals/{goalId}/start", new { });
        started.EnsureSuccessStatusCode();
        var runId = (await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("run_id").GetString();
        using var wait = new CancellationTokenSource(timeout);
        while (true)
        {
            var frame = await ReceiveAsync(socket, wait.Token);
            if (frame.GetProperty("type").GetString() == "goal.completed" && frame.GetProperty("data").GetProperty("run_id").GetString() == runId)
            {
                break;
            }
        }
        if (i >= warmup)
        {
            timings.Add(watch.Elapsed.TotalMilliseconds);
        }
    }
    catch (Exception e) when (e is HttpRequestException or OperationCanceledException or WebSocketException or KeyNotFoundException)
    {
        errors++;
        Console.Error.WriteLine($"run {i}: {e.Message}");
        if (socket.State != WebSocketState.Open)
        {
            return 1;
        }
    }
}
var seconds = total.Elapsed.TotalSeconds;
timings.Sort();
double Percentile(double p) => timings.Count == 0 ? double.NaN : timings[Math.Min(timings.Count - 1, (int)Math.Ceiling(p * timings.Count) - 1)];
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"mesh run (9 nodes, L3, built-in engine): {timings.Count} runs, start → goal.completed p50 {Percentile(0.5):0.0} ms  p99 {Percentile(0.99):0.0} ms  max {(timings.Count > 0 ? timings[^1] : double.NaN):0.0} ms  ({errors} errors)"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"RESULT {(timings.Count / seconds):0.0} {Percentile(0.5):0.0} {Percentile(0.99):0.0} {errors}"));
return errors == 0 ? 0 : 1;

static async Task<JsonElement> ReceiveAsync(WebSocket socket, CancellationToken ct)
{
    var buffer = new byte[16 * 1024];
    using var message = new MemoryStream();
    while (true)
    {
        var result = await socket.ReceiveAsync(buffer, ct);
        if (result.MessageType == WebSocketMessageType.Close)
        {
            throw new WebSocketException("the server closed the socket");
        }
        message.Write(buffer, 0, result.Count);
        if (result.EndOfMessage)
        {
            return JsonDocument.Parse(Encoding.UTF8.GetString(message.ToArray())).RootElement.Clone();
        }
    }
}

string? Option(string name)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
}
