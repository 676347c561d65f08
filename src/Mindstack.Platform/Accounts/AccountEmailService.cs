using Microsoft.EntityFrameworkCore;
using Mindstack.Platform.Audit;
using Mindstack.Platform.Email;
using Mindstack.Platform.Http;
using Mindstack.Platform.Storage;

namespace Mindstack.Platform.Accounts;

/// <summary>
/// The flows that go through a link in an email: magic-link sign-in, email verification and
/// password reset. Tokens are random, stored only as a SHA-256, single use, and expire per the
/// policy. <c>linkFor</c> turns a token into the URL the module's client opens.
/// </summary>
public interface IAccountEmailService
{
    /// <summary>
    /// Emails a sign-in link. With <paramref name="createIfMissing"/>, an unknown address gets one
    /// too and its account is made when the link is opened.
    /// </summary>
    Task SendMagicLinkAsync(string email, AuthPolicy policy, Func<string, string> linkFor, bool createIfMissing = true,
        CancellationToken cancellationToken = default);

    /// <summary>Spends a magic-link token: verifies the email, creates the account if needed, starts a session.</summary>
    Task<TokenPair> SignInWithMagicLinkAsync(string token, AuthPolicy policy, CancellationToken cancellationToken = default);

    Task SendEmailVerificationAsync(string accountId, AuthPolicy policy, Func<string, string> linkFor, CancellationToken cancellationToken = default);

    Task<Account> VerifyEmailAsync(string token, AuthPolicy policy, CancellationToken cancellationToken = default);

    /// <summary>Emails a reset link when the address has an account; says nothing either way (no account discovery).</summary>
    Task SendPasswordResetAsync(string email, AuthPolicy policy, Func<string, string> linkFor, CancellationToken cancellationToken = default);

    /// <summary>Spends a reset token, sets the new password under the policy and ends every session of the account.</summary>
    Task<Account> ResetPasswordAsync(string token, string newPassword, AuthPolicy policy, CancellationToken cancellationToken = default);
}

