using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Migrations;
using Mindstack.Platform.Storage;

namespace Mindstack.MindSwarm.Moderation;

/// <summary>
/// A user's report of a post, a user, a group or a direct message. One per reporter and target (the
/// unique key holds it). <see cref="TargetAccountId"/> is the account answerable for the target (the
/// post's author, the user, the group's owner, the message's sender): warnings and bans of a review go to it.
/// </summary>
internal sealed class ReportRow
{
    public required string Id { get; set; }
    public required string ReporterId { get; set; }
    /// <summary>One of <see cref="ReportTargets"/> (stored lowercase).</summary>
    public required string TargetType { get; set; }
    public required string TargetId { get; set; }
    public required string TargetAccountId { get; set; }
    public required string Category { get; set; }
    public string? Description { get; set; }
    /// <summary>JSON array of evidence URLs.</summary>
    public string EvidenceJson { get; set; } = "[]";
    /// <summary><c>pending</c>, <c>resolved</c> or <c>dismissed</c>.</summary>
    public required string Status { get; set; }
    /// <summary>The review's action (<see cref="ReviewActions"/>); null while pending.</summary>
    public string? Action { get; set; }
    public string? Resolution { get; set; }
    public string? ReviewedBy { get; set; }
    public DateTime? ReviewedAt { get; set; }
    public DateTime CreatedAt { get; set; }
}

/// <summary>A moderator's warning to an account: <c>minor</c>, <c>major</c> or <c>final</c>.</summary>
internal sealed class WarningRow
{
    public required string Id { get; set; }
    public required string AccountId { get; set; }
    public required string Level { get; set; }
    public required string Reason { get; set; }
    public string? Message { get; set; }
    public required string IssuedBy { get; set; }
    public string? ReportId { get; set; }
    public DateTime CreatedAt { get; set; }
}

/// <summary>
/// A ban: <c>temporary</c> (until <see cref="ExpiresAt"/>), <c>permanent</c>, <c>ip</c> (the account and
/// the address <see cref="Ip"/>) or <c>shadow</c> (the account's posts are shown to itself only). Active
/// while not lifted and not expired: an expired ban ends by itself, nothing has to run.
/// </summary>
internal sealed class BanRow
{
    public required string Id { get; set; }
    public required string AccountId { get; set; }
    public required string Type { get; set; }
    public required string Reason { get; set; }
    /// <summary>The duration as given (<c>7d</c>); null for a ban without end.</summary>
    public string? Duration { get; set; }
    public string? Ip { get; set; }
    public required string IssuedBy { get; set; }
    /// <summary><c>moderator</c>, <c>report</c> or <c>final_warnings</c> (the automatic ban after two final warnings).</summary>
    public required string Source { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? ExpiresAt { get; set; }
    public DateTime? LiftedAt { get; set; }
    public string? LiftedBy { get; set; }
    public string? LiftReason { get; set; }
}

/// <summary>A banned user's appeal of a ban: one per ban (the key), decided by a moderator.</summary>
internal sealed class AppealRow
{
    public required string BanId { get; set; }
    public required string Id { get; set; }
    public required string AccountId { get; set; }
    public required string Reason { get; set; }
    /// <summary><c>pending</c>, <c>approved</c> (the ban is lifted) or <c>rejected</c>.</summary>
    public required string Status { get; set; }
    public string? ReviewedBy { get; set; }
    public string? ReviewNote { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? ReviewedAt { get; set; }
}

internal sealed class ModerationModel : IModelContributor
{
    public void Configure(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<ReportRow>(e =>
        {
            e.ToTable("mindswarm_reports");
            e.HasKey(x => x.Id);
            e.HasIndex(x => new { x.ReporterId, x.TargetType, x.TargetId }).IsUnique();
            e.HasIndex(x => new { x.Status, x.CreatedAt });
            e.HasIndex(x => new { x.TargetType, x.TargetId });
        });
        modelBuilder.Entity<WarningRow>(e =>
        {
            e.ToTable("mindswarm_warnings");
            e.HasKey(x => x.Id);
            e.HasIndex(x => new { x.AccountId, x.CreatedAt });
        });
        modelBuilder.Entity<BanRow>(e =>
        {
            e.ToTable("mindswarm_bans");
            e.HasKey(x => x.Id);
            e.HasIndex(x => new { x.AccountId, x.LiftedAt });
            e.HasIndex(x => new { x.Type, x.LiftedAt });
            e.HasIndex(x => x.Ip);
        });
        modelBuilder.Entity<AppealRow>(e =>
        {
            e.ToTable("mindswarm_appeals");
            e.HasKey(x => x.BanId);
            e.HasIndex(x => x.Id).IsUnique();
            e.HasIndex(x => new { x.Status, x.CreatedAt });
        });
    }
}

internal sealed class ModerationMigration : SchemaMigration
{
    public override string Id => "2026120701_mindswarm_moderation";

