using System.Globalization;
using Microsoft.Extensions.Options;
using Mindstack.Platform.Http;
using Mindstack.Platform.Webhooks;
using NetVips;

namespace Mindstack.MindSwarm.Services;

/// <summary>
/// <c>POST /api/posts/image-tools/{action}</c>: the image is <c>image</c> (base64 or a
/// <c>data:</c> URL) or <c>url</c> (fetched through the SSRF guard); the other fields are the action's.
/// </summary>
internal sealed record ImageToolRequest(
    string? Url = null,
    string? Image = null,
    string? Format = null,
    int? Quality = null,
    int? Width = null,
    int? Height = null,
    string? Fit = null,
    int? Left = null,
    int? Top = null,
    string? Text = null,
    string? Position = null,
    double? Opacity = null,
    int? FontSize = null,
    IReadOnlyList<ImageOperation>? Operations = null);

/// <summary>One step of <c>transform</c>: <c>op</c> is resize, crop, rotate, flip, flop, grayscale, blur or sharpen.</summary>
internal sealed record ImageOperation(
    string? Op = null,
    int? Width = null,
    int? Height = null,
    string? Fit = null,
    int? Left = null,
    int? Top = null,
    double? Angle = null,
    double? Sigma = null);

internal sealed record ImageMetadata(string Format, int Width, int Height, int Bands, bool HasAlpha, int Pages, string Interpretation,
    double XResolution, double YResolution, long Size, bool HasExif, bool HasIcc, int? Orientation);

/// <summary>
/// The result: the new image as a <c>data:</c> URL in <see cref="Image"/> with its format and size,
/// or (<c>metadata</c>) what the image is.
/// </summary>
internal sealed record ImageToolResult(string Action, string Format, string MimeType, int Width, int Height, long Size, string? Image,
    ImageMetadata? Metadata);

/// <summary>The document's image tools, run on this server with libvips (NetVips).</summary>
internal sealed class ImageTools(IHttpClientFactory http, IOptions<ServiceOptions> options)
{
    public static readonly IReadOnlyList<string> Actions = ["optimize", "resize", "crop", "convert", "watermark", "metadata", "transform"];
    public static readonly IReadOnlyList<string> Formats = ["jpeg", "png", "webp", "gif", "tiff"];
    private static readonly IReadOnlyList<string> Positions = ["top-left", "top-right", "bottom-left", "bottom-right", "center"];
    private const int MaxOperations = 10;

    public async Task<ImageToolResult> RunAsync(string? action, ImageToolRequest request, CancellationToken ct)
    {
        var name = Actions.FirstOrDefault(a => string.Equals(a, action, StringComparison.OrdinalIgnoreCase))
            ?? throw Problem.NotFound($"Unknown image tool '{action}'; the actions are {string.Join(", ", Actions)}", "UNKNOWN_ACTION");
        var format = NormalizeFormat(request.Format);
        Validate(name, request);
        if (!ModuleInitializer.VipsInitialized)
        {
            throw Problem.Unavailable("Image processing is unavailable on this server (libvips did not load)");
        }
        var bytes = await ReadInputAsync(request, ct);
        try
        {
            using var image = Load(bytes);
            var inputFormat = FormatOf(image);
            if (name == "metadata")
            {
                return new ImageToolResult(name, inputFormat, Mime(inputFormat), image.Width, image.PageHeight, bytes.Length, null, Metadata(image, inputFormat, bytes.Length));
            }
            using var result = name switch
            {
                "optimize" or "convert" => image.Copy(),
                "resize" => Resize(image, request.Width, request.Height, request.Fit),
                "crop" => Crop(image, request.Left ?? 0, request.Top ?? 0, request.Width!.Value, request.Height!.Value),
                "watermark" => Watermark(image, request.Text!, request.Position, request.Opacity ?? 0.5, request.FontSize),
                "transform" => Transform(image, request.Operations!),
                _ => throw new InvalidOperationException(name),
            };
            var max = options.Value.MaxOutputDimension;
            if (result.Width > max || result.Height > max)
            {
                throw Problem.Invalid("width", $"The result would be {result.Width}×{result.Height}; at most {max} pixels a side");
            }
            var outputFormat = format ?? (inputFormat is "jpeg" or "png" or "webp" or "gif" or "tiff" ? inputFormat : "png");
            var output = Save(result, outputFormat, request.Quality ?? (name == "optimize" ? 80 : 90), optimize: name == "optimize");
            return new ImageToolResult(name, outputFormat, Mime(outputFormat), result.Width, result.Height, output.Length,
                $"data:{Mime(outputFormat)};base64,{Convert.ToBase64String(output)}", null);
        }
        catch (VipsException)
        {
            throw new Problem(ProblemKind.BadRequest, "The image could not be processed: it is not a readable JPEG, PNG, WebP, GIF, TIFF or HEIF image, "
                + "or the operation does not apply to it", "INVALID_IMAGE");
        }
    }

