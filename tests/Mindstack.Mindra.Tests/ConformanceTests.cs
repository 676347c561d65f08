using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Mindstack.Mindra.Tests;

/// <summary>What a review against the document found: each test pins one fixed discrepancy.</summary>
public sealed class ConformanceTests(MindraFactory factory) : IClassFixture<MindraFactory>
{
    /// <summary>The document's sandbox example: <c>curl -X POST … -d '{…}'</c>, which labels the JSON as a form.</summary>
    [Fact]
    public async Task Orchestrate_CurlDashDFormContentType_Accepted()
    {
        var user = await factory.RegisterUserAsync(sandbox: true);
        using var client = factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/mindra/v1/orchestrate")
        {
            Content = new StringContent("""{"query": "Test query", "context": {}}""", Encoding.UTF8, "application/x-www-form-urlencoded"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", user.Key);
        request.Headers.Add("X-Idempotency-Key", "unique_key_123");
        using var response = await client.SendAsync(request);
        var accepted = await MindraClient.Expect(response, HttpStatusCode.Accepted);
        Assert.Equal("PENDING", accepted.GetProperty("status").GetString());

        using var plain = new HttpRequestMessage(HttpMethod.Post, "/mindra/v1/api-keys")
        {
            Content = new StringContent("""{"name": "from curl"}""", Encoding.UTF8, "text/plain"),
        };
        plain.Headers.Authorization = new AuthenticationHeaderValue("Bearer", user.Key);
        using var created = await client.SendAsync(plain);
        await MindraClient.Expect(created, HttpStatusCode.Created);
    }

    [Fact]
    public async Task Orchestrate_WebhookSecretTooShort_InvalidRequestNamingFieldNothingReserved()
    {
        var user = await factory.RegisterUserAsync();
        await user.TopUpAsync(10);
        using var response = await user.PostAsync("/v1/orchestrate", new
        {
            query = "Create an email campaign for our spring launch",
            webhook = new { url = "https://example.com/hooks", events = new[] { "execution.completed" }, secret = "short" },
        });
        var error = await MindraClient.ExpectError(response, HttpStatusCode.BadRequest, "INVALID_REQUEST");
        Assert.Contains("webhook.secret", error.GetProperty("details").GetString(), StringComparison.Ordinal);
        var wallet = (await user.GetJsonAsync("/v1/wallet")).GetProperty("wallets")[0];
        Assert.Equal(10m, wallet.GetProperty("balance").GetDecimal());
        Assert.Equal(0m, wallet.GetProperty("held").GetDecimal());
        Assert.Equal(0, (await user.GetJsonAsync("/v1/executions")).GetProperty("pagination").GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task Orchestrate_WebhookWithoutSecret_InvalidRequestNamingField()
    {
        // Deliveries are signed with the request's secret; without one the receiver could verify nothing.
        var user = await factory.RegisterUserAsync();
        await user.TopUpAsync(10);
        using var response = await user.PostAsync("/v1/orchestrate", new
        {
            query = "Create an email campaign for our spring launch",
            webhook = new { url = "https://example.com/hooks", events = new[] { "execution.completed" } },
        });
        var error = await MindraClient.ExpectError(response, HttpStatusCode.BadRequest, "INVALID_REQUEST");
        Assert.Contains("webhook.secret", error.GetProperty("details").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, (await user.GetJsonAsync("/v1/executions")).GetProperty("pagination").GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task IdempotencyKey_ReusedWithAnotherBody_InvalidRequestNamingHeader()
    {
        var user = await factory.RegisterUserAsync();
        await user.TopUpAsync(10);
        await user.OrchestrateAsync(new { query = "Analyze the revenue data", context = new { revenue = new[] { 1, 2 } } }, "reuse-key-1");
        using var other = await user.PostAsync("/v1/orchestrate", new { query = "Something else entirely" }, "reuse-key-1");
        var error = await MindraClient.ExpectError(other, HttpStatusCode.BadRequest, "INVALID_REQUEST");
        Assert.Contains("X-Idempotency-Key", error.GetProperty("details").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, (await user.GetJsonAsync("/v1/executions")).GetProperty("pagination").GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task Errors_WrongMethod_DocumentCodeInvalidRequest()
    {
        var user = await factory.RegisterUserAsync();
        using var wrongMethod = await user.SendAsync(HttpMethod.Delete, "/v1/orchestrate");
        await MindraClient.ExpectError(wrongMethod, HttpStatusCode.MethodNotAllowed, "INVALID_REQUEST");
    }

    [Fact]
    public async Task Post_NumberSentAsString_InvalidRequest()
    {
        var user = await factory.RegisterUserAsync();
        using var orchestrate = await user.PostAsync("/v1/orchestrate", """{"query": "Analyze revenue", "selectionCriteria": {"maxAgents": "5"}}""");
        var error = await MindraClient.ExpectError(orchestrate, HttpStatusCode.BadRequest, "INVALID_REQUEST");
        Assert.Contains("maxAgents", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        using var topUp = await user.PostAsync("/v1/wallet/topup", """{"amount": "25", "paymentMethod": "card", "paymentMethodId": "pm_card_visa"}""");
        await MindraClient.ExpectError(topUp, HttpStatusCode.BadRequest, "INVALID_REQUEST");
        Assert.Equal(0m, await user.BalanceAsync());
    }

    [Fact]
    public async Task TopUp_CardDeclined_DocumentCodeAndTextDetails()
    {
        var user = await factory.RegisterUserAsync();
        using var declined = await user.PostAsync("/v1/wallet/topup", new { amount = 20, paymentMethod = "card", paymentMethodId = "pm_card_declined" });
        var error = await MindraClient.ExpectError(declined, HttpStatusCode.PaymentRequired, "INSUFFICIENT_BALANCE");
        Assert.Equal(JsonValueKind.String, error.GetProperty("details").ValueKind);
        Assert.StartsWith("Payment declined", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(0m, await user.BalanceAsync());
    }

    [Fact]
    public async Task TopUp_UnknownPaymentMethod_InvalidRequestNamingPaymentMethodId()
    {
        var user = await factory.RegisterUserAsync();
        using var response = await user.PostAsync("/v1/wallet/topup", new { amount = 20, paymentMethod = "card", paymentMethodId = "pm_bogus" });
        var error = await MindraClient.ExpectError(response, HttpStatusCode.BadRequest, "INVALID_REQUEST");
        Assert.StartsWith("paymentMethodId: ", error.GetProperty("details").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AgentsAndKeys_List_NoNullSecretFields()
    {
        var user = await factory.RegisterUserAsync();
        var agents = await user.GetJsonAsync("/v1/agents");
        Assert.All(agents.GetProperty("data").EnumerateArray(), a => Assert.False(a.TryGetProperty("signingSecret", out _)));
        var keys = await user.GetJsonAsync("/v1/api-keys");
        Assert.All(keys.GetProperty("data").EnumerateArray(), k => Assert.False(k.TryGetProperty("key", out _)));
    }
}
