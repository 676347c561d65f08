using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Mindstack.Platform.Access;
using Mindstack.Platform.Http;

namespace Mindstack.MindPeeker.Users;

internal sealed record PreferencesRequest(bool? Notifications, string? Theme, string? Language);

internal sealed record UpdateProfileRequest(string? Username, PreferencesRequest? Preferences);

/// <summary>The query of <c>GET /users/me/stats</c>: a period, or a date range that wins over it.</summary>
internal sealed class StatsParameters
{
    public string? Period { get; init; }

    [FromQuery(Name = "start_date")]
    public string? StartDate { get; init; }

    [FromQuery(Name = "end_date")]
    public string? EndDate { get; init; }
}

/// <summary>The caller's profile, its preferences and statistics.</summary>
internal static class UserEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        var users = api.MapGroup("/users/me");
        users.MapGet("", GetAsync).WithSummary("The caller's profile with credits and usage").ProducesEnvelope<UserView>();
        users.MapPut("", UpdateAsync).WithSummary("Change the username or preferences").ProducesEnvelope<ProfileUpdatedView>();
        users.MapGet("/stats", StatsAsync).WithSummary("Session statistics by period or date range, with a daily breakdown")
            .ProducesEnvelope<StatsView>();
    }

    private static async Task<IResult> GetAsync(Caller caller, UserService users, MindPeekerDialect dialect, CancellationToken cancellationToken)
    {
        var user = await users.GetAsync(caller.AccountId, cancellationToken);
        var account = user.Account;
        return dialect.Ok(new UserView(account.Id, account.Email, account.Username, Tier.Of(account.Tier).Name, user.Credits, account.CreatedAt,
            account.LastLoginAt, PreferencesView.Of(user.Profile), new UserUsageView(user.SessionsThisMonth, user.TotalSessions, user.SuccessRate)));
    }

    private static async Task<IResult> UpdateAsync(Caller caller, Body<UpdateProfileRequest> body, UserService users, MindPeekerDialect dialect,
        CancellationToken cancellationToken)
    {
        var (account, profile) = await users.UpdateAsync(caller.AccountId, body.Value, cancellationToken);
        return dialect.Ok(new ProfileUpdatedView(account.Id, account.Username, PreferencesView.Of(profile)), "Profile updated successfully");
    }

    private static async Task<IResult> StatsAsync(Caller caller, [AsParameters] StatsParameters query, UserService users, MindPeekerDialect dialect,
        CancellationToken cancellationToken) =>
        dialect.Ok(await users.StatsAsync(caller, query, cancellationToken));
}
