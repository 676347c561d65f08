using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Migrations;
using Mindstack.Platform.Storage;

namespace Mindstack.Platform.Accounts;

/// <summary>
/// A signed-in device: one refresh-token family. Its id is the access token's <c>sid</c>; a
/// revoked session's access tokens stop working at once.
/// </summary>
public sealed class AccountSession
{
    public required string Id { get; set; }
    public required string AccountId { get; set; }
    /// <summary>The API (token audience) the session belongs to.</summary>
    public required string Api { get; set; }
    /// <summary>How it began: <c>password</c>, <c>magic_link</c>, <c>registration</c>…</summary>
    public required string Method { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime LastSeenAt { get; set; }
    /// <summary>When its newest refresh token expires.</summary>
    public DateTime ExpiresAt { get; set; }
    public DateTime? RevokedAt { get; set; }
    public string? RevokedReason { get; set; }
    public string? IpAddress { get; set; }
    public string? UserAgent { get; set; }
}

/// <summary>One refresh token of a session's family, stored only as its SHA-256.</summary>
internal sealed class RefreshToken
{
    public required string Id { get; set; }
    public required string SessionId { get; set; }
    public required string AccountId { get; set; }
    public required string TokenHash { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime ExpiresAt { get; set; }
    /// <summary>Set when the token is exchanged; a second use is a replay.</summary>
    public DateTime? UsedAt { get; set; }
}

/// <summary>A magic-link, email-verification or password-reset token, stored only as its SHA-256.</summary>
internal sealed class OneTimeToken
{
    public required string Id { get; set; }
    public required string Purpose { get; set; }
    public string? AccountId { get; set; }
    public required string Email { get; set; }
    public required string Api { get; set; }
    public required string TokenHash { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime ExpiresAt { get; set; }
    public DateTime? UsedAt { get; set; }
}

/// <summary>A 2FA backup code, stored only as its SHA-256; each works once.</summary>
internal sealed class BackupCode
{
    public required string Id { get; set; }
    public required string AccountId { get; set; }
    public required string CodeHash { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? UsedAt { get; set; }
}

/// <summary>One failed sign-in, counted per account (or unknown login name) in a sliding window.</summary>
internal sealed class LoginFailure
{
    public required string Id { get; set; }
    public required string LoginKey { get; set; }
    public DateTime FailedAt { get; set; }
}

/// <summary>A platform secret shared by every node (the JWT signing key when not configured).</summary>
internal sealed class AccountsSecret
{
    public required string Name { get; set; }
    public required string Value { get; set; }
    public DateTime CreatedAt { get; set; }
}

internal sealed class AccountsModel : IModelContributor
{
    public void Configure(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<Account>(e =>
        {
            e.ToTable("accounts_accounts");
            e.HasKey(a => a.Id);
            e.HasIndex(a => a.NormalizedEmail).IsUnique();
            e.HasIndex(a => a.NormalizedUsername).IsUnique();
        });
        modelBuilder.Entity<AccountSession>(e =>
        {
            e.ToTable("accounts_sessions");
            e.HasKey(s => s.Id);
            e.HasIndex(s => new { s.AccountId, s.Api, s.RevokedAt });
        });
        modelBuilder.Entity<RefreshToken>(e =>
        {
            e.ToTable("accounts_refresh_tokens");
            e.HasKey(t => t.Id);
            e.HasIndex(t => t.TokenHash).IsUnique();
            e.HasIndex(t => t.SessionId);
        });
        modelBuilder.Entity<OneTimeToken>(e =>
        {
            e.ToTable("accounts_one_time_tokens");
            e.HasKey(t => t.Id);
            e.HasIndex(t => t.TokenHash).IsUnique();
        });
        modelBuilder.Entity<BackupCode>(e =>
        {
            e.ToTable("accounts_backup_codes");
            e.HasKey(c => c.Id);
            e.HasIndex(c => new { c.AccountId, c.CodeHash });
        });
        modelBuilder.Entity<LoginFailure>(e =>
        {
            e.ToTable("accounts_login_failures");
            e.HasKey(f => f.Id);
            e.HasIndex(f => new { f.LoginKey, f.FailedAt });
        });
        modelBuilder.Entity<AccountsSecret>(e =>
        {
            e.ToTable("accounts_secrets");
            e.HasKey(s => s.Name);
        });
    }
}

internal sealed class AccountsInitialMigration : SchemaMigration
{
    public override string Id => "2026112301_accounts_initial";

