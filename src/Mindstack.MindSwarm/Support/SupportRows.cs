using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Migrations;
using Mindstack.Platform.Storage;

namespace Mindstack.MindSwarm.Support;

internal static class TicketStatus
{
    public const string Open = "open";
    public const string InProgress = "in_progress";
    public const string Resolved = "resolved";
    public const string Closed = "closed";

    public static readonly IReadOnlyList<string> All = [Open, InProgress, Resolved, Closed];

    /// <summary>Open and in-progress tickets count against the per-user cap and hold a slot.</summary>
    public static bool IsOpen(string status) => status is Open or InProgress;
}

/// <summary>A support ticket. <see cref="OpenSlot"/> (1–5, unique per account) is held while it is open: the cap is a unique index.</summary>
internal sealed class TicketRow
{
    public required string Id { get; set; }
    public required string AccountId { get; set; }
    public required string Subject { get; set; }
    public required string Content { get; set; }
    public required string Category { get; set; }
    public required string Status { get; set; }
    public int? OpenSlot { get; set; }
    public int ReplyCount { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
    public DateTime? ClosedAt { get; set; }
}

/// <summary>A reply on a ticket, by its owner or by staff (a moderator or admin).</summary>
internal sealed class TicketReplyRow
{
    public required string Id { get; set; }
    public required string TicketId { get; set; }
    public required string AuthorId { get; set; }
    public required string Content { get; set; }
    public bool IsStaff { get; set; }
    public DateTime CreatedAt { get; set; }
}

internal sealed class SupportModel : IModelContributor
{
    public void Configure(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<TicketRow>(e =>
        {
            e.ToTable("mindswarm_support_tickets");
            e.HasKey(x => x.Id);
            e.HasIndex(x => new { x.AccountId, x.CreatedAt });
            e.HasIndex(x => new { x.Status, x.CreatedAt });
            e.HasIndex(x => new { x.AccountId, x.OpenSlot }).IsUnique();
        });
        modelBuilder.Entity<TicketReplyRow>(e =>
        {
            e.ToTable("mindswarm_support_replies");
            e.HasKey(x => x.Id);
            e.HasIndex(x => new { x.TicketId, x.CreatedAt });
            e.HasIndex(x => x.AuthorId);
        });
    }
}

internal sealed class SupportMigration : SchemaMigration
{
    public override string Id => "2026120701_mindswarm_support";

    public override void Up(MigrationBuilder migration, DatabaseProvider provider)
    {
        migration.CreateTable(
            name: "mindswarm_support_tickets",
            columns: t => new
            {
                id = t.Column<string>(maxLength: 64),
                account_id = t.Column<string>(maxLength: 64),
                subject = t.Column<string>(maxLength: 200),
                content = t.Column<string>(maxLength: 5000),
                category = t.Column<string>(maxLength: 16),
                status = t.Column<string>(maxLength: 16),
                open_slot = t.Column<int>(nullable: true),
                reply_count = t.Column<int>(),
                created_at = t.Column<DateTime>(),
                updated_at = t.Column<DateTime>(),
                closed_at = t.Column<DateTime>(nullable: true),
            },
            constraints: t => t.PrimaryKey("pk_mindswarm_support_tickets", x => x.id));
        migration.CreateIndex("ix_mindswarm_support_tickets_account_id_created_at", "mindswarm_support_tickets", ["account_id", "created_at"]);
        migration.CreateIndex("ix_mindswarm_support_tickets_status_created_at", "mindswarm_support_tickets", ["status", "created_at"]);
        // Both databases let many rows share a NULL slot: only open tickets are held to five.
        migration.CreateIndex("ix_mindswarm_support_tickets_account_id_open_slot", "mindswarm_support_tickets", ["account_id", "open_slot"], unique: true);

        migration.CreateTable(
            name: "mindswarm_support_replies",
            columns: t => new
            {
                id = t.Column<string>(maxLength: 64),
                ticket_id = t.Column<string>(maxLength: 64),
                author_id = t.Column<string>(maxLength: 64),
                content = t.Column<string>(maxLength: 5000),
                is_staff = t.Column<bool>(),
                created_at = t.Column<DateTime>(),
            },
            constraints: t => t.PrimaryKey("pk_mindswarm_support_replies", x => x.id));
        migration.CreateIndex("ix_mindswarm_support_replies_ticket_id_created_at", "mindswarm_support_replies", ["ticket_id", "created_at"]);
        migration.CreateIndex("ix_mindswarm_support_replies_author_id", "mindswarm_support_replies", ["author_id"]);
    }
}