    public override void Up(MigrationBuilder migration, DatabaseProvider provider)
    {
        migration.CreateTable(
            name: "mindswarm_reports",
            columns: t => new
            {
                id = t.Column<string>(maxLength: 64),
                reporter_id = t.Column<string>(maxLength: 64),
                target_type = t.Column<string>(maxLength: 16),
                target_id = t.Column<string>(maxLength: 64),
                target_account_id = t.Column<string>(maxLength: 64),
                category = t.Column<string>(maxLength: 32),
                description = t.Column<string>(maxLength: 2000, nullable: true),
                evidence_json = t.Column<string>(),
                status = t.Column<string>(maxLength: 16),
                action = t.Column<string>(maxLength: 16, nullable: true),
                resolution = t.Column<string>(maxLength: 1000, nullable: true),
                reviewed_by = t.Column<string>(maxLength: 64, nullable: true),
                reviewed_at = t.Column<DateTime>(nullable: true),
                created_at = t.Column<DateTime>(),
            },
            constraints: t => t.PrimaryKey("pk_mindswarm_reports", x => x.id));
        migration.CreateIndex("ix_mindswarm_reports_reporter_id_target_type_target_id", "mindswarm_reports",
            ["reporter_id", "target_type", "target_id"], unique: true);
        migration.CreateIndex("ix_mindswarm_reports_status_created_at", "mindswarm_reports", ["status", "created_at"]);
        migration.CreateIndex("ix_mindswarm_reports_target_type_target_id", "mindswarm_reports", ["target_type", "target_id"]);

        migration.CreateTable(
            name: "mindswarm_warnings",
            columns: t => new
            {
                id = t.Column<string>(maxLength: 64),
                account_id = t.Column<string>(maxLength: 64),
                level = t.Column<string>(maxLength: 16),
                reason = t.Column<string>(maxLength: 1000),
                message = t.Column<string>(maxLength: 2000, nullable: true),
                issued_by = t.Column<string>(maxLength: 64),
                report_id = t.Column<string>(maxLength: 64, nullable: true),
                created_at = t.Column<DateTime>(),
            },
            constraints: t => t.PrimaryKey("pk_mindswarm_warnings", x => x.id));
        migration.CreateIndex("ix_mindswarm_warnings_account_id_created_at", "mindswarm_warnings", ["account_id", "created_at"]);

        migration.CreateTable(
            name: "mindswarm_bans",
            columns: t => new
            {
                id = t.Column<string>(maxLength: 64),
                account_id = t.Column<string>(maxLength: 64),
                type = t.Column<string>(maxLength: 16),
                reason = t.Column<string>(maxLength: 1000),
                duration = t.Column<string>(maxLength: 16, nullable: true),
                ip = t.Column<string>(maxLength: 64, nullable: true),
                issued_by = t.Column<string>(maxLength: 64),
                source = t.Column<string>(maxLength: 16),
                created_at = t.Column<DateTime>(),
                expires_at = t.Column<DateTime>(nullable: true),
                lifted_at = t.Column<DateTime>(nullable: true),
                lifted_by = t.Column<string>(maxLength: 64, nullable: true),
                lift_reason = t.Column<string>(maxLength: 1000, nullable: true),
            },
            constraints: t => t.PrimaryKey("pk_mindswarm_bans", x => x.id));
        migration.CreateIndex("ix_mindswarm_bans_account_id_lifted_at", "mindswarm_bans", ["account_id", "lifted_at"]);
        migration.CreateIndex("ix_mindswarm_bans_type_lifted_at", "mindswarm_bans", ["type", "lifted_at"]);
        migration.CreateIndex("ix_mindswarm_bans_ip", "mindswarm_bans", "ip");

        migration.CreateTable(
            name: "mindswarm_appeals",
            columns: t => new
            {
                ban_id = t.Column<string>(maxLength: 64),
                id = t.Column<string>(maxLength: 64),
                account_id = t.Column<string>(maxLength: 64),
                reason = t.Column<string>(maxLength: 2000),
                status = t.Column<string>(maxLength: 16),
                reviewed_by = t.Column<string>(maxLength: 64, nullable: true),
                review_note = t.Column<string>(maxLength: 1000, nullable: true),
                created_at = t.Column<DateTime>(),
                reviewed_at = t.Column<DateTime>(nullable: true),
            },
            constraints: t => t.PrimaryKey("pk_mindswarm_appeals", x => x.ban_id));
        migration.CreateIndex("ix_mindswarm_appeals_id", "mindswarm_appeals", "id", unique: true);
        migration.CreateIndex("ix_mindswarm_appeals_status_created_at", "mindswarm_appeals", ["status", "created_at"]);
    }
}
