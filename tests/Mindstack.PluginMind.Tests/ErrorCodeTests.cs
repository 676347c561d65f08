using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Mindstack.Platform.Http;

namespace Mindstack.PluginMind.Tests;

/// <summary>A test-only route under PluginMind's base path that fails unexpectedly (for the 500 envelope).</summary>
public sealed class CrashRoute : IEndpointContributor
{
    public void Map(IEndpointRouteBuilder routes) =>
        routes.MapGet(PluginMindFactory.Base + "/__test/crash", IResult () => throw new InvalidOperationException("secret internal detail"))
            .ExcludeFromDescription();
}

/// <summary>PluginMind with no Google client id configured, and the crash route.</summary>
public sealed class UnconfiguredFactory : MindstackFactory
{
    public UnconfiguredFactory() => WithServices(s => s.AddSingleton<IEndpointContributor, CrashRoute>());
}

public sealed class ErrorCodeTests(UnconfiguredFactory factory) : IClassFixture<UnconfiguredFactory>
{
    private const string Base = PluginMindFactory.Base;

    [Fact]
    public async Task GoogleSignIn_NoClientIdConfigured_503ServiceUnavailable()
    {
        using var response = await factory.SendRawAsync(HttpMethod.Post, $"{Base}/auth/google", """{"id_token":"x.y.z"}""");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("SERVICE_UNAVAILABLE", (await factory.ReadJsonAsync(response)).GetProperty("error").GetProperty("code").GetString());

        using var ready = await factory.SendRawAsync(HttpMethod.Get, $"{Base}/ready");
        Assert.Equal("google_client_id_missing", (await factory.ReadJsonAsync(ready)).GetProperty("checks").GetProperty("env").GetString());
    }

    [Fact]
    public async Task UnexpectedFailure_500InternalServerErrorWithoutDetails()
    {
        using var response = await factory.SendRawAsync(HttpMethod.Get, $"{Base}/__test/crash");
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        var error = (await factory.ReadJsonAsync(response)).GetProperty("error");
        Assert.Equal("INTERNAL_SERVER_ERROR", error.GetProperty("code").GetString());
        Assert.DoesNotContain("secret", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(error.GetProperty("correlation_id").GetString()));
    }

    [Fact]
    public async Task Services_LocalEngine_RegistryAndHealth()
    {
        using var services = await factory.SendRawAsync(HttpMethod.Get, $"{Base}/services");
        Assert.Equal(HttpStatusCode.OK, services.StatusCode);
        var body = await factory.ReadJsonAsync(services);
        var ai = body.GetProperty("ai_services");
        Assert.Equal(2, ai.GetProperty("total_services").GetInt32());
        Assert.Equal("mindstack-local", ai.GetProperty("registered_services").GetProperty("analyzer").GetProperty("provider").GetString());
        Assert.Equal(["document", "chat", "seo", "crypto", "custom"], body.GetProperty("analysis_types").EnumerateObject().Select(p => p.Name));
        Assert.Equal($"POST {Base}/process", body.GetProperty("endpoints").GetProperty("process").GetString());

        using var health = await factory.SendRawAsync(HttpMethod.Get, $"{Base}/services/health");
        var report = await factory.ReadJsonAsync(health);
        Assert.True(report.GetProperty("overall_healthy").GetBoolean());
        Assert.True(report.GetProperty("timestamp").TryGetDateTime(out _));
        var engine = report.GetProperty("service_details").GetProperty("ai_engine");
        Assert.Equal("mindstack-local", engine.GetProperty("provider").GetString());
        Assert.False(engine.GetProperty("remote").GetBoolean());
        Assert.False(report.GetProperty("service_details").GetProperty("crypto_prices").GetProperty("configured").GetBoolean());
    }
}
