using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Migrations;
using Mindstack.Platform.Storage;

namespace Mindstack.Platform.Tests.Storage;

/// <summary>A test-only area: one table of every column kind the platform uses, and its migration.</summary>
public sealed class SampleNote
{
    public required string Id { get; set; }
    public required string OwnerId { get; set; }
    public required string Body { get; set; }
    public long Credits { get; set; }
    public bool IsPinned { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? ArchivedAt { get; set; }
}

public sealed class SampleModel : IModelContributor
{
    public void Configure(ModelBuilder modelBuilder) =>
        modelBuilder.Entity<SampleNote>(e =>
        {
            e.ToTable("sample_notes");
            e.HasKey(n => n.Id);
            e.HasIndex(n => new { n.OwnerId, n.CreatedAt });
        });
}

public sealed class SampleNotesMigration : SchemaMigration
{
    public override string Id => "2099010101_sample_notes";

    public override void Up(MigrationBuilder migration, DatabaseProvider provider)
    {
        migration.CreateTable(
            name: "sample_notes",
            columns: t => new
            {
                id = t.Column<string>(maxLength: 64),
                owner_id = t.Column<string>(maxLength: 64),
                body = t.Column<string>(),
                credits = t.Column<long>(),
                is_pinned = t.Column<bool>(),
                created_at = t.Column<DateTime>(),
                archived_at = t.Column<DateTime>(nullable: true),
            },
            constraints: t => t.PrimaryKey("pk_sample_notes", x => x.id));
        migration.CreateIndex("ix_sample_notes_owner_id_created_at", "sample_notes", ["owner_id", "created_at"]);
    }
}
