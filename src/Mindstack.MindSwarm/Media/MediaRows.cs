using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Migrations;
using Mindstack.Platform.Storage;

namespace Mindstack.MindSwarm.Media;

/// <summary>One uploaded file: its owner, what it is and where its bytes (and thumbnail) are kept.</summary>
internal sealed class MediaRow
{
    public required string Id { get; set; }
    public required string AccountId { get; set; }
    /// <summary><c>image</c> or <c>video</c>.</summary>
    public required string Type { get; set; }
    public long Size { get; set; }
    public required string ContentType { get; set; }
    public required string BlobKey { get; set; }
    public string? ThumbnailKey { get; set; }
    public long ThumbnailSize { get; set; }
    public int? Width { get; set; }
    public int? Height { get; set; }
    public DateTime CreatedAt { get; set; }
}

internal sealed class MediaModel : IModelContributor
{
    public void Configure(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<MediaRow>(e =>
        {
            e.ToTable("mindswarm_media");
            e.HasKey(x => x.Id);
            e.HasIndex(x => new { x.AccountId, x.CreatedAt });
        });
    }
}

internal sealed class MediaMigration : SchemaMigration
{
    public override string Id => "2026120602_mindswarm_media";

    public override void Up(MigrationBuilder migration, DatabaseProvider provider)
    {
        migration.CreateTable(
            name: "mindswarm_media",
            columns: t => new
            {
                id = t.Column<string>(maxLength: 64),
                account_id = t.Column<string>(maxLength: 64),
                type = t.Column<string>(maxLength: 16),
                size = t.Column<long>(),
                content_type = t.Column<string>(maxLength: 100),
                blob_key = t.Column<string>(maxLength: 400),
                thumbnail_key = t.Column<string>(maxLength: 400, nullable: true),
                thumbnail_size = t.Column<long>(),
                width = t.Column<int>(nullable: true),
                height = t.Column<int>(nullable: true),
                created_at = t.Column<DateTime>(),
            },
            constraints: t => t.PrimaryKey("pk_mindswarm_media", x => x.id));
        migration.CreateIndex("ix_mindswarm_media_account_id_created_at", "mindswarm_media", ["account_id", "created_at"]);
    }
}
