using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Mindstack.Platform.Storage;

namespace Mindstack.Mindra.Tests;

public sealed class OrchestrationTests(MindraFactory factory) : IClassFixture<MindraFactory>
{
    private static object TwoAgents(string mode, string strategy) => new
    {
        query = "Summarize this research report and analyze the revenue growth data",
        context = new
        {
            text = "The study followed 40 retailers for a year. Online revenue grew steadily while store visits declined. Researchers at Acme Labs recommend investing in delivery.",
            revenue = new[] { 120, 135, 150, 171 },
        },
        selectionCriteria = new { verticals = new[] { "research", "analytics" }, maxAgents = 2 },
        mode,
        aggregationStrategy = strategy,
    };

    [Fact]
    public async Task Orchestrate_TwoAgentsSequentialMerge_CompletesWithStepsAndPerAgentCharges()
    {
        var user = await factory.RegisterUserAsync();
        await user.TopUpAsync(10);
        using var response = await user.PostAsync("/v1/orchestrate", TwoAgents("sequential", "merge"));
        var accepted = await MindraClient.Expect(response, HttpStatusCode.Accepted);
        Assert.StartsWith("exec_", accepted.GetProperty("executionId").GetString(), StringComparison.Ordinal);
        Assert.Equal("PENDING", accepted.GetProperty("status").GetString());
        Assert.Equal(2, accepted.GetProperty("data").GetProperty("agents").GetArrayLength());
        Assert.Equal(0.08m, accepted.GetProperty("data").GetProperty("estimatedCost").GetDecimal());

        var execution = await user.WaitForExecutionAsync(accepted.GetProperty("executionId").GetString()!);
        Assert.Equal("COMPLETED", execution.GetProperty("status").GetString());
        var steps = execution.GetProperty("steps").EnumerateArray().ToList();
        Assert.Equal(["data-analyst", "research-summarizer"], steps.Select(s => s.GetProperty("agentId").GetString()));
        Assert.All(steps, s =>
        {
            Assert.Equal("COMPLETED", s.GetProperty("status").GetString());
            Assert.Equal(0.04m, s.GetProperty("cost").GetDecimal());
            Assert.True(s.GetProperty("confidence").GetDouble() > 0);
            Assert.True(s.GetProperty("durationMs").GetInt64() >= 0);
            Assert.Equal(JsonValueKind.Object, s.GetProperty("input").ValueKind);
            Assert.Equal(JsonValueKind.Object, s.GetProperty("output").ValueKind);
        });
        // Sequential: the second agent was given the first one's result.
        Assert.Equal("data-analyst", steps[1].GetProperty("input").GetProperty("previousResults")[0].GetString());
        var revenue = steps[0].GetProperty("output").GetProperty("data").GetProperty("series").GetProperty("revenue");
        Assert.Equal(576, revenue.GetProperty("sum").GetDouble());
        Assert.Equal("increasing", revenue.GetProperty("trend").GetString());

        var result = execution.GetProperty("result");
        Assert.Equal("merge", result.GetProperty("strategy").GetString());
        Assert.True(result.GetProperty("data").TryGetProperty("research-summarizer", out _));
        Assert.Equal(0.08m, execution.GetProperty("cost").GetProperty("actual").GetDecimal());
        Assert.Equal(9.92m, await user.BalanceAsync());

        var transactions = await user.GetJsonAsync("/v1/wallet/transactions?limit=100");
        var types = transactions.GetProperty("data").EnumerateArray().Select(t => t.GetProperty("type").GetString()).ToList();
        Assert.Equal(2, types.Count(t => t == "CHARGE"));
        Assert.Equal(1, types.Count(t => t == "TOPUP"));
    }

    [Fact]
    public async Task Orchestrate_TwoAgentsParallelBest_PicksMostConfident()
    {
        var user = await factory.RegisterUserAsync();
        await user.TopUpAsync(10);
        var id = await user.OrchestrateAsync(TwoAgents("parallel", "best"));
        var execution = await user.WaitForExecutionAsync(id);
        Assert.Equal("COMPLETED", execution.GetProperty("status").GetString());
        Assert.Equal("parallel", execution.GetProperty("mode").GetString());
        var steps = execution.GetProperty("steps").EnumerateArray().ToList();
        Assert.Equal(2, steps.Count(s => s.GetProperty("status").GetString() == "COMPLETED"));
        // Parallel: nobody waited for anyone's result.
        Assert.All(steps, s => Assert.Equal(0, s.GetProperty("input").GetProperty("previousResults").GetArrayLength()));
        var best = steps.OrderByDescending(s => s.GetProperty("confidence").GetDouble()).First();
        var result = execution.GetProperty("result");
        Assert.Equal("best", result.GetProperty("strategy").GetString());
        Assert.Equal(best.GetProperty("agentId").GetString(), result.GetProperty("agentId").GetString());
    }

