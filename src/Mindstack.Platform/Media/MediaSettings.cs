using Microsoft.Extensions.Options;

namespace Mindstack.Platform.Media;

/// <summary>Where uploaded files live.</summary>
public enum BlobStoreKind
{
    /// <summary>S3 when a bucket is configured, else the database on PostgreSQL, else the data folder.</summary>
    Auto,
    /// <summary>Files in the data folder (one node).</summary>
    Files,
    /// <summary>Chunked rows in the database, so every node on it serves every file.</summary>
    Database,
    /// <summary>An S3-compatible object store.</summary>
    S3,
}

/// <summary>
/// <c>Mindstack:Media:*</c>, bound and validated at start: the blob store (<c>Store</c>,
/// <c>Folder</c>, <c>ChunkSize</c>, <c>S3:*</c>), virus scanning (<c>ClamAv:*</c>) and the
/// <c>ffmpeg</c> used for video thumbnails.
/// </summary>
public sealed class MediaSettings
{
    public const string Section = "Mindstack:Media";

    public BlobStoreKind Store { get; set; } = BlobStoreKind.Auto;

    /// <summary>The folder of the <c>Files</c> store; default <c>media</c> in the data folder.</summary>
    public string? Folder { get; set; }

    /// <summary>The row size of the <c>Database</c> store, in bytes.</summary>
    public int ChunkSize { get; set; } = 1024 * 1024;

    /// <summary>The ffmpeg program (a name looked up on <c>PATH</c>, or a path); empty turns video thumbnails off.</summary>
    public string Ffmpeg { get; set; } = "ffmpeg";

    public S3Settings S3 { get; set; } = new();

    public ClamAvSettings ClamAv { get; set; } = new();

    /// <summary>The store this node uses, <see cref="BlobStoreKind.Auto"/> resolved.</summary>
    public BlobStoreKind EffectiveStore(bool onPostgres) => Store switch
    {
        BlobStoreKind.Auto when !string.IsNullOrWhiteSpace(S3.Bucket) => BlobStoreKind.S3,
        BlobStoreKind.Auto => onPostgres ? BlobStoreKind.Database : BlobStoreKind.Files,
        _ => Store,
    };
}

/// <summary><c>Mindstack:Media:S3:*</c>: an S3-compatible store (AWS, MinIO, Ceph, R2…).</summary>
public sealed class S3Settings
{
    /// <summary>The endpoint of a non-AWS store, e.g. <c>http://minio:9000</c>; unset means AWS itself.</summary>
    public string? ServiceUrl { get; set; }

    public string Region { get; set; } = "us-east-1";

    public string? Bucket { get; set; }

    /// <summary>Key prefix inside the bucket.</summary>
    public string Prefix { get; set; } = "";

    /// <summary>Unset, the SDK's own credential chain (environment, instance role…) applies.</summary>
    public string? AccessKey { get; set; }

    public string? SecretKey { get; set; }

    /// <summary><c>bucket</c> in the path rather than the host name; default: on when <see cref="ServiceUrl"/> is set.</summary>
    public bool? ForcePathStyle { get; set; }
}

/// <summary><c>Mindstack:Media:ClamAv:*</c>: a clamd daemon reached over TCP (its INSTREAM command).</summary>
public sealed class ClamAvSettings
{
    /// <summary>Unset, files are not scanned.</summary>
    public string? Host { get; set; }

    public int Port { get; set; } = 3310;

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(60);

    public bool Enabled => !string.IsNullOrWhiteSpace(Host);
}

/// <summary>Refuses a start with a bad <c>Mindstack:Media:*</c> value, naming the setting.</summary>
internal sealed class MediaSettingsValidator : IValidateOptions<MediaSettings>
{
    public ValidateOptionsResult Validate(string? name, MediaSettings settings)
    {
        var failures = new List<string>();
        const string at = MediaSettings.Section + ":";
        if (!Enum.IsDefined(settings.Store))
        {
            failures.Add($"{at}Store must be Auto, Files, Database or S3");
        }
        if (settings.ChunkSize is < 64 * 1024 or > 16 * 1024 * 1024)
        {
            failures.Add($"{at}ChunkSize must be between 65536 and 16777216 bytes");
        }
        if (settings.Store == BlobStoreKind.S3 && string.IsNullOrWhiteSpace(settings.S3.Bucket))
        {
            failures.Add($"{at}S3:Bucket is required with Store=S3");
        }
        if (!string.IsNullOrWhiteSpace(settings.S3.ServiceUrl)
            && (!Uri.TryCreate(settings.S3.ServiceUrl, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https")))
        {
            failures.Add($"{at}S3:ServiceUrl must be an absolute http or https URL");
        }
        if (string.IsNullOrWhiteSpace(settings.S3.AccessKey) != string.IsNullOrWhiteSpace(settings.S3.SecretKey))
        {
            failures.Add($"{at}S3:AccessKey and S3:SecretKey go together");
        }
        if (settings.ClamAv.Port is < 1 or > 65535)
        {
            failures.Add($"{at}ClamAv:Port must be between 1 and 65535");
        }
        if (settings.ClamAv.Timeout <= TimeSpan.Zero)
        {
            failures.Add($"{at}ClamAv:Timeout must be more than zero");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
