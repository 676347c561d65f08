using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Migrations;
using Mindstack.Platform.Storage;

namespace Mindstack.MindSwarm.Ads;

/// <summary>Section 15's lifecycle: draft → pending_review → approved → active → expired; paused, rejected, cancelled.</summary>
internal static class AdStatus
{
    public const string Draft = "draft";
    public const string PendingReview = "pending_review";
    public const string Approved = "approved";
    public const string Active = "active";
    public const string Paused = "paused";
    public const string Rejected = "rejected";
    public const string Cancelled = "cancelled";
    public const string Expired = "expired";
}

internal static class AdPaymentStatus
{
    public const string Pending = "pending";
    public const string Verified = "verified";
    public const string Failed = "failed";
    /// <summary>Activated without payment: free mode or a zero daily rate.</summary>
    public const string Free = "free";
}

/// <summary>An ad. <see cref="Impressions"/> and <see cref="Clicks"/> are counters incremented in place, never counted from rows.</summary>
internal sealed class AdRow
{
    public required string Id { get; set; }
    public required string AccountId { get; set; }
    public required string Title { get; set; }
    public required string Description { get; set; }
    public string? ImageUrl { get; set; }
    public required string LinkUrl { get; set; }
    public int DurationDays { get; set; }
    public required string Placement { get; set; }
    /// <summary>Comma-separated, lower case.</summary>
    public string TargetTags { get; set; } = "";
    public required string Status { get; set; }
    /// <summary>Why it was rejected, or what AI moderation flagged.</summary>
    public string? ReviewNote { get; set; }
    public bool ModerationFlagged { get; set; }
    public long Impressions { get; set; }
    public long Clicks { get; set; }
    public DateTime? StartDate { get; set; }
    public DateTime? EndDate { get; set; }
    public string? PaymentCrypto { get; set; }
    public string? PaymentAmount { get; set; }
    public string? PaymentTxHash { get; set; }
    public string? PaymentNetwork { get; set; }
    public string? PaymentSender { get; set; }
    public string? PaymentStatus { get; set; }
    public string? PaymentReason { get; set; }
    public DateTime? PaidAt { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

/// <summary>When an address's impression of an ad was last counted: the 5-minute dedup, one row per ad and address.</summary>
internal sealed class AdViewerRow
{
    public required string AdId { get; set; }
    public required string Address { get; set; }
    public DateTime LastCountedAt { get; set; }
}

/// <summary>An ad's impressions and clicks of one UTC day (counters), for the per-ad series.</summary>
internal sealed class AdDailyRow
{
    public required string AdId { get; set; }
    public DateTime Day { get; set; }
    public long Impressions { get; set; }
    public long Clicks { get; set; }
}

internal sealed class AdModel : IModelContributor
{
    public void Configure(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<AdRow>(e =>
        {
            e.ToTable("mindswarm_ads");
            e.HasKey(x => x.Id);
            e.HasIndex(x => new { x.AccountId, x.CreatedAt });
            e.HasIndex(x => new { x.Status, x.EndDate });
        });
        modelBuilder.Entity<AdViewerRow>(e =>
        {
            e.ToTable("mindswarm_ad_viewers");
            e.HasKey(x => new { x.AdId, x.Address });
        });
        modelBuilder.Entity<AdDailyRow>(e =>
        {
            e.ToTable("mindswarm_ad_daily");
            e.HasKey(x => new { x.AdId, x.Day });
        });
    }
}

internal sealed class AdMigration : SchemaMigration
{
    public override string Id => "2026120702_mindswarm_ads";

    public override void Up(MigrationBuilder migration, DatabaseProvider provider)
    {
        migration.CreateTable(
            name: "mindswarm_ads",
            columns: t => new
            {
                id = t.Column<string>(maxLength: 64),
                account_id = t.Column<string>(maxLength: 64),
                title = t.Column<string>(maxLength: 100),
                description = t.Column<string>(maxLength: 280),
                image_url = t.Column<string>(maxLength: 2048, nullable: true),
                link_url = t.Column<string>(maxLength: 2048),
                duration_days = t.Column<int>(),
                placement = t.Column<string>(maxLength: 16),
                target_tags = t.Column<string>(maxLength: 400),
                status = t.Column<string>(maxLength: 16),
                review_note = t.Column<string>(maxLength: 500, nullable: true),
                moderation_flagged = t.Column<bool>(),
                impressions = t.Column<long>(),
                clicks = t.Column<long>(),
                start_date = t.Column<DateTime>(nullable: true),
                end_date = t.Column<DateTime>(nullable: true),
                payment_crypto = t.Column<string>(maxLength: 16, nullable: true),
                payment_amount = t.Column<string>(maxLength: 64, nullable: true),
                payment_tx_hash = t.Column<string>(maxLength: 80, nullable: true),
                payment_network = t.Column<string>(maxLength: 16, nullable: true),
                payment_sender = t.Column<string>(maxLength: 128, nullable: true),
                payment_status = t.Column<string>(maxLength: 16, nullable: true),
                payment_reason = t.Column<string>(maxLength: 500, nullable: true),
                paid_at = t.Column<DateTime>(nullable: true),
                created_at = t.Column<DateTime>(),
                updated_at = t.Column<DateTime>(),
            },
            constraints: t => t.PrimaryKey("pk_mindswarm_ads", x => x.id));
        migration.CreateIndex("ix_mindswarm_ads_account_id_created_at", "mindswarm_ads", ["account_id", "created_at"]);
        migration.CreateIndex("ix_mindswarm_ads_status_end_date", "mindswarm_ads", ["status", "end_date"]);
        migration.CreateTable(
            name: "mindswarm_ad_viewers",
            columns: t => new
            {
                ad_id = t.Column<string>(maxLength: 64),
                address = t.Column<string>(maxLength: 64),
                last_counted_at = t.Column<DateTime>(),
            },
            constraints: t => t.PrimaryKey("pk_mindswarm_ad_viewers", x => new { x.ad_id, x.address }));
        migration.CreateTable(
            name: "mindswarm_ad_daily",
            columns: t => new
            {
                ad_id = t.Column<string>(maxLength: 64),
                day = t.Column<DateTime>(),
                impressions = t.Column<long>(),
                clicks = t.Column<long>(),
            },
            constraints: t => t.PrimaryKey("pk_mindswarm_ad_daily", x => new { x.ad_id, x.day }));
    }
}
