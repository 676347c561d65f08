using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Migrations;
using Mindstack.Platform.Storage;

namespace Mindstack.Platform.Accounts;

/// <summary>
/// Encrypts the accounts' secrets that must be read back (the JWT signing key, TOTP secrets) with
/// Data Protection. A stored value is <c>dp1:</c> + the protected payload; a value without the
/// prefix is one stored in plain text by an older version, still read as it is until the start-time
/// upgrade (<see cref="AccountSecretsUpgrade"/>) rewrites it encrypted.
/// </summary>
internal sealed class AccountSecretProtector(IDataProtectionProvider provider)
{
    private const string Prefix = "dp1:";
    private readonly IDataProtector _signingKey = provider.CreateProtector("Mindstack.Accounts", "jwt_signing_key");
    private readonly IDataProtector _totp = provider.CreateProtector("Mindstack.Accounts", "totp_secret");

    public static bool IsProtected(string stored) => stored.StartsWith(Prefix, StringComparison.Ordinal);

    public string ProtectSigningKey(string plain) => Prefix + _signingKey.Protect(plain);

    public string RevealSigningKey(string stored) => IsProtected(stored) ? _signingKey.Unprotect(stored[Prefix.Length..]) : stored;

    public string ProtectTotp(string plain) => Prefix + _totp.Protect(plain);

    public string RevealTotp(string stored) => IsProtected(stored) ? _totp.Unprotect(stored[Prefix.Length..]) : stored;
}

/// <summary>
/// At start: the signing key and the TOTP secrets an older version stored in plain text are
/// rewritten encrypted. Each row is rewritten only if it still holds the plain value, so a node
/// writing meanwhile (or a second node doing the same upgrade) loses nothing.
/// </summary>
internal sealed class AccountSecretsUpgrade(MindstackDbContext db, AccountSecretProtector protector) : IStoredSecretsUpgrade
{
    public async Task UpgradeAsync(CancellationToken cancellationToken)
    {
        var plainSecrets = await db.Set<AccountsSecret>().AsNoTracking()
            .Where(s => !s.Value.StartsWith("dp1:"))
            .ToListAsync(cancellationToken);
        foreach (var secret in plainSecrets)
        {
            var encrypted = protector.ProtectSigningKey(secret.Value);
            await db.Set<AccountsSecret>()
                .Where(s => s.Name == secret.Name && s.Value == secret.Value)
                .ExecuteUpdateAsync(u => u.SetProperty(s => s.Value, encrypted), cancellationToken);
        }

        var plainTotp = await db.Set<Account>().AsNoTracking()
            .Where(a => (a.TwoFactorSecret != null && !a.TwoFactorSecret.StartsWith("dp1:"))
                || (a.TwoFactorPendingSecret != null && !a.TwoFactorPendingSecret.StartsWith("dp1:")))
            .Select(a => new { a.Id, a.TwoFactorSecret, a.TwoFactorPendingSecret })
            .ToListAsync(cancellationToken);
        foreach (var account in plainTotp)
        {
            if (account.TwoFactorSecret is { } secret && !AccountSecretProtector.IsProtected(secret))
            {
                var encrypted = protector.ProtectTotp(secret);
                await db.Set<Account>()
                    .Where(a => a.Id == account.Id && a.TwoFactorSecret == secret)
                    .ExecuteUpdateAsync(u => u.SetProperty(a => a.TwoFactorSecret, encrypted), cancellationToken);
            }
            if (account.TwoFactorPendingSecret is { } pending && !AccountSecretProtector.IsProtected(pending))
            {
                var encrypted = protector.ProtectTotp(pending);
                await db.Set<Account>()
                    .Where(a => a.Id == account.Id && a.TwoFactorPendingSecret == pending)
                    .ExecuteUpdateAsync(u => u.SetProperty(a => a.TwoFactorPendingSecret, encrypted), cancellationToken);
            }
        }
    }
}

/// <summary>An encrypted TOTP secret is longer than the 64 characters its columns were made for (PostgreSQL enforces it; SQLite does not).</summary>
internal sealed class AccountsSecretsAtRestMigration : SchemaMigration
{
    public override string Id => "2026120602_accounts_secrets_at_rest";

    public override void Up(MigrationBuilder migration, DatabaseProvider provider)
    {
        if (provider != DatabaseProvider.Postgres)
        {
            return;
        }
        foreach (var column in new[] { "two_factor_secret", "two_factor_pending_secret" })
        {
            migration.AlterColumn<string>(column, "accounts_accounts", maxLength: 512, nullable: true, oldMaxLength: 64, oldNullable: true);
        }
    }
}
