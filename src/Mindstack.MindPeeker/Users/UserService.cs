using Microsoft.EntityFrameworkCore;
using Mindstack.MindPeeker.Billing;
using Mindstack.MindPeeker.Sessions;
using Mindstack.Platform.Access;
using Mindstack.Platform.Accounts;
using Mindstack.Platform.Http;
using Mindstack.Platform.Storage;

namespace Mindstack.MindPeeker.Users;

/// <summary>The caller's account as <c>/users/me</c> shows it: profile, credits and session counts.</summary>
internal sealed record UserProfile(Account Account, PeekerProfile Profile, long Credits, int SessionsThisMonth, int TotalSessions, double SuccessRate);

/// <summary>The caller's profile, its preferences and statistics.</summary>
internal sealed class UserService(IAccountService accounts, MindPeekerCredits credits, MindstackDbContext db, TimeProvider clock)
{
    private static readonly string[] Themes = ["light", "dark", "system"];

    private static Problem NotFound() => Problem.NotFound("User not found", "NOT_FOUND");

    /// <summary>
    /// The profile with this month's credits granted first, so the balance shown includes them. Two
    /// round trips once the month is granted: the account, its profile (with the grant marker) and
    /// its session counts in one query, then the balance.
    /// </summary>
    public async Task<UserProfile> GetAsync(string accountId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var monthStart = new DateTime(now.Year, now.Month, 1, 0, 0, 0, DateTimeKind.Utc);
        // Both reads on one open of the connection (EF would open and close it around each).
        return await db.ReadOnOneOpenAsync((Service: this, AccountId: accountId, Now: now, MonthStart: monthStart),
            static (_, read, ct) => read.Service.GetOpenAsync(read.AccountId, read.Now, read.MonthStart, ct), cancellationToken);
    }

    private sealed record ProfileRow(Account Account, PeekerProfile? Profile, int Total, int ThisMonth, int Completed, int Failed);

    // Compiled once per model: the read behind GET /users/me, without EF's per-request LINQ work.
    private static readonly CompiledQuery<Func<MindstackDbContext, string, DateTime, CancellationToken, Task<ProfileRow?>>> ProfileWithCounts = new(() =>
        EF.CompileAsyncQuery((MindstackDbContext db, string accountId, DateTime monthStart, CancellationToken _) => (
            from a in db.Set<Account>().AsNoTracking()
            where a.Id == accountId
            join p in db.Set<PeekerProfile>().AsNoTracking() on a.Id equals p.AccountId into profiles
            from p in profiles.DefaultIfEmpty()
            select new ProfileRow(
                a,
                p,
                db.Set<PeekSession>().Count(s => s.AccountId == a.Id),
                db.Set<PeekSession>().Count(s => s.AccountId == a.Id && s.CreatedAt >= monthStart),
                db.Set<PeekSession>().Count(s => s.AccountId == a.Id && s.Status == SessionStatus.Completed),
                db.Set<PeekSession>().Count(s => s.AccountId == a.Id && s.Status == SessionStatus.Failed))).FirstOrDefault()));

    private async Task<UserProfile> GetOpenAsync(string accountId, DateTime now, DateTime monthStart, CancellationToken cancellationToken)
    {
        var row = await ProfileWithCounts.For(db)(db, accountId, monthStart, cancellationToken) ?? throw NotFound();
        var account = row.Account;
        var profile = row.Profile;
        if (profile is null || profile.LastCreditGrantMonth != MindPeekerCredits.Month(now) || profile.LastCreditGrantTier != Tier.Of(account.Tier).Name)
        {
            // Once a month (or after a tier change): the grant reads and tracks the profile, making it if missing.
            await credits.EnsureMonthlyGrantAsync(account.Id, account.Tier, cancellationToken);
            profile = db.Set<PeekerProfile>().Local.FirstOrDefault(p => p.AccountId == account.Id)
                ?? await db.Set<PeekerProfile>().AsNoTracking().FirstAsync(p => p.AccountId == account.Id, cancellationToken);
        }
        return new UserProfile(account, profile, await credits.AvailableAsync(account.Id, cancellationToken),
            row.ThisMonth, row.Total, UsageStats.SuccessRate(row.Completed, row.Failed));
    }

    /// <summary>Changes the username and preferences; every field is checked and the first failure named.</summary>
    public async Task<(Account Account, PeekerProfile Profile)> UpdateAsync(string accountId, UpdateProfileRequest request,
        CancellationToken cancellationToken)
    {
        var account = await db.Set<Account>().FirstOrDefaultAsync(a => a.Id == accountId, cancellationToken) ?? throw NotFound();
        var usernameChanged = request.Username is { } wanted && !string.Equals(wanted, account.Username, StringComparison.Ordinal);
        var validation = new Validation();
        if (usernameChanged && MindPeekerApi.Accounts.Username.Check(request.Username!) is [var problem, ..])
        {
            validation.InvalidValue("username", problem);
        }
        if (request.Preferences?.Theme is { } theme && !Themes.Contains(theme))
        {
            validation.InvalidValue("preferences.theme", "One of light, dark, system");
        }
        if (request.Preferences?.Language is { } language && (language.Length is < 2 or > 16 || !language.All(c => char.IsAsciiLetter(c) || c == '-')))
        {
            validation.InvalidValue("preferences.language", "A language tag such as en or pt-BR");
        }
        validation.ThrowFirstIfInvalid();

        var profile = await db.Set<PeekerProfile>().FirstOrDefaultAsync(p => p.AccountId == account.Id, cancellationToken);
        if (profile is null)
        {
            profile = new PeekerProfile { AccountId = account.Id, CreatedAt = clock.GetUtcNow().UtcDateTime };
            db.Add(profile);
        }
        if (usernameChanged)
        {
            var username = request.Username!;
            if (!string.Equals(username, account.Username, StringComparison.OrdinalIgnoreCase)
                && !await accounts.IsUsernameAvailableAsync(username, cancellationToken))
            {
                throw Problem.Conflict("Username already taken", "USERNAME_TAKEN");
            }
            account.Username = username;
            account.NormalizedUsername = username.ToLowerInvariant();
        }
        if (request.Preferences is { } preferences)
        {
            profile.Notifications = preferences.Notifications ?? profile.Notifications;
            profile.Theme = preferences.Theme ?? profile.Theme;
            profile.Language = preferences.Language ?? profile.Language;
        }
        await db.SaveChangesAsync(cancellationToken);
        return (account, profile);
    }

    /// <summary>Statistics over the range; credits_remaining is the balance after this month's included credits, as /users/me and /billing show it.</summary>
    public async Task<StatsView> StatsAsync(Caller caller, StatsParameters query, CancellationToken cancellationToken)
    {
        var range = StatsRange.Parse(query.Period, query.StartDate, query.EndDate, clock.GetUtcNow().UtcDateTime);
        await credits.EnsureMonthlyGrantAsync(caller.AccountId, caller.Tier, cancellationToken);
        var remaining = await credits.AvailableAsync(caller.AccountId, cancellationToken);
        return await UsageStats.ComputeAsync(db, caller.AccountId, range, remaining, cancellationToken);
    }

    /// <summary>A new account's MindPeeker profile.</summary>
    public async Task CreateProfileAsync(string accountId, bool marketingConsent, CancellationToken cancellationToken)
    {
        db.Add(new PeekerProfile { AccountId = accountId, MarketingConsent = marketingConsent, CreatedAt = clock.GetUtcNow().UtcDateTime });
        await db.SaveChangesAsync(cancellationToken);
    }
}
