using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Mindstack.MindPeeker.Billing;
using Mindstack.MindPeeker.Sessions;
using Mindstack.Platform.Access;
using Mindstack.Platform.Accounts;
using Mindstack.Platform.Http;
using Mindstack.Platform.Storage;

namespace Mindstack.MindPeeker.Users;

internal sealed record PreferencesRequest(bool? Notifications, string? Theme, string? Language);

internal sealed record UpdateProfileRequest(string? Username, PreferencesRequest? Preferences);

/// <summary>The caller's profile, its preferences and statistics.</summary>
internal static class UserEndpoints
{
    private static readonly string[] Themes = ["light", "dark", "system"];

    public static void Map(RouteGroupBuilder api)
    {
        var users = api.MapGroup("/users/me");
        users.MapGet("", GetAsync).WithSummary("The caller's profile with credits and usage");
        users.MapPut("", UpdateAsync).WithSummary("Change the username or preferences");
        users.MapGet("/stats", StatsAsync).WithSummary("Session statistics by period or date range, with a daily breakdown");
    }

    private static async Task<IResult> GetAsync(Caller caller, IAccountService accounts, MindPeekerCredits credits, MindstackDbContext db,
        TimeProvider clock, MindPeekerDialect dialect, CancellationToken cancellationToken)
    {
        var account = await accounts.FindAsync(caller.AccountId, cancellationToken) ?? throw Problem.NotFound("User not found", "NOT_FOUND");
        await credits.EnsureMonthlyGrantAsync(account.Id, account.Tier, cancellationToken);
        var profile = await db.Set<PeekerProfile>().AsNoTracking().FirstAsync(p => p.AccountId == account.Id, cancellationToken);
        var now = clock.GetUtcNow().UtcDateTime;
        var monthStart = new DateTime(now.Year, now.Month, 1, 0, 0, 0, DateTimeKind.Utc);
        var mine = db.Set<PeekSession>().AsNoTracking().Where(s => s.AccountId == account.Id);
        var completed = await mine.CountAsync(s => s.Status == SessionStatus.Completed, cancellationToken);
        var failed = await mine.CountAsync(s => s.Status == SessionStatus.Failed, cancellationToken);
        return dialect.Ok(new
        {
            account.Id,
            account.Email,
            account.Username,
            Tier = Tier.Of(account.Tier).Name,
            Credits = await credits.AvailableAsync(account.Id, cancellationToken),
            account.CreatedAt,
            LastLogin = account.LastLoginAt,
            Preferences = Preferences(profile),
            UsageStats = new
            {
                SessionsThisMonth = await mine.CountAsync(s => s.CreatedAt >= monthStart, cancellationToken),
                TotalSessions = await mine.CountAsync(cancellationToken),
                SuccessRate = UsageStats.SuccessRate(completed, failed),
            },
        });
    }

    private static async Task<IResult> UpdateAsync(Caller caller, Body<UpdateProfileRequest> body, IAccountService accounts,
        MindstackDbContext db, TimeProvider clock, MindPeekerDialect dialect, CancellationToken cancellationToken)
    {
        var request = body.Value;
        var account = await db.Set<Account>().FirstOrDefaultAsync(a => a.Id == caller.AccountId, cancellationToken)
            ?? throw Problem.NotFound("User not found", "NOT_FOUND");
        var profile = await db.Set<PeekerProfile>().FirstOrDefaultAsync(p => p.AccountId == account.Id, cancellationToken);
        if (profile is null)
        {
            profile = new PeekerProfile { AccountId = account.Id, CreatedAt = clock.GetUtcNow().UtcDateTime };
            db.Add(profile);
        }
        if (request.Username is { } username && !string.Equals(username, account.Username, StringComparison.Ordinal))
        {
            var problems = MindPeekerApi.Accounts.Username.Check(username);
            if (problems.Count > 0)
            {
                throw SessionRules.InvalidValue("username", problems[0]);
            }
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
            if (preferences.Theme is { } theme && !Themes.Contains(theme))
            {
                throw SessionRules.InvalidValue("preferences.theme", "One of light, dark, system");
            }
            if (preferences.Language is { } language && (language.Length is < 2 or > 16 || !language.All(c => char.IsAsciiLetter(c) || c == '-')))
            {
                throw SessionRules.InvalidValue("preferences.language", "A language tag such as en or pt-BR");
            }
            profile.Notifications = preferences.Notifications ?? profile.Notifications;
            profile.Theme = preferences.Theme ?? profile.Theme;
            profile.Language = preferences.Language ?? profile.Language;
        }
        await db.SaveChangesAsync(cancellationToken);
        return dialect.Ok(new { account.Id, account.Username, Preferences = Preferences(profile) }, "Profile updated successfully");
    }

    private static async Task<IResult> StatsAsync(Caller caller, string? period, [FromQuery(Name = "start_date")] string? startDate,
        [FromQuery(Name = "end_date")] string? endDate,
        MindPeekerCredits credits, MindstackDbContext db, TimeProvider clock, MindPeekerDialect dialect, CancellationToken cancellationToken)
    {
        var range = StatsRange.Parse(period, startDate, endDate, clock.GetUtcNow().UtcDateTime);
        // credits_remaining is the balance after this month's included credits, as /users/me and /billing show it.
        await credits.EnsureMonthlyGrantAsync(caller.AccountId, caller.Tier, cancellationToken);
        var remaining = await credits.AvailableAsync(caller.AccountId, cancellationToken);
        return dialect.Ok(await UsageStats.ComputeAsync(db, caller.AccountId, range, remaining, cancellationToken));
    }

    private static object Preferences(PeekerProfile profile) => new { profile.Notifications, profile.Theme, profile.Language };
}