    private static string? NormalizeFormat(string? format)
    {
        if (string.IsNullOrWhiteSpace(format))
        {
            return null;
        }
        var f = format.Trim().ToLowerInvariant() switch { "jpg" => "jpeg", "tif" => "tiff", var other => other };
        return Formats.Contains(f) ? f : throw Problem.Invalid("format", "format must be one of " + string.Join(", ", Formats));
    }

    private void Validate(string action, ImageToolRequest r)
    {
        var errors = new List<FieldError>();
        if (string.IsNullOrWhiteSpace(r.Url) && string.IsNullOrWhiteSpace(r.Image))
        {
            errors.Add(new FieldError("url", "url (or image, base64) is required"));
        }
        if (r.Quality is < 1 or > 100)
        {
            errors.Add(new FieldError("quality", "quality must be 1–100"));
        }
        var max = options.Value.MaxOutputDimension;
        switch (action)
        {
            case "convert" when string.IsNullOrWhiteSpace(r.Format):
                errors.Add(new FieldError("format", "format is required: " + string.Join(", ", Formats)));
                break;
            case "resize":
                CheckSize(errors, r.Width, r.Height, max, "");
                CheckFit(errors, r.Fit, "fit");
                break;
            case "crop":
                if (r.Width is not > 0 || r.Height is not > 0)
                {
                    errors.Add(new FieldError("width", "width and height (more than 0) are required"));
                }
                if (r.Left is < 0 || r.Top is < 0)
                {
                    errors.Add(new FieldError("left", "left and top may not be negative"));
                }
                break;
            case "watermark":
                if (string.IsNullOrWhiteSpace(r.Text) || r.Text.Length > 200)
                {
                    errors.Add(new FieldError("text", "text is required, at most 200 characters"));
                }
                if (r.Position is { } p && !Positions.Contains(p.ToLowerInvariant()))
                {
                    errors.Add(new FieldError("position", "position must be one of " + string.Join(", ", Positions)));
                }
                if (r.Opacity is < 0 or > 1)
                {
                    errors.Add(new FieldError("opacity", "opacity must be 0–1"));
                }
                if (r.FontSize is < 4 or > 512)
                {
                    errors.Add(new FieldError("fontSize", "fontSize must be 4–512"));
                }
                break;
            case "transform":
                if (r.Operations is not { Count: > 0 } ops || ops.Count > MaxOperations)
                {
                    errors.Add(new FieldError("operations", $"operations must list 1–{MaxOperations} steps"));
                    break;
                }
                for (var i = 0; i < ops.Count; i++)
                {
                    var op = ops[i];
                    var at = $"operations[{i}]";
                    switch (op.Op?.ToLowerInvariant())
                    {
                        case "resize":
                            CheckSize(errors, op.Width, op.Height, max, at + ".");
                            CheckFit(errors, op.Fit, at + ".fit");
                            break;
                        case "crop" when op.Width is not > 0 || op.Height is not > 0 || op.Left is < 0 || op.Top is < 0:
                            errors.Add(new FieldError(at, "crop needs width and height (more than 0) and left/top not negative"));
                            break;
                        case "rotate" when op.Angle is not { } angle || angle % 90 != 0:
                            errors.Add(new FieldError(at + ".angle", "angle must be a multiple of 90"));
                            break;
                        case "blur" when op.Sigma is not (>= 0.3 and <= 50):
                            errors.Add(new FieldError(at + ".sigma", "sigma must be 0.3–50"));
                            break;
                        case "resize" or "crop" or "rotate" or "flip" or "flop" or "grayscale" or "greyscale" or "blur" or "sharpen":
                            break;
                        default:
                            errors.Add(new FieldError(at + ".op", "op must be resize, crop, rotate, flip, flop, grayscale, blur or sharpen"));
                            break;
                    }
                }
                break;
        }
        if (errors.Count > 0)
        {
            throw Problem.Invalid(errors);
        }
    }

