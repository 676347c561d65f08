using Microsoft.AspNetCore.Hosting;

namespace Mindstack.Platform.Tests.Hosting;

/// <summary>A server in Production, for the switches that are refused there.</summary>
public sealed class ProductionFactory : MindstackFactory
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseEnvironment("Production");
    }
}

/// <summary>Settings are validated at start: a bad value refuses the start with a message naming it.</summary>
public sealed class SettingsValidationTests
{
    [Theory]
    [InlineData("Mindstack:Jobs:Workers", "-1", "Mindstack:Jobs:Workers must be 0 or more")]
    [InlineData("Mindstack:Jobs:Workers", "many", "Mindstack:Jobs:Workers")]
    [InlineData("Mindstack:Jobs:PollMilliseconds", "0", "Mindstack:Jobs:PollMilliseconds must be at least 10")]
    [InlineData("Mindstack:Jobs:Lease", "00:00:00.5", "Mindstack:Jobs:Lease must be at least 00:00:01")]
    [InlineData("Mindstack:Jobs:MaxRetryDelay", "-00:00:01", "Mindstack:Jobs:MaxRetryDelay must not be negative")]
    public void Start_BadSetting_RefusedNamingTheSetting(string key, string value, string message)
    {
        using var factory = new MindstackFactory().WithSetting(key, value);
        var refused = Assert.ThrowsAny<Exception>(() => factory.Server);
        Assert.Contains(message, refused.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Start_DevelopmentSwitchInProduction_Refused()
    {
        using var factory = new ProductionFactory();
        factory.WithSetting("Mindstack:Mindra:AllowInsecureAgentUrls", "true");
        var refused = Assert.ThrowsAny<Exception>(() => factory.Server);
        Assert.Contains("Mindstack:Mindra:AllowInsecureAgentUrls is for development and tests only", refused.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Start_OlderNumericJobKeys_StillRead()
    {
        using var factory = new MindstackFactory()
            .WithSetting("Mindstack:Jobs:LeaseSeconds", "12")
            .WithSetting("Mindstack:Jobs:PollMilliseconds", "250")
            .WithSetting("Mindstack:Jobs:RetainDays", "2");
        var settings = (Mindstack.Platform.Jobs.JobsSettings)factory.Services.GetService(typeof(Mindstack.Platform.Jobs.JobsSettings))!;
        Assert.Equal(TimeSpan.FromSeconds(12), settings.Lease);
        Assert.Equal(TimeSpan.FromMilliseconds(250), settings.PollInterval);
        Assert.Equal(TimeSpan.FromDays(2), settings.Retention);
    }
}
