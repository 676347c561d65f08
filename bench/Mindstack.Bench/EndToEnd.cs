using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

/// <summary>
/// End-to-end latency through the queue, against a running server (wrk cannot follow a request to
/// its outcome):
///   session-complete — MindPeeker POST /sessions, then GET /sessions/{id} until <c>completed</c>;
///   orchestrate      — Mindra POST /v1/orchestrate with two built-in agents, then GET /v1/executions/{id} until <c>COMPLETED</c>;
///   webhook          — a MindPeeker webhook on a receiver on loopback; each session's <c>session.completed</c>
///                      delivery, from the event's timestamp to its arrival.
/// Prints "RESULT rate p50 p99 errors" (rate: outcomes per second over the run; latencies in ms).
/// The credential must have credits (the bench buys them first).
/// </summary>
internal static class EndToEnd
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(5);
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private static int _polls;

    public static async Task<int> RunAsync(string scenario, string baseUrl, string credential, int count, int concurrency)
    {
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency * 2 }) { BaseAddress = new Uri(baseUrl) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", credential);
        var latencies = new ConcurrentBag<double>();
        var errors = 0;
        WebApplication? receiver = null;
        ConcurrentDictionary<string, TaskCompletionSource<double>>? deliveries = null;
        if (scenario == "webhook")
        {
            deliveries = new ConcurrentDictionary<string, TaskCompletionSource<double>>();
            (receiver, var url) = await StartReceiverAsync(deliveries);
            using var created = await http.PostAsync("mindpeeker/v1/webhooks", Json(new { url, events = new[] { "session.completed" }, active = true }));
            if (!created.IsSuccessStatusCode)
            {
                Console.Error.WriteLine($"webhook registration failed: {(int)created.StatusCode} {await created.Content.ReadAsStringAsync()}");
                return 1;
            }
        }
        var next = -1;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) < count)
            {
                try
                {
                    var latency = scenario switch
                    {
                        "session-complete" => await SessionAsync(http, null),
                        "orchestrate" => await OrchestrateAsync(http),
                        "webhook" => await SessionAsync(http, deliveries),
                        _ => throw new ArgumentException("unknown scenario " + scenario),
                    };
                    latencies.Add(latency);
                }
                catch (Exception exception) when (exception is not ArgumentException)
                {
                    if (Interlocked.Increment(ref errors) <= 3)
                    {
                        Console.Error.WriteLine(exception.Message);
                    }
                }
            }
        }));
        var seconds = clock.Elapsed.TotalSeconds;
        if (receiver is not null)
        {
            await receiver.DisposeAsync();
        }
        var sorted = latencies.Order().ToArray();
        // The polls are load on the server too: the CPU per outcome bench.sh prints includes them.
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{scenario}: {sorted.Length} outcomes in {seconds:0.00} s, {_polls} polls ({(sorted.Length == 0 ? 0 : (double)_polls / sorted.Length):0.0} per outcome)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"RESULT {sorted.Length / seconds:0.0} {Percentile(sorted, 0.50):0.00} {Percentile(sorted, 0.99):0.00} {errors}"));
        return 0;
    }

    /// <summary>Creates a session; with <paramref name="deliveries"/>, waits for its webhook, else polls it to completed.</summary>
    private static async Task<double> SessionAsync(HttpClient http, ConcurrentDictionary<string, TaskCompletionSource<double>>? deliveries)
    {
        var start = Stopwatch.GetTimestamp();
        using var created = await http.PostAsync("mindpeeker/v1/sessions", Json(new
        {
            cue = "Describe the location of the missing aircraft in the Pacific Ocean",
            session_type = "intuitive_analysis",
            parameters = new { duration = 60, confidence_threshold = 0.7, analysis_types = new[] { "visual" }, priority = "normal" },
        }));
        var body = await ReadAsync(created);
        var id = body.GetProperty("data").GetProperty("id").GetString()!;
        if (deliveries is not null)
        {
            var delivered = deliveries.GetOrAdd(id, _ => new TaskCompletionSource<double>(TaskCreationOptions.RunContinuationsAsynchronously));
            return await delivered.Task.WaitAsync(Deadline);
        }
        return await UntilAsync(http, "mindpeeker/v1/sessions/" + id, start,
            json => json.GetProperty("data").GetProperty("status").GetString() switch
            {
                "completed" => true,
                "failed" or "cancelled" => throw new InvalidOperationException("session " + id + " did not complete"),
                _ => false,
            });
    }

    private static async Task<double> OrchestrateAsync(HttpClient http)
    {
        var start = Stopwatch.GetTimestamp();
        using var accepted = await http.PostAsync("mindra/v1/orchestrate", Json(new
        {
            query = "Summarize this research report and analyze the revenue growth data",
            context = new
            {
                text = "The study followed 40 retailers for a year. Online revenue grew steadily while store visits declined.",
                revenue = new[] { 120, 135, 150, 171 },
            },
            selectionCriteria = new { verticals = new[] { "research", "analytics" }, maxAgents = 2 },
            mode = "parallel",
            aggregationStrategy = "merge",
        }));
        var id = (await ReadAsync(accepted)).GetProperty("executionId").GetString()!;
        return await UntilAsync(http, "mindra/v1/executions/" + id, start, json => json.GetProperty("status").GetString() switch
        {
            "COMPLETED" => true,
            "FAILED" or "CANCELLED" => throw new InvalidOperationException("execution " + id + " did not complete"),
            _ => false,
        });
    }

    /// <summary>Polls until <paramref name="done"/>; milliseconds since <paramref name="start"/>.</summary>
    private static async Task<double> UntilAsync(HttpClient http, string path, long start, Func<JsonElement, bool> done)
    {
        while (Stopwatch.GetElapsedTime(start) < Deadline)
        {
            Interlocked.Increment(ref _polls);
            using var response = await http.GetAsync(path);
            if (done(await ReadAsync(response)))
            {
                return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }
            await Task.Delay(Poll);
        }
        throw new TimeoutException(path + " did not finish in time");
    }

    /// <summary>A receiver on a free loopback port: each delivery's latency is its arrival minus the event's timestamp.</summary>
    private static async Task<(WebApplication App, string Url)> StartReceiverAsync(ConcurrentDictionary<string, TaskCompletionSource<double>> deliveries)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.MapPost("/hook", async (HttpRequest request) =>
        {
            var arrived = DateTimeOffset.UtcNow;
            using var document = await JsonDocument.ParseAsync(request.Body);
            var root = document.RootElement;
            var sent = DateTimeOffset.Parse(root.GetProperty("timestamp").GetString()!, CultureInfo.InvariantCulture);
            var id = root.GetProperty("data").GetProperty("session_id").GetString()!;
            deliveries.GetOrAdd(id, _ => new TaskCompletionSource<double>(TaskCreationOptions.RunContinuationsAsynchronously))
                .TrySetResult((arrived - sent).TotalMilliseconds);
            return Results.Ok();
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return (app, address + "/hook");
    }

    private static StringContent Json(object body) => new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");

    private static async Task<JsonElement> ReadAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{(int)response.StatusCode} {response.RequestMessage?.RequestUri?.AbsolutePath}: {text}");
        }
        return JsonDocument.Parse(text).RootElement;
    }

    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
}
