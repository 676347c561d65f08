using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Migrations;
using Mindstack.Platform.Storage;

namespace Mindstack.MindMesh.Storage;

internal sealed class MindMeshModel : IModelContributor
{
    public void Configure(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<TenantRow>(e =>
        {
            e.ToTable("mindmesh_tenants");
            e.HasKey(x => x.Id);
            e.HasIndex(x => x.InviteCode).IsUnique();
        });
        modelBuilder.Entity<MemberRow>(e =>
        {
            e.ToTable("mindmesh_members");
            e.HasKey(x => x.AccountId);
            e.HasIndex(x => x.TenantId);
        });
        modelBuilder.Entity<GoalRow>(e =>
        {
            e.ToTable("mindmesh_goals");
            e.HasKey(x => x.Id);
            e.HasIndex(x => new { x.TenantId, x.CreatedAt });
        });
        modelBuilder.Entity<TaskRow>(e =>
        {
            e.ToTable("mindmesh_tasks");
            e.HasKey(x => x.Id);
            e.HasIndex(x => new { x.GoalId, x.Position });
        });
        modelBuilder.Entity<RunRow>(e =>
        {
            e.ToTable("mindmesh_runs");
            e.HasKey(x => x.Id);
            e.Property(x => x.Version).IsConcurrencyToken();
            e.HasIndex(x => new { x.TenantId, x.CreatedAt });
            e.HasIndex(x => x.GoalId);
        });
        modelBuilder.Entity<ApprovalRow>(e =>
        {
            e.ToTable("mindmesh_approvals");
            e.HasKey(x => x.Id);
            e.HasIndex(x => new { x.RunId, x.CallId }).IsUnique();
            e.HasIndex(x => new { x.TenantId, x.CreatedAt });
        });
        modelBuilder.Entity<ToolCallRow>(e =>
        {
            e.ToTable("mindmesh_tool_calls");
            e.HasKey(x => x.IdempotencyKey);
            e.HasIndex(x => x.RunId);
        });
        modelBuilder.Entity<ConnectorRow>(e =>
        {
            e.ToTable("mindmesh_connectors");
            e.HasKey(x => x.Id);
            e.HasIndex(x => new { x.TenantId, x.Provider });
        });
        modelBuilder.Entity<DocumentRow>(e =>
        {
            e.ToTable("mindmesh_documents");
            e.HasKey(x => x.Id);
            e.HasIndex(x => new { x.TenantId, x.SourceUri }).IsUnique();
        });
        modelBuilder.Entity<EpisodeRow>(e =>
        {
            e.ToTable("mindmesh_episodes");
            e.HasKey(x => x.Id);
            e.HasIndex(x => new { x.TenantId, x.OccurredAt });
        });
        modelBuilder.Entity<EntityRow>(e =>
        {
            e.ToTable("mindmesh_entities");
            e.HasKey(x => x.Id);
            e.HasIndex(x => new { x.TenantId, x.Type, x.NormalizedName }).IsUnique();
        });
        modelBuilder.Entity<AuditRow>(e =>
        {
            e.ToTable("mindmesh_audit_logs");
            e.HasKey(x => x.Id);
            e.HasIndex(x => new { x.TenantId, x.CreatedAt });
            e.HasIndex(x => x.RunId);
        });
    }
}

internal sealed class MindMeshInitialMigration : SchemaMigration
{
    public override string Id => "2026120601_mindmesh_initial";

