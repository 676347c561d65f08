using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Migrations;
using Mindstack.Platform.Storage;

namespace Mindstack.Platform.Realtime.Backplane;

/// <summary>
/// A backplane message too big for a PostgreSQL NOTIFY (about 8000 bytes): the notification
/// carries only its id, the receivers read it here. Rows are purged after a few minutes.
/// </summary>
internal sealed class RealtimePayload
{
    public required string Id { get; set; }

    /// <summary>The whole envelope, as it would have travelled in the NOTIFY.</summary>
    public required string Body { get; set; }

    public DateTime CreatedAt { get; set; }
}

internal sealed class RealtimeModel : IModelContributor
{
    public void Configure(ModelBuilder modelBuilder) =>
        modelBuilder.Entity<RealtimePayload>(e =>
        {
            e.ToTable("realtime_payloads");
            e.HasKey(p => p.Id);
            e.Property(p => p.Id).HasMaxLength(64);
            e.HasIndex(p => p.CreatedAt);
        });
}

internal sealed class RealtimePayloadsMigration : SchemaMigration
{
    public override string Id => "2026112371_realtime_payloads";

    public override void Up(MigrationBuilder migration, DatabaseProvider provider)
    {
        migration.CreateTable(
            name: "realtime_payloads",
            columns: t => new
            {
                id = t.Column<string>(maxLength: 64),
                body = t.Column<string>(),
                created_at = t.Column<DateTime>(),
            },
            constraints: t => t.PrimaryKey("pk_realtime_payloads", x => x.id));
        migration.CreateIndex("ix_realtime_payloads_created_at", "realtime_payloads", "created_at");
    }
}
