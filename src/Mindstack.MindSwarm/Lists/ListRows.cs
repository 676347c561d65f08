using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Migrations;
using Mindstack.Platform.Storage;

namespace Mindstack.MindSwarm.Lists;

/// <summary>A user's list of accounts: its timeline is their posts; a private list is its owner's alone.</summary>
internal sealed class ListRow
{
    public required string Id { get; set; }
    public required string OwnerId { get; set; }
    public required string Name { get; set; }
    public string? Description { get; set; }
    public bool IsPrivate { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
    /// <summary>1–20, unique per owner: the per-user cap is a unique index (insert-first, race-free).</summary>
    [JsonIgnore]
    public int? Slot { get; set; }
}

internal sealed class ListMemberRow
{
    public required string ListId { get; set; }
    public required string AccountId { get; set; }
    public DateTime AddedAt { get; set; }
    /// <summary>1–500, unique per list: the member cap is a unique index (insert-first, race-free).</summary>
    [JsonIgnore]
    public int? Slot { get; set; }
}

internal sealed class ListSubscriptionRow
{
    public required string ListId { get; set; }
    public required string AccountId { get; set; }
    public DateTime CreatedAt { get; set; }
}

internal sealed class ListModel : IModelContributor
{
    public void Configure(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<ListRow>(e =>
        {
            e.ToTable("mindswarm_lists");
            e.HasKey(x => x.Id);
            e.HasIndex(x => new { x.OwnerId, x.CreatedAt });
            e.HasIndex(x => new { x.OwnerId, x.Slot }).IsUnique();
        });
        modelBuilder.Entity<ListMemberRow>(e =>
        {
            e.ToTable("mindswarm_list_members");
            e.HasKey(x => new { x.ListId, x.AccountId });
            e.HasIndex(x => x.AccountId);
            e.HasIndex(x => new { x.ListId, x.Slot }).IsUnique();
        });
        modelBuilder.Entity<ListSubscriptionRow>(e =>
        {
            e.ToTable("mindswarm_list_subscriptions");
            e.HasKey(x => new { x.ListId, x.AccountId });
            e.HasIndex(x => new { x.AccountId, x.CreatedAt });
        });
    }
}

internal sealed class ListMigration : SchemaMigration
{
    public override string Id => "2026120621_mindswarm_lists";

    public override void Up(MigrationBuilder migration, DatabaseProvider provider)
    {
        migration.CreateTable(
            name: "mindswarm_lists",
            columns: t => new
            {
                id = t.Column<string>(maxLength: 64),
                owner_id = t.Column<string>(maxLength: 64),
                name = t.Column<string>(maxLength: 50),
                description = t.Column<string>(maxLength: 200, nullable: true),
                is_private = t.Column<bool>(),
                created_at = t.Column<DateTime>(),
                updated_at = t.Column<DateTime>(),
            },
            constraints: t => t.PrimaryKey("pk_mindswarm_lists", x => x.id));
        migration.CreateIndex("ix_mindswarm_lists_owner_id_created_at", "mindswarm_lists", ["owner_id", "created_at"]);

        migration.CreateTable(
            name: "mindswarm_list_members",
            columns: t => new
            {
                list_id = t.Column<string>(maxLength: 64),
                account_id = t.Column<string>(maxLength: 64),
                added_at = t.Column<DateTime>(),
            },
            constraints: t => t.PrimaryKey("pk_mindswarm_list_members", x => new { x.list_id, x.account_id }));
        migration.CreateIndex("ix_mindswarm_list_members_account_id", "mindswarm_list_members", "account_id");

        migration.CreateTable(
            name: "mindswarm_list_subscriptions",
            columns: t => new
            {
                list_id = t.Column<string>(maxLength: 64),
                account_id = t.Column<string>(maxLength: 64),
                created_at = t.Column<DateTime>(),
            },
            constraints: t => t.PrimaryKey("pk_mindswarm_list_subscriptions", x => new { x.list_id, x.account_id }));
        migration.CreateIndex("ix_mindswarm_list_subscriptions_account_id_created_at", "mindswarm_list_subscriptions", ["account_id", "created_at"]);
    }
}

/// <summary>
/// The list caps as unique slots (as support tickets hold theirs): existing lists and members are
/// numbered in the order they came, then (owner, slot) and (list, slot) are unique.
/// </summary>
internal sealed class ListSlotsMigration : SchemaMigration
{
    public override string Id => "2026120710_mindswarm_list_slots";

    public override void Up(MigrationBuilder migration, DatabaseProvider provider)
    {
        migration.AddColumn<int>(name: "slot", table: "mindswarm_lists", nullable: true);
        migration.AddColumn<int>(name: "slot", table: "mindswarm_list_members", nullable: true);
        // Window functions: SQLite 3.25+ and PostgreSQL alike.
        migration.Sql("""
            UPDATE mindswarm_lists SET slot = (SELECT r.n FROM (SELECT id, ROW_NUMBER() OVER (PARTITION BY owner_id ORDER BY created_at, id) AS n
                FROM mindswarm_lists) r WHERE r.id = mindswarm_lists.id)
            """);
        migration.Sql("""
            UPDATE mindswarm_list_members SET slot = (SELECT r.n FROM (SELECT list_id, account_id,
                ROW_NUMBER() OVER (PARTITION BY list_id ORDER BY added_at, account_id) AS n FROM mindswarm_list_members) r
                WHERE r.list_id = mindswarm_list_members.list_id AND r.account_id = mindswarm_list_members.account_id)
            """);
        migration.CreateIndex("ix_mindswarm_lists_owner_id_slot", "mindswarm_lists", ["owner_id", "slot"], unique: true);
        migration.CreateIndex("ix_mindswarm_list_members_list_id_slot", "mindswarm_list_members", ["list_id", "slot"], unique: true);
    }
}
