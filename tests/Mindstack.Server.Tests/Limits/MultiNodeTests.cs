using System.Net;
using Microsoft.Extensions.Time.Testing;

namespace Mindstack.Platform.Tests.Limits;

/// <summary>Runs only when the matrix's provider is PostgreSQL.</summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        if (!TestDatabase.UsePostgres)
        {
            Skip = "Several nodes share counters only through PostgreSQL; on SQLite (one node) they count in memory.";
        }
    }
}

/// <summary>Two servers on one PostgreSQL database and one clock: two nodes of one deployment, built on first use.</summary>
public sealed class TwoNodes : IDisposable
{
    private readonly Lazy<(TestDatabase Database, LimitsFactory A, LimitsFactory B)> _nodes = new(() =>
    {
        var database = MindstackFactory.CreateDatabase();
        var clock = new FakeTimeProvider(LimitsFactory.Start);
        var a = new LimitsFactory(database, clock);
        var b = new LimitsFactory(database, clock);
        _ = a.Server;
        _ = b.Server;
        return (database, a, b);
    });

    public LimitsFactory A => _nodes.Value.A;

    public LimitsFactory B => _nodes.Value.B;

    public void Dispose()
    {
        if (_nodes.IsValueCreated)
        {
            _nodes.Value.A.Dispose();
            _nodes.Value.B.Dispose();
            _nodes.Value.Database.Dispose();
        }
    }
}

public sealed class MultiNodeTests(TwoNodes nodes) : IClassFixture<TwoNodes>
{
    [PostgresFact]
    public async Task RateLimit_TwoNodesOnOnePostgres_LimitHoldsAcrossNodes()
    {
        var key = "k-" + Guid.NewGuid().ToString("N");
        async Task<HttpResponseMessage> GetAsync(LimitsFactory node) =>
            await node.SendRawAsync(HttpMethod.Get, "/mindra/__limits/limited", headers: h => h.Add("X-Test-Key", key));

        using (var first = await GetAsync(nodes.A))
        {
            Assert.Equal("2", first.Headers.GetValues("X-RateLimit-Remaining").Single());
        }
        using (var second = await GetAsync(nodes.B))
        {
            Assert.Equal(HttpStatusCode.OK, second.StatusCode);
            Assert.Equal("1", second.Headers.GetValues("X-RateLimit-Remaining").Single());
        }
        using (var third = await GetAsync(nodes.A))
        {
            Assert.Equal("0", third.Headers.GetValues("X-RateLimit-Remaining").Single());
        }
        using var refusedOnB = await GetAsync(nodes.B);
        Assert.Equal(HttpStatusCode.TooManyRequests, refusedOnB.StatusCode);
        using var refusedOnA = await GetAsync(nodes.A);
        Assert.Equal(HttpStatusCode.TooManyRequests, refusedOnA.StatusCode);

        // Concurrent requests on both nodes never pass more than the limit between them.
        var burstKey = "k-" + Guid.NewGuid().ToString("N");
        var statuses = await Task.WhenAll(Enumerable.Range(0, 12).Select(async i =>
        {
            using var response = await (i % 2 == 0 ? nodes.A : nodes.B)
                .SendRawAsync(HttpMethod.Get, "/mindra/__limits/limited", headers: h => h.Add("X-Test-Key", burstKey));
            return response.StatusCode;
        }));
        Assert.Equal(3, statuses.Count(s => s == HttpStatusCode.OK));
        Assert.Equal(9, statuses.Count(s => s == HttpStatusCode.TooManyRequests));
    }

    [PostgresFact]
    public async Task Idempotent_ConcurrentRetriesOnTwoNodes_RunExactlyOnce()
    {
        var name = "n-" + Guid.NewGuid().ToString("N");
        var key = "key_" + Guid.NewGuid().ToString("N");
        var body = IdempotencyTests.Body(name, delayMs: 300);
        using var clientA = nodes.A.CreateClient();
        using var clientB = nodes.B.CreateClient();
        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(async i =>
        {
            using var request = IdempotencyTests.Post(body, key);
            using var response = await (i % 2 == 0 ? clientA : clientB).SendAsync(request);
            return (response.StatusCode, Body: await response.Content.ReadAsStringAsync());
        }));

        Assert.Equal(1, nodes.A.State.RunsOf(name) + nodes.B.State.RunsOf(name));
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.Created, a.StatusCode));
        Assert.Single(answers.Select(a => a.Body).Distinct());
        Assert.Contains("\"run\":1", answers[0].Body, StringComparison.Ordinal);
    }
}
