using Microsoft.Extensions.Options;
using Mindstack.Platform.Media;

namespace Mindstack.MindSwarm.Media;

/// <summary><c>Mindstack:MindSwarm:Media:*</c>: the storage quota per user (the document's 10 GB).</summary>
public sealed class MediaOptions
{
    public const string Section = "Mindstack:MindSwarm:Media";

    public long QuotaBytes { get; set; } = 10L * 1024 * 1024 * 1024;

    /// <summary>
    /// The document's section 7: field <c>media</c>, up to 4 files; JPEG, PNG, GIF, WebP up to
    /// 50 MB; MP4 and QuickTime up to 100 MB; WebM refused (iOS cannot play it).
    /// </summary>
    internal static MediaUploadRules Rules { get; } = new()
    {
        FieldName = "media",
        MaxFiles = 4,
        MaxBytes = new Dictionary<MediaFormat, long>
        {
            [MediaFormat.Jpeg] = 50L * 1024 * 1024,
            [MediaFormat.Png] = 50L * 1024 * 1024,
            [MediaFormat.Gif] = 50L * 1024 * 1024,
            [MediaFormat.Webp] = 50L * 1024 * 1024,
            [MediaFormat.Mp4] = 100L * 1024 * 1024,
            [MediaFormat.QuickTime] = 100L * 1024 * 1024,
        },
        Refused = new Dictionary<MediaFormat, string>
        {
            [MediaFormat.WebM] = "WebM videos are not accepted (iOS cannot play them); upload MP4 or QuickTime",
        },
    };

    /// <summary>The largest request body: every file at its largest, plus room for the multipart framing.</summary>
    internal static long MaxRequestBytes => Rules.MaxFiles * Rules.MaxBytes.Values.Max() + 1024 * 1024;
}

internal sealed class MediaOptionsValidator : IValidateOptions<MediaOptions>
{
    public ValidateOptionsResult Validate(string? name, MediaOptions options) =>
        options.QuotaBytes <= 0
            ? ValidateOptionsResult.Fail($"{MediaOptions.Section}:QuotaBytes must be more than 0")
            : ValidateOptionsResult.Success;
}
