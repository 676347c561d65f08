using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;
using Mindstack.Platform.Http;

namespace Mindstack.Platform.Media;

/// <summary>What one upload endpoint accepts (a module's rules).</summary>
public sealed record MediaUploadRules
{
    /// <summary>The multipart field the files come in.</summary>
    public required string FieldName { get; init; }

    public required int MaxFiles { get; init; }

    /// <summary>The accepted formats, each with its largest size in bytes.</summary>
    public required IReadOnlyDictionary<MediaFormat, long> MaxBytes { get; init; }

    /// <summary>Formats refused with a reason of their own (e.g. WebM); any other format not accepted gets a general refusal.</summary>
    public IReadOnlyDictionary<MediaFormat, string> Refused { get; init; } = new Dictionary<MediaFormat, string>();

    /// <summary>Images are scaled down to fit this square (never up).</summary>
    public int MaxImageDimension { get; init; } = 2048;

    /// <summary>Thumbnails (JPEG) fit this square.</summary>
    public int ThumbnailDimension { get; init; } = 400;

    /// <summary>Images with more pixels than this are refused before they are decoded (decompression bombs).</summary>
    public long MaxImagePixels { get; init; } = 100_000_000;

    /// <summary>The accepted formats and sizes in words, for refusals.</summary>
    public string Describe() => string.Join(", ", MaxBytes
        .GroupBy(f => f.Value)
        .Select(g => $"{string.Join(", ", g.Select(f => f.Key.DisplayName()))} (up to {Megabytes(g.Key)})"));

    internal static string Megabytes(long bytes) => $"{bytes / (1024 * 1024)} MB";
}

/// <summary>A file received from a client, in a temporary folder, its format told by its first bytes.</summary>
public sealed record ReceivedFile(string Path, MediaFormat Format, long Length, string? FileName);

/// <summary>A file ready to store: re-encoded and stripped (images) and a thumbnail when one could be made.</summary>
public sealed record PreparedMedia(
    MediaFormat Format,
    string Path,
    long Length,
    int? Width,
    int? Height,
    string? ThumbnailPath,
    long ThumbnailLength,
    string? ThumbnailNote)
{
    /// <summary><c>image</c> or <c>video</c>.</summary>
    public string Kind => Format.IsImage() ? "image" : "video";

    public string ContentType => Format.ContentType();

    /// <summary>Bytes this file takes in storage, thumbnail included.</summary>
    public long StoredBytes => Length + ThumbnailLength;
}

/// <summary>The files of one upload request; deleting it removes every temporary file it made.</summary>
public sealed class ReceivedMedia(string folder) : IDisposable
{
    public string Folder { get; } = folder;

    public List<ReceivedFile> Files { get; } = [];

