using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Migrations;
using Mindstack.Platform.Storage;

namespace Mindstack.MindSwarm.Services;

/// <summary>An admin's choice for one plugin; a plugin without a row is enabled.</summary>
internal sealed class ServiceToggleRow
{
    public required string Service { get; set; }
    public bool Enabled { get; set; }
    public required string UpdatedBy { get; set; }
    public DateTime UpdatedAt { get; set; }
}

internal sealed class ServiceToggleModel : IModelContributor
{
    public void Configure(ModelBuilder modelBuilder) =>
        modelBuilder.Entity<ServiceToggleRow>(e =>
        {
            e.ToTable("mindswarm_service_toggles");
            e.HasKey(x => x.Service);
        });
}

internal sealed class ServiceToggleMigration : SchemaMigration
{
    public override string Id => "2026120705_mindswarm_service_toggles";

    public override void Up(MigrationBuilder migration, DatabaseProvider provider) =>
        migration.CreateTable(
            name: "mindswarm_service_toggles",
            columns: t => new
            {
                service = t.Column<string>(maxLength: 40),
                enabled = t.Column<bool>(),
                updated_by = t.Column<string>(maxLength: 64),
                updated_at = t.Column<DateTime>(),
            },
            constraints: t => t.PrimaryKey("pk_mindswarm_service_toggles", x => x.service));
}

/// <summary>The per-plugin switches of <c>PUT /api/admin/lanagent-services</c>.</summary>
internal sealed class ServiceToggles(MindstackDbContext db, TimeProvider clock)
{
    /// <summary>Every plugin's state, by its catalogue name.</summary>
    public async Task<IReadOnlyDictionary<string, bool>> AllAsync(CancellationToken ct)
    {
        var rows = await db.Set<ServiceToggleRow>().AsNoTracking().ToListAsync(ct);
        return ServiceCatalog.Plugins.ToDictionary(p => p.Name, p => rows.FirstOrDefault(r => r.Service == p.Name)?.Enabled ?? true, StringComparer.Ordinal);
    }

    public async Task<bool> IsEnabledAsync(string service, CancellationToken ct) =>
        await db.Set<ServiceToggleRow>().AsNoTracking().Where(r => r.Service == service).Select(r => (bool?)r.Enabled).SingleOrDefaultAsync(ct) ?? true;

    public async Task SetAsync(string service, bool enabled, string accountId, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var updated = await db.Set<ServiceToggleRow>().Where(r => r.Service == service)
            .ExecuteUpdateAsync(u => u.SetProperty(r => r.Enabled, enabled).SetProperty(r => r.UpdatedBy, accountId).SetProperty(r => r.UpdatedAt, now), ct);
        if (updated > 0)
        {
            return;
        }
        db.Add(new ServiceToggleRow { Service = service, Enabled = enabled, UpdatedBy = accountId, UpdatedAt = now });
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // Another admin inserted the row first: the last write wins, as it would have.
            db.ChangeTracker.Clear();
            await db.Set<ServiceToggleRow>().Where(r => r.Service == service)
                .ExecuteUpdateAsync(u => u.SetProperty(r => r.Enabled, enabled).SetProperty(r => r.UpdatedBy, accountId).SetProperty(r => r.UpdatedAt, now), ct);
        }
    }
}
