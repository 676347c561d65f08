using System.Net;
using System.Text.RegularExpressions;

namespace Mindstack.Platform.Tests.Http;

public sealed partial class RequestIdTests(ProbeFactory factory) : IClassFixture<ProbeFactory>
{
    [Fact]
    public async Task RequestId_Acceptable_EchoedUnchanged()
    {
        using var response = await factory.SendRawAsync(HttpMethod.Get, "/health", headers: h => h.Add("X-Request-ID", "abc.DEF-123_x"));
        Assert.Equal("abc.DEF-123_x", response.Headers.GetValues("X-Request-ID").Single());
    }

    [Theory]
    [InlineData("has spaces in it")]
    [InlineData("semi;colon")]
    [InlineData("0123456789012345678901234567890123456789012345678901234567890123456789")]
    public async Task RequestId_Unacceptable_Replaced(string incoming)
    {
        using var response = await factory.SendRawAsync(HttpMethod.Get, "/health", headers: h => h.TryAddWithoutValidation("X-Request-ID", incoming));
        var echoed = response.Headers.GetValues("X-Request-ID").Single();
        Assert.NotEqual(incoming, echoed);
        Assert.Matches(Acceptable(), echoed);
    }

    [Fact]
    public async Task RequestId_Missing_GeneratedAndInErrorBody()
    {
        using var response = await factory.SendRawAsync(HttpMethod.Get, "/mindra/nothing-here");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var echoed = response.Headers.GetValues("X-Request-ID").Single();
        Assert.Equal(echoed, (await factory.ReadJsonAsync(response)).GetProperty("requestId").GetString());
    }

    [Fact]
    public async Task RequestId_PluginMindMissing_IsUuid()
    {
        using var response = await factory.SendRawAsync(HttpMethod.Get, "/pluginmind/live");
        Assert.True(Guid.TryParse(response.Headers.GetValues("X-Request-ID").Single(), out _));
    }

    [GeneratedRegex(@"^[A-Za-z0-9\-_.]{1,64}$")]
    private static partial Regex Acceptable();
}
