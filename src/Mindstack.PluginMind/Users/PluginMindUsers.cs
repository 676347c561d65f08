using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Mindstack.Platform.Accounts;
using Mindstack.Platform.Storage;
using Mindstack.PluginMind.Auth;

namespace Mindstack.PluginMind.Users;

/// <summary>A PluginMind user: the platform account with its Google profile.</summary>
internal sealed record UserProfile(Account Account, PluginMindUser? Profile)
{
    public FlatUserView Flat => new(
        Account.Id,
        Account.Email,
        Profile?.Name ?? Account.Email.Split('@')[0],
        Profile?.Picture,
        Account.Role,
        Account.Tier,
        Account.CreatedAt,
        AccountStatus.CanAuthenticate(Account.Status));
}

/// <summary>Google users as platform accounts: one account per person, found by Google id, then email.</summary>
internal sealed class PluginMindUsers(
    MindstackDbContext db,
    IAccountService accounts,
    IOptions<PluginMindOptions> options,
    TimeProvider clock)
{
    /// <summary>
    /// Finds or creates the account of a verified Google identity and records its profile. A Google
    /// user is joined to an existing account found by email only when that account's email is
    /// verified on our side: otherwise whoever typed the address there (never proven to own it)
    /// would share the account with the Google user, or the reverse. Such a sign-in is refused
    /// (409), since a second account cannot hold the same email.
    /// </summary>
    public async Task<UserProfile> SignInAsync(GoogleIdentity identity, CancellationToken ct)
    {
        var profile = await db.Set<PluginMindUser>().FirstOrDefaultAsync(u => u.GoogleId == identity.Subject, ct);
        var account = profile is not null
            ? await accounts.FindAsync(profile.AccountId, ct)
            : await FindLinkableAsync(identity.Email, ct);
        if (account is null)
        {
            try
            {
                account = await accounts.CreateAsync(new NewAccount(identity.Email, null) { EmailVerified = true },
                    PluginMindApi.Accounts, ct);
            }
            catch (Platform.Http.Problem problem) when (problem.Code == "EMAIL_TAKEN")
            {
                // Made meanwhile: by another first sign-in of this user, or by a registration elsewhere.
                account = await FindLinkableAsync(identity.Email, ct);
                if (account is null)
                {
                    throw;
                }
            }
        }
        if (IsConfiguredAdmin(account.Email) && account.Role != AccountRoles.Admin)
        {
            account = await accounts.SetRoleAsync(account.Id, AccountRoles.Admin, ct);
        }

        profile ??= await db.Set<PluginMindUser>().FirstOrDefaultAsync(u => u.AccountId == account.Id, ct);
        if (profile is null)
        {
            profile = new PluginMindUser { AccountId = account.Id, CreatedAt = clock.GetUtcNow().UtcDateTime };
            db.Add(profile);
        }
        profile.GoogleId = identity.Subject;
        profile.Name = identity.Name ?? profile.Name;
        profile.Picture = identity.Picture ?? profile.Picture;
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // A concurrent first sign-in stored the same profile; theirs is as good as ours.
            db.Entry(profile).State = EntityState.Detached;
            profile = await db.Set<PluginMindUser>().AsNoTracking().FirstOrDefaultAsync(u => u.AccountId == account.Id, ct);
        }
        return new UserProfile(account, profile);
    }

    public async Task<UserProfile> GetAsync(string accountId, CancellationToken ct)
    {
        var account = await accounts.FindAsync(accountId, ct)
            ?? throw Platform.Http.Problem.NotFound("User not found", "USER_NOT_FOUND");
        var profile = await db.Set<PluginMindUser>().AsNoTracking().FirstOrDefaultAsync(u => u.AccountId == accountId, ct);
        return new UserProfile(account, profile);
    }

    /// <summary>The account id of a Google subject, if that person has signed in before.</summary>
    public Task<string?> FindByGoogleIdAsync(string subject, CancellationToken ct) =>
        db.Set<PluginMindUser>().AsNoTracking().Where(u => u.GoogleId == subject).Select(u => u.AccountId).FirstOrDefaultAsync(ct);

    /// <summary>The account holding this email, if a Google user may be joined to it.</summary>
    private async Task<Account?> FindLinkableAsync(string email, CancellationToken ct)
    {
        var account = await accounts.FindByEmailAsync(email, ct);
        if (account is { EmailVerified: false })
        {
            throw Platform.Http.Problem.Conflict(
                "An account with this email already exists and its email address has not been verified, so Google sign-in "
                + "cannot join it. Verify that account's email address, then sign in with Google again.");
        }
        return account;
    }

    private bool IsConfiguredAdmin(string email) =>
        options.Value.AdminEmails.Any(a => string.Equals(a.Trim(), email, StringComparison.OrdinalIgnoreCase));
}
