using System.Web;

namespace Mindstack.MindSwarm.Ads;

/// <summary>Section 15's rules that need no storage: UTM tagging, effective status, CTR, tags and links.</summary>
internal static class AdRules
{
    public static readonly IReadOnlyList<string> Placements = ["banner", "inline", "both"];

    public const int MaxTags = 10;

    /// <summary>
    /// <paramref name="linkUrl"/> with <c>utm_source=mindswarm</c> added, unless the advertiser set a
    /// <c>utm_source</c> already (idempotent); the fragment is kept.
    /// </summary>
    public static string TagLink(string linkUrl)
    {
        if (!Uri.TryCreate(linkUrl, UriKind.Absolute, out var uri))
        {
            return linkUrl;
        }
        var query = HttpUtility.ParseQueryString(uri.Query);
        if (query.AllKeys.Any(k => string.Equals(k, "utm_source", StringComparison.OrdinalIgnoreCase)))
        {
            return linkUrl;
        }
        var builder = new UriBuilder(uri);
        var existing = builder.Query.TrimStart('?');
        builder.Query = existing.Length == 0 ? "utm_source=mindswarm" : existing + "&utm_source=mindswarm";
        return builder.Uri.AbsoluteUri;
    }

    /// <summary>An active or paused ad whose end date has passed is expired, whether or not a job has said so yet.</summary>
    public static string EffectiveStatus(AdRow row, DateTime now) =>
        row.Status is AdStatus.Active or AdStatus.Paused && row.EndDate <= now ? AdStatus.Expired : row.Status;

    /// <summary>Clicks per impression, as a percentage with two decimals.</summary>
    public static double Ctr(long impressions, long clicks) => impressions == 0 ? 0 : Math.Round(100.0 * clicks / impressions, 2);

    public static IReadOnlyList<string> Tags(string stored) => stored.Length == 0 ? [] : stored.Split(',');

    /// <summary>Trimmed, lower-cased, de-duplicated; null when a tag is unusable.</summary>
    public static string? NormalizeTags(IReadOnlyList<string>? tags)
    {
        if (tags is null)
        {
            return "";
        }
        var clean = tags.Select(t => (t ?? "").Trim().TrimStart('#').ToLowerInvariant()).Where(t => t.Length > 0).Distinct(StringComparer.Ordinal).ToList();
        return clean.Count > MaxTags || clean.Any(t => t.Length > 30 || t.Contains(',', StringComparison.Ordinal)) ? null : string.Join(',', clean);
    }

    public static bool IsWebUrl(string? url) =>
        url is { Length: <= 2048 } && Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp);

    /// <summary>The error message a refused payment or status change gives for an ad in <paramref name="status"/>.</summary>
    public static string StatusMessage(string status, string? note) => status switch
    {
        AdStatus.Active => "Ad is already active",
        AdStatus.PendingReview => "Ad is still awaiting review",
        AdStatus.Rejected => "Ad was rejected" + (string.IsNullOrWhiteSpace(note) ? "" : ": " + note),
        AdStatus.Expired => "Ad has expired",
        AdStatus.Cancelled => "Ad was cancelled",
        AdStatus.Draft => "Ad is still a draft",
        AdStatus.Paused => "Ad is paused",
        AdStatus.Approved => "Ad is approved but not paid yet",
        _ => "Ad is " + status,
    };
}
