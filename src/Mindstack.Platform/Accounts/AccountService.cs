using System.Net.Mail;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Mindstack.Platform.Access;
using Mindstack.Platform.Audit;
using Mindstack.Platform.Http;
using Mindstack.Platform.Storage;

namespace Mindstack.Platform.Accounts;

/// <summary>What a new account starts with. A null password makes a passwordless account.</summary>
public sealed record NewAccount(string Email, string? Password, string? Username = null)
{
    /// <summary>The tier; null means the policy's default tier.</summary>
    public string? Tier { get; init; }
    public string Role { get; init; } = AccountRoles.User;
    public bool EmailVerified { get; init; }
}

/// <summary>The account store: create, find, and change role, status, tier and password.</summary>
public interface IAccountService
{
    /// <summary>
    /// Creates an account after checking the policy's email, password and username rules
    /// (Validation problems) and uniqueness (Conflict: <c>EMAIL_TAKEN</c>, <c>USERNAME_TAKEN</c>).
    /// </summary>
    Task<Account> CreateAsync(NewAccount request, AuthPolicy policy, CancellationToken cancellationToken = default);

    Task<Account?> FindAsync(string accountId, CancellationToken cancellationToken = default);

    Task<Account?> FindByEmailAsync(string email, CancellationToken cancellationToken = default);

    /// <summary>By email or username, without regard to case.</summary>
    Task<Account?> FindByLoginAsync(string login, CancellationToken cancellationToken = default);

    Task<bool> IsEmailAvailableAsync(string email, CancellationToken cancellationToken = default);

    Task<bool> IsUsernameAvailableAsync(string username, CancellationToken cancellationToken = default);

    Task<Account> SetRoleAsync(string accountId, string role, CancellationToken cancellationToken = default);

    /// <summary>Sets the status; suspending or banning also ends every session.</summary>
    Task<Account> SetStatusAsync(string accountId, string status, CancellationToken cancellationToken = default);

    Task<Account> SetTierAsync(string accountId, string tier, CancellationToken cancellationToken = default);

    /// <summary>Checks the current password (when the account has one) and sets a new one under the policy.</summary>
    Task ChangePasswordAsync(string accountId, string? currentPassword, string newPassword, AuthPolicy policy,
        CancellationToken cancellationToken = default);

    bool VerifyPassword(Account account, string password);

    /// <summary>
    /// Moves the account to a new email after checking its password (when it has one): the address
    /// must be valid and free (<c>EMAIL_TAKEN</c>), and is unverified until proven again.
    /// </summary>
    Task<Account> ChangeEmailAsync(string accountId, string newEmail, string? password, AuthPolicy policy,
        CancellationToken cancellationToken = default);

    /// <summary>Renames the account under the policy's username rules; the name must be free (<c>USERNAME_TAKEN</c>).</summary>
    Task<Account> ChangeUsernameAsync(string accountId, string newUsername, AuthPolicy policy, CancellationToken cancellationToken = default);
}

