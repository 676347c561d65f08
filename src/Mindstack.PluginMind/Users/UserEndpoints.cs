using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Mindstack.Platform.Accounts;
using Mindstack.Platform.Http;
using Mindstack.PluginMind.Auth;
using Mindstack.PluginMind.Usage;

namespace Mindstack.PluginMind.Users;

/// <summary><c>/me</c>, <c>/me/usage</c>, <c>/users/profile</c> and <c>/profile</c>: the signed-in user.</summary>
internal static class UserEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/me", GetMe).WithSummary("The signed-in user's record").ProducesEnvelope<MeView>();
        api.MapGet("/me/usage", GetUsage).WithSummary("This month's query usage against the tier's limit").ProducesEnvelope<UsageView>();
        api.MapGet("/users/profile", GetProfile).WithSummary("The signed-in user's profile, for the front end").ProducesEnvelope<ProfileView>();
        api.MapGet("/profile", GetProfile).WithSummary("The signed-in user's profile (legacy path)").ProducesEnvelope<ProfileView>();
    }

    private static async Task<IResult> GetMe(HttpContext context, PluginMindUsers users, PluginMindDialect dialect, CancellationToken ct)
    {
        var caller = await PluginMindSession.RequireAsync(context);
        var user = await users.GetAsync(caller.AccountId, ct);
        return dialect.Json200(new MeView(user.Account.Id, user.Account.Email, user.Profile?.GoogleId, user.Account.Tier,
            AccountStatus.CanAuthenticate(user.Account.Status), user.Account.CreatedAt));
    }

    private static async Task<IResult> GetUsage(HttpContext context, UsageMeter usage, PluginMindDialect dialect, CancellationToken ct)
    {
        var caller = await PluginMindSession.RequireAsync(context);
        var snapshot = await usage.GetAsync(caller.AccountId, caller.Tier, ct);
        return dialect.Json200(new UsageView(snapshot.QueriesUsed, snapshot.QueriesLimit, snapshot.RemainingQueries, snapshot.SubscriptionTier,
            snapshot.CanMakeQuery));
    }

    private static async Task<IResult> GetProfile(HttpContext context, PluginMindUsers users, PluginMindDialect dialect, CancellationToken ct)
    {
        var caller = await PluginMindSession.RequireAsync(context);
        return dialect.Json200(new ProfileView((await users.GetAsync(caller.AccountId, ct)).Flat));
    }
}
