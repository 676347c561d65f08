using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Migrations;
using Mindstack.Platform.Storage;

namespace Mindstack.Platform.Jobs;

internal sealed class JobsModel : IModelContributor
{
    public void Configure(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<QueuedJob>(e =>
        {
            e.ToTable("jobs_queue");
            e.HasKey(j => j.Id);
            e.Property(j => j.State).HasConversion(s => JobStates.ToText(s), s => JobStates.Parse(s)).HasMaxLength(16);
        });
        modelBuilder.Entity<JobSchedule>(e =>
        {
            e.ToTable("jobs_schedules");
            e.HasKey(s => s.Name);
        });
        modelBuilder.Entity<NamedLease>(e =>
        {
            e.ToTable("jobs_leases");
            e.HasKey(l => l.Name);
        });
    }
}

internal sealed class JobsInitialMigration : SchemaMigration
{
    public override string Id => "2026112410_jobs_initial";

    public override void Up(MigrationBuilder migration, DatabaseProvider provider)
    {
        migration.CreateTable(
            name: "jobs_queue",
            columns: t => new
            {
                id = t.Column<string>(maxLength: 64),
                type = t.Column<string>(maxLength: 200),
                payload = t.Column<string>(),
                state = t.Column<string>(maxLength: 16),
                priority = t.Column<int>(),
                run_at = t.Column<DateTime>(),
                attempts = t.Column<int>(),
                max_attempts = t.Column<int>(),
                last_error = t.Column<string>(nullable: true),
                lease_owner = t.Column<string>(maxLength: 200, nullable: true),
                lease_expires_at = t.Column<DateTime>(nullable: true),
                created_at = t.Column<DateTime>(),
                started_at = t.Column<DateTime>(nullable: true),
                completed_at = t.Column<DateTime>(nullable: true),
                schedule_name = t.Column<string>(maxLength: 200, nullable: true),
                scheduled_for = t.Column<DateTime>(nullable: true),
            },
            constraints: t => t.PrimaryKey("pk_jobs_queue", x => x.id));
        // The claim reads due pending jobs by priority then age; the sweep reads running ones by lease.
        migration.CreateIndex("ix_jobs_queue_state_priority_run_at", "jobs_queue", ["state", "priority", "run_at"]);
        migration.CreateIndex("ix_jobs_queue_state_lease_expires_at", "jobs_queue", ["state", "lease_expires_at"]);
        migration.CreateIndex("ix_jobs_queue_state_completed_at", "jobs_queue", ["state", "completed_at"]);
        // One job per schedule and due time, whichever node enqueues it.
        migration.CreateIndex("ux_jobs_queue_schedule_name_scheduled_for", "jobs_queue", ["schedule_name", "scheduled_for"], unique: true);

        migration.CreateTable(
            name: "jobs_schedules",
            columns: t => new
            {
                name = t.Column<string>(maxLength: 200),
                cron = t.Column<string>(maxLength: 200),
                type = t.Column<string>(maxLength: 200),
                payload = t.Column<string>(),
                priority = t.Column<int>(),
                next_run_at = t.Column<DateTime>(),
                last_run_at = t.Column<DateTime>(nullable: true),
                active = t.Column<bool>(),
                created_at = t.Column<DateTime>(),
                updated_at = t.Column<DateTime>(),
            },
            constraints: t => t.PrimaryKey("pk_jobs_schedules", x => x.name));

        migration.CreateTable(
            name: "jobs_leases",
            columns: t => new
            {
                name = t.Column<string>(maxLength: 200),
                owner = t.Column<string>(maxLength: 200),
                expires_at = t.Column<DateTime>(),
            },
            constraints: t => t.PrimaryKey("pk_jobs_leases", x => x.name));
    }
}
