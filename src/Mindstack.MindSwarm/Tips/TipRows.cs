using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Migrations;
using Mindstack.Platform.Storage;

namespace Mindstack.MindSwarm.Tips;

internal static class TipStatus
{
    public const string Pending = "pending";
    public const string Verified = "verified";
    public const string Failed = "failed";
}

/// <summary>A tip sent on chain from one account to another; its hash is claimed in the shared used-transactions table.</summary>
internal sealed class TipRow
{
    public required string Id { get; set; }
    public required string SenderId { get; set; }
    public required string RecipientId { get; set; }
    public string? PostId { get; set; }
    public required string Cryptocurrency { get; set; }
    /// <summary>As sent, canonical (<c>"0.01"</c>).</summary>
    public required string Amount { get; set; }
    public required string TxHash { get; set; }
    public required string Network { get; set; }
    /// <summary>The recipient's wallet the transfer must reach (their profile's address for the token).</summary>
    public string? RecipientAddress { get; set; }
    public string? SenderAddress { get; set; }
    public string? Message { get; set; }
    public required string Status { get; set; }
    public string? StatusReason { get; set; }
    public DateTime? VerifiedAt { get; set; }
    public DateTime CreatedAt { get; set; }
}

internal sealed class TipModel : IModelContributor
{
    public void Configure(ModelBuilder modelBuilder) =>
        modelBuilder.Entity<TipRow>(e =>
        {
            e.ToTable("mindswarm_tips");
            e.HasKey(x => x.Id);
            e.HasIndex(x => x.TxHash).IsUnique();
            e.HasIndex(x => new { x.SenderId, x.CreatedAt });
            e.HasIndex(x => new { x.RecipientId, x.CreatedAt });
            e.HasIndex(x => x.PostId);
        });
}

internal sealed class TipMigration : SchemaMigration
{
    public override string Id => "2026120701_mindswarm_tips";

    public override void Up(MigrationBuilder migration, DatabaseProvider provider)
    {
        migration.CreateTable(
            name: "mindswarm_tips",
            columns: t => new
            {
                id = t.Column<string>(maxLength: 64),
                sender_id = t.Column<string>(maxLength: 64),
                recipient_id = t.Column<string>(maxLength: 64),
                post_id = t.Column<string>(maxLength: 64, nullable: true),
                cryptocurrency = t.Column<string>(maxLength: 16),
                amount = t.Column<string>(maxLength: 64),
                tx_hash = t.Column<string>(maxLength: 80),
                network = t.Column<string>(maxLength: 16),
                recipient_address = t.Column<string>(maxLength: 128, nullable: true),
                sender_address = t.Column<string>(maxLength: 128, nullable: true),
                message = t.Column<string>(maxLength: 500, nullable: true),
                status = t.Column<string>(maxLength: 16),
                status_reason = t.Column<string>(maxLength: 500, nullable: true),
                verified_at = t.Column<DateTime>(nullable: true),
                created_at = t.Column<DateTime>(),
            },
            constraints: t => t.PrimaryKey("pk_mindswarm_tips", x => x.id));
        migration.CreateIndex("ix_mindswarm_tips_tx_hash", "mindswarm_tips", "tx_hash", unique: true);
        migration.CreateIndex("ix_mindswarm_tips_sender_id_created_at", "mindswarm_tips", ["sender_id", "created_at"]);
        migration.CreateIndex("ix_mindswarm_tips_recipient_id_created_at", "mindswarm_tips", ["recipient_id", "created_at"]);
        migration.CreateIndex("ix_mindswarm_tips_post_id", "mindswarm_tips", "post_id");
    }
}
