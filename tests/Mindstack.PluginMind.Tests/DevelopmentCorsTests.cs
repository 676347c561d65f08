using System.Net;

namespace Mindstack.PluginMind.Tests;

/// <summary>A default run (no <c>AllowedOrigins</c>) lets the original's development front end in, in Development only.</summary>
public sealed class DevelopmentCorsTests
{
    private const string Base = "/pluginmind";

    [Fact]
    public async Task Cors_DevelopmentWithoutOrigins_AllowsLocalhost3000()
    {
        using var factory = new MindstackFactory();
        using var response = await factory.SendRawAsync(HttpMethod.Options, $"{Base}/process", headers: h =>
        {
            h.Add("Origin", "http://localhost:3000");
            h.Add("Access-Control-Request-Method", "POST");
        });
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal("http://localhost:3000", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
    }

    [Fact]
    public async Task Cors_ProductionWithoutOrigins_AllowsNone()
    {
        using var factory = new MindstackFactory().WithSetting("environment", "Production");
        using var response = await factory.SendRawAsync(HttpMethod.Get, $"{Base}/live",
            headers: h => h.Add("Origin", "http://localhost:3000"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
    }
}
