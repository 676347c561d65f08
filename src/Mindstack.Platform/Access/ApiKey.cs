using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Migrations;
using Mindstack.Platform.Storage;

namespace Mindstack.Platform.Access;

/// <summary>
/// An API key. Only its SHA-256 and a short visible prefix are stored: the full key exists once,
/// in the answer that created it.
/// </summary>
public sealed class ApiKey
{
    public required string Id { get; set; }
    public required string AccountId { get; set; }
    /// <summary>The name of the API the key works on (its <c>ApiDefinition.Name</c>).</summary>
    public required string Api { get; set; }
    public required string Name { get; set; }
    /// <summary>The first characters of the key (its format prefix and a few more), for listing.</summary>
    public required string Prefix { get; set; }
    /// <summary>SHA-256 of the full key, lowercase hex.</summary>
    public required string KeyHash { get; set; }
    /// <summary>Space-separated permissions (named scopes such as <c>orders:read</c>, or <c>read</c>/<c>write</c>).</summary>
    public string Permissions { get; set; } = "";
    public bool Sandbox { get; set; }
    public bool IsActive { get; set; } = true;
    public DateTime CreatedAt { get; set; }
    public DateTime? ExpiresAt { get; set; }
    public DateTime? LastUsedAt { get; set; }
    public DateTime? RevokedAt { get; set; }

    public IReadOnlyList<string> PermissionList => Permissions.Split(' ', StringSplitOptions.RemoveEmptyEntries);
}

/// <summary>Requests and errors made with one key on one day on one endpoint (route pattern).</summary>
public sealed class ApiKeyUsage
{
    public required string KeyId { get; set; }
    /// <summary>The UTC day, <c>yyyy-MM-dd</c>.</summary>
    public required string Day { get; set; }
    /// <summary><c>METHOD /route/{pattern}</c>.</summary>
    public required string Endpoint { get; set; }
    public long Requests { get; set; }
    public long Errors { get; set; }
}

internal sealed class AccessModel : IModelContributor
{
    public void Configure(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<ApiKey>(e =>
        {
            e.ToTable("access_api_keys");
            e.HasKey(k => k.Id);
            e.HasIndex(k => k.KeyHash).IsUnique();
            e.HasIndex(k => new { k.AccountId, k.Api });
            e.Ignore(k => k.PermissionList);
        });
        modelBuilder.Entity<ApiKeyUsage>(e =>
        {
            e.ToTable("access_key_usage");
            e.HasKey(u => new { u.KeyId, u.Day, u.Endpoint });
        });
    }
}

internal sealed class AccessInitialMigration : SchemaMigration
{
    public override string Id => "2026112302_access_api_keys";

    public override void Up(MigrationBuilder migration, DatabaseProvider provider)
    {
        migration.CreateTable(
            name: "access_api_keys",
            columns: t => new
            {
                id = t.Column<string>(maxLength: 64),
                account_id = t.Column<string>(maxLength: 64),
                api = t.Column<string>(maxLength: 32),
                name = t.Column<string>(maxLength: 200),
                prefix = t.Column<string>(maxLength: 32),
                key_hash = t.Column<string>(maxLength: 64),
                permissions = t.Column<string>(maxLength: 2000),
                sandbox = t.Column<bool>(),
                is_active = t.Column<bool>(),
                created_at = t.Column<DateTime>(),
                expires_at = t.Column<DateTime>(nullable: true),
                last_used_at = t.Column<DateTime>(nullable: true),
                revoked_at = t.Column<DateTime>(nullable: true),
            },
            constraints: t => t.PrimaryKey("pk_access_api_keys", x => x.id));
        migration.CreateIndex("ix_access_api_keys_key_hash", "access_api_keys", "key_hash", unique: true);
        migration.CreateIndex("ix_access_api_keys_account_id_api", "access_api_keys", ["account_id", "api"]);

        migration.CreateTable(
            name: "access_key_usage",
            columns: t => new
            {
                key_id = t.Column<string>(maxLength: 64),
                day = t.Column<string>(maxLength: 10),
                endpoint = t.Column<string>(maxLength: 300),
                requests = t.Column<long>(),
                errors = t.Column<long>(),
            },
            constraints: t => t.PrimaryKey("pk_access_key_usage", x => new { x.key_id, x.day, x.endpoint }));
    }
}
