using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Migrations;
using Mindstack.Platform.Storage;

namespace Mindstack.MindSwarm.Drafts;

internal static class DraftStatus
{
    public const string Draft = "draft";
    public const string Scheduled = "scheduled";
    public const string Published = "published";
    /// <summary>A scheduled draft the post rules refused at its time (the reason in <see cref="DraftRow.Error"/>).</summary>
    public const string Failed = "failed";
}

/// <summary>A post being written: its text and post options, its current version, and a time when scheduled.</summary>
internal sealed class DraftRow
{
    public required string Id { get; set; }
    public required string AccountId { get; set; }
    public required string Content { get; set; }
    public required string MediaJson { get; set; }
    public string? ReplyToId { get; set; }
    public string? QuotedPostId { get; set; }
    public string? ContentWarning { get; set; }
    public DateTime? ScheduledAt { get; set; }
    public required string Status { get; set; }
    public int Version { get; set; }
    public string? PublishedPostId { get; set; }
    public string? Error { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

/// <summary>One saved state of a draft's text (a save, an autosave or a restore).</summary>
internal sealed class DraftVersionRow
{
    public required string Id { get; set; }
    public required string DraftId { get; set; }
    public int Version { get; set; }
    public required string Content { get; set; }
    public required string Source { get; set; }
    public DateTime CreatedAt { get; set; }
}

internal sealed class DraftModel : IModelContributor
{
    public void Configure(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<DraftRow>(e =>
        {
            e.ToTable("mindswarm_drafts");
            e.HasKey(x => x.Id);
            e.HasIndex(x => new { x.AccountId, x.Status, x.UpdatedAt });
        });
        modelBuilder.Entity<DraftVersionRow>(e =>
        {
            e.ToTable("mindswarm_draft_versions");
            e.HasKey(x => x.Id);
            e.HasIndex(x => new { x.DraftId, x.Version }).IsUnique();
        });
    }
}

internal sealed class DraftMigration : SchemaMigration
{
    public override string Id => "2026120622_mindswarm_drafts";

    public override void Up(MigrationBuilder migration, DatabaseProvider provider)
    {
        migration.CreateTable(
            name: "mindswarm_drafts",
            columns: t => new
            {
                id = t.Column<string>(maxLength: 64),
                account_id = t.Column<string>(maxLength: 64),
                content = t.Column<string>(maxLength: 4000),
                media_json = t.Column<string>(),
                reply_to_id = t.Column<string>(maxLength: 64, nullable: true),
                quoted_post_id = t.Column<string>(maxLength: 64, nullable: true),
                content_warning = t.Column<string>(maxLength: 200, nullable: true),
                scheduled_at = t.Column<DateTime>(nullable: true),
                status = t.Column<string>(maxLength: 16),
                version = t.Column<int>(),
                published_post_id = t.Column<string>(maxLength: 64, nullable: true),
                error = t.Column<string>(maxLength: 500, nullable: true),
                created_at = t.Column<DateTime>(),
                updated_at = t.Column<DateTime>(),
            },
            constraints: t => t.PrimaryKey("pk_mindswarm_drafts", x => x.id));
        migration.CreateIndex("ix_mindswarm_drafts_account_id_status_updated_at", "mindswarm_drafts", ["account_id", "status", "updated_at"]);

        migration.CreateTable(
            name: "mindswarm_draft_versions",
            columns: t => new
            {
                id = t.Column<string>(maxLength: 64),
                draft_id = t.Column<string>(maxLength: 64),
                version = t.Column<int>(),
                content = t.Column<string>(maxLength: 4000),
                source = t.Column<string>(maxLength: 16),
                created_at = t.Column<DateTime>(),
            },
            constraints: t => t.PrimaryKey("pk_mindswarm_draft_versions", x => x.id));
        migration.CreateIndex("ix_mindswarm_draft_versions_draft_id_version", "mindswarm_draft_versions", ["draft_id", "version"], unique: true);
    }
}
