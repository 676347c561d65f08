using Microsoft.EntityFrameworkCore;
using Mindstack.Platform.Audit;
using Mindstack.Platform.Http;
using Mindstack.Platform.Storage;
using QRCoder;

namespace Mindstack.Platform.Accounts;

/// <summary>What an authenticator app needs: the secret, its <c>otpauth://</c> URI, and that URI as a QR PNG data URL.</summary>
public sealed record TwoFactorSetup(string Secret, string OtpAuthUri, string QrCodeDataUrl);

/// <summary>TOTP two-factor authentication (RFC 6238: SHA-1, 6 digits, 30 s, ±1 step) with one-time backup codes.</summary>
public interface ITwoFactorService
{
    /// <summary>Makes a new secret, pending until <see cref="EnableAsync"/> confirms a code from it. Conflict when 2FA is on.</summary>
    Task<TwoFactorSetup> BeginSetupAsync(string accountId, AuthPolicy policy, CancellationToken cancellationToken = default);

    /// <summary>Confirms the pending secret with a code and turns 2FA on; returns 8 backup codes, shown only now.</summary>
    Task<IReadOnlyList<string>> EnableAsync(string accountId, string code, AuthPolicy policy, CancellationToken cancellationToken = default);

    /// <summary>Turns 2FA off after the password (when the account has one) and a current TOTP or backup code.</summary>
    Task DisableAsync(string accountId, string? password, string code, AuthPolicy policy, CancellationToken cancellationToken = default);

    /// <summary>
    /// Whether a TOTP code (never one already accepted) or an unused backup code (then spent) is
    /// good for the account.
    /// </summary>
    Task<bool> VerifyAsync(string accountId, string code, AuthPolicy policy, CancellationToken cancellationToken = default);
}

