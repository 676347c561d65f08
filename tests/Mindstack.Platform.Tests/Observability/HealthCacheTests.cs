using Microsoft.Extensions.Time.Testing;
using Mindstack.Platform.Observability;

namespace Mindstack.Platform.Tests.Observability;

public sealed class HealthCacheTests
{
    private sealed class CountingProbe(string name) : IHealthProbe
    {
        public int Calls { get; private set; }

        public string Name => name;

        public Task<ProbeResult> CheckAsync(CancellationToken cancellationToken)
        {
            Calls++;
            return Task.FromResult(new ProbeResult(true, $"call {Calls}"));
        }
    }

    [Fact]
    public async Task CheckAll_ReuseWithinASecond_DatabaseCheckedOnceOtherProbesEveryTime()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-12-07T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var database = new CountingProbe(DatabaseHealthProbe.ProbeName);
        var engine = new CountingProbe("ai_engine");
        var health = new HealthService([database, engine], clock, new DatabaseProbeCache());

        await health.CheckAllAsync(reuseDatabaseCheck: true, CancellationToken.None);
        clock.Advance(TimeSpan.FromMilliseconds(900));
        var cached = await health.CheckAllAsync(reuseDatabaseCheck: true, CancellationToken.None);

        Assert.Equal(1, database.Calls);
        Assert.Equal("call 1", cached[DatabaseHealthProbe.ProbeName].Detail);
        Assert.Equal(2, engine.Calls);

        clock.Advance(TimeSpan.FromMilliseconds(200));
        await health.CheckAllAsync(reuseDatabaseCheck: true, CancellationToken.None);
        Assert.Equal(2, database.Calls);
    }

    [Fact]
    public async Task CheckAll_WithoutReuse_DatabaseCheckedEveryTime()
    {
        var clock = new FakeTimeProvider();
        var database = new CountingProbe(DatabaseHealthProbe.ProbeName);
        var health = new HealthService([database], clock, new DatabaseProbeCache());

        await health.CheckAllAsync(reuseDatabaseCheck: true, CancellationToken.None);
        await health.CheckAllAsync(CancellationToken.None);
        await health.CheckAllAsync(CancellationToken.None);

        Assert.Equal(3, database.Calls);
    }
}
