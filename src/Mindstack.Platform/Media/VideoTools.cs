using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Mindstack.Platform.Http;

namespace Mindstack.Platform.Media;

/// <summary>
/// Videos through ffmpeg when it is installed (<c>Mindstack:Media:Ffmpeg</c>; Debian's
/// <c>ffmpeg</c> package): a JPEG thumbnail of an early frame, and the file remuxed without its
/// metadata (phones record GPS positions in it). Without ffmpeg a video is kept as it came and
/// has no thumbnail.
/// </summary>
public sealed class VideoTools(MediaSettings settings, ILogger<VideoTools> logger)
{
    private static readonly TimeSpan RunLimit = TimeSpan.FromSeconds(120);
    private readonly Lazy<string?> _program = new(() => Locate(settings.Ffmpeg));

    /// <summary>The ffmpeg program found, or null.</summary>
    public string? Program => _program.Value;

    public const string NoThumbnailNote = "No thumbnail was made: ffmpeg is not installed on this server";

    internal async Task<PreparedMedia> PrepareAsync(ReceivedFile file, string stem, MediaUploadRules rules, CancellationToken cancellationToken)
    {
        if (Program is null)
        {
            return new PreparedMedia(file.Format, file.Path, file.Length, null, null, null, 0, NoThumbnailNote);
        }
        var frame = stem + "-frame.jpg";
        // A frame one second in (the first is often black), or the first of a shorter clip.
        if (!await RunAsync(["-ss", "1", "-i", file.Path, "-frames:v", "1", "-q:v", "3", frame], frame, cancellationToken)
            && !await RunAsync(["-i", file.Path, "-frames:v", "1", "-q:v", "3", frame], frame, cancellationToken))
        {
            throw new Problem(ProblemKind.BadRequest, $"File could not be read as a {file.Format.DisplayName()} video", "INVALID_FILE");
        }
        var thumbnail = stem + "-thumb.jpg";
        int width;
        int height;
        using (var image = NetVips.Image.NewFromFile(frame))
        {
            width = image.Width;
            height = image.Height;
        }
        ImageProcessor.WriteThumbnail(frame, thumbnail, rules.ThumbnailDimension);
        var stripped = $"{stem}-out.{file.Format.Extension()}";
        var container = file.Format == MediaFormat.QuickTime ? "mov" : "mp4";
        var output = await RunAsync(["-i", file.Path, "-map", "0", "-map_metadata", "-1", "-c", "copy", "-movflags", "+faststart", "-f", container, stripped],
            stripped, cancellationToken) ? stripped : file.Path;
        return new PreparedMedia(file.Format, output, new FileInfo(output).Length, width, height, thumbnail, new FileInfo(thumbnail).Length, null);
    }

    /// <summary>Runs ffmpeg; true when it succeeded and wrote a non-empty <paramref name="output"/>.</summary>
    private async Task<bool> RunAsync(IReadOnlyList<string> arguments, string output, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(Program!)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])["-nostdin", "-hide_banner", "-loglevel", "error", "-y", .. arguments])
        {
            info.ArgumentList.Add(argument);
        }
        using var process = Process.Start(info) ?? throw new InvalidOperationException("ffmpeg did not start");
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        _ = process.StandardOutput.ReadToEndAsync(cancellationToken);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(RunLimit);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            cancellationToken.ThrowIfCancellationRequested();
            logger.LogWarning("ffmpeg took longer than {Limit}; stopped", RunLimit);
            return false;
        }
        if (process.ExitCode != 0 || !File.Exists(output) || new FileInfo(output).Length == 0)
        {
            logger.LogInformation("ffmpeg exited {Code}: {Errors}", process.ExitCode, (await errors).Trim());
            File.Delete(output);
            return false;
        }
        return true;
    }

    private static string? Locate(string program)
    {
        if (string.IsNullOrWhiteSpace(program))
        {
            return null;
        }
        if (program.Contains(Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            return File.Exists(program) ? program : null;
        }
        return (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(folder => Path.Combine(folder, program))
            .FirstOrDefault(File.Exists);
    }
}