internal sealed class TwoFactorService(
    MindstackDbContext db,
    IIdGenerator ids,
    TimeProvider clock,
    AccountService accounts,
    IAuditLog audit,
    AccountSecretProtector secrets) : ITwoFactorService
{
    public const int BackupCodeCount = 8;

    public async Task<TwoFactorSetup> BeginSetupAsync(string accountId, AuthPolicy policy, CancellationToken cancellationToken = default)
    {
        var account = await accounts.RequireAsync(accountId, cancellationToken);
        if (account.TwoFactorEnabled)
        {
            throw Problem.Conflict("Two-factor authentication is already enabled", "2FA_ALREADY_ENABLED");
        }
        var secret = Base32.Encode(Totp.NewSecret());
        account.TwoFactorPendingSecret = secrets.ProtectTotp(secret);
        audit.Add(new AuditRecord("2fa.setup", account.Id, "account", account.Id) { Api = policy.Audience });
        await db.SaveChangesAsync(cancellationToken);
        var uri = Totp.Uri(policy.DisplayName, account.Username ?? account.Email, secret);
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(uri, QRCodeGenerator.ECCLevel.M);
        var png = new PngByteQRCode(data).GetGraphic(5);
        return new TwoFactorSetup(secret, uri, "data:image/png;base64," + Convert.ToBase64String(png));
    }

    public async Task<IReadOnlyList<string>> EnableAsync(string accountId, string code, AuthPolicy policy, CancellationToken cancellationToken = default)
    {
        var account = await accounts.RequireAsync(accountId, cancellationToken);
        if (account.TwoFactorEnabled)
        {
            throw Problem.Conflict("Two-factor authentication is already enabled", "2FA_ALREADY_ENABLED");
        }
        if (account.TwoFactorPendingSecret is null)
        {
            throw Problem.BadRequest("Set up two-factor authentication first");
        }
        var step = Totp.Match(Base32.Decode(secrets.RevealTotp(account.TwoFactorPendingSecret)), code, clock.GetUtcNow());
        if (step is null)
        {
            await audit.RecordAsync(new AuditRecord("2fa.enabled", account.Id, "account", account.Id, Success: false,
                Error: "invalid code")
            { Api = policy.Audience }, cancellationToken);
            throw Problem.BadRequest("Invalid two-factor code", "INVALID_2FA_CODE");
        }
        account.TwoFactorSecret = account.TwoFactorPendingSecret;
        account.TwoFactorPendingSecret = null;
        account.TwoFactorEnabled = true;
        account.TwoFactorLastStep = step.Value;
        await db.Set<BackupCode>().Where(c => c.AccountId == account.Id).ExecuteDeleteAsync(cancellationToken);
        var now = clock.GetUtcNow().UtcDateTime;
        var codes = new List<string>(BackupCodeCount);
        for (var i = 0; i < BackupCodeCount; i++)
        {
            var plain = Secrets.NewBase32(10);
            var shown = plain[..5] + "-" + plain[5..];
            codes.Add(shown);
            db.Add(new BackupCode { Id = ids.New("bc"), AccountId = account.Id, CodeHash = HashBackupCode(shown), CreatedAt = now });
        }
        audit.Add(new AuditRecord("2fa.enabled", account.Id, "account", account.Id) { Api = policy.Audience });
        await db.SaveChangesAsync(cancellationToken);
        return codes;
    }

    public async Task DisableAsync(string accountId, string? password, string code, AuthPolicy policy, CancellationToken cancellationToken = default)
    {
        var account = await accounts.RequireAsync(accountId, cancellationToken);
        if (!account.TwoFactorEnabled)
        {
            throw Problem.BadRequest("Two-factor authentication is not enabled");
        }
        if (account.PasswordHash is not null && (password is null || !accounts.VerifyPassword(account, password)))
        {
            await audit.RecordAsync(new AuditRecord("2fa.disabled", account.Id, "account", account.Id, Success: false,
                Error: "invalid password")
            { Api = policy.Audience }, cancellationToken);
            throw Problem.Unauthorized("Invalid password", "INVALID_CREDENTIALS");
        }
        if (!await VerifyCodeAsync(account, code, policy, cancellationToken))
        {
            await audit.RecordAsync(new AuditRecord("2fa.disabled", account.Id, "account", account.Id, Success: false,
                Error: "invalid code")
            { Api = policy.Audience }, cancellationToken);
            throw Problem.BadRequest("Invalid two-factor code", "INVALID_2FA_CODE");
        }
        account.TwoFactorEnabled = false;
        account.TwoFactorSecret = null;
        account.TwoFactorPendingSecret = null;
        await db.Set<BackupCode>().Where(c => c.AccountId == account.Id).ExecuteDeleteAsync(cancellationToken);
        audit.Add(new AuditRecord("2fa.disabled", account.Id, "account", account.Id) { Api = policy.Audience });
        await db.SaveChangesAsync(cancellationToken);
    }

    public async Task<bool> VerifyAsync(string accountId, string code, AuthPolicy policy, CancellationToken cancellationToken = default) =>
        await VerifyCodeAsync(await accounts.RequireAsync(accountId, cancellationToken), code, policy, cancellationToken);

    internal async Task<bool> VerifyCodeAsync(Account account, string? code, AuthPolicy policy, CancellationToken cancellationToken)
    {
        if (!account.TwoFactorEnabled || account.TwoFactorSecret is null || string.IsNullOrWhiteSpace(code))
        {
            return false;
        }
        var step = Totp.Match(Base32.Decode(secrets.RevealTotp(account.TwoFactorSecret)), code, clock.GetUtcNow());
        if (step is { } matched)
        {
            // Accept each step once, atomically, so a code seen by someone else cannot be replayed
            // (nor used twice by concurrent requests on two nodes).
            var accepted = await db.Set<Account>()
                .Where(a => a.Id == account.Id && a.TwoFactorLastStep < matched)
                .ExecuteUpdateAsync(u => u.SetProperty(a => a.TwoFactorLastStep, matched), cancellationToken);
            if (accepted == 1)
            {
                account.TwoFactorLastStep = matched;
                if (db.Entry(account).State != EntityState.Detached)
                {
                    // Already written above; a later save of this entity must not write it again.
                    db.Entry(account).Property(a => a.TwoFactorLastStep).OriginalValue = matched;
                }
                return true;
            }
            return false;
        }
        var hash = HashBackupCode(code);
        var now = clock.GetUtcNow().UtcDateTime;
        var used = await db.Set<BackupCode>()
            .Where(c => c.AccountId == account.Id && c.CodeHash == hash && c.UsedAt == null)
            .ExecuteUpdateAsync(u => u.SetProperty(c => c.UsedAt, now), cancellationToken);
        if (used == 1)
        {
            await audit.RecordAsync(new AuditRecord("2fa.backup_code_used", account.Id, "account", account.Id) { Api = policy.Audience },
                cancellationToken);
            return true;
        }
        return false;
    }

    /// <summary>Backup codes are compared without dashes, spaces or case.</summary>
    private static string HashBackupCode(string code) =>
        Secrets.Hash(code.Replace("-", "", StringComparison.Ordinal).Replace(" ", "", StringComparison.Ordinal).Trim().ToUpperInvariant());
}
