using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mindstack.Testing;

/// <summary>A request the receiver got, exactly as sent.</summary>
public sealed record ReceivedRequest(string Path, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public string Text => Encoding.UTF8.GetString(Body);

    public JsonElement Json => JsonDocument.Parse(Body).RootElement.Clone();

    public string Header(string name) => Headers.TryGetValue(name, out var value) ? value : "";
}

/// <summary>
/// The outside world for a test: a real HTTP server on 127.0.0.1 (a registered agent, a webhook
/// endpoint, a provider) that records every request and answers as the test says — with
/// <see cref="Respond"/> when set, else the handler given at construction (default 200 <c>{}</c>),
/// or 200 <c>ok</c> for one made by <see cref="StartAsync"/>.
/// </summary>
public sealed class LoopbackReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Func<ReceivedRequest, Task<(int Status, string Body)>>? _handler;

    public LoopbackReceiver(Func<ReceivedRequest, Task<(int Status, string Body)>>? handler = null)
        : this(handler ?? (_ => Task.FromResult((200, "{}"))), start: true)
    {
    }

    private LoopbackReceiver(Func<ReceivedRequest, Task<(int Status, string Body)>>? handler, bool start)
    {
        _handler = handler;
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        _app = builder.Build();
        _app.Run(HandleAsync);
        if (start)
        {
            _app.StartAsync().GetAwaiter().GetResult();
            Port = ListeningPort();
        }
    }

    public int Port { get; private set; }

    /// <summary>Every request received, in order.</summary>
    public ConcurrentQueue<ReceivedRequest> Received { get; } = new();

    /// <summary>The same as <see cref="Received"/>.</summary>
    public ConcurrentQueue<ReceivedRequest> Requests => Received;

    /// <summary>How to answer, overriding the handler; null answers as constructed.</summary>
    public Func<HttpContext, ReceivedRequest, Task>? Respond { get; set; }

    public string Url(string path = "/hook") => $"http://127.0.0.1:{Port}{path}";

    public IReadOnlyList<ReceivedRequest> On(string path) => Received.Where(r => r.Path == path).ToList();

    /// <summary>A receiver answering 200 <c>ok</c> unless <see cref="Respond"/> says otherwise.</summary>
    public static async Task<LoopbackReceiver> StartAsync()
    {
        var receiver = new LoopbackReceiver(null, start: false);
        await receiver._app.StartAsync();
        receiver.Port = receiver.ListeningPort();
        return receiver;
    }

    /// <summary>Waits (generously) until a received request matches.</summary>
    public async Task<ReceivedRequest> WaitForAsync(Func<ReceivedRequest, bool> match, TimeSpan? timeout = null) =>
        (await Eventually.UntilAsync(() => Task.FromResult(Received.FirstOrDefault(match)), found => found is not null,
            "a matching request", timeout ?? TimeSpan.FromSeconds(60)))!;

    private int ListeningPort() =>
        new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()).Port;

    private async Task HandleAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
        var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        var request = new ReceivedRequest(context.Request.Path.Value ?? "/", headers, buffer.ToArray());
        Received.Enqueue(request);
        if (Respond is { } respond)
        {
            await respond(context, request);
        }
        else if (_handler is not null)
        {
            var (status, body) = await _handler(request);
            context.Response.StatusCode = status;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(body, context.RequestAborted);
        }
        else
        {
            await context.Response.WriteAsync("ok", context.RequestAborted);
        }
    }

    public async ValueTask DisposeAsync()
    {
        using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(stopping.Token);
        await _app.DisposeAsync();
    }
}