    public override void Up(MigrationBuilder migration, DatabaseProvider provider)
    {
        migration.CreateTable("mindmesh_tenants", t => new
        {
            id = t.Column<string>(maxLength: 64),
            name = t.Column<string>(maxLength: 200),
            owner_id = t.Column<string>(maxLength: 64),
            invite_code = t.Column<string>(maxLength: 64),
            created_at = t.Column<DateTime>(),
        }, constraints: t => t.PrimaryKey("pk_mindmesh_tenants", x => x.id));
        migration.CreateIndex("ix_mindmesh_tenants_invite_code", "mindmesh_tenants", "invite_code", unique: true);

        migration.CreateTable("mindmesh_members", t => new
        {
            account_id = t.Column<string>(maxLength: 64),
            tenant_id = t.Column<string>(maxLength: 64),
            role = t.Column<string>(maxLength: 32),
            full_name = t.Column<string>(maxLength: 200, nullable: true),
            settings_json = t.Column<string>(),
            last_login = t.Column<DateTime>(nullable: true),
            created_at = t.Column<DateTime>(),
            updated_at = t.Column<DateTime>(),
        }, constraints: t => t.PrimaryKey("pk_mindmesh_members", x => x.account_id));
        migration.CreateIndex("ix_mindmesh_members_tenant_id", "mindmesh_members", "tenant_id");

        migration.CreateTable("mindmesh_goals", t => new
        {
            id = t.Column<string>(maxLength: 64),
            tenant_id = t.Column<string>(maxLength: 64),
            created_by = t.Column<string>(maxLength: 64),
            text = t.Column<string>(maxLength: 5000),
            autonomy_level = t.Column<string>(maxLength: 4),
            constraints_json = t.Column<string>(),
            status = t.Column<string>(maxLength: 16),
            priority = t.Column<string>(maxLength: 16),
            due_date = t.Column<DateTime>(nullable: true),
            estimated_hours = t.Column<double>(nullable: true),
            actual_hours = t.Column<double>(nullable: true),
            metadata_json = t.Column<string>(),
            created_at = t.Column<DateTime>(),
            updated_at = t.Column<DateTime>(),
        }, constraints: t => t.PrimaryKey("pk_mindmesh_goals", x => x.id));
        migration.CreateIndex("ix_mindmesh_goals_tenant_id_created_at", "mindmesh_goals", ["tenant_id", "created_at"]);

        migration.CreateTable("mindmesh_tasks", t => new
        {
            id = t.Column<string>(maxLength: 64),
            tenant_id = t.Column<string>(maxLength: 64),
            goal_id = t.Column<string>(maxLength: 64),
            run_id = t.Column<string>(maxLength: 64),
            position = t.Column<int>(),
            title = t.Column<string>(maxLength: 500),
            description = t.Column<string>(),
            status = t.Column<string>(maxLength: 16),
            assignee = t.Column<string>(maxLength: 64, nullable: true),
            due_date = t.Column<DateTime>(nullable: true),
            priority = t.Column<string>(maxLength: 16),
            estimated_hours = t.Column<double>(nullable: true),
            actual_hours = t.Column<double>(nullable: true),
            dependencies_json = t.Column<string>(),
            tool_refs_json = t.Column<string>(),
            metadata_json = t.Column<string>(),
            created_at = t.Column<DateTime>(),
            updated_at = t.Column<DateTime>(),
        }, constraints: t => t.PrimaryKey("pk_mindmesh_tasks", x => x.id));
        migration.CreateIndex("ix_mindmesh_tasks_goal_id_position", "mindmesh_tasks", ["goal_id", "position"]);

        migration.CreateTable("mindmesh_runs", t => new
        {
            id = t.Column<string>(maxLength: 64),
            tenant_id = t.Column<string>(maxLength: 64),
            goal_id = t.Column<string>(maxLength: 64),
            created_by = t.Column<string>(maxLength: 64),
            graph_version = t.Column<string>(maxLength: 16),
            status = t.Column<string>(maxLength: 16),
            current_node = t.Column<string>(maxLength: 32, nullable: true),
            checkpoints_json = t.Column<string>(),
            state_json = t.Column<string>(),
            artifacts_json = t.Column<string>(),
            cost = t.Column<double>(),
            tokens_used = t.Column<int>(),
            api_calls = t.Column<int>(),
            error_message = t.Column<string>(maxLength: 2000, nullable: true),
            started_at = t.Column<DateTime>(nullable: true),
            completed_at = t.Column<DateTime>(nullable: true),
            created_at = t.Column<DateTime>(),
            updated_at = t.Column<DateTime>(),
            version = t.Column<int>(),
        }, constraints: t => t.PrimaryKey("pk_mindmesh_runs", x => x.id));
        migration.CreateIndex("ix_mindmesh_runs_tenant_id_created_at", "mindmesh_runs", ["tenant_id", "created_at"]);
        migration.CreateIndex("ix_mindmesh_runs_goal_id", "mindmesh_runs", "goal_id");

        migration.CreateTable("mindmesh_approvals", t => new
        {
            id = t.Column<string>(maxLength: 64),
            tenant_id = t.Column<string>(maxLength: 64),
            run_id = t.Column<string>(maxLength: 64),
            call_id = t.Column<string>(maxLength: 64),
            payload_json = t.Column<string>(),
            state = t.Column<string>(maxLength: 16),
            decision = t.Column<string>(maxLength: 16, nullable: true),
            comments = t.Column<string>(maxLength: 2000, nullable: true),
            decided_by = t.Column<string>(maxLength: 64, nullable: true),
            deadline = t.Column<DateTime>(),
            created_at = t.Column<DateTime>(),
            decided_at = t.Column<DateTime>(nullable: true),
            updated_at = t.Column<DateTime>(),
        }, constraints: t => t.PrimaryKey("pk_mindmesh_approvals", x => x.id));
        migration.CreateIndex("ix_mindmesh_approvals_run_id_call_id", "mindmesh_approvals", ["run_id", "call_id"], unique: true);
        migration.CreateIndex("ix_mindmesh_approvals_tenant_id_created_at", "mindmesh_approvals", ["tenant_id", "created_at"]);

        migration.CreateTable("mindmesh_tool_calls", t => new
        {
            idempotency_key = t.Column<string>(maxLength: 200),
            tenant_id = t.Column<string>(maxLength: 64),
            run_id = t.Column<string>(maxLength: 64),
            call_id = t.Column<string>(maxLength: 64),
            tool = t.Column<string>(maxLength: 64),
            connector_id = t.Column<string>(maxLength: 64, nullable: true),
            result_json = t.Column<string>(),
            created_at = t.Column<DateTime>(),
        }, constraints: t => t.PrimaryKey("pk_mindmesh_tool_calls", x => x.idempotency_key));
        migration.CreateIndex("ix_mindmesh_tool_calls_run_id", "mindmesh_tool_calls", "run_id");

        migration.CreateTable("mindmesh_connectors", t => new
        {
            id = t.Column<string>(maxLength: 64),
            tenant_id = t.Column<string>(maxLength: 64),
            provider = t.Column<string>(maxLength: 32),
            name = t.Column<string>(maxLength: 200),
            scopes_json = t.Column<string>(),
            status = t.Column<string>(maxLength: 16),
            last_sync = t.Column<DateTime>(nullable: true),
            sync_frequency = t.Column<int>(),
            settings_json = t.Column<string>(),
            is_enabled = t.Column<bool>(),
            created_at = t.Column<DateTime>(),
            updated_at = t.Column<DateTime>(),
        }, constraints: t => t.PrimaryKey("pk_mindmesh_connectors", x => x.id));
        migration.CreateIndex("ix_mindmesh_connectors_tenant_id_provider", "mindmesh_connectors", ["tenant_id", "provider"]);

        migration.CreateTable("mindmesh_audit_logs", t => new
        {
            id = t.Column<string>(maxLength: 64),
            tenant_id = t.Column<string>(maxLength: 64),
            user_id = t.Column<string>(maxLength: 64, nullable: true),
            run_id = t.Column<string>(maxLength: 64, nullable: true),
            node = t.Column<string>(maxLength: 32, nullable: true),
            action = t.Column<string>(maxLength: 64),
            resource_type = t.Column<string>(maxLength: 32),
            resource_id = t.Column<string>(maxLength: 64, nullable: true),
            details_json = t.Column<string>(),
            ip_address = t.Column<string>(maxLength: 64, nullable: true),
            user_agent = t.Column<string>(maxLength: 500, nullable: true),
            success = t.Column<bool>(),
            error_message = t.Column<string>(maxLength: 2000, nullable: true),
            created_at = t.Column<DateTime>(),
            sequence = t.Column<int>(),
        }, constraints: t => t.PrimaryKey("pk_mindmesh_audit_logs", x => x.id));
        migration.CreateIndex("ix_mindmesh_audit_logs_tenant_id_created_at", "mindmesh_audit_logs", ["tenant_id", "created_at"]);
        migration.CreateIndex("ix_mindmesh_audit_logs_run_id", "mindmesh_audit_logs", "run_id");
    }
}