    public override void Up(MigrationBuilder migration, DatabaseProvider provider)
    {
        migration.CreateTable(
            name: "accounts_accounts",
            columns: t => new
            {
                id = t.Column<string>(maxLength: 64),
                email = t.Column<string>(maxLength: 320),
                normalized_email = t.Column<string>(maxLength: 320),
                username = t.Column<string>(maxLength: 64, nullable: true),
                normalized_username = t.Column<string>(maxLength: 64, nullable: true),
                password_hash = t.Column<string>(maxLength: 256, nullable: true),
                status = t.Column<string>(maxLength: 32),
                email_verified = t.Column<bool>(),
                role = t.Column<string>(maxLength: 32),
                tier = t.Column<string>(maxLength: 64),
                created_at = t.Column<DateTime>(),
                last_login_at = t.Column<DateTime>(nullable: true),
                two_factor_enabled = t.Column<bool>(),
                two_factor_secret = t.Column<string>(maxLength: 64, nullable: true),
                two_factor_pending_secret = t.Column<string>(maxLength: 64, nullable: true),
                two_factor_last_step = t.Column<long>(),
            },
            constraints: t => t.PrimaryKey("pk_accounts_accounts", x => x.id));
        migration.CreateIndex("ix_accounts_accounts_normalized_email", "accounts_accounts", "normalized_email", unique: true);
        migration.CreateIndex("ix_accounts_accounts_normalized_username", "accounts_accounts", "normalized_username", unique: true);

        migration.CreateTable(
            name: "accounts_sessions",
            columns: t => new
            {
                id = t.Column<string>(maxLength: 64),
                account_id = t.Column<string>(maxLength: 64),
                api = t.Column<string>(maxLength: 32),
                method = t.Column<string>(maxLength: 32),
                created_at = t.Column<DateTime>(),
                last_seen_at = t.Column<DateTime>(),
                expires_at = t.Column<DateTime>(),
                revoked_at = t.Column<DateTime>(nullable: true),
                revoked_reason = t.Column<string>(maxLength: 64, nullable: true),
                ip_address = t.Column<string>(maxLength: 64, nullable: true),
                user_agent = t.Column<string>(maxLength: 500, nullable: true),
            },
            constraints: t => t.PrimaryKey("pk_accounts_sessions", x => x.id));
        migration.CreateIndex("ix_accounts_sessions_account_id_api_revoked_at", "accounts_sessions", ["account_id", "api", "revoked_at"]);

        migration.CreateTable(
            name: "accounts_refresh_tokens",
            columns: t => new
            {
                id = t.Column<string>(maxLength: 64),
                session_id = t.Column<string>(maxLength: 64),
                account_id = t.Column<string>(maxLength: 64),
                token_hash = t.Column<string>(maxLength: 64),
                created_at = t.Column<DateTime>(),
                expires_at = t.Column<DateTime>(),
                used_at = t.Column<DateTime>(nullable: true),
            },
            constraints: t => t.PrimaryKey("pk_accounts_refresh_tokens", x => x.id));
        migration.CreateIndex("ix_accounts_refresh_tokens_token_hash", "accounts_refresh_tokens", "token_hash", unique: true);
        migration.CreateIndex("ix_accounts_refresh_tokens_session_id", "accounts_refresh_tokens", "session_id");

        migration.CreateTable(
            name: "accounts_one_time_tokens",
            columns: t => new
            {
                id = t.Column<string>(maxLength: 64),
                purpose = t.Column<string>(maxLength: 32),
                account_id = t.Column<string>(maxLength: 64, nullable: true),
                email = t.Column<string>(maxLength: 320),
                api = t.Column<string>(maxLength: 32),
                token_hash = t.Column<string>(maxLength: 64),
                created_at = t.Column<DateTime>(),
                expires_at = t.Column<DateTime>(),
                used_at = t.Column<DateTime>(nullable: true),
            },
            constraints: t => t.PrimaryKey("pk_accounts_one_time_tokens", x => x.id));
        migration.CreateIndex("ix_accounts_one_time_tokens_token_hash", "accounts_one_time_tokens", "token_hash", unique: true);

        migration.CreateTable(
            name: "accounts_backup_codes",
            columns: t => new
            {
                id = t.Column<string>(maxLength: 64),
                account_id = t.Column<string>(maxLength: 64),
                code_hash = t.Column<string>(maxLength: 64),
                created_at = t.Column<DateTime>(),
                used_at = t.Column<DateTime>(nullable: true),
            },
            constraints: t => t.PrimaryKey("pk_accounts_backup_codes", x => x.id));
        migration.CreateIndex("ix_accounts_backup_codes_account_id_code_hash", "accounts_backup_codes", ["account_id", "code_hash"]);

        migration.CreateTable(
            name: "accounts_login_failures",
            columns: t => new
            {
                id = t.Column<string>(maxLength: 64),
                login_key = t.Column<string>(maxLength: 400),
                failed_at = t.Column<DateTime>(),
            },
            constraints: t => t.PrimaryKey("pk_accounts_login_failures", x => x.id));
        migration.CreateIndex("ix_accounts_login_failures_login_key_failed_at", "accounts_login_failures", ["login_key", "failed_at"]);

        migration.CreateTable(
            name: "accounts_secrets",
            columns: t => new
            {
                name = t.Column<string>(maxLength: 64),
                value = t.Column<string>(maxLength: 512),
                created_at = t.Column<DateTime>(),
            },
            constraints: t => t.PrimaryKey("pk_accounts_secrets", x => x.name));
    }
}
