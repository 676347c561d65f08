using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Migrations;
using Mindstack.Platform.Storage;

namespace Mindstack.MindMesh.Automations;

/// <summary>
/// An automation: when its trigger fires, a goal is made from its workflow template (or its
/// <see cref="GoalId"/> is started) and run. A webhook trigger's signing secret is kept in
/// <see cref="SecretCipher"/>, encrypted with ASP.NET Core Data Protection.
/// </summary>
internal sealed class AutomationRow
{
    public required string Id { get; set; }
    public required string TenantId { get; set; }
    public required string CreatedBy { get; set; }
    public required string Name { get; set; }
    public string Description { get; set; } = "";
    public required string TriggerType { get; set; }
    public string TriggerConfigJson { get; set; } = "{}";
    public required string Template { get; set; }
    public string ParametersJson { get; set; } = "{}";
    public string? GoalId { get; set; }
    public bool IsActive { get; set; } = true;
    public string? SecretCipher { get; set; }
    public DateTime? LastTriggeredAt { get; set; }
    public string? LastRunId { get; set; }
    public int TriggerCount { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

/// <summary>One firing of an automation, keyed by the job that carried it out, so a retried job never starts a second run.</summary>
internal sealed class AutomationFireRow
{
    public required string Id { get; set; }
    public required string TenantId { get; set; }
    public required string AutomationId { get; set; }
    public required string Source { get; set; }
    public required string Status { get; set; }
    public string? GoalId { get; set; }
    public string? RunId { get; set; }
    public string? Detail { get; set; }
    public DateTime CreatedAt { get; set; }
}

internal sealed class AutomationModel : IModelContributor
{
    public void Configure(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<AutomationRow>(e =>
        {
            e.ToTable("mindmesh_automations");
            e.HasKey(x => x.Id);
            e.HasIndex(x => new { x.TenantId, x.CreatedAt });
        });
        modelBuilder.Entity<AutomationFireRow>(e =>
        {
            e.ToTable("mindmesh_automation_fires");
            e.HasKey(x => x.Id);
            e.HasIndex(x => new { x.AutomationId, x.CreatedAt });
        });
    }
}

/// <summary>Automations and their firings.</summary>
internal sealed class MindMeshAutomationsMigration : SchemaMigration
{
    public override string Id => "2026120604_mindmesh_automations";

    public override void Up(MigrationBuilder migration, DatabaseProvider provider)
    {
        migration.CreateTable("mindmesh_automations", t => new
        {
            id = t.Column<string>(maxLength: 64),
            tenant_id = t.Column<string>(maxLength: 64),
            created_by = t.Column<string>(maxLength: 64),
            name = t.Column<string>(maxLength: 200),
            description = t.Column<string>(maxLength: 2000),
            trigger_type = t.Column<string>(maxLength: 32),
            trigger_config_json = t.Column<string>(),
            template = t.Column<string>(maxLength: 64),
            parameters_json = t.Column<string>(),
            goal_id = t.Column<string>(maxLength: 64, nullable: true),
            is_active = t.Column<bool>(),
            secret_cipher = t.Column<string>(nullable: true),
            last_triggered_at = t.Column<DateTime>(nullable: true),
            last_run_id = t.Column<string>(maxLength: 64, nullable: true),
            trigger_count = t.Column<int>(),
            created_at = t.Column<DateTime>(),
            updated_at = t.Column<DateTime>(),
        }, constraints: t => t.PrimaryKey("pk_mindmesh_automations", x => x.id));
        migration.CreateIndex("ix_mindmesh_automations_tenant_id_created_at", "mindmesh_automations", ["tenant_id", "created_at"]);

        migration.CreateTable("mindmesh_automation_fires", t => new
        {
            id = t.Column<string>(maxLength: 64),
            tenant_id = t.Column<string>(maxLength: 64),
            automation_id = t.Column<string>(maxLength: 64),
            source = t.Column<string>(maxLength: 32),
            status = t.Column<string>(maxLength: 16),
            goal_id = t.Column<string>(maxLength: 64, nullable: true),
            run_id = t.Column<string>(maxLength: 64, nullable: true),
            detail = t.Column<string>(maxLength: 2000, nullable: true),
            created_at = t.Column<DateTime>(),
        }, constraints: t => t.PrimaryKey("pk_mindmesh_automation_fires", x => x.id));
        migration.CreateIndex("ix_mindmesh_automation_fires_automation_id_created_at", "mindmesh_automation_fires", ["automation_id", "created_at"]);
    }
}
