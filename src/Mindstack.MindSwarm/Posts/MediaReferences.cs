using Mindstack.Platform.Http;

namespace Mindstack.MindSwarm.Posts;

/// <summary>A media reference as a post's body gives it: a URL (an upload's answer, a GIF) with its type.</summary>
internal sealed record MediaRequest(string? Type, string? Url, string? ThumbnailUrl, string? Id);

/// <summary>
/// Turns the media a post names into what it stores. Today every item is a URL with its type;
/// uploads (<c>POST /api/posts/upload</c>) will resolve their ids here, checking the upload is
/// the caller's own, without touching the post code.
/// </summary>
internal class MediaReferences
{
    public static readonly IReadOnlyList<string> Types = ["image", "video", "gif"];

    public virtual Task<IReadOnlyList<MediaItem>> ResolveAsync(string accountId, IReadOnlyList<MediaRequest>? media, CancellationToken ct)
    {
        if (media is null || media.Count == 0)
        {
            return Task.FromResult<IReadOnlyList<MediaItem>>([]);
        }
        if (media.Count > ContentRules.MaxMedia)
        {
            throw Problem.Invalid("media", $"At most {ContentRules.MaxMedia} media items");
        }
        var items = new List<MediaItem>(media.Count);
        for (var i = 0; i < media.Count; i++)
        {
            var item = media[i] ?? throw Problem.Invalid($"media[{i}]", "A media item is required");
            var type = (item.Type ?? "image").Trim().ToLowerInvariant();
            if (!Types.Contains(type))
            {
                throw Problem.Invalid($"media[{i}].type", "type must be image, video or gif");
            }
            if (!IsHttpUrl(item.Url) && !(item.Url?.StartsWith('/') ?? false))
            {
                throw Problem.Invalid($"media[{i}].url", "url must be an http(s) URL");
            }
            if (item.ThumbnailUrl is not null && !IsHttpUrl(item.ThumbnailUrl) && !item.ThumbnailUrl.StartsWith('/'))
            {
                throw Problem.Invalid($"media[{i}].thumbnailUrl", "thumbnailUrl must be an http(s) URL");
            }
            items.Add(new MediaItem(type, item.Url!.Trim(), item.ThumbnailUrl?.Trim()));
        }
        return Task.FromResult<IReadOnlyList<MediaItem>>(items);
    }

    private static bool IsHttpUrl(string? url) =>
        url is { Length: > 0 and <= 2048 } && Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https";
}
