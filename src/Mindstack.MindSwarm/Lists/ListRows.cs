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
}

internal sealed class ListMemberRow
{
    public required string ListId { get; set; }
    public required string AccountId { get; set; }
    public DateTime AddedAt { get; set; }
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
        });
        modelBuilder.Entity<ListMemberRow>(e =>
        {
            e.ToTable("mindswarm_list_members");
            e.HasKey(x => new { x.ListId, x.AccountId });
            e.HasIndex(x => x.AccountId);
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
