using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Mindstack.MindPeeker.Tests;

/// <summary><c>Mindstack:MindPeeker:*</c> is validated at start: a bad value refuses the start with a message naming it.</summary>
public sealed class SettingsTests
{
    [Theory]
    [InlineData("Mindstack:MindPeeker:StartDelay", "-00:00:01", "Mindstack:MindPeeker:StartDelay must not be negative")]
    [InlineData("Mindstack:MindPeeker:StartDelayMilliseconds", "-5", "Mindstack:MindPeeker:StartDelayMilliseconds must be 0 or more")]
    [InlineData("Mindstack:MindPeeker:UsageFlush", "00:00:00.5", "Mindstack:MindPeeker:UsageFlush must be at least 00:00:01")]
    [InlineData("Mindstack:MindPeeker:UsageFlushSeconds", "0", "Mindstack:MindPeeker:UsageFlushSeconds must be at least 1")]
    [InlineData("Mindstack:MindPeeker:StartDelay", "soon", "Mindstack:MindPeeker:StartDelay")]
    public void Start_BadSetting_RefusedNamingTheSetting(string key, string value, string message)
    {
        using var factory = new MindstackFactory().WithSetting(key, value);
        var refused = Assert.ThrowsAny<Exception>(() => factory.Server);
        Assert.Contains(message, refused.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Start_DurationsOrOlderNumericKeys_Bound()
    {
        using var durations = new MindstackFactory()
            .WithSetting("Mindstack:MindPeeker:StartDelay", "00:00:03")
            .WithSetting("Mindstack:MindPeeker:UsageFlush", "00:00:04");
        var bound = durations.Services.GetRequiredService<IOptions<MindPeekerOptions>>().Value;
        Assert.Equal(TimeSpan.FromSeconds(3), bound.StartDelay);
        Assert.Equal(TimeSpan.FromSeconds(4), bound.UsageFlush);

        using var numeric = new MindstackFactory()
            .WithSetting("Mindstack:MindPeeker:StartDelay", "00:00:03")
            .WithSetting("Mindstack:MindPeeker:StartDelayMilliseconds", "250")
            .WithSetting("Mindstack:MindPeeker:UsageFlushSeconds", "2");
        var older = numeric.Services.GetRequiredService<IOptions<MindPeekerOptions>>().Value;
        Assert.Equal(TimeSpan.FromMilliseconds(250), older.StartDelay);
        Assert.Equal(TimeSpan.FromSeconds(2), older.UsageFlush);
    }
}
