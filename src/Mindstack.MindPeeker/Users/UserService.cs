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

    /// <summary>The profile with this month's credits granted first, so the balance shown includes them.</summary>
    public async Task<UserProfile> GetAsync(string accountId, CancellationToken cancellationToken)
    {
        var account = await accounts.FindAsync(accountId, cancellationToken) ?? throw NotFound();
        await credits.EnsureMonthlyGrantAsync(account.Id, account.Tier, cancellationToken);
        // The grant check has just read (and tracks) the profile: no second read.
        var profile = db.Set<PeekerProfile>().Local.FirstOrDefault(p => p.AccountId == account.Id)
            ?? await db.Set<PeekerProfile>().AsNoTracking().FirstAsync(p => p.AccountId == account.Id, cancellationToken);
        var now = clock.GetUtcNow().UtcDateTime;
        var monthStart = new DateTime(now.Year, now.Month, 1, 0, 0, 0, DateTimeKind.Utc);
        // One aggregate query for the four counts.
        var counts = await db.Set<PeekSession>().AsNoTracking().Where(s => s.AccountId == account.Id)
            .GroupBy(_ => 1)
            .Select(g => new
            {
                Total = g.Count(),
                ThisMonth = g.Count(s => s.CreatedAt >= monthStart),
                Completed = g.Count(s => s.Status == SessionStatus.Completed),
                Failed = g.Count(s => s.Status == SessionStatus.Failed),
            })
            .FirstOrDefaultAsync(cancellationToken);
        return new UserProfile(account, profile, await credits.AvailableAsync(account.Id, cancellationToken),
            counts?.ThisMonth ?? 0, counts?.Total ?? 0, UsageStats.SuccessRate(counts?.Completed ?? 0, counts?.Failed ?? 0));
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
