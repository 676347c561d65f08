using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Migrations;
using Mindstack.MindPeeker.Billing;
using Mindstack.MindPeeker.Sessions;
using Mindstack.MindPeeker.Usage;
using Mindstack.MindPeeker.Users;
using Mindstack.Platform.Storage;

namespace Mindstack.MindPeeker;

/// <summary>The module's tables in the one platform database.</summary>
internal sealed class MindPeekerModel : IModelContributor
{
    public void Configure(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<PeekSession>(e =>
        {
            e.ToTable("mindpeeker_sessions");
            e.HasKey(s => s.Id);
            e.HasIndex(s => new { s.AccountId, s.CreatedAt });
            e.HasIndex(s => new { s.Status, s.SessionType });
        });
        modelBuilder.Entity<AnalysisStage>(e =>
        {
            e.ToTable("mindpeeker_analysis_stages");
            e.HasKey(s => s.Id);
            e.HasIndex(s => new { s.SessionId, s.Sequence }).IsUnique();
        });
        modelBuilder.Entity<PeekerProfile>(e =>
        {
            e.ToTable("mindpeeker_profiles");
            e.HasKey(p => p.AccountId);
        });
        modelBuilder.Entity<CreditPurchase>(e =>
        {
            e.ToTable("mindpeeker_purchases");
            e.HasKey(p => p.Id);
            e.HasIndex(p => new { p.AccountId, p.CreatedAt });
        });
        modelBuilder.Entity<UsageMonth>(e =>
        {
            e.ToTable("mindpeeker_usage_months");
            e.HasKey(u => new { u.AccountId, u.Month });
        });
    }
}

internal sealed class MindPeekerInitialMigration : SchemaMigration
{
    public override string Id => "2026112401_mindpeeker_initial";

    public override void Up(MigrationBuilder migration, DatabaseProvider provider)
    {
        migration.CreateTable(
            name: "mindpeeker_sessions",
            columns: t => new
            {
                id = t.Column<string>(maxLength: 64),
                account_id = t.Column<string>(maxLength: 64),
                cue = t.Column<string>(),
                session_type = t.Column<string>(maxLength: 32),
                status = t.Column<string>(maxLength: 16),
                parameters_json = t.Column<string>(),
                metadata_json = t.Column<string>(),
                confidence_threshold = t.Column<double>(),
                credits_required = t.Column<long>(),
                credits_used = t.Column<long>(nullable: true),
                hold_id = t.Column<string>(maxLength: 64, nullable: true),
                confidence_score = t.Column<double>(nullable: true),
                below_threshold = t.Column<bool>(),
                analysis_id = t.Column<string>(maxLength: 64, nullable: true),
                results_json = t.Column<string>(nullable: true),
                model_version = t.Column<string>(maxLength: 64, nullable: true),
                data_points_analyzed = t.Column<long>(),
                failure_reason = t.Column<string>(nullable: true),
                created_at = t.Column<DateTime>(),
                estimated_completion = t.Column<DateTime>(),
                started_at = t.Column<DateTime>(nullable: true),
                completed_at = t.Column<DateTime>(nullable: true),
                cancelled_at = t.Column<DateTime>(nullable: true),
                credits_refunded = t.Column<long>(),
            },
            constraints: t => t.PrimaryKey("pk_mindpeeker_sessions", x => x.id));
        migration.CreateIndex("ix_mindpeeker_sessions_account_id_created_at", "mindpeeker_sessions", ["account_id", "created_at"]);
        migration.CreateIndex("ix_mindpeeker_sessions_status_session_type", "mindpeeker_sessions", ["status", "session_type"]);

        migration.CreateTable(
            name: "mindpeeker_analysis_stages",
            columns: t => new
            {
                id = t.Column<string>(maxLength: 64),
                session_id = t.Column<string>(maxLength: 64),
                sequence = t.Column<int>(),
                stage = t.Column<string>(maxLength: 32),
                confidence = t.Column<double>(),
                notes = t.Column<string>(),
                timestamp = t.Column<DateTime>(),
            },
            constraints: t => t.PrimaryKey("pk_mindpeeker_analysis_stages", x => x.id));
        migration.CreateIndex("ix_mindpeeker_analysis_stages_session_id_sequence", "mindpeeker_analysis_stages", ["session_id", "sequence"], unique: true);

        migration.CreateTable(
            name: "mindpeeker_profiles",
            columns: t => new
            {
                account_id = t.Column<string>(maxLength: 64),
                notifications = t.Column<bool>(),
                theme = t.Column<string>(maxLength: 32),
                language = t.Column<string>(maxLength: 16),
                marketing_consent = t.Column<bool>(),
                last_credit_grant_month = t.Column<string>(maxLength: 7, nullable: true),
                created_at = t.Column<DateTime>(),
            },
            constraints: t => t.PrimaryKey("pk_mindpeeker_profiles", x => x.account_id));

        migration.CreateTable(
            name: "mindpeeker_purchases",
            columns: t => new
            {
                id = t.Column<string>(maxLength: 64),
                account_id = t.Column<string>(maxLength: 64),
                type = t.Column<string>(maxLength: 32),
                package = t.Column<string>(maxLength: 64),
                credits = t.Column<long>(),
                amount_cents = t.Column<long>(),
                currency = t.Column<string>(maxLength: 8),
                status = t.Column<string>(maxLength: 16),
                description = t.Column<string>(),
                payment_id = t.Column<string>(maxLength: 64, nullable: true),
                created_at = t.Column<DateTime>(),
            },
            constraints: t => t.PrimaryKey("pk_mindpeeker_purchases", x => x.id));
        migration.CreateIndex("ix_mindpeeker_purchases_account_id_created_at", "mindpeeker_purchases", ["account_id", "created_at"]);
    }
}

/// <summary>API calls per account and calendar month (UTC); nodes add their counts with an upsert on the key.</summary>
internal sealed class MindPeekerUsageMonthsMigration : SchemaMigration
{
    public override string Id => "2026112410_mindpeeker_usage_months";

    public override void Up(MigrationBuilder migration, DatabaseProvider provider) =>
        migration.CreateTable(
            name: "mindpeeker_usage_months",
            columns: t => new
            {
                account_id = t.Column<string>(maxLength: 64),
                month = t.Column<string>(maxLength: 7),
                api_calls = t.Column<long>(),
            },
            constraints: t => t.PrimaryKey("pk_mindpeeker_usage_months", x => new { x.account_id, x.month }));
}

/// <summary>Which tier a month's grant was for, so an operator's upgrade mid-month tops the credits up.</summary>
internal sealed class MindPeekerGrantTierMigration : SchemaMigration
{
    public override string Id => "2026120601_mindpeeker_grant_tier";

    public override void Up(MigrationBuilder migration, DatabaseProvider provider) =>
        migration.AddColumn<string>(name: "last_credit_grant_tier", table: "mindpeeker_profiles", maxLength: 64, nullable: true);
}