    private static void CheckSize(List<FieldError> errors, int? width, int? height, int max, string prefix)
    {
        if (width is null && height is null)
        {
            errors.Add(new FieldError(prefix + "width", "width or height is required"));
        }
        if (width is < 1 || width > max || height is < 1 || height > max)
        {
            errors.Add(new FieldError(prefix + "width", $"width and height must be 1–{max}"));
        }
    }

    private static void CheckFit(List<FieldError> errors, string? fit, string field)
    {
        if (fit is not null && fit.ToLowerInvariant() is not ("inside" or "cover" or "fill"))
        {
            errors.Add(new FieldError(field, "fit must be inside, cover or fill"));
        }
    }

    private async Task<byte[]> ReadInputAsync(ImageToolRequest request, CancellationToken ct)
    {
        var limit = options.Value.MaxImageBytes;
        if (!string.IsNullOrWhiteSpace(request.Image))
        {
            var text = request.Image.Trim();
            if (text.StartsWith("data:", StringComparison.OrdinalIgnoreCase))
            {
                var comma = text.IndexOf(',', StringComparison.Ordinal);
                if (comma < 0 || !text[..comma].EndsWith(";base64", StringComparison.OrdinalIgnoreCase))
                {
                    throw Problem.Invalid("image", "image must be base64 or a base64 data: URL");
                }
                text = text[(comma + 1)..];
            }
            if (text.Length / 4 * 3 > limit + 3)
            {
                throw new Problem(ProblemKind.PayloadTooLarge, $"The image is larger than {limit} bytes", "IMAGE_TOO_LARGE");
            }
            try
            {
                return Convert.FromBase64String(text);
            }
            catch (FormatException)
            {
                throw Problem.Invalid("image", "image must be base64 or a base64 data: URL");
            }
        }
        if (!Uri.TryCreate(request.Url!.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw Problem.Invalid("url", "url must be an absolute http or https URL");
        }
        // A user's URL: fetched through the platform's SSRF guard, never to private addresses.
        using var client = http.CreateClient(GuardedHttp.ClientName);
        try
        {
            using var response = await client.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, ct);
            if (!response.IsSuccessStatusCode)
            {
                throw Problem.BadRequest($"The image URL answered {(int)response.StatusCode}", "IMAGE_FETCH_FAILED");
            }
            if (response.Content.Headers.ContentLength > limit)
            {
                throw new Problem(ProblemKind.PayloadTooLarge, $"The image is larger than {limit} bytes", "IMAGE_TOO_LARGE");
            }
            await using var stream = await response.Content.ReadAsStreamAsync(ct);
            using var buffer = new MemoryStream();
            var chunk = new byte[81920];
            int read;
            while ((read = await stream.ReadAsync(chunk, ct)) > 0)
            {
                if (buffer.Length + read > limit)
                {
                    throw new Problem(ProblemKind.PayloadTooLarge, $"The image is larger than {limit} bytes", "IMAGE_TOO_LARGE");
                }
                buffer.Write(chunk, 0, read);
            }
            return buffer.ToArray();
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            throw Problem.BadRequest("The image URL could not be fetched (unreachable, refused or not allowed)", "IMAGE_FETCH_FAILED");
        }
    }

