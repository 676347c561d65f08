using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Migrations;
using Mindstack.Platform.Storage;

namespace Mindstack.Platform.Audit;

/// <summary>One recorded action: who did what to which resource, and how it ended.</summary>
public sealed class AuditEntry
{
    public required string Id { get; set; }
    public string? AccountId { get; set; }
    /// <summary>The API the request came through (its definition's name), or <c>cli</c>/null.</summary>
    public string? Api { get; set; }
    /// <summary>A dotted verb such as <c>auth.sign_in</c> or <c>api_key.created</c>.</summary>
    public required string Action { get; set; }
    public string? ResourceType { get; set; }
    public string? ResourceId { get; set; }
    public bool Success { get; set; }
    public string? Error { get; set; }
    public string? IpAddress { get; set; }
    public string? UserAgent { get; set; }
    public string? RequestId { get; set; }
    public DateTime OccurredAt { get; set; }
}

internal sealed class AuditModel : IModelContributor
{
    public void Configure(ModelBuilder modelBuilder) =>
        modelBuilder.Entity<AuditEntry>(e =>
        {
            e.ToTable("audit_entries");
            e.HasKey(a => a.Id);
            e.HasIndex(a => new { a.AccountId, a.OccurredAt });
            e.HasIndex(a => new { a.Action, a.OccurredAt });
            e.HasIndex(a => new { a.ResourceType, a.ResourceId });
            e.HasIndex(a => a.OccurredAt);
        });
}

internal sealed class AuditInitialMigration : SchemaMigration
{
    public override string Id => "2026112303_audit_initial";

    public override void Up(MigrationBuilder migration, DatabaseProvider provider)
    {
        migration.CreateTable(
            name: "audit_entries",
            columns: t => new
            {
                id = t.Column<string>(maxLength: 64),
                account_id = t.Column<string>(maxLength: 64, nullable: true),
                api = t.Column<string>(maxLength: 32, nullable: true),
                action = t.Column<string>(maxLength: 100),
                resource_type = t.Column<string>(maxLength: 64, nullable: true),
                resource_id = t.Column<string>(maxLength: 128, nullable: true),
                success = t.Column<bool>(),
                error = t.Column<string>(maxLength: 500, nullable: true),
                ip_address = t.Column<string>(maxLength: 64, nullable: true),
                user_agent = t.Column<string>(maxLength: 500, nullable: true),
                request_id = t.Column<string>(maxLength: 128, nullable: true),
                occurred_at = t.Column<DateTime>(),
            },
            constraints: t => t.PrimaryKey("pk_audit_entries", x => x.id));
        migration.CreateIndex("ix_audit_entries_account_id_occurred_at", "audit_entries", ["account_id", "occurred_at"]);
        migration.CreateIndex("ix_audit_entries_action_occurred_at", "audit_entries", ["action", "occurred_at"]);
        migration.CreateIndex("ix_audit_entries_resource_type_resource_id", "audit_entries", ["resource_type", "resource_id"]);
        migration.CreateIndex("ix_audit_entries_occurred_at", "audit_entries", ["occurred_at"]);
    }
}
