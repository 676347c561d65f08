using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;

namespace Mindstack.PluginMind.Tests;

/// <summary>
/// PluginMind in a non-Development environment (Staging: not Production, so the development
/// secret is still allowed and the test stand-in can sign in).
/// </summary>
public sealed class StagingFactory : PluginMindFactory
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseEnvironment("Staging");
    }
}

public sealed class OutsideDevelopmentTests(StagingFactory factory) : IClassFixture<StagingFactory>
{
    private const string Base = PluginMindFactory.Base;

    [Fact]
    public async Task GoogleSignIn_OutsideDevelopment_SessionCookieIsSecure()
    {
        using var client = factory.Browser();
        using var response = await client.PostAsJsonAsync($"{Base}/auth/google",
            new { id_token = factory.Google.IdToken("g-staging", "staging@example.test") });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var cookie = response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("pm_session=", StringComparison.Ordinal));
        Assert.Contains("secure", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=lax", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("max-age=86400", cookie, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task AnyAnswer_OutsideDevelopment_CarriesHsts()
    {
        using var ok = await factory.SendRawAsync(HttpMethod.Get, $"{Base}/live");
        using var missing = await factory.SendRawAsync(HttpMethod.Get, $"{Base}/no-such-route");
        foreach (var response in new[] { ok, missing })
        {
            Assert.StartsWith("max-age=", response.Headers.GetValues("Strict-Transport-Security").Single(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Root_OutsideDevelopment_NoDocsLink()
    {
        using var response = await factory.SendRawAsync(HttpMethod.Get, Base);
        var body = await factory.ReadJsonAsync(response);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, body.GetProperty("docs").ValueKind);
    }
}
