using System.Collections.Concurrent;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Http;

namespace Mindstack.MindSwarm.Tests.Connected;

/// <summary>
/// The outside world of MindSwarm's connected features, served on loopback by one receiver that
/// routes by path (Giphy, an OpenAI-compatible images API, a Piston sandbox, an Ethereum JSON-RPC
/// node, web pages, a video gateway), and a MindSwarm server configured to use it.
/// </summary>
public sealed class StandInServices : IAsyncLifetime
{
    private readonly ConcurrentDictionary<string, Func<HttpContext, ReceivedRequest, Task>> _routes = new(StringComparer.Ordinal);

    public StandInServices()
    {
        Outside = new LoopbackReceiver { Respond = RouteAsync };
        Swarm = new MindSwarmFactory();
        Swarm.WithSetting("Mindstack:MindSwarm:Giphy:ApiKey", "giphy-test-key");
        Swarm.WithSetting("Mindstack:MindSwarm:Giphy:BaseUrl", Outside.Url("/giphy"));
        Swarm.WithSetting("Mindstack:MindSwarm:ImageGeneration:BaseUrl", Outside.Url("/openai"));
        Swarm.WithSetting("Mindstack:MindSwarm:ImageGeneration:ApiKey", "sk-test");
        Swarm.WithSetting("Mindstack:MindSwarm:ImageGeneration:Model", "test-image-model");
        Swarm.WithSetting("Mindstack:MindSwarm:Sandbox:BaseUrl", Outside.Url("/piston"));
        // Link previews go through the SSRF guard; the stand-in page is on loopback.
        Swarm.WithSetting("Mindstack:Webhooks:AllowPrivateTargets", "true");
    }

    public LoopbackReceiver Outside { get; }

    public MindSwarmFactory Swarm { get; }

    /// <summary>Answers requests whose path starts with <paramref name="prefix"/>.</summary>
    public void On(string prefix, Func<HttpContext, ReceivedRequest, Task> respond) => _routes[prefix] = respond;

    public static async Task WriteAsync(HttpContext context, int status, string body, string contentType = "application/json")
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = contentType;
        await context.Response.WriteAsync(body);
    }

    private Task RouteAsync(HttpContext context, ReceivedRequest request)
    {
        var route = _routes.Where(r => request.Path.StartsWith(r.Key, StringComparison.Ordinal)).OrderByDescending(r => r.Key.Length).FirstOrDefault();
        return route.Value is { } respond ? respond(context, request) : WriteAsync(context, 404, "{\"error\":\"no stand-in here\"}");
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await Swarm.DisposeAsync();
        await Outside.DisposeAsync();
    }
}

internal static class Multipart
{
    /// <summary>POSTs one file as <c>multipart/form-data</c>.</summary>
    public static async Task<HttpResponseMessage> UploadAsync(MindSwarmFactory factory, SwarmClient user, string path, string field, string name,
        string contentType, byte[] bytes)
    {
        using var client = factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/mindswarm" + path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", user.AccessToken);
        var part = new ByteArrayContent(bytes);
        part.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        request.Content = new MultipartFormDataContent { { part, field, name } };
        return await client.SendAsync(request);
    }

    public static async Task<byte[]> FetchAsync(MindSwarmFactory factory, string url, System.Net.HttpStatusCode status = System.Net.HttpStatusCode.OK)
    {
        using var client = factory.CreateClient();
        using var response = await client.GetAsync(Uri.TryCreate(url, UriKind.Absolute, out var absolute) ? absolute.PathAndQuery : url);
        Assert.Equal(status, response.StatusCode);
        return await response.Content.ReadAsByteArrayAsync();
    }
}
