using System.Text.Json.Serialization;

namespace Mindstack.MindSwarm.Ads;

internal sealed record CreateAdRequest(string? Title, string? Description, string? ImageUrl, string? LinkUrl, int? Duration, string? Placement,
    IReadOnlyList<string>? TargetTags, bool? Draft);

internal sealed record UpdateAdRequest(string? Title, string? Description, string? LinkUrl, int? Duration, string? Placement,
    IReadOnlyList<string>? TargetTags, string? ImageUrl);

internal sealed record PayAdRequest(string? Cryptocurrency, string? Amount, string? TransactionHash, string? BlockchainNetwork, string? SenderAddress);

internal sealed record TrackAdRequest(string? Type);

internal sealed record AdStatusRequest(string? Status);

internal sealed record ReviewAdRequest(string? Action, string? Reason);

internal sealed record AdPaymentView(string? Cryptocurrency, string? Amount, string? TransactionHash, string? BlockchainNetwork, string? SenderAddress,
    string? Status, string? Reason, DateTime? PaidAt);

/// <summary>An ad as its owner and admins see it: <see cref="LinkUrl"/> as stored, <see cref="TaggedLinkUrl"/> as served.</summary>
internal sealed record AdView(
    [property: JsonPropertyName("_id")] string UnderscoreId,
    string Id,
    string Advertiser,
    string Title,
    string Description,
    string? ImageUrl,
    string LinkUrl,
    string TaggedLinkUrl,
    int Duration,
    string Placement,
    IReadOnlyList<string> TargetTags,
    string Status,
    string? ReviewNote,
    bool ModerationFlagged,
    long Impressions,
    long Clicks,
    double Ctr,
    DateTime? StartDate,
    DateTime? EndDate,
    AdPaymentView? Payment,
    DateTime CreatedAt,
    DateTime UpdatedAt)
{
    public static AdView Of(AdRow row, DateTime now) => new(row.Id, row.Id, row.AccountId, row.Title, row.Description, row.ImageUrl, row.LinkUrl,
        AdRules.TagLink(row.LinkUrl), row.DurationDays, row.Placement, AdRules.Tags(row.TargetTags), AdRules.EffectiveStatus(row, now), row.ReviewNote,
        row.ModerationFlagged, row.Impressions, row.Clicks, AdRules.Ctr(row.Impressions, row.Clicks), row.StartDate, row.EndDate,
        row.PaymentStatus is null
            ? null
            : new AdPaymentView(row.PaymentCrypto, row.PaymentAmount, row.PaymentTxHash, row.PaymentNetwork, row.PaymentSender, row.PaymentStatus,
                row.PaymentReason, row.PaidAt),
        row.CreatedAt, row.UpdatedAt);
}

/// <summary>An ad as the feed shows it: <see cref="LinkUrl"/> already tagged with <c>utm_source=mindswarm</c>.</summary>
internal sealed record PublicAdView(
    [property: JsonPropertyName("_id")] string UnderscoreId,
    string Id,
    string Title,
    string Description,
    string? ImageUrl,
    string LinkUrl,
    string Placement,
    IReadOnlyList<string> TargetTags,
    long Impressions,
    long Clicks,
    DateTime? EndDate);

internal sealed record AdEnvelope(AdView Ad, string Message);

internal sealed record AdPayResult(AdView Ad, string Status, string Message);

internal sealed record AdPage(IReadOnlyList<AdView> Ads, int Page, int Limit, int Total, int Pages, bool HasMore);

/// <summary>The document's snake_case settings (<c>ad_free_mode</c>, <c>ad_daily_rate</c>…).</summary>
internal sealed record AdSettings(
    [property: JsonPropertyName("ad_free_mode")] bool FreeMode,
    [property: JsonPropertyName("ad_auto_approve")] bool AutoApprove,
    [property: JsonPropertyName("ad_ai_moderation")] bool AiModeration,
    [property: JsonPropertyName("ad_max_duration_days")] int MaxDurationDays,
    [property: JsonPropertyName("ad_daily_rate")] IReadOnlyDictionary<string, string> DailyRates,
    [property: JsonPropertyName("ad_payment_address")] string? PaymentAddress,
    [property: JsonPropertyName("ad_verification_configured")] bool VerificationConfigured,
    [property: JsonPropertyName("max_banner_ads")] int MaxBannerAds,
    [property: JsonPropertyName("max_inline_ads")] int MaxInlineAds,
    IReadOnlyList<string> Placements,
    IReadOnlyList<string> Tokens,
    IReadOnlyList<string> Networks);

internal sealed record ActiveAds(IReadOnlyList<PublicAdView> Banner, IReadOnlyList<PublicAdView> Inline, AdSettings Settings);

internal sealed record TrackResult(string Type, bool Counted);

internal sealed record AdCounts(long Impressions, long Clicks, double Ctr);

internal sealed record AdWindow(int Days, long Impressions, long Clicks, double Ctr);

internal sealed record AdDay(string Day, long Impressions, long Clicks, double Ctr);

internal sealed record AdStats(AdView Ad, AdWindow Window, AdCounts Lifetime, IReadOnlyList<AdDay> Series);

internal sealed record InboundWindow(long Landings, long Signups, long AttributedSignups, long DirectSignups, double ConversionRate);

internal sealed record InboundDay(string Day, long Landings, long Signups);

internal sealed record InboundGroup(string Key, long Landings, long Signups, double ConversionRate);

internal sealed record InboundStats(InboundWindow Window, IReadOnlyList<InboundDay> Series, IReadOnlyList<InboundGroup> ByGroup, string GroupBy);

internal sealed record DayCount(string Day, long Count);

internal sealed record TrendSeries(long Total, IReadOnlyList<DayCount> Series);

internal sealed record EngagementDay(string Day, long Likes, long Replies, long Reposts, long Total);

internal sealed record EngagementTrend(long Likes, long Replies, long Reposts, IReadOnlyList<EngagementDay> Series);

internal sealed record NamedCount(string Key, long Count);

internal sealed record ContentBreakdown(long Text, long WithMedia, long Polls, long Replies, long Reposts, long Quotes);

internal sealed record DashboardTrends(int Days, TrendSeries Users, TrendSeries Posts, EngagementTrend Engagement, IReadOnlyList<NamedCount> TopHashtags,
    IReadOnlyList<NamedCount> TopCountries, IReadOnlyList<NamedCount> AccountStatus, ContentBreakdown ContentBreakdown);