    public void Dispose()
    {
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}

/// <summary>
/// Upload handling for every module: multipart files streamed to a temporary folder (never held
/// whole in memory), refused as soon as their first bytes show a format the rules do not take or
/// they outgrow their format's limit, scanned by clamd when one is configured, then images
/// re-encoded without metadata and videos given a thumbnail by ffmpeg when it is installed.
/// Storing is the module's: <see cref="IBlobStore"/> and <see cref="MediaQuota"/>.
/// </summary>
public sealed class MediaUploads(
    MediaSettings settings,
    Storage.DatabaseSettings database,
    ClamAvScanner scanner,
    ImageProcessor images,
    VideoTools videos,
    ILogger<MediaUploads> logger)
{
    /// <summary>Where uploads wait while they are received and processed.</summary>
    public string TempRoot { get; } = Path.Combine(settings.Folder is { Length: > 0 } folder ? folder : Path.Combine(database.DataDirectory, "media"), "incoming");

    /// <summary>An upload folder older than this was left by a process that died mid-upload.</summary>
    internal static readonly TimeSpan StaleAfter = TimeSpan.FromDays(1);

    private int _swept;

    /// <summary>
    /// Reads every file of the request's <paramref name="rules"/> field. Problems: not multipart
    /// (415), no file or too many (400), a format not accepted (415), a file over its limit (413),
    /// malware (400), the scanner down (503). Nothing stays on disk after a refusal.
    /// </summary>
    public async Task<ReceivedMedia> ReceiveAsync(HttpRequest request, MediaUploadRules rules, CancellationToken cancellationToken)
    {
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var type)
            || !type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
        {
            throw new Problem(ProblemKind.UnsupportedMediaType, $"Send the files as multipart/form-data in the field \"{rules.FieldName}\"");
        }
        var boundary = HeaderUtilities.RemoveQuotes(type.Boundary).Value;
        if (string.IsNullOrEmpty(boundary))
        {
            throw Problem.BadRequest("The multipart/form-data body has no boundary");
        }
        if (Interlocked.Exchange(ref _swept, 1) == 0)
        {
            SweepStale();
        }
        var received = new ReceivedMedia(Path.Combine(TempRoot, Guid.NewGuid().ToString("N")));
        Directory.CreateDirectory(received.Folder);
        try
        {
            // No section limit of the reader's own: each file is counted against its format's limit below.
            var reader = new MultipartReader(boundary, request.Body) { BodyLengthLimit = null };
            MultipartSection? section;
            while ((section = await ReadSectionAsync(reader, cancellationToken)) is not null)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)
                    || !disposition.IsFileDisposition()
                    || !string.Equals(HeaderUtilities.RemoveQuotes(disposition.Name).Value, rules.FieldName, StringComparison.Ordinal))
                {
                    continue;
                }
                if (received.Files.Count == rules.MaxFiles)
                {
                    throw Problem.BadRequest($"Too many files: at most {rules.MaxFiles} per upload");
                }
                var name = HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value;
                received.Files.Add(await ReceiveFileAsync(section.Body, received.Folder, received.Files.Count, name, rules, cancellationToken));
            }
            if (received.Files.Count == 0)
            {
                throw Problem.BadRequest($"No file uploaded: send up to {rules.MaxFiles} files in the multipart field \"{rules.FieldName}\"");
            }
            foreach (var file in received.Files)
            {
                await ScanAsync(file, cancellationToken);
            }
            return received;
        }
        catch
        {
            received.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Removes what a process killed mid-upload left behind (a request's own folder goes when it
    /// ends); once per process, on its first upload. Folders of uploads running now are young.
    /// </summary>
    private void SweepStale()
    {
        if (!Directory.Exists(TempRoot))
        {
            return;
        }
        foreach (var folder in new DirectoryInfo(TempRoot).EnumerateDirectories())
        {
            try
            {
                if (DateTime.UtcNow - folder.LastWriteTimeUtc > StaleAfter)
                {
                    folder.Delete(recursive: true);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                logger.LogWarning(e, "Could not remove the stale upload folder {Folder}", folder.FullName);
            }
        }
    }

    private static async Task<MultipartSection?> ReadSectionAsync(MultipartReader reader, CancellationToken cancellationToken)
    {
        try
        {
            return await reader.ReadNextSectionAsync(cancellationToken);
        }
        catch (IOException e)
        {
            throw Problem.BadRequest("The multipart/form-data body is malformed: " + e.Message);
        }
        catch (InvalidDataException e)
        {
            throw Problem.BadRequest("The multipart/form-data body is malformed: " + e.Message);
        }
    }

    private static async Task<ReceivedFile> ReceiveFileAsync(Stream body, string folder, int index, string? fileName, MediaUploadRules rules,
        CancellationToken cancellationToken)
    {
        var head = new byte[MediaFormats.SniffLength];
        var headLength = await StreamChunks.FillAsync(body, head, cancellationToken);
        var format = MediaFormats.Detect(head.AsSpan(0, headLength));
        if (rules.Refused.TryGetValue(format, out var reason))
        {
            throw new Problem(ProblemKind.UnsupportedMediaType, reason, "INVALID_FILE_TYPE");
        }
        if (!rules.MaxBytes.TryGetValue(format, out var limit))
        {
            throw new Problem(ProblemKind.UnsupportedMediaType,
                $"Unsupported file type{(fileName is { Length: > 0 } ? $" ({fileName})" : "")}; accepted: {rules.Describe()}", "INVALID_FILE_TYPE");
        }
        var path = Path.Combine(folder, $"upload-{index}.{format.Extension()}");
        long length = headLength;
        await using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, FileOptions.Asynchronous))
        {
            await file.WriteAsync(head.AsMemory(0, headLength), cancellationToken);
            var buffer = StreamChunks.Rent(81920);
            try
            {
                int read;
                while ((read = await body.ReadAsync(buffer.AsMemory(0, 81920), cancellationToken)) > 0)
                {
                    length += read;
                    if (length > limit)
                    {
                        throw new Problem(ProblemKind.PayloadTooLarge,
                            $"File too large: {format.DisplayName()} files may be up to {MediaUploadRules.Megabytes(limit)}", "FILE_TOO_LARGE");
                    }
                    await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                }
            }
            finally
            {
                StreamChunks.Return(buffer);
            }
        }
        return new ReceivedFile(path, format, length, fileName);
    }

    private async Task ScanAsync(ReceivedFile file, CancellationToken cancellationToken)
    {
        if (!scanner.Enabled)
        {
            return;
        }
        ScanVerdict verdict;
        try
        {
            await using var content = File.OpenRead(file.Path);
            verdict = await scanner.ScanAsync(content, cancellationToken);
        }
        catch (MalwareScanFailedException e)
        {
            logger.LogWarning(e, "Virus scan failed; upload refused");
            throw Problem.Unavailable("Virus scanning is unavailable; try again later", "SCAN_UNAVAILABLE");
        }
        if (!verdict.Clean)
        {
            logger.LogWarning("Upload refused: clamd found {Signature}", verdict.Signature);
            throw new Problem(ProblemKind.BadRequest, "File rejected: malware detected", "MALWARE_DETECTED");
        }
    }

    /// <summary>
    /// Makes a received file ready to store, in the upload's folder: an image decoded, scaled to
    /// fit, re-encoded in its format with its metadata stripped, and a JPEG thumbnail; a video
    /// stripped of metadata and given a JPEG thumbnail when ffmpeg is installed (without it the
    /// video goes as it came, with a note that no thumbnail was made). A file that does not decode
    /// as its format is refused (400).
    /// </summary>
    public async Task<PreparedMedia> PrepareAsync(ReceivedFile file, MediaUploadRules rules, CancellationToken cancellationToken)
    {
        var folder = Path.GetDirectoryName(file.Path)!;
        var stem = Path.Combine(folder, Path.GetFileNameWithoutExtension(file.Path));
        if (file.Format.IsImage())
        {
            return images.Prepare(file, stem, rules);
        }
        return await videos.PrepareAsync(file, stem, rules, cancellationToken);
    }
}
