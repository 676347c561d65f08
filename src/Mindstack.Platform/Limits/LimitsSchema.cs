using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Migrations;
using Mindstack.Platform.Storage;

namespace Mindstack.Platform.Limits;

/// <summary>A shared rate-limit counter (PostgreSQL only; SQLite counts in memory).</summary>
internal sealed class RateCounter
{
    /// <summary>Policy name, window length in seconds and key: <c>example.auth|900|203.0.113.7</c>.</summary>
    public required string Bucket { get; set; }
    public DateTime WindowStart { get; set; }
    public DateTime WindowEnd { get; set; }
    public long Hits { get; set; }
}

/// <summary>
/// One idempotency key of one scope: claimed by the first request (insert-first on the primary
/// key), then holding that request's response for replay until it expires.
/// </summary>
internal sealed class IdempotencyRecord
{
    /// <summary>The API and the caller (account, key or client address).</summary>
    public required string Scope { get; set; }
    public required string IdempotencyKey { get; set; }
    /// <summary>SHA-256 (hex) of method, path and body: a retry must match it.</summary>
    public required string RequestHash { get; set; }
    /// <summary>Which attempt holds the key, so only it can complete or release it.</summary>
    public required string LockToken { get; set; }
    public DateTime CreatedAt { get; set; }
    /// <summary>While running: after this the attempt is presumed dead (its node crashed) and may be taken over.</summary>
    public DateTime LeaseUntil { get; set; }
    public DateTime ExpiresAt { get; set; }
    /// <summary>Null while the first request is still running.</summary>
    public DateTime? CompletedAt { get; set; }
    public int? ResponseStatus { get; set; }
    /// <summary>The replayed headers, as a JSON object.</summary>
    public string? ResponseHeaders { get; set; }
    public byte[]? ResponseBody { get; set; }
}

internal sealed class LimitsModel : IModelContributor
{
    public void Configure(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<RateCounter>(e =>
        {
            e.ToTable("limits_rate_counters");
            e.HasKey(c => c.Bucket);
            e.Property(c => c.Bucket).HasMaxLength(400);
            e.HasIndex(c => c.WindowEnd);
        });
        modelBuilder.Entity<IdempotencyRecord>(e =>
        {
            e.ToTable("limits_idempotency_keys");
            e.HasKey(r => new { r.Scope, r.IdempotencyKey });
            e.Property(r => r.Scope).HasMaxLength(300);
            e.Property(r => r.IdempotencyKey).HasMaxLength(255);
            e.Property(r => r.RequestHash).HasMaxLength(64);
            e.Property(r => r.LockToken).HasMaxLength(64);
            e.HasIndex(r => r.ExpiresAt);
        });
    }
}

internal sealed class LimitsInitialMigration : SchemaMigration
{
    public override string Id => "2026112310_limits_initial";

    public override void Up(MigrationBuilder migration, DatabaseProvider provider)
    {
        migration.CreateTable(
            name: "limits_rate_counters",
            columns: t => new
            {
                bucket = t.Column<string>(maxLength: 400),
                window_start = t.Column<DateTime>(),
                window_end = t.Column<DateTime>(),
                hits = t.Column<long>(),
            },
            constraints: t => t.PrimaryKey("pk_limits_rate_counters", x => x.bucket));
        migration.CreateIndex("ix_limits_rate_counters_window_end", "limits_rate_counters", "window_end");

        migration.CreateTable(
            name: "limits_idempotency_keys",
            columns: t => new
            {
                scope = t.Column<string>(maxLength: 300),
                idempotency_key = t.Column<string>(maxLength: 255),
                request_hash = t.Column<string>(maxLength: 64),
                lock_token = t.Column<string>(maxLength: 64),
                created_at = t.Column<DateTime>(),
                lease_until = t.Column<DateTime>(),
                expires_at = t.Column<DateTime>(),
                completed_at = t.Column<DateTime>(nullable: true),
                response_status = t.Column<int>(nullable: true),
                response_headers = t.Column<string>(nullable: true),
                response_body = t.Column<byte[]>(nullable: true),
            },
            constraints: t => t.PrimaryKey("pk_limits_idempotency_keys", x => new { x.scope, x.idempotency_key }));
        migration.CreateIndex("ix_limits_idempotency_keys_expires_at", "limits_idempotency_keys", "expires_at");
    }
}