internal sealed class AccountService(
    MindstackDbContext db,
    IIdGenerator ids,
    TimeProvider clock,
    IPasswordHasher<Account> hasher,
    IAuditLog audit,
    ICallerChanges callerChanges) : IAccountService
{
    public static string Normalize(string value) => value.Trim().ToLowerInvariant();

    public async Task<Account> CreateAsync(NewAccount request, AuthPolicy policy, CancellationToken cancellationToken = default)
    {
        var email = request.Email?.Trim() ?? "";
        var errors = new List<FieldError>();
        if (!IsValidEmail(email))
        {
            errors.Add(new FieldError("email", "Invalid email format"));
        }
        if (request.Password is not null)
        {
            errors.AddRange(policy.Password.Check(request.Password).Select(m => new FieldError("password", m)));
        }
        if (request.Username is not null)
        {
            errors.AddRange(policy.Username.Check(request.Username).Select(m => new FieldError("username", m)));
        }
        if (!AccountRoles.IsKnown(request.Role))
        {
            errors.Add(new FieldError("role", $"Role must be one of {string.Join(", ", AccountRoles.All)}"));
        }
        if (errors.Count > 0)
        {
            throw Problem.Invalid(errors);
        }
        var normalizedEmail = Normalize(email);
        var normalizedUsername = request.Username is null ? null : Normalize(request.Username);
        if (await db.Set<Account>().AnyAsync(a => a.NormalizedEmail == normalizedEmail, cancellationToken))
        {
            throw Problem.Conflict("Email already registered", "EMAIL_TAKEN");
        }
        if (normalizedUsername is not null && await db.Set<Account>().AnyAsync(a => a.NormalizedUsername == normalizedUsername, cancellationToken))
        {
            throw Problem.Conflict("Username already taken", "USERNAME_TAKEN");
        }
        var account = new Account
        {
            Id = ids.New("user"),
            Email = email,
            NormalizedEmail = normalizedEmail,
            Username = request.Username,
            NormalizedUsername = normalizedUsername,
            Role = request.Role,
            Tier = request.Tier ?? policy.DefaultTier,
            EmailVerified = request.EmailVerified,
            Status = AccountStatus.Active,
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        if (request.Password is not null)
        {
            account.PasswordHash = hasher.HashPassword(account, request.Password);
        }
        db.Add(account);
        audit.Add(new AuditRecord("account.created", account.Id, "account", account.Id) { Api = policy.Audience });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException exception) when (DbErrors.IsUniqueViolation(exception))
        {
            // A concurrent registration took the email or username between the check and the insert.
            db.ChangeTracker.Clear();
            var emailTaken = await db.Set<Account>().AnyAsync(a => a.NormalizedEmail == normalizedEmail, cancellationToken);
            throw emailTaken
                ? Problem.Conflict("Email already registered", "EMAIL_TAKEN")
                : Problem.Conflict("Username already taken", "USERNAME_TAKEN");
        }
        return account;
    }

    public Task<Account?> FindAsync(string accountId, CancellationToken cancellationToken = default) =>
        db.Set<Account>().FirstOrDefaultAsync(a => a.Id == accountId, cancellationToken);

    public Task<Account?> FindByEmailAsync(string email, CancellationToken cancellationToken = default)
    {
        var normalized = Normalize(email);
        return db.Set<Account>().FirstOrDefaultAsync(a => a.NormalizedEmail == normalized, cancellationToken);
    }

    public Task<Account?> FindByLoginAsync(string login, CancellationToken cancellationToken = default)
    {
        var normalized = Normalize(login);
        return db.Set<Account>().FirstOrDefaultAsync(a => a.NormalizedEmail == normalized || a.NormalizedUsername == normalized, cancellationToken);
    }

    public async Task<bool> IsEmailAvailableAsync(string email, CancellationToken cancellationToken = default)
    {
        var normalized = Normalize(email);
        return !await db.Set<Account>().AnyAsync(a => a.NormalizedEmail == normalized, cancellationToken);
    }

    public async Task<bool> IsUsernameAvailableAsync(string username, CancellationToken cancellationToken = default)
    {
        var normalized = Normalize(username);
        return !await db.Set<Account>().AnyAsync(a => a.NormalizedUsername == normalized, cancellationToken);
    }

    public async Task<Account> SetRoleAsync(string accountId, string role, CancellationToken cancellationToken = default)
    {
        if (!AccountRoles.IsKnown(role))
        {
            throw Problem.Invalid("role", $"Role must be one of {string.Join(", ", AccountRoles.All)}");
        }
        var account = await RequireAsync(accountId, cancellationToken);
        account.Role = role;
        audit.Add(new AuditRecord("account.role_changed", account.Id, "account", account.Id));
        await db.SaveChangesAsync(cancellationToken);
        return account;
    }

    public async Task<Account> SetStatusAsync(string accountId, string status, CancellationToken cancellationToken = default)
    {
        if (!AccountStatus.All.Contains(status))
        {
            throw Problem.Invalid("status", $"Status must be one of {string.Join(", ", AccountStatus.All)}");
        }
        var account = await RequireAsync(accountId, cancellationToken);
        account.Status = status;
        audit.Add(new AuditRecord("account.status_changed", account.Id, "account", account.Id));
        await db.SaveChangesAsync(cancellationToken);
        if (!AccountStatus.CanAuthenticate(status))
        {
            var now = clock.GetUtcNow().UtcDateTime;
            await db.Set<AccountSession>()
                .Where(s => s.AccountId == accountId && s.RevokedAt == null)
                .ExecuteUpdateAsync(u => u.SetProperty(s => s.RevokedAt, now).SetProperty(s => s.RevokedReason, "account_" + status), cancellationToken);
            await callerChanges.AccountChangedAsync(accountId, cancellationToken);
        }
        return account;
    }

    public async Task<Account> SetTierAsync(string accountId, string tier, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(tier) || tier.Length > 64)
        {
            throw Problem.Invalid("tier", "Tier is required (at most 64 characters)");
        }
        var account = await RequireAsync(accountId, cancellationToken);
        account.Tier = tier;
        audit.Add(new AuditRecord("account.tier_changed", account.Id, "account", account.Id));
        await db.SaveChangesAsync(cancellationToken);
        return account;
    }

    public async Task ChangePasswordAsync(string accountId, string? currentPassword, string newPassword, AuthPolicy policy,
        CancellationToken cancellationToken = default)
    {
        var account = await RequireAsync(accountId, cancellationToken);
        if (account.PasswordHash is not null && (currentPassword is null || !VerifyPassword(account, currentPassword)))
        {
            await audit.RecordAsync(new AuditRecord("account.password_changed", account.Id, "account", account.Id, Success: false,
                Error: "current password does not match")
            { Api = policy.Audience }, cancellationToken);
            throw Problem.Unauthorized("Current password is incorrect", "INVALID_CREDENTIALS");
        }
        policy.Password.Enforce(newPassword);
        account.PasswordHash = hasher.HashPassword(account, newPassword);
        audit.Add(new AuditRecord("account.password_changed", account.Id, "account", account.Id) { Api = policy.Audience });
        await db.SaveChangesAsync(cancellationToken);
    }

    public bool VerifyPassword(Account account, string password)
    {
        if (account.PasswordHash is null)
        {
            return false;
        }
        var result = hasher.VerifyHashedPassword(account, account.PasswordHash, password);
        if (result == PasswordVerificationResult.SuccessRehashNeeded)
        {
            // Saved with the caller's next write (a sign-in always writes).
            account.PasswordHash = hasher.HashPassword(account, password);
        }
        return result != PasswordVerificationResult.Failed;
    }

    public async Task<Account> ChangeEmailAsync(string accountId, string newEmail, string? password, AuthPolicy policy,
        CancellationToken cancellationToken = default)
    {
        var email = newEmail?.Trim() ?? "";
        if (!IsValidEmail(email))
        {
            throw Problem.Invalid("newEmail", "Invalid email format");
        }
        var account = await RequireAsync(accountId, cancellationToken);
        if (account.PasswordHash is not null && (password is null || !VerifyPassword(account, password)))
        {
            await audit.RecordAsync(new AuditRecord("account.email_changed", account.Id, "account", account.Id, Success: false,
                Error: "password does not match")
            { Api = policy.Audience }, cancellationToken);
            throw Problem.Unauthorized("Password is incorrect", "INVALID_CREDENTIALS");
        }
        var normalized = Normalize(email);
        if (normalized == account.NormalizedEmail)
        {
            throw Problem.BadRequest("That is already the account's email", "EMAIL_UNCHANGED");
        }
        if (await db.Set<Account>().AnyAsync(a => a.NormalizedEmail == normalized, cancellationToken))
        {
            throw Problem.Conflict("Email already registered", "EMAIL_TAKEN");
        }
        account.Email = email;
        account.NormalizedEmail = normalized;
        account.EmailVerified = false;
        audit.Add(new AuditRecord("account.email_changed", account.Id, "account", account.Id) { Api = policy.Audience });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException exception) when (DbErrors.IsUniqueViolation(exception))
        {
            db.ChangeTracker.Clear();
            throw Problem.Conflict("Email already registered", "EMAIL_TAKEN");
        }
        return account;
    }

    public async Task<Account> ChangeUsernameAsync(string accountId, string newUsername, AuthPolicy policy,
        CancellationToken cancellationToken = default)
    {
        policy.Username.Enforce(newUsername, "newUsername");
        var account = await RequireAsync(accountId, cancellationToken);
        var normalized = Normalize(newUsername);
        if (normalized != account.NormalizedUsername
            && await db.Set<Account>().AnyAsync(a => a.NormalizedUsername == normalized, cancellationToken))
        {
            throw Problem.Conflict("Username already taken", "USERNAME_TAKEN");
        }
        account.Username = newUsername;
        account.NormalizedUsername = normalized;
        audit.Add(new AuditRecord("account.username_changed", account.Id, "account", account.Id) { Api = policy.Audience });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException exception) when (DbErrors.IsUniqueViolation(exception))
        {
            db.ChangeTracker.Clear();
            throw Problem.Conflict("Username already taken", "USERNAME_TAKEN");
        }
        return account;
    }

    /// <summary>Verifies against a throwaway hash, so an unknown login costs as much time as a known one.</summary>
    public void SpendVerificationTime(string password)
    {
        var dummy = new Account { Id = "user_none", Email = "", NormalizedEmail = "" };
        // Made by the configured hasher, so it costs what a stored hash costs.
        _dummyHash ??= hasher.HashPassword(dummy, Secrets.NewToken());
        _ = hasher.VerifyHashedPassword(dummy, _dummyHash, password);
    }

    private static string? _dummyHash;

    internal async Task<Account> RequireAsync(string accountId, CancellationToken cancellationToken) =>
        await FindAsync(accountId, cancellationToken) ?? throw Problem.NotFound("Account not found", "USER_NOT_FOUND");

    public static bool IsValidEmail(string email) =>
        email.Length is > 2 and <= 320
        && MailAddress.TryCreate(email, out var parsed)
        && string.Equals(parsed.Address, email, StringComparison.Ordinal)
        && email.IndexOf('@') is > 0 and var at && email.IndexOf('.', at) > at + 1 && !email.EndsWith('.');
}