/// <summary>Memory: documents (one per source URI), episodes and entities.</summary>
internal sealed class MindMeshMemoryMigration : SchemaMigration
{
    public override string Id => "2026120602_mindmesh_memory";

    public override void Up(MigrationBuilder migration, DatabaseProvider provider)
    {
        migration.CreateTable("mindmesh_documents", t => new
        {
            id = t.Column<string>(maxLength: 64),
            tenant_id = t.Column<string>(maxLength: 64),
            source_uri = t.Column<string>(maxLength: 1000),
            app = t.Column<string>(maxLength: 64),
            owner = t.Column<string>(maxLength: 320, nullable: true),
            title = t.Column<string>(maxLength: 500),
            content = t.Column<string>(),
            mime_type = t.Column<string>(maxLength: 200, nullable: true),
            file_size = t.Column<long>(nullable: true),
            hash = t.Column<string>(maxLength: 200),
            metadata_json = t.Column<string>(),
            sensitivity = t.Column<string>(maxLength: 16),
            is_indexed = t.Column<bool>(),
            expires_at = t.Column<DateTime>(nullable: true),
            created_at = t.Column<DateTime>(),
            updated_at = t.Column<DateTime>(),
        }, constraints: t => t.PrimaryKey("pk_mindmesh_documents", x => x.id));
        migration.CreateIndex("ix_mindmesh_documents_tenant_id_source_uri", "mindmesh_documents", ["tenant_id", "source_uri"], unique: true);

        migration.CreateTable("mindmesh_episodes", t => new
        {
            id = t.Column<string>(maxLength: 64),
            tenant_id = t.Column<string>(maxLength: 64),
            type = t.Column<string>(maxLength: 16),
            title = t.Column<string>(maxLength: 500),
            summary = t.Column<string>(),
            participants_json = t.Column<string>(),
            run_id = t.Column<string>(maxLength: 64, nullable: true),
            occurred_at = t.Column<DateTime>(),
            created_at = t.Column<DateTime>(),
        }, constraints: t => t.PrimaryKey("pk_mindmesh_episodes", x => x.id));
        migration.CreateIndex("ix_mindmesh_episodes_tenant_id_occurred_at", "mindmesh_episodes", ["tenant_id", "occurred_at"]);

        migration.CreateTable("mindmesh_entities", t => new
        {
            id = t.Column<string>(maxLength: 64),
            tenant_id = t.Column<string>(maxLength: 64),
            type = t.Column<string>(maxLength: 16),
            name = t.Column<string>(maxLength: 300),
            normalized_name = t.Column<string>(maxLength: 300),
            mentions = t.Column<int>(),
            is_active = t.Column<bool>(),
            created_at = t.Column<DateTime>(),
            updated_at = t.Column<DateTime>(),
        }, constraints: t => t.PrimaryKey("pk_mindmesh_entities", x => x.id));
        migration.CreateIndex("ix_mindmesh_entities_tenant_id_type_normalized_name", "mindmesh_entities", ["tenant_id", "type", "normalized_name"], unique: true);
    }
}

/// <summary>Connectors' encrypted tokens and secrets, and their last error.</summary>
internal sealed class MindMeshConnectorTokensMigration : SchemaMigration
{
    public override string Id => "2026120603_mindmesh_connector_tokens";

    public override void Up(MigrationBuilder migration, DatabaseProvider provider)
    {
        migration.AddColumn<string>("access_token_cipher", "mindmesh_connectors", nullable: true);
        migration.AddColumn<string>("refresh_token_cipher", "mindmesh_connectors", nullable: true);
        migration.AddColumn<DateTime>("token_expires_at", "mindmesh_connectors", nullable: true);
        migration.AddColumn<string>("secret_cipher", "mindmesh_connectors", nullable: true);
        migration.AddColumn<string>("last_error", "mindmesh_connectors", maxLength: 2000, nullable: true);
    }
}
