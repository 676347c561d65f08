using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mindstack.Platform.Tests.Ai;

/// <summary>
/// The outside world's stand-in: a small OpenAI-wire-compatible server on 127.0.0.1 (Kestrel on a
/// free port) answering <c>/v1/chat/completions</c> (JSON and SSE), <c>/v1/embeddings</c> and
/// <c>/v1/models</c>. Tests script its next answers and read the requests it received.
/// </summary>
public sealed class FakeOpenAiServer : IAsyncDisposable
{
    public sealed record Received(string Path, string? Authorization, JsonElement Body);

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<Func<HttpContext, JsonElement, Task>> _chat = new();
    private readonly ConcurrentQueue<Func<HttpContext, JsonElement, Task>> _embeddings = new();

    private FakeOpenAiServer(WebApplication app, string baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
    }

    /// <summary><c>http://127.0.0.1:port</c> (no <c>/v1</c>: the engine adds it to a bare host).</summary>
    public string BaseUrl { get; }

    public ConcurrentQueue<Received> Requests { get; } = new();

    public List<Received> ChatRequests => [.. Requests.Where(r => r.Path.EndsWith("/chat/completions", StringComparison.Ordinal))];

    public static async Task<FakeOpenAiServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        FakeOpenAiServer? server = null;
        app.MapPost("/v1/chat/completions", async context => await server!.HandleAsync(context, server._chat, DefaultChat));
        app.MapPost("/v1/embeddings", async context => await server!.HandleAsync(context, server._embeddings, DefaultEmbeddings));
        app.MapGet("/v1/models", () => Results.Json(new { @object = "list", data = new[] { new { id = "fake-chat", @object = "model" } } }));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server = new FakeOpenAiServer(app, address.TrimEnd('/'));
        return server;
    }

    private async Task HandleAsync(HttpContext context, ConcurrentQueue<Func<HttpContext, JsonElement, Task>> script, Func<HttpContext, JsonElement, Task> fallback)
    {
        var body = await JsonSerializer.DeserializeAsync<JsonElement>(context.Request.Body);
        Requests.Enqueue(new Received(context.Request.Path, context.Request.Headers.Authorization.FirstOrDefault(), body));
        await (script.TryDequeue(out var next) ? next : fallback)(context, body);
    }

    /// <summary>The next chat answers, in order (then a default reply).</summary>
    public FakeOpenAiServer ThenChat(params Func<HttpContext, JsonElement, Task>[] answers)
    {
        foreach (var answer in answers)
        {
            _chat.Enqueue(answer);
        }
        return this;
    }

    public FakeOpenAiServer ThenEmbeddings(params Func<HttpContext, JsonElement, Task>[] answers)
    {
        foreach (var answer in answers)
        {
            _embeddings.Enqueue(answer);
        }
        return this;
    }

    /// <summary>A chat completion with this content and usage.</summary>
    public static Func<HttpContext, JsonElement, Task> Reply(string content, int promptTokens = 11, int completionTokens = 7) =>
        (context, _) => context.Response.WriteAsJsonAsync(new
        {
            id = "chatcmpl-test",
            @object = "chat.completion",
            model = "fake-model",
            choices = new[] { new { index = 0, message = new { role = "assistant", content }, finish_reason = "stop" } },
            usage = new { prompt_tokens = promptTokens, completion_tokens = completionTokens, total_tokens = promptTokens + completionTokens },
        });

    /// <summary>An error answer in OpenAI's shape.</summary>
    public static Func<HttpContext, JsonElement, Task> Fail(int status, string message = "upstream trouble", string? retryAfter = null) =>
        (context, _) =>
        {
            context.Response.StatusCode = status;
            if (retryAfter is not null)
            {
                context.Response.Headers.RetryAfter = retryAfter;
            }
            return context.Response.WriteAsJsonAsync(new { error = new { message, type = "server_error" } });
        };

    /// <summary>Answers only after a delay (or when the client gives up).</summary>
    public static Func<HttpContext, JsonElement, Task> Slow(TimeSpan delay, Func<HttpContext, JsonElement, Task> then) =>
        async (context, body) =>
        {
            try
            {
                await Task.Delay(delay, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            await then(context, body);
        };

    /// <summary>A streamed answer: one SSE event per chunk, a finishing event, a usage event, then [DONE].</summary>
    public static Func<HttpContext, JsonElement, Task> Stream(params string[] chunks) =>
        async (context, _) =>
        {
            context.Response.ContentType = "text/event-stream";
            async Task Send(object payload)
            {
                await context.Response.WriteAsync("data: " + JsonSerializer.Serialize(payload) + "\n\n", Encoding.UTF8);
                await context.Response.Body.FlushAsync();
            }
            foreach (var chunk in chunks)
            {
                await Send(new { id = "s", model = "fake-model", choices = new[] { new { index = 0, delta = new { content = chunk }, finish_reason = (string?)null } } });
            }
            await Send(new { id = "s", model = "fake-model", choices = new[] { new { index = 0, delta = new { content = "" }, finish_reason = (string?)"stop" } } });
            await Send(new { id = "s", model = "fake-model", choices = Array.Empty<object>(), usage = new { prompt_tokens = 5, completion_tokens = chunks.Length, total_tokens = 5 + chunks.Length } });
            await context.Response.WriteAsync("data: [DONE]\n\n");
        };

    private static Task DefaultChat(HttpContext context, JsonElement body) => Reply("default reply")(context, body);

    /// <summary>Deterministic 8-dimensional vectors (not unit length, so the engine's normalization shows).</summary>
    private static Task DefaultEmbeddings(HttpContext context, JsonElement body)
    {
        var inputs = body.GetProperty("input").EnumerateArray().Select(i => i.GetString()!).ToList();
        var data = new JsonArray();
        for (var i = 0; i < inputs.Count; i++)
        {
            var vector = new JsonArray([.. Enumerable.Range(0, 8).Select(d => (JsonNode?)JsonValue.Create((double)((inputs[i].Length + d) % 5 + 1)))]);
            data.Add(new JsonObject { ["object"] = "embedding", ["index"] = i, ["embedding"] = vector });
        }
        var answer = new JsonObject
        {
            ["object"] = "list",
            ["model"] = body.GetProperty("model").GetString(),
            ["data"] = data,
            ["usage"] = new JsonObject { ["prompt_tokens"] = inputs.Sum(t => t.Length / 4 + 1), ["total_tokens"] = inputs.Sum(t => t.Length / 4 + 1) },
        };
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(answer.ToJsonString());
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
