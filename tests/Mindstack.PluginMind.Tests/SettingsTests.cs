using Microsoft.AspNetCore.Hosting;

namespace Mindstack.PluginMind.Tests;

/// <summary><c>Mindstack:PluginMind:*</c> is validated at start: a bad value refuses the start with a message naming it.</summary>
public sealed class SettingsTests
{
    [Theory]
    [InlineData("Mindstack:PluginMind:TierQueryLimits:pro", "-1", "Mindstack:PluginMind:TierQueryLimits:pro must not be negative")]
    [InlineData("Mindstack:PluginMind:DefaultQueryLimit", "-1", "Mindstack:PluginMind:DefaultQueryLimit must not be negative")]
    [InlineData("Mindstack:PluginMind:AnonymousQueriesPerDay", "-1", "Mindstack:PluginMind:AnonymousQueriesPerDay must not be negative")]
    [InlineData("Mindstack:PluginMind:AnalysisAttempts", "0", "Mindstack:PluginMind:AnalysisAttempts must be from 1 to 10")]
    [InlineData("Mindstack:PluginMind:AnalysisTimeout", "00:06:00", "Mindstack:PluginMind:AnalysisTimeout must be more than zero")]
    [InlineData("Mindstack:PluginMind:AnalysisTimeout", "four minutes", "Mindstack:PluginMind:AnalysisTimeout")]
    [InlineData("Mindstack:PluginMind:Google:JwksUrl", "certs", "Mindstack:PluginMind:Google:JwksUrl must be an absolute URL")]
    [InlineData("Mindstack:PluginMind:Google:DevSecret", "short", "Mindstack:PluginMind:Google:DevSecret must be at least 32 characters")]
    public void Start_BadSetting_RefusedNamingTheSetting(string key, string value, string message)
    {
        using var factory = new MindstackFactory().WithSetting(key, value);
        var refused = Assert.ThrowsAny<Exception>(() => factory.Server);
        Assert.Contains(message, refused.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Start_DevSecretInProduction_Refused()
    {
        using var factory = new ProductionFactory();
        factory.WithSetting("Mindstack:PluginMind:Google:DevSecret", new string('s', 32));
        var refused = Assert.ThrowsAny<Exception>(() => factory.Server);
        Assert.Contains("Mindstack:PluginMind:Google:DevSecret is for development only and is refused in Production", refused.ToString(), StringComparison.Ordinal);
    }

    /// <summary>The server in Production, where development-only switches are refused.</summary>
    private sealed class ProductionFactory : MindstackFactory
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseEnvironment("Production");
        }
    }
}
