using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Migrations;
using Mindstack.Platform.Storage;

namespace Mindstack.MindSwarm.Groups;

/// <summary>A group: public (anyone joins), private (join requests) or secret (invite only, invisible to others).</summary>
internal sealed class GroupRow
{
    public required string Id { get; set; }
    public required string Slug { get; set; }
    public required string Name { get; set; }
    public string? Description { get; set; }
    public required string Privacy { get; set; }
    public required string OwnerId { get; set; }
    public int MemberCount { get; set; }
    public int PostCount { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

/// <summary>A membership (<c>active</c>) or a join request to a private group (<c>pending</c>), with its role.</summary>
internal sealed class GroupMemberRow
{
    public required string GroupId { get; set; }
    public required string AccountId { get; set; }
    public required string Role { get; set; }
    public required string Status { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? JoinedAt { get; set; }
}

/// <summary>An account banned from a group: it cannot rejoin and its posts there are hidden.</summary>
internal sealed class GroupBanRow
{
    public required string GroupId { get; set; }
    public required string AccountId { get; set; }
    public string? Reason { get; set; }
    public required string BannedBy { get; set; }
    public DateTime CreatedAt { get; set; }
}

/// <summary>An invite code: joins its group whatever its privacy, until it expires or is used up.</summary>
internal sealed class GroupInviteRow
{
    public required string Code { get; set; }
    public required string GroupId { get; set; }
    public required string CreatedBy { get; set; }
    public string? InvitedId { get; set; }
    public int? MaxUses { get; set; }
    public int Uses { get; set; }
    public DateTime ExpiresAt { get; set; }
    public DateTime CreatedAt { get; set; }
}

internal sealed class GroupModel : IModelContributor
{
    public void Configure(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<GroupRow>(e =>
        {
            e.ToTable("mindswarm_groups");
            e.HasKey(x => x.Id);
            e.HasIndex(x => x.Slug).IsUnique();
            e.HasIndex(x => new { x.Privacy, x.CreatedAt });
        });
        modelBuilder.Entity<GroupMemberRow>(e =>
        {
            e.ToTable("mindswarm_group_members");
            e.HasKey(x => new { x.GroupId, x.AccountId });
            e.HasIndex(x => new { x.AccountId, x.Status });
            e.HasIndex(x => new { x.GroupId, x.Status, x.CreatedAt });
        });
        modelBuilder.Entity<GroupBanRow>(e =>
        {
            e.ToTable("mindswarm_group_bans");
            e.HasKey(x => new { x.GroupId, x.AccountId });
        });
        modelBuilder.Entity<GroupInviteRow>(e =>
        {
            e.ToTable("mindswarm_group_invites");
            e.HasKey(x => x.Code);
            e.HasIndex(x => x.GroupId);
        });
    }
}

internal sealed class GroupMigration : SchemaMigration
{
    public override string Id => "2026120620_mindswarm_groups";

    public override void Up(MigrationBuilder migration, DatabaseProvider provider)
    {
        migration.CreateTable(
            name: "mindswarm_groups",
            columns: t => new
            {
                id = t.Column<string>(maxLength: 64),
                slug = t.Column<string>(maxLength: 80),
                name = t.Column<string>(maxLength: 100),
                description = t.Column<string>(maxLength: 500, nullable: true),
                privacy = t.Column<string>(maxLength: 16),
                owner_id = t.Column<string>(maxLength: 64),
                member_count = t.Column<int>(),
                post_count = t.Column<int>(),
                created_at = t.Column<DateTime>(),
                updated_at = t.Column<DateTime>(),
            },
            constraints: t => t.PrimaryKey("pk_mindswarm_groups", x => x.id));
        migration.CreateIndex("ix_mindswarm_groups_slug", "mindswarm_groups", "slug", unique: true);
        migration.CreateIndex("ix_mindswarm_groups_privacy_created_at", "mindswarm_groups", ["privacy", "created_at"]);

        migration.CreateTable(
            name: "mindswarm_group_members",
            columns: t => new
            {
                group_id = t.Column<string>(maxLength: 64),
                account_id = t.Column<string>(maxLength: 64),
                role = t.Column<string>(maxLength: 16),
                status = t.Column<string>(maxLength: 16),
                created_at = t.Column<DateTime>(),
                joined_at = t.Column<DateTime>(nullable: true),
            },
            constraints: t => t.PrimaryKey("pk_mindswarm_group_members", x => new { x.group_id, x.account_id }));
        migration.CreateIndex("ix_mindswarm_group_members_account_id_status", "mindswarm_group_members", ["account_id", "status"]);
        migration.CreateIndex("ix_mindswarm_group_members_group_id_status_created_at", "mindswarm_group_members", ["group_id", "status", "created_at"]);

        migration.CreateTable(
            name: "mindswarm_group_bans",
            columns: t => new
            {
                group_id = t.Column<string>(maxLength: 64),
                account_id = t.Column<string>(maxLength: 64),
                reason = t.Column<string>(maxLength: 500, nullable: true),
                banned_by = t.Column<string>(maxLength: 64),
                created_at = t.Column<DateTime>(),
            },
            constraints: t => t.PrimaryKey("pk_mindswarm_group_bans", x => new { x.group_id, x.account_id }));

        migration.CreateTable(
            name: "mindswarm_group_invites",
            columns: t => new
            {
                code = t.Column<string>(maxLength: 32),
                group_id = t.Column<string>(maxLength: 64),
                created_by = t.Column<string>(maxLength: 64),
                invited_id = t.Column<string>(maxLength: 64, nullable: true),
                max_uses = t.Column<int>(nullable: true),
                uses = t.Column<int>(),
                expires_at = t.Column<DateTime>(),
                created_at = t.Column<DateTime>(),
            },
            constraints: t => t.PrimaryKey("pk_mindswarm_group_invites", x => x.code));
        migration.CreateIndex("ix_mindswarm_group_invites_group_id", "mindswarm_group_invites", "group_id");

        // Group posts are read newest first per group.
        migration.CreateIndex("ix_mindswarm_posts_group_id_published_at_id", "mindswarm_posts", ["group_id", "published_at", "id"]);
    }
}
