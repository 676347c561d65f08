using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Migrations;
using Mindstack.Platform.Storage;

namespace Mindstack.Mindra.Storage;

internal sealed class MindraModel : IModelContributor
{
    public void Configure(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<ExecutionRow>(e =>
        {
            e.ToTable("mindra_executions");
            e.HasKey(x => x.Id);
            e.HasIndex(x => new { x.AccountId, x.Sandbox, x.CreatedAt });
        });
        modelBuilder.Entity<ExecutionStepRow>(e =>
        {
            e.ToTable("mindra_execution_steps");
            e.HasKey(x => x.Id);
            e.HasIndex(x => new { x.ExecutionId, x.Position }).IsUnique();
        });
        modelBuilder.Entity<RegisteredAgentRow>(e =>
        {
            e.ToTable("mindra_agents");
            e.HasKey(x => x.RowId);
            e.HasIndex(x => new { x.AccountId, x.Sandbox, x.AgentId }).IsUnique();
        });
    }
}

internal sealed class MindraInitialMigration : SchemaMigration
{
    public override string Id => "2026112401_mindra_initial";

    public override void Up(MigrationBuilder migration, DatabaseProvider provider)
    {
        migration.CreateTable(
            name: "mindra_executions",
            columns: t => new
            {
                id = t.Column<string>(maxLength: 64),
                account_id = t.Column<string>(maxLength: 64),
                sandbox = t.Column<bool>(),
                api_key_id = t.Column<string>(maxLength: 64, nullable: true),
                query = t.Column<string>(),
                context_json = t.Column<string>(),
                criteria_json = t.Column<string>(),
                strategy = t.Column<string>(maxLength: 16),
                mode = t.Column<string>(maxLength: 16),
                status = t.Column<string>(maxLength: 16),
                vertical = t.Column<string>(maxLength: 32),
                agents_json = t.Column<string>(),
                webhook_url = t.Column<string>(maxLength: 2048, nullable: true),
                webhook_secret = t.Column<string>(maxLength: 256, nullable: true),
                webhook_events = t.Column<string>(maxLength: 300),
                result_json = t.Column<string>(nullable: true),
                error = t.Column<string>(maxLength: 2000, nullable: true),
                estimated_cost_cents = t.Column<long>(),
                cost_cents = t.Column<long>(),
                created_at = t.Column<DateTime>(),
                updated_at = t.Column<DateTime>(),
                started_at = t.Column<DateTime>(nullable: true),
                completed_at = t.Column<DateTime>(nullable: true),
            },
            constraints: t => t.PrimaryKey("pk_mindra_executions", x => x.id));
        migration.CreateIndex("ix_mindra_executions_account_id_sandbox_created_at", "mindra_executions",
            ["account_id", "sandbox", "created_at"]);

        migration.CreateTable(
            name: "mindra_execution_steps",
            columns: t => new
            {
                id = t.Column<string>(maxLength: 64),
                execution_id = t.Column<string>(maxLength: 64),
                position = t.Column<int>(),
                agent_id = t.Column<string>(maxLength: 64),
                agent_name = t.Column<string>(maxLength: 200),
                status = t.Column<string>(maxLength: 16),
                selection_confidence = t.Column<double>(),
                input_json = t.Column<string>(nullable: true),
                output_json = t.Column<string>(nullable: true),
                confidence = t.Column<double>(nullable: true),
                price_cents = t.Column<long>(),
                cost_cents = t.Column<long>(),
                hold_id = t.Column<string>(maxLength: 64, nullable: true),
                duration_ms = t.Column<long>(nullable: true),
                error = t.Column<string>(maxLength: 2000, nullable: true),
                started_at = t.Column<DateTime>(nullable: true),
                completed_at = t.Column<DateTime>(nullable: true),
            },
            constraints: t => t.PrimaryKey("pk_mindra_execution_steps", x => x.id));
        migration.CreateIndex("ix_mindra_execution_steps_execution_id_position", "mindra_execution_steps",
            ["execution_id", "position"], unique: true);

        migration.CreateTable(
            name: "mindra_agents",
            columns: t => new
            {
                row_id = t.Column<string>(maxLength: 64),
                agent_id = t.Column<string>(maxLength: 64),
                account_id = t.Column<string>(maxLength: 64),
                sandbox = t.Column<bool>(),
                name = t.Column<string>(maxLength: 200),
                description = t.Column<string>(maxLength: 1000),
                url = t.Column<string>(maxLength: 2048),
                vertical = t.Column<string>(maxLength: 32),
                capabilities = t.Column<string>(maxLength: 2000),
                pricing_model = t.Column<string>(maxLength: 32),
                price_cents = t.Column<long>(),
                timeout_ms = t.Column<int>(),
                retries = t.Column<int>(),
                signing_secret = t.Column<string>(maxLength: 128),
                is_active = t.Column<bool>(),
                version = t.Column<string>(maxLength: 32),
                created_at = t.Column<DateTime>(),
                updated_at = t.Column<DateTime>(),
            },
            constraints: t => t.PrimaryKey("pk_mindra_agents", x => x.row_id));
        migration.CreateIndex("ix_mindra_agents_account_id_sandbox_agent_id", "mindra_agents",
            ["account_id", "sandbox", "agent_id"], unique: true);
    }
}

/// <summary>
/// Every vertical of an execution's agents, as <c>|marketing|analytics|</c>, so the list's
/// <c>vertical</c> filter finds an execution by any of them, in the database. Existing rows get
/// theirs from the agents they stored.
/// </summary>
internal sealed class MindraExecutionVerticalsMigration : SchemaMigration
{
    public override string Id => "2026120301_mindra_execution_verticals";

    public override void Up(MigrationBuilder migration, DatabaseProvider provider)
    {
        migration.AddColumn<string>(name: "verticals", table: "mindra_executions", maxLength: 400, nullable: false, defaultValue: "");
        migration.Sql(provider == DatabaseProvider.Postgres
            ? """
              UPDATE mindra_executions SET verticals = '|' || COALESCE(
                  (SELECT string_agg(DISTINCT a->>'vertical', '|') FROM jsonb_array_elements(agents_json::jsonb) AS a), vertical) || '|'
              """
            : """
              UPDATE mindra_executions SET verticals = '|' || COALESCE(
                  (SELECT group_concat(v, '|') FROM (SELECT DISTINCT json_extract(value, '$.vertical') AS v FROM json_each(mindra_executions.agents_json))),
                  vertical) || '|'
              """);
    }
}