    [Fact]
    public async Task Orchestrate_VoteAndCustom_AggregateAnswers()
    {
        var user = await factory.RegisterUserAsync();
        await user.TopUpAsync(10);
        var body = new
        {
            query = "Customer complaint: the product is terrible, broken and support never answers. Summarize the research on this issue.",
            selectionCriteria = new { verticals = new[] { "support", "research" }, maxAgents = 3, minConfidence = 0.5 },
            aggregationStrategy = "vote",
            mode = "parallel",
        };
        var execution = await user.WaitForExecutionAsync(await user.OrchestrateAsync(body));
        Assert.Equal("COMPLETED", execution.GetProperty("status").GetString());
        Assert.Equal(3, execution.GetProperty("steps").GetArrayLength());
        var result = execution.GetProperty("result");
        Assert.Equal("vote", result.GetProperty("strategy").GetString());
        var answer = result.GetProperty("answer").GetString()!;
        var votes = result.GetProperty("votes");
        var tally = votes.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32());
        Assert.Equal(tally.Values.Max(), tally[answer]);
        Assert.Equal(3, tally.Values.Sum() + result.GetProperty("abstained").GetInt32());

        var custom = await user.WaitForExecutionAsync(await user.OrchestrateAsync(new { body.query, body.selectionCriteria, aggregationStrategy = "custom" }));
        Assert.Equal(3, custom.GetProperty("result").GetProperty("outputs").GetArrayLength());
    }

    [Fact]
    public async Task Orchestrate_InvalidRequests_InvalidRequest()
    {
        var user = await factory.RegisterUserAsync();
        object deep = new { v = 1 };
        for (var i = 0; i < 11; i++)
        {
            deep = new { nested = deep };
        }
        var bad = new object[]
        {
            new { query = "" },
            new { query = new string('a', 10_001) },
            new { query = "ok", context = deep },
            new { query = "ok", context = new[] { 1, 2 } },
            new { query = "ok", aggregationStrategy = "average" },
            new { query = "ok", mode = "serial" },
            new { query = "ok", selectionCriteria = new { maxAgents = 11 } },
            new { query = "ok", selectionCriteria = new { minConfidence = 1.5 } },
            new { query = "ok", selectionCriteria = new { verticals = new[] { "astrology" } } },
            new { query = "ok", webhook = new { url = "not a url" } },
            new { query = "ok", webhook = new { url = "https://example.com/h", events = new[] { "execution.exploded" } } },
        };
        foreach (var body in bad)
        {
            using var response = await user.PostAsync("/v1/orchestrate", body);
            await MindraClient.ExpectError(response, HttpStatusCode.BadRequest, "INVALID_REQUEST");
        }
        using var malformed = await user.PostAsync("/v1/orchestrate", "{\"query\":");
        await MindraClient.ExpectError(malformed, HttpStatusCode.BadRequest, "INVALID_REQUEST");
    }

    [Fact]
    public async Task Orchestrate_BalanceTooLow_InsufficientBalanceUpFront()
    {
        var user = await factory.RegisterUserAsync();
        using var response = await user.PostAsync("/v1/orchestrate", new { query = "Create an email campaign for our spring launch", context = new { } });
        await MindraClient.ExpectError(response, HttpStatusCode.PaymentRequired, "INSUFFICIENT_BALANCE");
        var list = await user.GetJsonAsync("/v1/executions");
        Assert.Equal(0, list.GetProperty("pagination").GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task Orchestrate_SdkShape_QueryAndContextAccepted()
    {
        // As the Node, Python and Go SDKs send it: query and context, nothing else.
        var user = await factory.RegisterUserAsync();
        await user.TopUpAsync(10);
        using var response = await user.PostAsync("/v1/orchestrate",
            "{\"query\":\"Create an email campaign...\",\"context\":{\"product\":\"Mindra Pro\",\"audience\":\"developers\"}}");
        var accepted = await MindraClient.Expect(response, HttpStatusCode.Accepted);
        Assert.Equal("PENDING", accepted.GetProperty("status").GetString());
        var execution = await user.WaitForExecutionAsync(accepted.GetProperty("executionId").GetString()!);
        Assert.Equal("COMPLETED", execution.GetProperty("status").GetString());
        var step = execution.GetProperty("steps")[0];
        Assert.Equal("campaign-strategist", step.GetProperty("agentId").GetString());
        var campaign = step.GetProperty("output").GetProperty("data").GetProperty("campaign");
        Assert.Equal("developers", campaign.GetProperty("audience").GetString());
        Assert.Contains("email", campaign.GetProperty("channels").EnumerateArray().Select(c => c.GetString()));
        Assert.False(string.IsNullOrEmpty(campaign.GetProperty("emailDraft").GetProperty("subject").GetString()));
    }

    [Fact]
    public async Task TwoAgentExecution_FoundByEachVertical_WalletShowsOneSignedChargePerAgent()
    {
        var user = await factory.RegisterUserAsync();
        await user.TopUpAsync(10);
        var id = await user.OrchestrateAsync(TwoAgents("parallel", "merge"));
        Assert.Equal("COMPLETED", (await user.WaitForExecutionAsync(id)).GetProperty("status").GetString());
        var other = await user.OrchestrateAsync(new { query = "Create an email campaign for our spring launch", context = new { } });
        await user.WaitForExecutionAsync(other);

        // The research + analytics execution is found by either of its agents' verticals, and only by those.
        foreach (var vertical in new[] { "research", "analytics" })
        {
            var found = await user.GetJsonAsync($"/v1/executions?vertical={vertical}");
            Assert.Equal(1, found.GetProperty("pagination").GetProperty("total").GetInt32());
            Assert.Equal(id, found.GetProperty("data")[0].GetProperty("id").GetString());
        }
        var marketing = await user.GetJsonAsync("/v1/executions?vertical=marketing");
        Assert.Equal(other, Assert.Single(marketing.GetProperty("data").EnumerateArray()).GetProperty("id").GetString());
        var used = new HashSet<string>();
        foreach (var execution in new[] { id, other })
        {
            foreach (var agent in (await user.GetJsonAsync($"/v1/executions/{execution}")).GetProperty("agents").EnumerateArray())
            {
                used.Add(agent.GetProperty("vertical").GetString()!);
            }
        }
        var unused = new[] { "sales", "support", "content", "engineering" }.First(v => !used.Contains(v));
        Assert.Equal(0, (await user.GetJsonAsync($"/v1/executions?vertical={unused}")).GetProperty("pagination").GetProperty("total").GetInt32());
        Assert.Equal(0, (await user.GetJsonAsync("/v1/executions?vertical=research%7Canalytics")).GetProperty("pagination").GetProperty("total").GetInt32());

        // One signed entry per change of the balance: the top-up in, each agent's price out, nothing twice.
        var transactions = await user.GetJsonAsync("/v1/wallet/transactions?limit=100");
        var entries = transactions.GetProperty("data").EnumerateArray().Reverse().ToList();
        Assert.Equal(entries.Count, transactions.GetProperty("pagination").GetProperty("total").GetInt32());
        var executions = new[] { await user.GetJsonAsync($"/v1/executions/{id}"), await user.GetJsonAsync($"/v1/executions/{other}") };
        var steps = executions.Sum(e => e.GetProperty("steps").GetArrayLength());
        Assert.Equal(["TOPUP", .. Enumerable.Repeat("CHARGE", steps)], entries.Select(e => e.GetProperty("type").GetString()));
        Assert.All(entries, e => Assert.Equal("COMPLETED", e.GetProperty("status").GetString()));
        var balance = 0m;
        foreach (var entry in entries)
        {
            balance += entry.GetProperty("amount").GetDecimal();
            Assert.Equal(balance, entry.GetProperty("balanceAfter").GetDecimal());
        }
        Assert.Equal(await user.BalanceAsync(), balance);
        var cost = executions.Sum(e => e.GetProperty("cost").GetProperty("actual").GetDecimal());
        var charges = entries.Where(e => e.GetProperty("type").GetString() == "CHARGE").Select(e => e.GetProperty("amount").GetDecimal()).ToList();
        Assert.All(charges, c => Assert.True(c < 0));
        Assert.Equal(cost, -charges.Sum());
        Assert.Equal(10m - cost, balance);

        var page = await user.GetJsonAsync("/v1/wallet/transactions?limit=2&page=2");
        Assert.Equal(1 + steps, page.GetProperty("pagination").GetProperty("total").GetInt32());
        Assert.Equal(2, page.GetProperty("data").GetArrayLength());
    }

    [Fact]
    public async Task VerticalsMigration_ExistingExecutions_GetEveryVerticalOfTheirAgents()
    {
        // A server of its own: its schema is taken back to before the column while nothing else runs on it.
        using var server = new MindraFactory();
        var user = await server.RegisterUserAsync(sandbox: true);
        var id = await user.OrchestrateAsync(TwoAgents("sequential", "merge"));
        await user.WaitForExecutionAsync(id);

        // As a database from before the column: its rows lack it, and the migration has not run.
        using (var scope = server.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<MindstackDbContext>();
            await db.Database.ExecuteSqlRawAsync("ALTER TABLE mindra_executions DROP COLUMN verticals");
            await db.Database.ExecuteSqlRawAsync("DELETE FROM __mindstack_migrations WHERE id = '2026120301_mindra_execution_verticals'");
            var applied = await scope.ServiceProvider.GetRequiredService<MigrationRunner>().MigrateAsync();
            Assert.Equal(["2026120301_mindra_execution_verticals"], applied);
        }
        foreach (var vertical in new[] { "research", "analytics" })
        {
            var found = await user.GetJsonAsync($"/v1/executions?vertical={vertical}");
            Assert.Contains(id, found.GetProperty("data").EnumerateArray().Select(e => e.GetProperty("id").GetString()));
        }
    }

    [Fact]
    public async Task Orchestrate_ConcurrentRetriesWithOneKey_OneExecutionOneCharge()
    {
        var user = await factory.RegisterUserAsync();
        await user.TopUpAsync(10);
        var body = new { query = "Analyze the revenue data", context = new { revenue = new[] { 1, 2, 3 } } };
        var responses = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => user.PostAsync("/v1/orchestrate", body, "retry-key-1")));
        var ids = new HashSet<string>();
        foreach (var response in responses)
        {
            var text = await response.Content.ReadAsStringAsync();
            // A retry that outwaits the first is told, in a document code, to come back (Retry-After).
            Assert.True(response.StatusCode is HttpStatusCode.Accepted or HttpStatusCode.ServiceUnavailable, text);
            if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
            {
                Assert.Equal("SERVICE_UNAVAILABLE", JsonDocument.Parse(text).RootElement.GetProperty("error").GetString());
                Assert.True(response.Headers.Contains("Retry-After"));
            }
            if (response.StatusCode == HttpStatusCode.Accepted)
            {
                ids.Add(JsonDocument.Parse(text).RootElement.GetProperty("executionId").GetString()!);
            }
            response.Dispose();
        }
        var id = Assert.Single(ids);
        // A later retry gets the same answer.
        Assert.Equal(id, await user.OrchestrateAsync(body, "retry-key-1"));
        await user.WaitForExecutionAsync(id);
        var list = await user.GetJsonAsync("/v1/executions");
        Assert.Equal(1, list.GetProperty("pagination").GetProperty("total").GetInt32());
        Assert.Equal(9.96m, await user.BalanceAsync());
    }

    [Fact]
    public async Task Orchestrate_SandboxKey_SimulatedFreeAndSeparate()
    {
        var live = await factory.RegisterUserAsync();
        await live.TopUpAsync(10);
        var sandbox = await factory.AddKeyAsync(live, sandbox: true);
        var auth = await sandbox.GetJsonAsync("/v1/auth/test");
        Assert.Equal("sandbox", auth.GetProperty("environment").GetString());

        using var response = await sandbox.PostAsync("/v1/orchestrate", new { query = "Test query", context = new { } });
        var accepted = await MindraClient.Expect(response, HttpStatusCode.Accepted);
        Assert.Equal(0m, accepted.GetProperty("data").GetProperty("estimatedCost").GetDecimal());
        var execution = await sandbox.WaitForExecutionAsync(accepted.GetProperty("executionId").GetString()!);
        Assert.Equal("COMPLETED", execution.GetProperty("status").GetString());
        Assert.True(execution.GetProperty("sandbox").GetBoolean());
        Assert.True(execution.GetProperty("steps")[0].GetProperty("output").GetProperty("data").GetProperty("simulated").GetBoolean());

        Assert.Equal(10m, await live.BalanceAsync());
        Assert.Equal(0m, await sandbox.BalanceAsync());
        Assert.Equal(0, (await live.GetJsonAsync("/v1/executions")).GetProperty("pagination").GetProperty("total").GetInt32());
        Assert.Equal(1, (await sandbox.GetJsonAsync("/v1/executions")).GetProperty("pagination").GetProperty("total").GetInt32());
        using var hidden = await live.GetAsync($"/v1/executions/{execution.GetProperty("id").GetString()}");
        await MindraClient.ExpectError(hidden, HttpStatusCode.NotFound, "NOT_FOUND");
    }
}
