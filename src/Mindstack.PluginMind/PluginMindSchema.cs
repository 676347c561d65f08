using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Migrations;
using Mindstack.Platform.Storage;
using Mindstack.PluginMind.Jobs;
using Mindstack.PluginMind.Logs;
using Mindstack.PluginMind.Usage;
using Mindstack.PluginMind.Users;

namespace Mindstack.PluginMind;

/// <summary>PluginMind's tables in the one platform database.</summary>
internal sealed class PluginMindModel : IModelContributor
{
    public void Configure(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<PluginMindUser>(e =>
        {
            e.ToTable("pluginmind_users");
            e.HasKey(u => u.AccountId);
            e.HasIndex(u => u.GoogleId).IsUnique();
        });
        modelBuilder.Entity<MonthlyUsage>(e =>
        {
            e.ToTable("pluginmind_usage");
            e.HasKey(u => new { u.AccountId, u.Period });
        });
        modelBuilder.Entity<AnonymousDailyUsage>(e =>
        {
            e.ToTable("pluginmind_anonymous_usage");
            e.HasKey(u => new { u.Network, u.Day });
            e.HasIndex(u => u.Day);
        });
        modelBuilder.Entity<QueryLog>(e =>
        {
            e.ToTable("pluginmind_query_logs");
            e.HasKey(l => l.Id);
            e.HasIndex(l => new { l.AccountId, l.CreatedAt });
            e.HasIndex(l => l.CreatedAt);
        });
        modelBuilder.Entity<AnalysisJob>(e =>
        {
            e.ToTable("pluginmind_jobs");
            e.HasKey(j => j.Id);
            e.HasIndex(j => new { j.AccountId, j.CreatedAt });
            e.HasIndex(j => j.Status);
        });
    }
}

internal sealed class PluginMindInitialMigration : SchemaMigration
{
    public override string Id => "2026112401_pluginmind_initial";

    public override void Up(MigrationBuilder migration, DatabaseProvider provider)
    {
        migration.CreateTable(
            name: "pluginmind_users",
            columns: t => new
            {
                account_id = t.Column<string>(maxLength: 64),
                google_id = t.Column<string>(maxLength: 255, nullable: true),
                name = t.Column<string>(maxLength: 255, nullable: true),
                picture = t.Column<string>(maxLength: 2048, nullable: true),
                created_at = t.Column<DateTime>(),
            },
            constraints: t => t.PrimaryKey("pk_pluginmind_users", x => x.account_id));
        migration.CreateIndex("ix_pluginmind_users_google_id", "pluginmind_users", "google_id", unique: true);

        migration.CreateTable(
            name: "pluginmind_usage",
            columns: t => new
            {
                account_id = t.Column<string>(maxLength: 64),
                period = t.Column<string>(maxLength: 7),
                queries_used = t.Column<int>(),
            },
            constraints: t => t.PrimaryKey("pk_pluginmind_usage", x => new { x.account_id, x.period }));

        migration.CreateTable(
            name: "pluginmind_query_logs",
            columns: t => new
            {
                id = t.Column<string>(maxLength: 64),
                account_id = t.Column<string>(maxLength: 64, nullable: true),
                analysis_type = t.Column<string>(maxLength: 16),
                user_input = t.Column<string>(maxLength: 128),
                success = t.Column<bool>(),
                response_time_ms = t.Column<long>(),
                created_at = t.Column<DateTime>(),
                error_message = t.Column<string>(nullable: true),
            },
            constraints: t => t.PrimaryKey("pk_pluginmind_query_logs", x => x.id));
        migration.CreateIndex("ix_pluginmind_query_logs_account_id_created_at", "pluginmind_query_logs", ["account_id", "created_at"]);
        migration.CreateIndex("ix_pluginmind_query_logs_created_at", "pluginmind_query_logs", "created_at");

        migration.CreateTable(
            name: "pluginmind_jobs",
            columns: t => new
            {
                id = t.Column<string>(maxLength: 64),
                account_id = t.Column<string>(maxLength: 64, nullable: true),
                status = t.Column<string>(maxLength: 16),
                analysis_type = t.Column<string>(maxLength: 16),
                user_input = t.Column<string>(),
                created_at = t.Column<DateTime>(),
                completed_at = t.Column<DateTime>(nullable: true),
                optimized_prompt = t.Column<string>(nullable: true),
                analysis = t.Column<string>(nullable: true),
                error = t.Column<string>(nullable: true),
            },
            constraints: t => t.PrimaryKey("pk_pluginmind_jobs", x => x.id));
        migration.CreateIndex("ix_pluginmind_jobs_account_id_created_at", "pluginmind_jobs", ["account_id", "created_at"]);
        migration.CreateIndex("ix_pluginmind_jobs_status", "pluginmind_jobs", "status");
    }
}

/// <summary>Jobs remember the usage month their query was reserved in, so a failed job is not charged.</summary>
internal sealed class PluginMindJobUsageMigration : SchemaMigration
{
    public override string Id => "2026112402_pluginmind_job_usage";

    public override void Up(MigrationBuilder migration, DatabaseProvider provider) =>
        migration.AddColumn<string>(name: "usage_period", table: "pluginmind_jobs", maxLength: 7, nullable: true);
}

/// <summary>Anonymous <c>/analyze-async</c> use, counted per client network and UTC day.</summary>
internal sealed class PluginMindAnonymousUsageMigration : SchemaMigration
{
    public override string Id => "2026120601_pluginmind_anonymous_usage";

    public override void Up(MigrationBuilder migration, DatabaseProvider provider)
    {
        migration.CreateTable(
            name: "pluginmind_anonymous_usage",
            columns: t => new
            {
                network = t.Column<string>(maxLength: 64),
                day = t.Column<string>(maxLength: 10),
                queries_used = t.Column<int>(),
            },
            constraints: t => t.PrimaryKey("pk_pluginmind_anonymous_usage", x => new { x.network, x.day }));
        migration.CreateIndex("ix_pluginmind_anonymous_usage_day", "pluginmind_anonymous_usage", "day");
    }
}
