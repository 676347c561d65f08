using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Mindstack.Platform.Accounts;
using Mindstack.PluginMind.Auth;
using Mindstack.PluginMind.Usage;

namespace Mindstack.PluginMind.Users;

/// <summary><c>/me</c>, <c>/me/usage</c>, <c>/users/profile</c> and <c>/profile</c>: the signed-in user.</summary>
internal static class UserEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/me", GetMe).WithSummary("The signed-in user's record");
        api.MapGet("/me/usage", GetUsage).WithSummary("This month's query usage against the tier's limit");
        api.MapGet("/users/profile", GetProfile).WithSummary("The signed-in user's profile, for the front end");
        api.MapGet("/profile", GetProfile).WithSummary("The signed-in user's profile (legacy path)");
    }

    private static async Task<IResult> GetMe(HttpContext context, PluginMindUsers users, PluginMindDialect dialect, CancellationToken ct)
    {
        var caller = await PluginMindSession.RequireAsync(context);
        var user = await users.GetAsync(caller.AccountId, ct);
        return dialect.Json200(new
        {
            id = user.Account.Id,
            email = user.Account.Email,
            google_id = user.Profile?.GoogleId,
            subscription_tier = user.Account.Tier,
            is_active = AccountStatus.CanAuthenticate(user.Account.Status),
            created_at = user.Account.CreatedAt,
        });
    }

    private static async Task<IResult> GetUsage(HttpContext context, UsageMeter usage, PluginMindDialect dialect, CancellationToken ct)
    {
        var caller = await PluginMindSession.RequireAsync(context);
        var snapshot = await usage.GetAsync(caller.AccountId, caller.Tier, ct);
        return dialect.Json200(new
        {
            queries_used = snapshot.QueriesUsed,
            queries_limit = snapshot.QueriesLimit,
            remaining_queries = snapshot.RemainingQueries,
            subscription_tier = snapshot.SubscriptionTier,
            can_make_query = snapshot.CanMakeQuery,
        });
    }

    private static async Task<IResult> GetProfile(HttpContext context, PluginMindUsers users, PluginMindDialect dialect, CancellationToken ct)
    {
        var caller = await PluginMindSession.RequireAsync(context);
        return dialect.Json200(new { user = (await users.GetAsync(caller.AccountId, ct)).Flat });
    }
}