internal sealed class AccountEmailService(
    MindstackDbContext db,
    IIdGenerator ids,
    TimeProvider clock,
    AccountService accounts,
    SessionService sessions,
    IEmailQueue email,
    IAuditLog audit,
    Microsoft.AspNetCore.Identity.IPasswordHasher<Account> hasher) : IAccountEmailService
{
    private const string MagicLink = "magic_link";
    private const string VerifyEmail = "verify_email";
    private const string ResetPassword = "reset_password";

    public async Task SendMagicLinkAsync(string address, AuthPolicy policy, Func<string, string> linkFor, bool createIfMissing = true,
        CancellationToken cancellationToken = default)
    {
        address = address?.Trim() ?? "";
        if (!AccountService.IsValidEmail(address))
        {
            throw Problem.Invalid("email", "Invalid email format");
        }
        var account = await accounts.FindByEmailAsync(address, cancellationToken);
        if (account is null && !createIfMissing)
        {
            return;
        }
        var token = Issue(MagicLink, account?.Id, account?.Email ?? address, policy, policy.MagicLinkLifetime);
        email.Enqueue(new EmailMessage(account?.Email ?? address, $"Your {policy.DisplayName} sign-in link",
            $"""
            Hello,

            Open this link to sign in to {policy.DisplayName}:

            {linkFor(token)}

            The link works once and expires in {Describe(policy.MagicLinkLifetime)}. If you did not ask for it, ignore this email.
            """));
        // One commit: the single-use token and the job that emails it.
        await db.SaveChangesAsync(cancellationToken);
        await audit.RecordAsync(new AuditRecord("auth.magic_link_sent", account?.Id, "account", account?.Id) { Api = policy.Audience },
            cancellationToken);
    }

    public async Task<TokenPair> SignInWithMagicLinkAsync(string token, AuthPolicy policy, CancellationToken cancellationToken = default)
    {
        var row = await SpendAsync(MagicLink, token, policy, cancellationToken);
        var account = row.AccountId is null
            ? await accounts.FindByEmailAsync(row.Email, cancellationToken)
            : await accounts.FindAsync(row.AccountId, cancellationToken);
        account ??= await CreatePasswordlessAsync(row.Email, policy, cancellationToken);
        if (!account.EmailVerified)
        {
            account.EmailVerified = true;
        }
        var pair = await sessions.StartSessionAsync(account, policy, "magic_link", cancellationToken);
        return pair;
    }

    public async Task SendEmailVerificationAsync(string accountId, AuthPolicy policy, Func<string, string> linkFor,
        CancellationToken cancellationToken = default)
    {
        var account = await accounts.RequireAsync(accountId, cancellationToken);
        if (account.EmailVerified)
        {
            throw Problem.BadRequest("Email is already verified", "EMAIL_ALREADY_VERIFIED");
        }
        var token = Issue(VerifyEmail, account.Id, account.Email, policy, policy.EmailVerificationLifetime);
        email.Enqueue(new EmailMessage(account.Email, $"Verify your {policy.DisplayName} email address",
            $"""
            Hello,

            Open this link to verify your email address for {policy.DisplayName}:

            {linkFor(token)}

            The link expires in {Describe(policy.EmailVerificationLifetime)}.
            """));
        // One commit: the single-use token and the job that emails it.
        await db.SaveChangesAsync(cancellationToken);
    }

    public async Task<Account> VerifyEmailAsync(string token, AuthPolicy policy, CancellationToken cancellationToken = default)
    {
        var row = await SpendAsync(VerifyEmail, token, policy, cancellationToken);
        var account = await accounts.RequireAsync(row.AccountId!, cancellationToken);
        if (!string.Equals(account.NormalizedEmail, AccountService.Normalize(row.Email), StringComparison.Ordinal))
        {
            // The address changed since the link was sent; it proves nothing about the new one.
            throw Problem.BadRequest("Invalid or expired token", "INVALID_TOKEN");
        }
        account.EmailVerified = true;
        audit.Add(new AuditRecord("auth.email_verified", account.Id, "account", account.Id) { Api = policy.Audience });
        await db.SaveChangesAsync(cancellationToken);
        return account;
    }

    public async Task SendPasswordResetAsync(string address, AuthPolicy policy, Func<string, string> linkFor,
        CancellationToken cancellationToken = default)
    {
        var account = string.IsNullOrWhiteSpace(address) ? null : await accounts.FindByEmailAsync(address, cancellationToken);
        if (account is null)
        {
            return;
        }
        var token = Issue(ResetPassword, account.Id, account.Email, policy, policy.PasswordResetLifetime);
        email.Enqueue(new EmailMessage(account.Email, $"Reset your {policy.DisplayName} password",
            $"""
            Hello,

            Open this link to choose a new {policy.DisplayName} password:

            {linkFor(token)}

            The link works once and expires in {Describe(policy.PasswordResetLifetime)}. If you did not ask for it, ignore this email; your password stays as it is.
            """));
        // One commit: the single-use token and the job that emails it.
        await db.SaveChangesAsync(cancellationToken);
        await audit.RecordAsync(new AuditRecord("auth.password_reset_requested", account.Id, "account", account.Id) { Api = policy.Audience },
            cancellationToken);
    }

    public async Task<Account> ResetPasswordAsync(string token, string newPassword, AuthPolicy policy, CancellationToken cancellationToken = default)
    {
        // Check the new password first, so a rejected one does not burn the link.
        policy.Password.Enforce(newPassword);
        var row = await SpendAsync(ResetPassword, token, policy, cancellationToken);
        var account = await accounts.RequireAsync(row.AccountId!, cancellationToken);
        account.PasswordHash = hasher.HashPassword(account, newPassword);
        audit.Add(new AuditRecord("auth.password_reset", account.Id, "account", account.Id) { Api = policy.Audience });
        await db.SaveChangesAsync(cancellationToken);
        await sessions.RevokeAllSessionsAsync(account.Id, null, "password_reset", cancellationToken);
        return account;
    }

    /// <summary>Adds a new single-use token to the context (saved with the email's job by the caller); returns it.</summary>
    private string Issue(string purpose, string? accountId, string address, AuthPolicy policy, TimeSpan lifetime)
    {
        var token = Secrets.NewToken();
        var now = clock.GetUtcNow().UtcDateTime;
        db.Add(new OneTimeToken
        {
            Id = ids.New("ott"),
            Purpose = purpose,
            AccountId = accountId,
            Email = address,
            Api = policy.Audience,
            TokenHash = Secrets.Hash(token),
            CreatedAt = now,
            ExpiresAt = now + lifetime,
        });
        return token;
    }

    /// <summary>Marks the token used in one conditional update, so it works exactly once even under concurrent use.</summary>
    private async Task<OneTimeToken> SpendAsync(string purpose, string token, AuthPolicy policy, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(token) || token.Length > 256)
        {
            throw Problem.BadRequest("Invalid or expired token", "INVALID_TOKEN");
        }
        var hash = Secrets.Hash(token.Trim());
        var now = clock.GetUtcNow().UtcDateTime;
        var row = await db.Set<OneTimeToken>().AsNoTracking()
            .FirstOrDefaultAsync(t => t.TokenHash == hash && t.Purpose == purpose && t.Api == policy.Audience, cancellationToken);
        var spent = row is null || row.ExpiresAt <= now ? 0 : await db.Set<OneTimeToken>()
            .Where(t => t.Id == row.Id && t.UsedAt == null)
            .ExecuteUpdateAsync(u => u.SetProperty(t => t.UsedAt, now), cancellationToken);
        if (spent == 0)
        {
            throw Problem.BadRequest("Invalid or expired token", "INVALID_TOKEN");
        }
        return row!;
    }

    private async Task<Account> CreatePasswordlessAsync(string address, AuthPolicy policy, CancellationToken cancellationToken)
    {
        var local = address[..address.IndexOf('@')];
        var baseName = policy.Username.Suggest(local, reserve: 4);
        var username = baseName;
        for (var attempt = 0; !await accounts.IsUsernameAvailableAsync(username, cancellationToken); attempt++)
        {
            username = attempt < 20
                ? baseName + Random.Shared.Next(1000, 10000).ToString(System.Globalization.CultureInfo.InvariantCulture)
                : throw Problem.Conflict("Could not choose a username", "USERNAME_TAKEN");
        }
        return await accounts.CreateAsync(new NewAccount(address, null, username) { EmailVerified = true }, policy, cancellationToken);
    }

    private static string Describe(TimeSpan lifetime) =>
        lifetime.TotalHours >= 1 && lifetime.TotalHours == Math.Floor(lifetime.TotalHours)
            ? $"{lifetime.TotalHours:0} hour{(lifetime.TotalHours == 1 ? "" : "s")}"
            : $"{lifetime.TotalMinutes:0} minutes";
}
