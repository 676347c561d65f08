using System.Net;
using System.Text.Json;

namespace Mindstack.MindSwarm.Tests;

public sealed class RateLimitTests(LimitedMindSwarmFactory factory) : IClassFixture<LimitedMindSwarmFactory>
{
    [Fact]
    public async Task Challenge_ElevenInAMinute_LastRefusedWithHeaders()
    {
        // The window is the clock minute: eleven requests that straddled its end would all pass.
        await Eventually.EarlyInAMinuteAsync();
        for (var i = 0; i < 10; i++)
        {
            using var ok = await factory.SendRawAsync(HttpMethod.Get, "/mindswarm/api/auth/challenge");
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            Assert.True(ok.Headers.Contains("RateLimit-Remaining"));
            Assert.True(ok.Headers.Contains("RateLimit-Reset"));
        }
        using var refused = await factory.SendRawAsync(HttpMethod.Get, "/mindswarm/api/auth/challenge");
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.True(refused.Headers.Contains("Retry-After"));
        var body = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement;
        Assert.False(body.GetProperty("success").GetBoolean());
        Assert.Equal("0", refused.Headers.GetValues("RateLimit-Remaining").Single());
    }
}
