using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Migrations;
using Mindstack.Platform.Storage;

namespace Mindstack.MindSwarm.Export;

internal static class ExportStatus
{
    public const string Pending = "pending";
    public const string Processing = "processing";
    public const string Completed = "completed";
    public const string Failed = "failed";
    public const string Expired = "expired";
}

/// <summary>
/// A data export (GDPR): made by <see cref="DataExportJob"/> into a zip kept in the blob store
/// until <see cref="ExpiresAt"/>. <see cref="InFlight"/> is 1 while it is being made (unique per
/// account, so two concurrent requests cannot both start one) and null afterwards.
/// </summary>
internal sealed class DataExportRow
{
    public required string Id { get; set; }
    public required string AccountId { get; set; }
    public required string Status { get; set; }
    public int? InFlight { get; set; }
    public string? BlobKey { get; set; }
    public long Size { get; set; }
    public int FileCount { get; set; }
    public string? Error { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? CompletedAt { get; set; }
    public DateTime? ExpiresAt { get; set; }
}

/// <summary>
/// An account's request to be deleted: done by <see cref="AccountDeletionJob"/> at
/// <see cref="ScheduledFor"/> unless cancelled first (the row is then removed).
/// </summary>
internal sealed class AccountDeletionRow
{
    public required string AccountId { get; set; }
    public DateTime RequestedAt { get; set; }
    public DateTime ScheduledFor { get; set; }
}

internal sealed class ExportModel : IModelContributor
{
    public void Configure(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<DataExportRow>(e =>
        {
            e.ToTable("mindswarm_data_exports");
            e.HasKey(x => x.Id);
            e.HasIndex(x => new { x.AccountId, x.CreatedAt });
            e.HasIndex(x => new { x.AccountId, x.InFlight }).IsUnique();
        });
        modelBuilder.Entity<AccountDeletionRow>(e =>
        {
            e.ToTable("mindswarm_account_deletions");
            e.HasKey(x => x.AccountId);
        });
    }
}

internal sealed class ExportMigration : SchemaMigration
{
    public override string Id => "2026120702_mindswarm_data_export";

    public override void Up(MigrationBuilder migration, DatabaseProvider provider)
    {
        migration.CreateTable(
            name: "mindswarm_data_exports",
            columns: t => new
            {
                id = t.Column<string>(maxLength: 64),
                account_id = t.Column<string>(maxLength: 64),
                status = t.Column<string>(maxLength: 16),
                in_flight = t.Column<int>(nullable: true),
                blob_key = t.Column<string>(maxLength: 400, nullable: true),
                size = t.Column<long>(),
                file_count = t.Column<int>(),
                error = t.Column<string>(maxLength: 500, nullable: true),
                created_at = t.Column<DateTime>(),
                completed_at = t.Column<DateTime>(nullable: true),
                expires_at = t.Column<DateTime>(nullable: true),
            },
            constraints: t => t.PrimaryKey("pk_mindswarm_data_exports", x => x.id));
        migration.CreateIndex("ix_mindswarm_data_exports_account_id_created_at", "mindswarm_data_exports", ["account_id", "created_at"]);
        migration.CreateIndex("ix_mindswarm_data_exports_account_id_in_flight", "mindswarm_data_exports", ["account_id", "in_flight"], unique: true);

        migration.CreateTable(
            name: "mindswarm_account_deletions",
            columns: t => new
            {
                account_id = t.Column<string>(maxLength: 64),
                requested_at = t.Column<DateTime>(),
                scheduled_for = t.Column<DateTime>(),
            },
            constraints: t => t.PrimaryKey("pk_mindswarm_account_deletions", x => x.account_id));
    }
}
