using System.Net;

namespace Mindstack.Mindra.Tests;

public sealed class AgentTests(MindraFactory factory) : IClassFixture<MindraFactory>
{
    [Fact]
    public async Task Agents_List_BuiltInsAcrossVerticalsPaged()
    {
        var user = await factory.RegisterUserAsync();
        var page = await user.GetJsonAsync("/v1/agents?limit=100");
        var agents = page.GetProperty("data").EnumerateArray().ToList();
        var verticals = agents.Select(a => a.GetProperty("vertical").GetString()).ToHashSet();
        Assert.Superset(new HashSet<string?> { "marketing", "sales", "support", "analytics", "research", "content", "engineering" }, verticals);
        var first = agents[0];
        Assert.True(first.GetProperty("capabilities").GetArrayLength() > 0);
        Assert.Equal("per_execution", first.GetProperty("pricing").GetProperty("model").GetString());
        Assert.True(first.GetProperty("pricing").GetProperty("basePrice").GetDecimal() > 0);

        var filtered = await user.GetJsonAsync("/v1/agents?vertical=analytics&limit=1");
        Assert.All(filtered.GetProperty("data").EnumerateArray(), a => Assert.Equal("analytics", a.GetProperty("vertical").GetString()));
        var pagination = filtered.GetProperty("pagination");
        Assert.Equal(1, pagination.GetProperty("limit").GetInt32());
        Assert.False(pagination.GetProperty("hasPrev").GetBoolean());

        using var tooMany = await user.GetAsync("/v1/agents?limit=101");
        await MindraClient.ExpectError(tooMany, HttpStatusCode.BadRequest, "INVALID_REQUEST");
    }

    [Fact]
    public async Task Agents_Get_KnownAndUnknown()
    {
        var user = await factory.RegisterUserAsync();
        var agent = await user.GetJsonAsync("/v1/agents/data-analyst");
        Assert.Equal("analytics", agent.GetProperty("vertical").GetString());
        using var missing = await user.GetAsync("/v1/agents/no-such-agent");
        await MindraClient.ExpectError(missing, HttpStatusCode.NotFound, "NOT_FOUND");
    }

    [Fact]
    public async Task Agents_Register_ValidCreatedThenVisibleOnlyToOwner()
    {
        var user = await factory.RegisterUserAsync();
        using var response = await user.PostAsync("/v1/agents", new
        {
            id = "invoice-parser",
            name = "Invoice Parser",
            description = "Extracts totals and due dates from invoices.",
            url = "https://agents.example.com/invoice",
            vertical = "analytics",
            capabilities = new[] { "invoice-parsing", "extraction" },
            pricing = new { model = "per_execution", basePrice = 0.25m },
            config = new { timeout = 5000, retries = 1 },
        });
        var agent = await MindraClient.Expect(response, HttpStatusCode.Created);
        Assert.Equal("invoice-parser", agent.GetProperty("id").GetString());
        Assert.Equal("1.0.0", agent.GetProperty("version").GetString());
        Assert.True(agent.GetProperty("isActive").GetBoolean());
        Assert.Equal(0.25m, agent.GetProperty("pricing").GetProperty("basePrice").GetDecimal());
        Assert.Equal(5000, agent.GetProperty("config").GetProperty("timeout").GetInt32());
        Assert.StartsWith("whsec_", agent.GetProperty("signingSecret").GetString(), StringComparison.Ordinal);
        Assert.True(agent.TryGetProperty("createdAt", out _) && agent.TryGetProperty("updatedAt", out _));

        var fetched = await user.GetJsonAsync("/v1/agents/invoice-parser");
        Assert.Equal("custom", fetched.GetProperty("type").GetString());
        Assert.False(fetched.TryGetProperty("signingSecret", out var secret) && secret.ValueKind == System.Text.Json.JsonValueKind.String);

        var other = await factory.RegisterUserAsync();
        using var hidden = await other.GetAsync("/v1/agents/invoice-parser");
        await MindraClient.ExpectError(hidden, HttpStatusCode.NotFound, "NOT_FOUND");

        using var duplicate = await user.PostAsync("/v1/agents", new
        {
            id = "invoice-parser",
            name = "Again",
            description = "A second agent with the same id.",
            url = "https://x.example.com",
            vertical = "analytics",
            capabilities = new[] { "x" },
            pricing = new { basePrice = 0 },
        });
        // A taken id is the document's INVALID_REQUEST (it names no 409 code).
        var taken = await MindraClient.ExpectError(duplicate, HttpStatusCode.BadRequest, "INVALID_REQUEST");
        Assert.Contains("invoice-parser", taken.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Agents_Register_InvalidFields_InvalidRequest()
    {
        var user = await factory.RegisterUserAsync();
        var bad = new object[]
        {
            new { id = "Bad_Id", name = "n", description = "long enough text", url = "https://a.example.com", vertical = "sales", capabilities = new[] { "a" }, pricing = new { basePrice = 1 } },
            new { id = "good-id", name = "n", description = "short", url = "https://a.example.com", vertical = "sales", capabilities = new[] { "a" }, pricing = new { basePrice = 1 } },
            new { id = "good-id", name = "n", description = "long enough text", url = "ftp://a.example.com", vertical = "sales", capabilities = new[] { "a" }, pricing = new { basePrice = 1 } },
            new { id = "good-id", name = "n", description = "long enough text", url = "https://a.example.com", vertical = "cooking", capabilities = new[] { "a" }, pricing = new { basePrice = 1 } },
            new { id = "good-id", name = "n", description = "long enough text", url = "https://a.example.com", vertical = "sales", capabilities = Array.Empty<string>(), pricing = new { basePrice = 1 } },
            new { id = "good-id", name = "n", description = "long enough text", url = "https://a.example.com", vertical = "sales", capabilities = new[] { "a" }, pricing = new { basePrice = -1 } },
        };
        foreach (var body in bad)
        {
            using var response = await user.PostAsync("/v1/agents", body);
            await MindraClient.ExpectError(response, HttpStatusCode.BadRequest, "INVALID_REQUEST");
        }
        using var malformed = await user.PostAsync("/v1/agents", "{not json");
        await MindraClient.ExpectError(malformed, HttpStatusCode.BadRequest, "INVALID_REQUEST");
    }
}
