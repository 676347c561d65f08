using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Mindstack.Platform.Access;
using Mindstack.Platform.Accounts;

namespace Mindstack.Mindra.Tests;

/// <summary>
/// The server with Mindra mounted at <c>/mindra</c>; registered agents and webhooks may target
/// loopback (the tests serve them). Intent methods make accounts and keys the way the operator
/// CLI does, then everything else goes over HTTP.
/// </summary>
public sealed class MindraFactory : MindstackFactory
{
    public MindraFactory()
    {
        WithSetting("Mindstack:Mindra:AllowInsecureAgentUrls", "true");
        WithSetting("Mindstack:Webhooks:AllowPrivateTargets", "true");
        WithSetting("Mindstack:Jobs:PollMilliseconds", "200");
        // Failed jobs retry at once: tests wait for outcomes, not for production backoffs.
        WithSetting("Mindstack:Jobs:MaxRetryDelay", "00:00:00.200");
    }

    /// <summary>A new account with a Mindra key (all permissions unless named), as <c>keys create --api mindra</c> makes it.</summary>
    public async Task<MindraClient> RegisterUserAsync(bool sandbox = false, IReadOnlyList<string>? permissions = null, string tier = "developer")
    {
        using var scope = Services.CreateScope();
        var accounts = scope.ServiceProvider.GetRequiredService<IAccountService>();
        var account = await accounts.CreateAsync(new NewAccount($"user{Guid.NewGuid():N}@example.com", "Str0ng!Passw0rd") { EmailVerified = true },
            MindraApi.Definition.Accounts!);
        await accounts.SetTierAsync(account.Id, tier);
        var keys = scope.ServiceProvider.GetRequiredService<IApiKeyService>();
        var created = await keys.CreateAsync(new NewApiKey(account.Id, MindraApi.Definition.KeyFormat!, "test key")
        {
            Sandbox = sandbox,
            Permissions = permissions,
        });
        return new MindraClient(this, account.Id, created.PlainKey);
    }

    /// <summary>Another key of the same account (e.g. a sandbox key next to a live one).</summary>
    public async Task<MindraClient> AddKeyAsync(MindraClient owner, bool sandbox, IReadOnlyList<string>? permissions = null)
    {
        using var scope = Services.CreateScope();
        var created = await scope.ServiceProvider.GetRequiredService<IApiKeyService>().CreateAsync(
            new NewApiKey(owner.AccountId, MindraApi.Definition.KeyFormat!, "extra key") { Sandbox = sandbox, Permissions = permissions });
        return new MindraClient(this, owner.AccountId, created.PlainKey);
    }
}

/// <summary>An HTTP client holding one Mindra key.</summary>
public sealed class MindraClient(MindraFactory factory, string accountId, string key)
{
    public string AccountId { get; } = accountId;

    public string Key { get; } = key;

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, object? body = null, string? idempotencyKey = null,
        string? bearer = null)
    {
        using var client = factory.CreateClient();
        using var request = new HttpRequestMessage(method, "/mindra" + path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer ?? Key);
        if (idempotencyKey is not null)
        {
            request.Headers.Add("X-Idempotency-Key", idempotencyKey);
        }
        if (body is not null)
        {
            request.Content = new StringContent(body as string ?? JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
        }
        return await client.SendAsync(request);
    }

    public Task<HttpResponseMessage> GetAsync(string path) => SendAsync(HttpMethod.Get, path);

    public Task<HttpResponseMessage> PostAsync(string path, object? body, string? idempotencyKey = null) =>
        SendAsync(HttpMethod.Post, path, body ?? new { }, idempotencyKey);

    /// <summary>GET expecting 200; the JSON body.</summary>
    public async Task<JsonElement> GetJsonAsync(string path)
    {
        using var response = await GetAsync(path);
        return await Expect(response, HttpStatusCode.OK);
    }

    public async Task<JsonElement> TopUpAsync(decimal amount)
    {
        using var response = await PostAsync("/v1/wallet/topup", new { amount, paymentMethod = "card", paymentMethodId = "pm_card_visa" });
        return await Expect(response, HttpStatusCode.OK);
    }

    /// <summary>POST /v1/orchestrate expecting 202; the execution id.</summary>
    public async Task<string> OrchestrateAsync(object body, string? idempotencyKey = null)
    {
        using var response = await PostAsync("/v1/orchestrate", body, idempotencyKey);
        var json = await Expect(response, HttpStatusCode.Accepted);
        return json.GetProperty("executionId").GetString()!;
    }

    /// <summary>Polls the execution until it is final (generous deadline: the machine may be busy).</summary>
    public Task<JsonElement> WaitForExecutionAsync(string id, TimeSpan? timeout = null) =>
        Eventually.UntilAsync(() => GetJsonAsync($"/v1/executions/{id}"),
            execution => execution.GetProperty("status").GetString() is "COMPLETED" or "FAILED" or "CANCELLED",
            $"execution {id} to finish", timeout ?? TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(100));

    public async Task<decimal> BalanceAsync()
    {
        var wallet = await GetJsonAsync("/v1/wallet");
        return wallet.GetProperty("wallets")[0].GetProperty("balance").GetDecimal();
    }

    public static async Task<JsonElement> Expect(HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"Expected {(int)status}, got {(int)response.StatusCode}: {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Asserts the document's error shape and code.</summary>
    public static async Task<JsonElement> ExpectError(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var json = await Expect(response, status);
        Assert.Equal(code, json.GetProperty("error").GetString());
        Assert.False(string.IsNullOrEmpty(json.GetProperty("message").GetString()));
        Assert.True(json.TryGetProperty("details", out _));
        Assert.False(string.IsNullOrEmpty(json.GetProperty("requestId").GetString()));
        return json;
    }
}
