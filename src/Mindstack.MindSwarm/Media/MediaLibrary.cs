using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Mindstack.Platform.Access;
using Mindstack.Platform.Http;
using Mindstack.Platform.Media;
using Mindstack.Platform.Storage;

namespace Mindstack.MindSwarm.Media;

/// <summary>One uploaded file as the client sees it: use it as a post's or message's media item.</summary>
public sealed record UploadedMediaView
{
    public required string Id { get; init; }
    /// <summary><c>image</c> or <c>video</c>.</summary>
    public required string Type { get; init; }
    public required string Url { get; init; }
    /// <summary>A JPEG preview; null when none could be made (a video on a server without ffmpeg).</summary>
    public string? ThumbnailUrl { get; init; }
    public required string MimeType { get; init; }
    public long Size { get; init; }
    public int? Width { get; init; }
    public int? Height { get; init; }
    /// <summary>Why something expected is missing (e.g. no thumbnail); absent otherwise.</summary>
    public string? Note { get; init; }
}

/// <summary>
/// MindSwarm's media: uploads received, checked and prepared by the platform, charged to the
/// uploader's quota, kept in the platform's blob store, and served back by their URL.
/// </summary>
internal sealed class MediaLibrary(
    MindstackDbContext db,
    MediaUploads uploads,
    IBlobStore store,
    MediaQuota quota,
    IIdGenerator ids,
    TimeProvider clock,
    IOptions<MediaOptions> options)
{
    /// <summary>The path under MindSwarm's base where files are served (<c>/uploads/*</c>, as the site serves them).</summary>
    public const string FilesPath = "/uploads";

    private const string ThumbnailSuffix = "-thumb";

    public static string QuotaOwner(string accountId) => "mindswarm:" + accountId;

    public async Task<IReadOnlyList<UploadedMediaView>> UploadAsync(HttpContext context, Caller caller, CancellationToken cancellationToken)
    {
        var rules = MediaOptions.Rules;
        using var received = await uploads.ReceiveAsync(context.Request, rules, cancellationToken);
        var prepared = new List<PreparedMedia>();
        foreach (var file in received.Files)
        {
            prepared.Add(await uploads.PrepareAsync(file, rules, cancellationToken));
        }
        var owner = QuotaOwner(caller.AccountId);
        var bytes = prepared.Sum(p => p.StoredBytes);
        if (!await quota.TryReserveAsync(owner, bytes, options.Value.QuotaBytes, cancellationToken))
        {
            throw new Problem(ProblemKind.PayloadTooLarge,
                $"Storage quota exceeded: each user may store up to {FormatBytes(options.Value.QuotaBytes)}", "STORAGE_QUOTA_EXCEEDED");
        }
        var written = new List<string>();
        var views = new List<UploadedMediaView>();
        try
        {
            var now = clock.GetUtcNow().UtcDateTime;
            foreach (var media in prepared)
            {
                var id = ids.New("media");
                var row = new MediaRow
                {
                    Id = id,
                    AccountId = caller.AccountId,
                    Type = media.Kind,
                    Size = media.Length,
                    ContentType = media.ContentType,
                    BlobKey = $"mindswarm/{id}.{media.Format.Extension()}",
                    ThumbnailKey = media.ThumbnailPath is null ? null : $"mindswarm/{id}{ThumbnailSuffix}.jpg",
                    ThumbnailSize = media.ThumbnailLength,
                    Width = media.Width,
                    Height = media.Height,
                    CreatedAt = now,
                };
                await PutAsync(row.BlobKey, media.Path, media.ContentType, written, cancellationToken);
                if (row.ThumbnailKey is not null)
                {
                    await PutAsync(row.ThumbnailKey, media.ThumbnailPath!, "image/jpeg", written, cancellationToken);
                }
                db.Add(row);
                views.Add(View(context, row, media.ThumbnailNote));
            }
            await db.SaveChangesAsync(cancellationToken);
        }
        catch
        {
            // Nothing half-stored: the blobs go and the quota is given back.
            foreach (var key in written)
            {
                await store.DeleteAsync(key, CancellationToken.None);
            }
            await quota.ReleaseAsync(owner, bytes, CancellationToken.None);
            throw;
        }
        return views;
    }

    private async Task PutAsync(string key, string path, string contentType, List<string> written, CancellationToken cancellationToken)
    {
        written.Add(key);
        await using var content = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, FileOptions.Asynchronous);
        await store.PutAsync(key, content, contentType, cancellationToken);
    }

    /// <summary>
    /// The stored file named <paramref name="fileName"/> (<c>{id}.{ext}</c>, or <c>{id}-thumb.jpg</c>
    /// for its thumbnail), with its row; null when there is none.
    /// </summary>
    public async Task<(MediaRow Row, Blob Blob)?> OpenAsync(string fileName, CancellationToken cancellationToken)
    {
        var dot = fileName.LastIndexOf('.');
        if (dot <= 0)
        {
            return null;
        }
        var stem = fileName[..dot];
        var thumbnail = stem.EndsWith(ThumbnailSuffix, StringComparison.Ordinal);
        var id = thumbnail ? stem[..^ThumbnailSuffix.Length] : stem;
        var row = await db.Set<MediaRow>().AsNoTracking().FirstOrDefaultAsync(m => m.Id == id, cancellationToken);
        var key = row is null ? null : thumbnail ? row.ThumbnailKey : row.BlobKey;
        if (row is null || key is null || !key.EndsWith("/" + fileName, StringComparison.Ordinal))
        {
            return null;
        }
        var blob = await store.GetAsync(key, cancellationToken);
        return blob is null ? null : (row, blob);
    }

    private static UploadedMediaView View(HttpContext context, MediaRow row, string? note)
    {
        string Url(string key) => context.Api() is { } api
            ? api.ExternalUrl(context.Request, FilesPath + "/" + key[(key.LastIndexOf('/') + 1)..])
            : FilesPath + "/" + key[(key.LastIndexOf('/') + 1)..];
        return new UploadedMediaView
        {
            Id = row.Id,
            Type = row.Type,
            Url = Url(row.BlobKey),
            ThumbnailUrl = row.ThumbnailKey is null ? null : Url(row.ThumbnailKey),
            MimeType = row.ContentType,
            Size = row.Size,
            Width = row.Width,
            Height = row.Height,
            Note = note,
        };
    }

    private static string FormatBytes(long bytes) =>
        bytes >= 1L << 30 && bytes % (1L << 30) == 0 ? $"{bytes >> 30} GB"
        : bytes >= 1L << 20 && bytes % (1L << 20) == 0 ? $"{bytes >> 20} MB"
        : $"{bytes} bytes";
}
