using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Migrations;
using Mindstack.Platform.Storage;

namespace Mindstack.MindSwarm.Analytics;

/// <summary>One tracked event (section 11), anonymous or a user's, with its inbound attribution.</summary>
internal sealed class AnalyticsEventRow
{
    public required string Id { get; set; }
    public required string EventType { get; set; }
    public string? TargetType { get; set; }
    public string? TargetId { get; set; }
    public string? AccountId { get; set; }
    public string? UtmSource { get; set; }
    public string? UtmMedium { get; set; }
    public string? UtmCampaign { get; set; }
    public string? UtmTerm { get; set; }
    public string? UtmContent { get; set; }
    public string? LandingPath { get; set; }
    public string? Referrer { get; set; }
    public string MetadataJson { get; set; } = "{}";
    public DateTime CreatedAt { get; set; }
}

/// <summary>A user's first-touch attribution, written once when the account is made with <c>_attribution</c>.</summary>
internal sealed class AttributionRow
{
    public required string AccountId { get; set; }
    /// <summary><c>register</c> or <c>magic-link</c>.</summary>
    public required string Via { get; set; }
    public string? UtmSource { get; set; }
    public string? UtmMedium { get; set; }
    public string? UtmCampaign { get; set; }
    public string? UtmTerm { get; set; }
    public string? UtmContent { get; set; }
    public string? LandingPath { get; set; }
    public string? Referrer { get; set; }
    public DateTime CreatedAt { get; set; }
}

/// <summary>Attribution sent with a magic link for an address with no account yet, claimed when the link makes the account.</summary>
internal sealed class PendingAttributionRow
{
    /// <summary>The address, trimmed and lower case.</summary>
    public required string Email { get; set; }
    public required string AttributionJson { get; set; }
    public DateTime CreatedAt { get; set; }
}

internal sealed class AnalyticsModel : IModelContributor
{
    public void Configure(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<AnalyticsEventRow>(e =>
        {
            e.ToTable("mindswarm_analytics_events");
            e.HasKey(x => x.Id);
            e.HasIndex(x => new { x.TargetId, x.CreatedAt });
            e.HasIndex(x => new { x.AccountId, x.CreatedAt });
            e.HasIndex(x => new { x.EventType, x.CreatedAt });
        });
        modelBuilder.Entity<AttributionRow>(e =>
        {
            e.ToTable("mindswarm_attributions");
            e.HasKey(x => x.AccountId);
        });
        modelBuilder.Entity<PendingAttributionRow>(e =>
        {
            e.ToTable("mindswarm_pending_attributions");
            e.HasKey(x => x.Email);
        });
    }
}

internal sealed class AnalyticsMigration : SchemaMigration
{
    public override string Id => "2026120706_mindswarm_analytics";

    public override void Up(MigrationBuilder migration, DatabaseProvider provider)
    {
        migration.CreateTable(
            name: "mindswarm_analytics_events",
            columns: t => new
            {
                id = t.Column<string>(maxLength: 64),
                event_type = t.Column<string>(maxLength: 32),
                target_type = t.Column<string>(maxLength: 16, nullable: true),
                target_id = t.Column<string>(maxLength: 64, nullable: true),
                account_id = t.Column<string>(maxLength: 64, nullable: true),
                utm_source = t.Column<string>(maxLength: 200, nullable: true),
                utm_medium = t.Column<string>(maxLength: 200, nullable: true),
                utm_campaign = t.Column<string>(maxLength: 200, nullable: true),
                utm_term = t.Column<string>(maxLength: 200, nullable: true),
                utm_content = t.Column<string>(maxLength: 200, nullable: true),
                landing_path = t.Column<string>(maxLength: 500, nullable: true),
                referrer = t.Column<string>(maxLength: 500, nullable: true),
                metadata_json = t.Column<string>(),
                created_at = t.Column<DateTime>(),
            },
            constraints: t => t.PrimaryKey("pk_mindswarm_analytics_events", x => x.id));
        migration.CreateIndex("ix_mindswarm_analytics_events_target_id_created_at", "mindswarm_analytics_events", ["target_id", "created_at"]);
        migration.CreateIndex("ix_mindswarm_analytics_events_account_id_created_at", "mindswarm_analytics_events", ["account_id", "created_at"]);
        migration.CreateIndex("ix_mindswarm_analytics_events_event_type_created_at", "mindswarm_analytics_events", ["event_type", "created_at"]);

        migration.CreateTable(
            name: "mindswarm_attributions",
            columns: t => new
            {
                account_id = t.Column<string>(maxLength: 64),
                via = t.Column<string>(maxLength: 16),
                utm_source = t.Column<string>(maxLength: 200, nullable: true),
                utm_medium = t.Column<string>(maxLength: 200, nullable: true),
                utm_campaign = t.Column<string>(maxLength: 200, nullable: true),
                utm_term = t.Column<string>(maxLength: 200, nullable: true),
                utm_content = t.Column<string>(maxLength: 200, nullable: true),
                landing_path = t.Column<string>(maxLength: 500, nullable: true),
                referrer = t.Column<string>(maxLength: 500, nullable: true),
                created_at = t.Column<DateTime>(),
            },
            constraints: t => t.PrimaryKey("pk_mindswarm_attributions", x => x.account_id));

        migration.CreateTable(
            name: "mindswarm_pending_attributions",
            columns: t => new
            {
                email = t.Column<string>(maxLength: 320),
                attribution_json = t.Column<string>(),
                created_at = t.Column<DateTime>(),
            },
            constraints: t => t.PrimaryKey("pk_mindswarm_pending_attributions", x => x.email));
    }
}
