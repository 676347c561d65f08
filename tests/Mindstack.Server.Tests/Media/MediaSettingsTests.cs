namespace Mindstack.Platform.Tests.Media;

/// <summary><c>Mindstack:Media:*</c> is checked at start: a value that cannot work refuses the start, naming it.</summary>
public sealed class MediaSettingsTests
{
    [Theory]
    [InlineData("Mindstack:Media:Store", "S3", "Mindstack:Media:S3:Bucket is required with Store=S3")]
    [InlineData("Mindstack:Media:Store", "Cloud", "Mindstack:Media:Store")]
    [InlineData("Mindstack:Media:ChunkSize", "1000", "Mindstack:Media:ChunkSize must be between 65536 and 16777216 bytes")]
    [InlineData("Mindstack:Media:S3:ServiceUrl", "ftp://store", "Mindstack:Media:S3:ServiceUrl must be an absolute http or https URL")]
    [InlineData("Mindstack:Media:S3:AccessKey", "key-without-secret", "Mindstack:Media:S3:AccessKey and S3:SecretKey go together")]
    [InlineData("Mindstack:Media:ClamAv:Port", "0", "Mindstack:Media:ClamAv:Port must be between 1 and 65535")]
    [InlineData("Mindstack:Media:ClamAv:Timeout", "00:00:00", "Mindstack:Media:ClamAv:Timeout must be more than zero")]
    [InlineData("Mindstack:MindSwarm:Media:QuotaBytes", "0", "Mindstack:MindSwarm:Media:QuotaBytes must be more than 0")]
    public void Start_BadMediaSetting_RefusedNamingTheSetting(string key, string value, string message)
    {
        using var factory = new MindstackFactory().WithSetting(key, value);
        var refused = Assert.ThrowsAny<Exception>(() => factory.Server);
        Assert.Contains(message, refused.ToString(), StringComparison.Ordinal);
    }
}