    private Image Load(byte[] bytes)
    {
        var image = Image.NewFromBuffer(bytes, access: Enums.Access.Random, failOn: Enums.FailOn.Error);
        if ((long)image.Width * image.Height > options.Value.MaxImagePixels)
        {
            image.Dispose();
            throw Problem.Invalid("image", $"The image is too large: at most {options.Value.MaxImagePixels / 1_000_000} megapixels");
        }
        // Upright by its orientation tag, as people see it.
        var upright = image.Autorot();
        image.Dispose();
        return upright;
    }

    private static string FormatOf(Image image)
    {
        var loader = image.Contains("vips-loader") ? image.Get("vips-loader") as string ?? "" : "";
        return loader switch
        {
            _ when loader.StartsWith("jpeg", StringComparison.Ordinal) => "jpeg",
            _ when loader.StartsWith("png", StringComparison.Ordinal) => "png",
            _ when loader.StartsWith("webp", StringComparison.Ordinal) => "webp",
            _ when loader.StartsWith("gif", StringComparison.Ordinal) => "gif",
            _ when loader.StartsWith("tiff", StringComparison.Ordinal) => "tiff",
            _ when loader.StartsWith("heif", StringComparison.Ordinal) => "heif",
            _ => loader.Length > 0 ? loader.Split('_')[0].Replace("load", "", StringComparison.Ordinal) : "unknown",
        };
    }

    private static string Mime(string format) => format switch
    {
        "jpeg" => "image/jpeg",
        "png" => "image/png",
        "webp" => "image/webp",
        "gif" => "image/gif",
        "tiff" => "image/tiff",
        "heif" => "image/heif",
        _ => "application/octet-stream",
    };

    private static ImageMetadata Metadata(Image image, string format, long size)
    {
        double Double(string field) => image.Contains(field) && image.Get(field) is double d ? d : 0;
        return new ImageMetadata(format, image.Width, image.PageHeight, image.Bands, image.HasAlpha(),
            image.Contains("n-pages") && image.Get("n-pages") is int pages ? pages : 1,
            image.Interpretation.ToString().ToLowerInvariant(),
            Math.Round(Double("xres") * 25.4, 2), Math.Round(Double("yres") * 25.4, 2), size,
            image.Contains("exif-data"), image.Contains("icc-profile-data"),
            image.Contains("orientation") && image.Get("orientation") is int o ? o : null);
    }

    private static Image Resize(Image image, int? width, int? height, string? fit)
    {
        switch (fit?.ToLowerInvariant())
        {
            case "fill":
                {
                    var w = width ?? image.Width;
                    var h = height ?? image.Height;
                    return image.Resize((double)w / image.Width, vscale: (double)h / image.Height);
                }
            case "cover" when width is { } w && height is { } h:
                return image.ThumbnailImage(w, height: h, size: Enums.Size.Both, crop: Enums.Interesting.Centre);
            default:
                {
                    // Inside the box, keeping the aspect ratio; one side alone scales the other with it.
                    var w = width ?? (int)Math.Max(1, Math.Round((double)image.Width * height!.Value / image.Height));
                    var h = height ?? (int)Math.Max(1, Math.Round((double)image.Height * width!.Value / image.Width));
                    return image.ThumbnailImage(w, height: h, size: Enums.Size.Both);
                }
        }
    }

    private static Image Crop(Image image, int left, int top, int width, int height)
    {
        if (left + width > image.Width || top + height > image.Height)
        {
            throw Problem.Invalid("width", $"The crop {left},{top} {width}×{height} falls outside the {image.Width}×{image.Height} image");
        }
        return image.Crop(left, top, width, height);
    }

