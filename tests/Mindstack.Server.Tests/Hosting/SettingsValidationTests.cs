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
    [InlineData("Mindstack:Jobs:BatchSize", "0", "Mindstack:Jobs:BatchSize must be between 1 and 500")]
    [InlineData("Mindstack:Database:SqliteSynchronous", "Sometimes", "Mindstack:Database:SqliteSynchronous must be Normal or Full")]
    [InlineData("Mindstack:Jobs:MaxRetryDelay", "-00:00:01", "Mindstack:Jobs:MaxRetryDelay must not be negative")]
    [InlineData("Mindstack:Smtp:Port", "0", "Mindstack:Smtp:Port must be from 1 to 65535")]
    [InlineData("Mindstack:Smtp:Port", "smtp", "Mindstack:Smtp:Port")]
    [InlineData("Mindstack:Smtp:From", "not an address", "Mindstack:Smtp:From must be an email address")]
    [InlineData("Mindstack:Database", "Host=localhost;Colour=blue", "Mindstack:Database is not a PostgreSQL connection string")]
    [InlineData("data", "bad\0folder", "Mindstack:Data (or --data) is not a usable folder path")]
    [InlineData("Mindstack:Auth:SigningKey", "not base64!", "Mindstack:Auth:SigningKey must be base64")]
    [InlineData("Mindstack:Realtime:PingIntervalMs", "0", "Mindstack:Realtime:PingIntervalMs must be at least 1")]
    [InlineData("Mindstack:Realtime:KeepAlive", "-00:00:01", "Mindstack:Realtime:KeepAlive must not be negative")]
    [InlineData("Mindstack:Realtime:SendQueueCapacity", "0", "Mindstack:Realtime:SendQueueCapacity must be 1 or more")]
    [InlineData("Mindstack:Realtime:Backplane", "sometimes", "Mindstack:Realtime:Backplane must be 'auto' or 'off'")]
    [InlineData("Mindstack:Realtime:NotifyChannel", "Bad-Name", "Mindstack:Realtime:NotifyChannel must be lowercase letters")]
    [InlineData("Mindstack:Limits:IdempotencyLease", "00:00:00", "Mindstack:Limits:IdempotencyLease must be more than zero")]
    [InlineData("Mindstack:Limits:IdempotencyWait", "-00:00:01", "Mindstack:Limits:IdempotencyWait must not be negative")]
    [InlineData("Mindstack:Limits:RateLimitStore", "Everywhere", "Mindstack:Limits:RateLimitStore")]
    [InlineData("Mindstack:Ai:Timeout", "00:00:00", "Mindstack:Ai:Timeout must be more than zero")]
    [InlineData("Mindstack:Ai:MaxRetries", "-1", "Mindstack:Ai:MaxRetries must be 0 or more")]
    [InlineData("Mindstack:Apis:Mindra:Port", "70000", "Mindstack:Apis:Mindra:Port must be from 1 to 65535")]
    [InlineData("Mindstack:Apis:Nowhere:Port", "8090", "Mindstack:Apis:Nowhere is not an API served here")]
    [InlineData("Mindstack:Telemetry:OtlpEndpoint", "collector:4318", "Mindstack:Telemetry:OtlpEndpoint must be an absolute http or https URL")]
    [InlineData("OTEL_EXPORTER_OTLP_ENDPOINT", "not a url", "OTEL_EXPORTER_OTLP_ENDPOINT must be an absolute http or https URL")]
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
    public void Start_DurationsAsTimeSpans_Bound()
    {
        using var factory = new MindstackFactory()
            .WithSetting("Mindstack:Realtime:PingInterval", "00:00:02")
            .WithSetting("Mindstack:Ai:Timeout", "00:00:07")
            .WithSetting("Mindstack:Smtp:Port", "2525");
        Assert.Equal(TimeSpan.FromSeconds(2), Options<Mindstack.Platform.Realtime.RealtimeOptions>(factory).PingInterval);
        Assert.Equal(TimeSpan.FromSeconds(7), Options<Mindstack.Platform.Ai.AiOptions>(factory).Timeout);
        Assert.Equal(2525, Options<Mindstack.Platform.Email.EmailSettings>(factory).Port);
    }

    [Fact]
    public void Start_OlderNumericKeys_StillReadAndWin()
    {
        using var factory = new MindstackFactory()
            .WithSetting("Mindstack:Realtime:PingInterval", "00:00:09")
            .WithSetting("Mindstack:Realtime:PingIntervalMs", "1500")
            .WithSetting("Mindstack:Realtime:KeepAliveSeconds", "4")
            .WithSetting("Mindstack:Realtime:PayloadRetentionMinutes", "3")
            .WithSetting("Mindstack:Ai:TimeoutSeconds", "0.5")
            .WithSetting("Mindstack:Ai:RetryBaseDelayMilliseconds", "20");
        var realtime = Options<Mindstack.Platform.Realtime.RealtimeOptions>(factory);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), realtime.PingInterval);
        Assert.Equal(TimeSpan.FromSeconds(4), realtime.KeepAlive);
        Assert.Equal(TimeSpan.FromMinutes(3), realtime.PayloadRetention);
        var ai = Options<Mindstack.Platform.Ai.AiOptions>(factory);
        Assert.Equal(TimeSpan.FromMilliseconds(500), ai.Timeout);
        Assert.Equal(TimeSpan.FromMilliseconds(20), ai.RetryBaseDelay);
    }

    private static T Options<T>(MindstackFactory factory) where T : class =>
        ((Microsoft.Extensions.Options.IOptions<T>)factory.Services.GetService(typeof(Microsoft.Extensions.Options.IOptions<T>))!).Value;

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
