using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using AngleSharp.Html.Dom;
using AngleSharp.Html.Parser;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Mindstack.MindSwarm.Posts;
using Mindstack.MindSwarm.Storage;
using Mindstack.Platform.Jobs;
using Mindstack.Platform.Storage;
using Mindstack.Platform.Webhooks;

namespace Mindstack.MindSwarm.LinkPreviews;

/// <summary>A post's <c>linkPreview</c>; <see cref="Source"/> names the tier that resolved it (<c>direct</c> here).</summary>
internal sealed record LinkPreview(string Url, string? Title, string? Description, string? Image, string? SiteName, string? Type, string Source,
    DateTime FetchedAt);

/// <summary>
/// Link previews, fetched by a job after a post is published: the first http(s) URL of the text,
/// read through the platform's SSRF guard (no private, loopback or metadata targets; redirects
/// checked hop by hop), at most <see cref="MaxBytes"/> of HTML, parsed with AngleSharp for
/// OpenGraph, Twitter card, title and description.
/// </summary>
internal static partial class LinkPreviewReader
{
    public const int MaxBytes = 512 * 1024;

    [GeneratedRegex(@"https?://[^\s<>""']+", RegexOptions.IgnoreCase)]
    private static partial Regex UrlPattern();

    /// <summary>The first http(s) URL in a post's text (trailing punctuation left out), or null.</summary>
    public static Uri? FirstUrl(string content)
    {
        foreach (Match match in UrlPattern().Matches(content))
        {
            var text = match.Value.TrimEnd('.', ',', ';', ':', '!', '?', ')', ']', '}');
            if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
            {
                return uri;
            }
        }
        return null;
    }

    /// <summary>The preview of an HTML page, or null when it names nothing worth showing.</summary>
    public static LinkPreview? Parse(string html, Uri pageUrl, DateTime now)
    {
        var document = new HtmlParser().ParseDocument(html);
        string? Meta(params string[] keys)
        {
            foreach (var key in keys)
            {
                foreach (var meta in document.QuerySelectorAll("meta").OfType<IHtmlMetaElement>())
                {
                    var name = meta.GetAttribute("property") ?? meta.GetAttribute("name");
                    if (string.Equals(name, key, StringComparison.OrdinalIgnoreCase) && Clean(meta.Content) is { } value)
                    {
                        return value;
                    }
                }
            }
            return null;
        }
        var title = Meta("og:title", "twitter:title") ?? Clean(document.Title);
        var description = Meta("og:description", "twitter:description", "description");
        var image = Meta("og:image", "og:image:url", "og:image:secure_url", "twitter:image", "twitter:image:src");
        var imageUrl = image is not null && Uri.TryCreate(pageUrl, image, out var resolved) && resolved.Scheme is "http" or "https"
            ? resolved.ToString()
            : null;
        var canonical = Meta("og:url") is { } og && Uri.TryCreate(pageUrl, og, out var ogUrl) && ogUrl.Scheme is "http" or "https" ? ogUrl : pageUrl;
        if (title is null && description is null && imageUrl is null)
        {
            return null;
        }
        return new LinkPreview(canonical.ToString(), Cut(title, 300), Cut(description, 1000), imageUrl, Cut(Meta("og:site_name"), 200) ?? pageUrl.Host,
            Cut(Meta("og:type"), 50), "direct", now);
    }

    private static string? Clean(string? text) => string.IsNullOrWhiteSpace(text) ? null : Regex.Replace(text.Trim(), @"\s+", " ");

    private static string? Cut(string? text, int max) => text is null || text.Length <= max ? text : text[..max];
}

/// <summary>Fetches and stores the preview of a published post's first link (once; a failed fetch leaves none).</summary>
internal sealed class FetchLinkPreviewJob(
    MindstackDbContext db,
    IHttpClientFactory http,
    TimeProvider clock,
    MindSwarmDialect dialect,
    ILogger<FetchLinkPreviewJob> logger) : JobHandler<PostJobPayload>
{
    public const string Name = "mindswarm.link-preview";

    public override async Task ExecuteAsync(PostJobPayload payload, JobContext job, CancellationToken cancellationToken)
    {
        var row = await db.Set<PostRow>().AsNoTracking().FirstOrDefaultAsync(p => p.Id == payload.PostId, cancellationToken);
        if (row is null || row.DeletedAt is not null || row.LinkPreviewJson is not null || LinkPreviewReader.FirstUrl(row.Content) is not { } url)
        {
            return;
        }
        var page = await FetchAsync(url, cancellationToken);
        if (page is null)
        {
            return;
        }
        var preview = LinkPreviewReader.Parse(page.Value.Html, page.Value.FinalUrl, clock.GetUtcNow().UtcDateTime);
        if (preview is null)
        {
            return;
        }
        var content = row.Content;
        // Only while the text still holds the link (an edit meanwhile may have removed it).
        await db.Set<PostRow>().Where(p => p.Id == row.Id && p.Content == content && p.LinkPreviewJson == null)
            .ExecuteUpdateAsync(u => u.SetProperty(p => p.LinkPreviewJson, JsonSerializer.Serialize(preview, dialect.Json)), cancellationToken);
    }

    /// <summary>The page's HTML (at most <see cref="LinkPreviewReader.MaxBytes"/>), or null when there is none to read.</summary>
    private async Task<(string Html, Uri FinalUrl)?> FetchAsync(Uri url, CancellationToken cancellationToken)
    {
        using var client = http.CreateClient(GuardedHttp.ClientName);
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.TryAddWithoutValidation("User-Agent", "MindSwarmBot/1.0 (link preview)");
        request.Headers.TryAddWithoutValidation("Accept", "text/html,application/xhtml+xml");
        try
        {
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            var type = response.Content.Headers.ContentType?.MediaType;
            if (!response.IsSuccessStatusCode || type is not ("text/html" or "application/xhtml+xml"))
            {
                return null;
            }
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            var buffer = new byte[LinkPreviewReader.MaxBytes];
            var length = 0;
            int read;
            while (length < buffer.Length && (read = await body.ReadAsync(buffer.AsMemory(length), cancellationToken)) > 0)
            {
                length += read;
            }
            var encoding = Encoding.UTF8;
            if (response.Content.Headers.ContentType?.CharSet is { Length: > 0 } charset)
            {
                try
                {
                    encoding = Encoding.GetEncoding(charset.Trim('"'));
                }
                catch (ArgumentException)
                {
                }
            }
            return (encoding.GetString(buffer, 0, length), response.RequestMessage?.RequestUri ?? url);
        }
        catch (HttpRequestException e) when (Refused(e))
        {
            // The SSRF guard refused the target: retrying cannot help.
            logger.LogInformation("Link preview of {Host} refused by the SSRF guard", url.Host);
            return null;
        }
    }

    private static bool Refused(Exception e)
    {
        for (Exception? inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is WebhookTargetRefusedException)
            {
                return true;
            }
        }
        return false;
    }
}
