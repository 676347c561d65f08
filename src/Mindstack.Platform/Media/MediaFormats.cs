namespace Mindstack.Platform.Media;

/// <summary>A file format told from a file's first bytes (never from its name or declared type).</summary>
public enum MediaFormat
{
    Unknown,
    Jpeg,
    Png,
    Gif,
    Webp,
    Mp4,
    QuickTime,
    WebM,
}

public static class MediaFormats
{
    /// <summary>How many leading bytes <see cref="Detect"/> needs.</summary>
    public const int SniffLength = 16;

    // ISO base media brands of MP4 video; others (HEIC, AVIF, 3GP, audio-only M4A…) are not MP4 video here.
    private static readonly HashSet<string> Mp4Brands =
        ["isom", "iso2", "iso3", "iso4", "iso5", "iso6", "mp41", "mp42", "avc1", "M4V ", "M4VP", "M4VH", "dash", "mmp4", "MSNV", "f4v "];

    // Classic QuickTime files may open with one of these atoms instead of ftyp.
    private static readonly HashSet<string> QuickTimeAtoms = ["moov", "mdat", "wide", "free", "skip", "pnot"];

    public static MediaFormat Detect(ReadOnlySpan<byte> head)
    {
        if (head.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]))
        {
            return MediaFormat.Jpeg;
        }
        if (head.StartsWith((ReadOnlySpan<byte>)[0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]))
        {
            return MediaFormat.Png;
        }
        if (head.StartsWith("GIF87a"u8) || head.StartsWith("GIF89a"u8))
        {
            return MediaFormat.Gif;
        }
        if (head.Length >= 12 && head.StartsWith("RIFF"u8) && head[8..12].SequenceEqual("WEBP"u8))
        {
            return MediaFormat.Webp;
        }
        if (head.StartsWith((ReadOnlySpan<byte>)[0x1A, 0x45, 0xDF, 0xA3]))
        {
            // EBML: WebM or Matroska.
            return MediaFormat.WebM;
        }
        if (head.Length >= 12)
        {
            var box = System.Text.Encoding.ASCII.GetString(head[4..8]);
            if (box == "ftyp")
            {
                var brand = System.Text.Encoding.ASCII.GetString(head[8..12]);
                return brand == "qt  " ? MediaFormat.QuickTime : Mp4Brands.Contains(brand) ? MediaFormat.Mp4 : MediaFormat.Unknown;
            }
            if (QuickTimeAtoms.Contains(box))
            {
                return MediaFormat.QuickTime;
            }
        }
        return MediaFormat.Unknown;
    }

    public static bool IsImage(this MediaFormat format) => format is MediaFormat.Jpeg or MediaFormat.Png or MediaFormat.Gif or MediaFormat.Webp;

    public static bool IsVideo(this MediaFormat format) => format is MediaFormat.Mp4 or MediaFormat.QuickTime or MediaFormat.WebM;

    public static string ContentType(this MediaFormat format) => format switch
    {
        MediaFormat.Jpeg => "image/jpeg",
        MediaFormat.Png => "image/png",
        MediaFormat.Gif => "image/gif",
        MediaFormat.Webp => "image/webp",
        MediaFormat.Mp4 => "video/mp4",
        MediaFormat.QuickTime => "video/quicktime",
        MediaFormat.WebM => "video/webm",
        MediaFormat.Unknown => "application/octet-stream",
        _ => throw new ArgumentOutOfRangeException(nameof(format)),
    };

    public static string Extension(this MediaFormat format) => format switch
    {
        MediaFormat.Jpeg => "jpg",
        MediaFormat.Png => "png",
        MediaFormat.Gif => "gif",
        MediaFormat.Webp => "webp",
        MediaFormat.Mp4 => "mp4",
        MediaFormat.QuickTime => "mov",
        MediaFormat.WebM => "webm",
        MediaFormat.Unknown => "bin",
        _ => throw new ArgumentOutOfRangeException(nameof(format)),
    };

    /// <summary>The name people know the format by (<c>JPEG</c>, <c>QuickTime</c>).</summary>
    public static string DisplayName(this MediaFormat format) => format switch
    {
        MediaFormat.Jpeg => "JPEG",
        MediaFormat.Png => "PNG",
        MediaFormat.Gif => "GIF",
        MediaFormat.Webp => "WebP",
        MediaFormat.Mp4 => "MP4",
        MediaFormat.QuickTime => "QuickTime",
        MediaFormat.WebM => "WebM",
        MediaFormat.Unknown => "unknown",
        _ => throw new ArgumentOutOfRangeException(nameof(format)),
    };
}
