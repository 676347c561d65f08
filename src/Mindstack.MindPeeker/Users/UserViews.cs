namespace Mindstack.MindPeeker.Users;

internal sealed record PreferencesView(bool Notifications, string Theme, string Language)
{
    public static PreferencesView Of(PeekerProfile profile) => new(profile.Notifications, profile.Theme, profile.Language);
}

internal sealed record UserUsageView(int SessionsThisMonth, int TotalSessions, double SuccessRate);

/// <summary><c>GET /users/me</c>: the profile with credits and usage.</summary>
internal sealed record UserView(string Id, string Email, string? Username, string Tier, long Credits, DateTime CreatedAt, DateTime? LastLogin,
    PreferencesView Preferences, UserUsageView UsageStats);

/// <summary><c>PUT /users/me</c>: what can be changed, as changed.</summary>
internal sealed record ProfileUpdatedView(string Id, string? Username, PreferencesView Preferences);

internal sealed record StatsSessionsView(int Total, int Completed, int Pending, int Failed, int Cancelled);

internal sealed record StatsDayView(string Date, int Sessions, long CreditsUsed);

/// <summary><c>GET /users/me/stats</c>: session statistics of a period or date range, with a daily breakdown.</summary>
internal sealed record StatsView(string Period, DateTime StartDate, DateTime EndDate, StatsSessionsView Sessions, long CreditsUsed,
    long CreditsRemaining, double SuccessRate, double AverageConfidence, Dictionary<string, int> SessionTypes,
    IReadOnlyList<StatsDayView> DailyBreakdown);
