using System.Net;

namespace Mindstack.Platform.Tests.Limits;

/// <summary>Health and liveness probes are never rate limited, nor counted against a client.</summary>
public sealed class ProbeLimitTests(LimitsFactory factory) : IClassFixture<LimitsFactory>
{
    private Task<HttpResponseMessage> GetAsync(string path, string address) =>
        factory.SendRawAsync(HttpMethod.Get, path, headers: h => h.Add("X-Test-Client-Address", address));

    [Fact]
    public async Task Probes_MoreThanTheLimitFromOneAddress_NeitherRefusedNorCounted()
    {
        const string address = "203.0.113.77";
        // PluginMind limits every route of its API per address, 300 a minute; the clock stands still.
        for (var i = 0; i < 310; i++)
        {
            using var live = await GetAsync("/pluginmind/live", address);
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
            Assert.False(live.Headers.Contains("X-RateLimit-Remaining"));
        }
        foreach (var probe in new[] { "/pluginmind/ready", "/pluginmind/health", "/mindra/health", "/mindmesh/health", "/health" })
        {
            using var response = await GetAsync(probe, address);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{probe}: {response.StatusCode}");
            Assert.False(response.Headers.Contains("X-RateLimit-Remaining"), probe);
        }

        // The first counted request of this address has the whole minute's budget left but itself.
        using var counted = await GetAsync("/pluginmind/version", address);
        Assert.Equal(HttpStatusCode.OK, counted.StatusCode);
        Assert.Equal("299", counted.Headers.GetValues("X-RateLimit-Remaining").Single());
    }
}
