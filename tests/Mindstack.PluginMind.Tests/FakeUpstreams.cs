using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace Mindstack.PluginMind.Tests;

/// <summary>
/// The outside world PluginMind may call, on a loopback listener: an OpenAI-compatible chat
/// server (<c>/v1/chat/completions</c>, <c>/v1/models</c>) and a CoinGecko-style price source
/// (<c>/simple/price</c>). Tests script the next chat answers (status and text) and read the
/// chat requests received.
/// </summary>
public sealed class FakeUpstreams : IDisposable
{
    public const string Model = "fake-chat-1";

    private readonly HttpListener _listener = new();
    private readonly ConcurrentQueue<(int Status, string Content)> _script = new();

    public FakeUpstreams()
    {
        var port = FreePort();
        BaseUrl = $"http://127.0.0.1:{port}";
        _listener.Prefixes.Add(BaseUrl + "/");
        _listener.Start();
        _ = ServeAsync();
    }

    public string BaseUrl { get; }

    public string PriceUrl => BaseUrl + "/simple/price";

    public ConcurrentQueue<JsonElement> ChatRequests { get; } = new();

    /// <summary>How long each chat answer takes (a slow provider).</summary>
    public TimeSpan ChatDelay { get; set; }

    /// <summary>The next chat answers, in order; after them every answer echoes the last user message.</summary>
    public void ThenChat(params (int Status, string Content)[] answers)
    {
        foreach (var answer in answers)
        {
            _script.Enqueue(answer);
        }
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception exception) when (exception is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            _ = Task.Run(() => AnswerAsync(context));
        }
    }

    private async Task AnswerAsync(HttpListenerContext context)
    {
        var path = context.Request.Url!.AbsolutePath;
        object body;
        var status = 200;
        if (path.EndsWith("/chat/completions", StringComparison.Ordinal))
        {
            var request = await JsonSerializer.DeserializeAsync<JsonElement>(context.Request.InputStream);
            ChatRequests.Enqueue(request);
            if (ChatDelay > TimeSpan.Zero)
            {
                await Task.Delay(ChatDelay);
            }
            var lastUser = request.GetProperty("messages").EnumerateArray()
                .Last(m => m.GetProperty("role").GetString() == "user").GetProperty("content").GetString() ?? "";
            var (scriptedStatus, content) = _script.TryDequeue(out var next) ? next : (200, "Remote answer to: " + lastUser);
            status = scriptedStatus;
            body = status == 200
                ? new
                {
                    id = "chatcmpl-fake",
                    @object = "chat.completion",
                    model = Model,
                    choices = new[] { new { index = 0, message = new { role = "assistant", content }, finish_reason = "stop" } },
                    usage = new { prompt_tokens = 20, completion_tokens = 10, total_tokens = 30 },
                }
                : new { error = new { message = content, type = "server_error" } };
        }
        else if (path.EndsWith("/models", StringComparison.Ordinal))
        {
            body = new { @object = "list", data = new[] { new { id = Model, @object = "model" } } };
        }
        else if (path.EndsWith("/simple/price", StringComparison.Ordinal))
        {
            var quotes = new Dictionary<string, decimal> { ["bitcoin"] = 97000.5m, ["ethereum"] = 3500m, ["solana"] = 210.25m };
            var ids = (context.Request.QueryString["ids"] ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries);
            body = ids.Where(quotes.ContainsKey).ToDictionary(id => id, id => new { usd = quotes[id] });
        }
        else
        {
            status = 404;
            body = new { error = "not found" };
        }
        var bytes = JsonSerializer.SerializeToUtf8Bytes(body);
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        context.Response.ContentLength64 = bytes.Length;
        await context.Response.OutputStream.WriteAsync(bytes);
        context.Response.Close();
    }

    private static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }

    public void Dispose() => _listener.Close();
}
