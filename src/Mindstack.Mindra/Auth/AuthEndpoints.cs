using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Mindstack.Platform.Access;

namespace Mindstack.Mindra.Auth;

internal static class AuthEndpoints
{
    public static void Map(RouteGroupBuilder v1)
    {
        v1.MapGet("/auth/test", Test).WithName("MindraAuthTest").WithSummary("Test authentication");
    }

    private static IResult Test(Caller caller, MindraDialect dialect) => dialect.Ok(new
    {
        authenticated = true,
        accountId = caller.AccountId,
        keyId = caller.ApiKeyId,
        environment = caller.Sandbox ? "sandbox" : "production",
        sandbox = caller.Sandbox,
        tier = MindraApi.Tiers.Of(caller.Tier).Name,
        permissions = caller.Permissions,
    });
}
