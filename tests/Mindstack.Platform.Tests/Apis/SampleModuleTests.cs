using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Mindstack.Platform.Access;
using Mindstack.Platform.Accounts;
using Mindstack.Platform.Tests.Realtime;
using Mindstack.Platform.Webhooks;

namespace Mindstack.Platform.Tests.Apis;

/// <summary>The platform with fast job polling and webhooks allowed to the loopback receiver.</summary>
public sealed class SampleWorkFactory : PlatformFactory
{
    public SampleWorkFactory()
    {
        WithSetting("Mindstack:Jobs:PollMilliseconds", "100");
        WithSetting("Mindstack:Webhooks:AllowPrivateTargets", "true");
    }
}

/// <summary>
/// A module's request runs through the platform end to end: the sample API's credentials and
/// limits on its route, its error shape, its job run by a worker, and the job's event delivered
/// to the account's realtime channel and, signed in the API's header, to its webhook.
/// </summary>
public sealed class SampleModuleTests(SampleWorkFactory factory) : IClassFixture<SampleWorkFactory>
{
    private async Task<(string AccountId, string Key)> NewKeyAsync(IReadOnlyList<string>? permissions = null)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var account = await scope.ServiceProvider.GetRequiredService<IAccountService>()
            .CreateAsync(new NewAccount("notes" + Guid.NewGuid().ToString("N")[..10] + "@example.com", "SecurePass123!"), SampleApi.Definition.Accounts!);
        var key = await scope.ServiceProvider.GetRequiredService<IApiKeyService>()
            .CreateAsync(new NewApiKey(account.Id, SampleApi.KeyFormat, "notes") { Permissions = permissions });
        return (account.Id, key.PlainKey);
    }

    private async Task<HttpResponseMessage> PostNoteAsync(string key, string body)
    {
        using var client = factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/sample/notes") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("X-Sample-Key", key);
        return await client.SendAsync(request);
    }

    [Fact]
    public async Task PostNote_Valid_JobEventReachesAccountChannel()
    {
        var (_, key) = await NewKeyAsync();
        using var socket = await factory.Server.CreateWebSocketClient()
            .ConnectAsync(new Uri($"ws://localhost/sample/ws?token={key}"), CancellationToken.None);

        using var posted = await PostNoteAsync(key, """{"text":" buy milk "}""");
        Assert.Equal(HttpStatusCode.Accepted, posted.StatusCode);
        var note = await posted.Content.ReadFromJsonAsync<JsonElement>();
        Assert.StartsWith("job_", note.GetProperty("jobId").GetString(), StringComparison.Ordinal);

        var frame = await JsonFrames.ReceiveAsync(socket, TimeSpan.FromSeconds(20));
        Assert.Equal(SampleModule.NoteCreated, frame.GetProperty("type").GetString());
        Assert.Equal(note.GetProperty("id").GetString(), frame.GetProperty("data").GetProperty("noteId").GetString());
        Assert.Equal("buy milk", frame.GetProperty("data").GetProperty("text").GetString());
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
    }

    [Fact]
    public async Task PostNote_WebhookSubscribed_DeliveredSignedInApisHeader()
    {
        var (accountId, key) = await NewKeyAsync();
        await using var receiver = new LoopbackReceiver();
        const string secret = "sample_webhook_secret";
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<IWebhooks>().CreateAsync(
                new NewWebhookSubscription(accountId, SampleApi.Name, receiver.Url("/hook"), [SampleModule.NoteCreated]) { Secret = secret });
        }

        using var posted = await PostNoteAsync(key, """{"text":"ship it"}""");
        Assert.Equal(HttpStatusCode.Accepted, posted.StatusCode);

        await Eventually.UntilAsync(() => !receiver.Received.IsEmpty, "the note's webhook", TimeSpan.FromSeconds(20));
        var request = Assert.Single(receiver.Received);
        Assert.Equal(SampleModule.NoteCreated, request.Json.GetProperty("event").GetString());
        var expected = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), request.Body));
        Assert.Equal(expected, request.Header(SampleModule.SignatureHeader));
    }

    [Fact]
    public async Task PostNote_NoText_RefusedInSampleShape()
    {
        var (_, key) = await NewKeyAsync();

        using var refused = await PostNoteAsync(key, """{"text":"  "}""");

        Assert.True(refused.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.UnprocessableEntity, refused.StatusCode.ToString());
        var body = await refused.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("VALIDATION_ERROR", body.GetProperty("failure").GetString());
        Assert.False(body.TryGetProperty("error", out _));
    }

    [Fact]
    public async Task PostNote_ReadOnlyKey_Forbidden()
    {
        var (_, key) = await NewKeyAsync(["notes:read"]);

        using var refused = await PostNoteAsync(key, """{"text":"nope"}""");

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("FORBIDDEN", (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("failure").GetString());
    }

    [Fact]
    public async Task PostNote_OverItsWritePolicy_429WithRetryAfter()
    {
        var (_, key) = await NewKeyAsync();
        await Eventually.EarlyInAMinuteAsync();

        for (var i = 0; i < 2; i++)
        {
            using var accepted = await PostNoteAsync(key, """{"text":"one more"}""");
            Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        }
        using var limited = await PostNoteAsync(key, """{"text":"one too many"}""");

        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.True(limited.Headers.Contains("Retry-After"));
    }

    [Fact]
    public async Task Host_SampleModulesOnly_NoRealApiMounted()
    {
        using var client = factory.CreateClient();
        using var sample = await client.GetAsync("/openapi/sample.json");
        Assert.Equal(HttpStatusCode.OK, sample.StatusCode);
        using var real = await client.GetAsync("/openapi/mindra.json");
        Assert.Equal(HttpStatusCode.NotFound, real.StatusCode);
    }
}