    private static Image Watermark(Image image, string text, string? position, double opacity, int? fontSize)
    {
        var size = fontSize ?? Math.Clamp(image.Width / 20, 8, 256);
        // Pango markup: the text is shown as written.
        var escaped = text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal)
            .Replace(">", "&gt;", StringComparison.Ordinal);
        using var mask = Image.Text(escaped, font: "sans " + size.ToString(CultureInfo.InvariantCulture), dpi: 72);
        if (mask.Width + 2 > image.Width || mask.Height + 2 > image.Height)
        {
            throw Problem.Invalid("text", "The watermark text does not fit on the image; use a smaller fontSize or shorter text");
        }
        using var alpha = (mask * opacity).Cast(Enums.BandFormat.Uchar);
        using var white = mask.NewFromImage(255, 255, 255);
        using var overlay = white.Bandjoin(alpha).Copy(interpretation: Enums.Interpretation.Srgb);
        using var rgb = image.Interpretation == Enums.Interpretation.Srgb ? image.Copy() : image.Colourspace(Enums.Interpretation.Srgb);
        var margin = Math.Max(4, size / 2);
        var (x, y) = (position?.ToLowerInvariant() ?? "bottom-right") switch
        {
            "top-left" => (margin, margin),
            "top-right" => (image.Width - mask.Width - margin, margin),
            "bottom-left" => (margin, image.Height - mask.Height - margin),
            "center" => ((image.Width - mask.Width) / 2, (image.Height - mask.Height) / 2),
            _ => (image.Width - mask.Width - margin, image.Height - mask.Height - margin),
        };
        return rgb.Composite2(overlay, Enums.BlendMode.Over, x: Math.Max(0, x), y: Math.Max(0, y));
    }

    private static Image Transform(Image image, IReadOnlyList<ImageOperation> operations)
    {
        var current = image.Copy();
        foreach (var op in operations)
        {
            var next = op.Op!.ToLowerInvariant() switch
            {
                "resize" => Resize(current, op.Width, op.Height, op.Fit),
                "crop" => Crop(current, op.Left ?? 0, op.Top ?? 0, op.Width!.Value, op.Height!.Value),
                "rotate" => ((((int)op.Angle!.Value % 360) + 360) % 360) switch
                {
                    90 => current.Rot90(),
                    180 => current.Rot180(),
                    270 => current.Rot270(),
                    _ => current.Copy(),
                },
                "flip" => current.Flip(Enums.Direction.Vertical),
                "flop" => current.Flip(Enums.Direction.Horizontal),
                "grayscale" or "greyscale" => current.Colourspace(Enums.Interpretation.Bw),
                "blur" => current.Gaussblur(op.Sigma!.Value),
                "sharpen" => current.Sharpen(),
                _ => throw new InvalidOperationException(op.Op),
            };
            current.Dispose();
            current = next;
        }
        return current;
    }

    private static byte[] Save(Image image, string format, int quality, bool optimize)
    {
        const Enums.ForeignKeep keep = Enums.ForeignKeep.None;
        switch (format)
        {
            case "jpeg":
                {
                    using var flat = image.HasAlpha() ? image.Flatten(background: [255, 255, 255]) : image.Copy();
                    return flat.JpegsaveBuffer(q: quality, optimizeCoding: true, interlace: optimize, keep: keep);
                }
            case "png":
                return image.PngsaveBuffer(compression: optimize ? 9 : 6, keep: keep);
            case "webp":
                return image.WebpsaveBuffer(q: quality, keep: keep);
            case "gif":
                return image.GifsaveBuffer(keep: keep);
            case "tiff":
                return image.TiffsaveBuffer(keep: keep);
            default:
                throw new ArgumentOutOfRangeException(nameof(format), format, "not an output format");
        }
    }
}
