using Mindstack.Platform.Http;
using NetVips;

namespace Mindstack.Platform.Media;

/// <summary>
/// Images through libvips (NetVips): decoded (which proves they are what their first bytes say),
/// turned upright by their orientation tag, scaled down to fit, and written again in their own
/// format keeping only the colour profile — EXIF (GPS, camera), XMP, IPTC and comments are gone.
/// Animated GIF and WebP keep their frames.
/// </summary>
public sealed class ImageProcessor
{
    private static readonly Lazy<bool> Ready = new(() =>
    {
        if (!ModuleInitializer.VipsInitialized)
        {
            return false;
        }
        // No operation cache: every upload is a new file, and cached images would hold memory and temp files.
        Cache.Max = 0;
        Cache.MaxFiles = 0;
        return true;
    });

    public PreparedMedia Prepare(ReceivedFile file, string stem, MediaUploadRules rules)
    {
        if (!Ready.Value)
        {
            throw Problem.Unavailable("Image processing is unavailable on this server");
        }
        var output = $"{stem}-out.{file.Format.Extension()}";
        var thumbnail = $"{stem}-thumb.jpg";
        int width;
        int height;
        try
        {
            int pages;
            using (var header = Image.NewFromFile(file.Path, access: Enums.Access.Sequential, failOn: Enums.FailOn.Error))
            {
                if ((long)header.Width * header.PageHeight > rules.MaxImagePixels)
                {
                    throw Problem.BadRequest($"Image too large: at most {rules.MaxImagePixels / 1_000_000} megapixels");
                }
                pages = header.GetTypeOf("n-pages") != 0 ? (int)header.Get("n-pages") : 1;
            }
            var animated = pages > 1 && file.Format is MediaFormat.Gif or MediaFormat.Webp;
            var size = rules.MaxImageDimension;
            using (var resized = Image.Thumbnail(animated ? file.Path + "[n=-1]" : file.Path, size, height: size,
                       size: Enums.Size.Down, failOn: Enums.FailOn.Error))
            {
                width = resized.Width;
                height = resized.PageHeight;
                const Enums.ForeignKeep keep = Enums.ForeignKeep.Icc;
                switch (file.Format)
                {
                    case MediaFormat.Jpeg:
                        resized.Jpegsave(output, q: 85, optimizeCoding: true, keep: keep);
                        break;
                    case MediaFormat.Png:
                        resized.Pngsave(output, compression: 6, keep: keep);
                        break;
                    case MediaFormat.Gif:
                        resized.Gifsave(output, keep: keep);
                        break;
                    case MediaFormat.Webp:
                        resized.Webpsave(output, q: 85, keep: keep);
                        break;
                    default:
                        throw new ArgumentOutOfRangeException(nameof(file), file.Format, "not an image format");
                }
            }
            WriteThumbnail(file.Path, thumbnail, rules.ThumbnailDimension);
        }
        catch (VipsException)
        {
            throw new Problem(ProblemKind.BadRequest, $"File could not be read as a {file.Format.DisplayName()} image", "INVALID_FILE");
        }
        return new PreparedMedia(file.Format, output, new FileInfo(output).Length, width, height,
            thumbnail, new FileInfo(thumbnail).Length, null);
    }

    /// <summary>
    /// The first frame of an image file scaled and centre-cropped to cover exactly
    /// <paramref name="width"/>×<paramref name="height"/> (a profile picture or banner), written as
    /// a JPEG with every metadata block stripped. A file that does not decode is refused (400).
    /// </summary>
    public void WriteCover(ReceivedFile file, string destination, int width, int height, MediaUploadRules rules)
    {
        if (!Ready.Value)
        {
            throw Problem.Unavailable("Image processing is unavailable on this server");
        }
        try
        {
            using (var header = Image.NewFromFile(file.Path, access: Enums.Access.Sequential, failOn: Enums.FailOn.Error))
            {
                if ((long)header.Width * header.PageHeight > rules.MaxImagePixels)
                {
                    throw Problem.BadRequest($"Image too large: at most {rules.MaxImagePixels / 1_000_000} megapixels");
                }
            }
            using var cover = Image.Thumbnail(file.Path, width, height: height, size: Enums.Size.Both, crop: Enums.Interesting.Centre,
                failOn: Enums.FailOn.Error);
            using var flat = cover.HasAlpha() ? cover.Flatten(background: [255, 255, 255]) : cover.Copy();
            flat.Jpegsave(destination, q: 85, optimizeCoding: true, keep: Enums.ForeignKeep.None);
        }
        catch (VipsException)
        {
            throw new Problem(ProblemKind.BadRequest, $"File could not be read as a {file.Format.DisplayName()} image", "INVALID_FILE");
        }
    }

    /// <summary>A JPEG of the first frame of an image file, fitting a square of <paramref name="size"/>.</summary>
    public static void WriteThumbnail(string source, string destination, int size)
    {
        using var thumb = Image.Thumbnail(source, size, height: size, size: Enums.Size.Down, failOn: Enums.FailOn.Error);
        using var flat = thumb.HasAlpha() ? thumb.Flatten(background: [255, 255, 255]) : thumb.Copy();
        flat.Jpegsave(destination, q: 80, keep: Enums.ForeignKeep.Icc);
    }
}
