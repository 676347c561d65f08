using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Mindstack.Platform.Access;
using Mindstack.Platform.Http;

namespace Mindstack.Mindra.Auth;

internal sealed record AuthTestView(
    bool Authenticated, string AccountId, string? KeyId, string Environment, bool Sandbox, string Tier, IReadOnlyList<string> Permissions);

internal static class AuthEndpoints
{
    public static void Map(RouteGroupBuilder v1)
    {
        v1.MapGet("/auth/test", Test).WithName("MindraAuthTest").WithSummary("Test authentication").ProducesEnvelope<AuthTestView>();
    }

    private static IResult Test(Caller caller, MindraDialect dialect) => dialect.Ok(new AuthTestView(
        true, caller.AccountId, caller.ApiKeyId, caller.Sandbox ? "sandbox" : "production", caller.Sandbox, MindraApi.Tiers.Of(caller.Tier).Name,
        caller.Permissions));
}
