using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Mindstack.Platform.Webhooks;

namespace Mindstack.Mindra.Tests;

public sealed class HttpAgentAndWebhookTests(MindraFactory factory) : IClassFixture<MindraFactory>
{
    private static async Task<string> RegisterAgentAsync(MindraClient user, string id, string url, decimal price, int retries = 0)
    {
        using var response = await user.PostAsync("/v1/agents", new
        {
            id,
            name = "Slow Thing Agent",
            description = "Handles the slow thing for tests.",
            url,
            vertical = "engineering",
            capabilities = new[] { "slow-thing" },
            pricing = new { model = "per_execution", basePrice = price },
            config = new { timeout = 20_000, retries },
        });
        return (await MindraClient.Expect(response, HttpStatusCode.Created)).GetProperty("signingSecret").GetString()!;
    }

    private static object SlowThingQuery => new
    {
        query = "Process the slow thing",
        context = new { ticket = 42 },
        selectionCriteria = new { requiredCapabilities = new[] { "slow-thing" } },
    };

    private static string Hmac(string secret, byte[] body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));

    [Fact]
    public async Task RegisteredAgent_Called_WithSignedDocumentedRequest()
    {
        await using var agent = new LoopbackReceiver(_ => Task.FromResult((200,
            "{\"summary\":\"Processed ticket 42\",\"answer\":\"done\",\"confidence\":0.91,\"data\":{\"ticket\":42,\"ok\":true}}")));
        var user = await factory.RegisterUserAsync();
        await user.TopUpAsync(10);
        var secret = await RegisterAgentAsync(user, "slow-agent", agent.Url("/agent"), 0.5m);

        var execution = await user.WaitForExecutionAsync(await user.OrchestrateAsync(SlowThingQuery));
        Assert.Equal("COMPLETED", execution.GetProperty("status").GetString());
        var call = Assert.Single(agent.Received);
        Assert.Equal(Hmac(secret, call.Body), call.Headers["X-Mindra-Signature"]);
        var sent = JsonDocument.Parse(call.Body).RootElement;
        Assert.Equal("Process the slow thing", sent.GetProperty("query").GetString());
        Assert.Equal(42, sent.GetProperty("context").GetProperty("ticket").GetInt32());
        Assert.Equal(execution.GetProperty("id").GetString(), sent.GetProperty("executionId").GetString());
        Assert.Equal(JsonValueKind.Array, sent.GetProperty("previousResults").ValueKind);

        var step = execution.GetProperty("steps")[0];
        Assert.Equal(0.91, step.GetProperty("confidence").GetDouble());
        Assert.True(step.GetProperty("output").GetProperty("data").GetProperty("ok").GetBoolean());
        Assert.Equal(9.5m, await user.BalanceAsync());
    }

    [Fact]
    public async Task RegisteredAgent_Failing_ExecutionFailedAndNothingCharged()
    {
        await using var agent = new LoopbackReceiver(_ => Task.FromResult((500, "{\"error\":\"boom\"}")));
        var user = await factory.RegisterUserAsync();
        await user.TopUpAsync(10);
        await RegisterAgentAsync(user, "broken-agent", agent.Url("/agent"), 1m, retries: 1);
        var execution = await user.WaitForExecutionAsync(await user.OrchestrateAsync(SlowThingQuery));
        Assert.Equal("FAILED", execution.GetProperty("status").GetString());
        Assert.Contains("HTTP 500", execution.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(2, agent.Received.Count);
        Assert.Equal(10m, await user.BalanceAsync());
    }

    [Fact]
    public async Task Cancel_RunningExecution_CancelledAndUnspentReleased()
    {
        var release = new TaskCompletionSource();
        await using var agent = new LoopbackReceiver(async _ =>
        {
            await release.Task;
            return (200, "{\"summary\":\"late\"}");
        });
        var user = await factory.RegisterUserAsync();
        await user.TopUpAsync(10);
        await RegisterAgentAsync(user, "slow-agent", agent.Url("/agent"), 2m);
        var id = await user.OrchestrateAsync(SlowThingQuery);
        await agent.WaitForAsync(_ => true);
        Assert.Equal(8m, await user.BalanceAsync());
        // While the agent runs, its price is one pending entry.
        var running = (await user.GetJsonAsync("/v1/wallet/transactions")).GetProperty("data")[0];
        Assert.Equal(("HOLD", "PENDING", -2m, 8m), (running.GetProperty("type").GetString(), running.GetProperty("status").GetString(),
            running.GetProperty("amount").GetDecimal(), running.GetProperty("balanceAfter").GetDecimal()));

        using var cancelled = await user.PostAsync($"/v1/executions/{id}/cancel", null);
        var body = await MindraClient.Expect(cancelled, HttpStatusCode.OK);
        Assert.Equal("CANCELLED", body.GetProperty("status").GetString());
        Assert.Equal(10m, await user.BalanceAsync());
        // Given back: the hold says so, and the release is its own positive entry.
        var after = (await user.GetJsonAsync("/v1/wallet/transactions")).GetProperty("data").EnumerateArray()
            .Select(t => (t.GetProperty("type").GetString(), t.GetProperty("status").GetString(), t.GetProperty("amount").GetDecimal(),
                t.GetProperty("balanceAfter").GetDecimal())).ToList();
        Assert.Equal([("RELEASE", "COMPLETED", 2m, 10m), ("HOLD", "RELEASED", -2m, 8m), ("TOPUP", "COMPLETED", 10m, 10m)], after);

        release.SetResult();
        // The agent's late answer changes nothing: still cancelled, nothing charged.
        var execution = await Eventually.UntilAsync(() => user.GetJsonAsync($"/v1/executions/{id}"),
            e => e.GetProperty("steps")[0].GetProperty("status").GetString() != "RUNNING", "the agent's late answer to be handled",
            TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(200));
        Assert.Equal("CANCELLED", execution.GetProperty("status").GetString());
        Assert.Equal(10m, await user.BalanceAsync());

        using var again = await user.PostAsync($"/v1/executions/{id}/cancel", null);
        var finished = await MindraClient.ExpectError(again, HttpStatusCode.BadRequest, "INVALID_REQUEST");
        Assert.Contains("cancelled", finished.GetProperty("message").GetString(), StringComparison.Ordinal);
        using var missing = await user.PostAsync("/v1/executions/exec_missing/cancel", null);
        await MindraClient.ExpectError(missing, HttpStatusCode.NotFound, "NOT_FOUND");
    }

    [Fact]
    public async Task Webhook_ExecutionEvents_SignedAsTheDocumentVerifies()
    {
        await using var receiver = new LoopbackReceiver();
        var user = await factory.RegisterUserAsync();
        await user.TopUpAsync(10);
        const string secret = "your_webhook_secret";
        var id = await user.OrchestrateAsync(new
        {
            query = "Analyze the revenue data",
            context = new { revenue = new[] { 3, 5, 8 } },
            webhook = new { url = receiver.Url(), events = new[] { "execution.completed", "agent.completed" }, secret },
        });
        var completed = await receiver.WaitForAsync(r => r.Text.Contains("\"execution.completed\"", StringComparison.Ordinal));
        await receiver.WaitForAsync(r => r.Text.Contains("\"agent.completed\"", StringComparison.Ordinal));
        Assert.DoesNotContain(receiver.Received, r => r.Text.Contains("\"execution.started\"", StringComparison.Ordinal));

        var payload = JsonNode.Parse(completed.Body)!.AsObject();
        Assert.Equal("execution.completed", payload["event"]!.GetValue<string>());
        Assert.Equal(id, payload["executionId"]!.GetValue<string>());
        Assert.NotNull(payload["timestamp"]);
        Assert.Equal("COMPLETED", payload["data"]!["status"]!.GetValue<string>());

        // The document's verify_webhook(payload, signature, secret): HMAC of the payload without its signature.
        var signature = payload["signature"]!.GetValue<string>();
        var unsigned = Encoding.UTF8.GetBytes(completed.Text.Replace($",\"signature\":\"{signature}\"", "", StringComparison.Ordinal));
        Assert.NotEqual(completed.Body.Length, unsigned.Length);
        Assert.True(CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Hmac(secret, unsigned)), Encoding.ASCII.GetBytes(signature)));
        // And the header signs the raw body as sent.
        Assert.Equal(Hmac(secret, completed.Body), completed.Headers["X-Mindra-Signature"]);
    }
    [Fact]
    public async Task AccountWebhook_EveryExecutionsEvents_SignedWithItsSecret()
    {
        // As `webhooks create --api mindra --email E --url U --secret S` makes it: no execution names it.
        await using var receiver = new LoopbackReceiver();
        var user = await factory.RegisterUserAsync();
        await user.TopUpAsync(10);
        const string secret = "account_webhook_secret";
        using (var scope = factory.Services.CreateScope())
        {
            await scope.ServiceProvider.GetRequiredService<IWebhooks>().CreateAsync(
                new NewWebhookSubscription(user.AccountId, "mindra", receiver.Url(), ["execution.completed"]) { Secret = secret });
        }
        var first = await user.OrchestrateAsync(new { query = "Analyze the revenue data", context = new { revenue = new[] { 1, 2, 4 } } });
        var second = await user.OrchestrateAsync(new { query = "Analyze the churn data", context = new { churn = new[] { 9, 7 } } });
        foreach (var id in new[] { first, second })
        {
            var delivery = await receiver.WaitForAsync(r => r.Text.Contains($"\"executionId\":\"{id}\"", StringComparison.Ordinal));
            Assert.Equal("execution.completed", JsonNode.Parse(delivery.Body)!["event"]!.GetValue<string>());
            Assert.Equal(Hmac(secret, delivery.Body), delivery.Headers["X-Mindra-Signature"]);
        }
        Assert.All(receiver.Received, r => Assert.Contains("\"execution.completed\"", r.Text, StringComparison.Ordinal));
    }
}
