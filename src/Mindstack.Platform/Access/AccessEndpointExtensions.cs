using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Mindstack.Platform.Http;

namespace Mindstack.Platform.Access;

/// <summary>Endpoint and route-group conventions for authentication and authorization.</summary>
public static class AccessEndpointExtensions
{
    /// <summary>Reads these credentials on the endpoints instead of the API Dialect's.</summary>
    public static TBuilder WithCredentials<TBuilder>(this TBuilder builder, ApiCredentials credentials)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(credentials);

    /// <summary>A caller is required: none is Unauthorized; a bad credential its own Problem.</summary>
    public static TBuilder RequireCaller<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            await context.HttpContext.RequireCallerAsync();
            return await next(context);
        });

    /// <summary>The caller must hold one of the roles (roles rank: admin ⊇ moderator ⊇ user); else Forbidden.</summary>
    public static TBuilder RequireRole<TBuilder>(this TBuilder builder, params string[] roles)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            var caller = await context.HttpContext.RequireCallerAsync();
            if (!roles.Any(caller.IsInRole))
            {
                throw Problem.Forbidden("Insufficient permissions");
            }
            return await next(context);
        });

    /// <summary>
    /// The caller must hold every permission named (API-key callers; token callers act as the
    /// account and hold them all); else Forbidden.
    /// </summary>
    public static TBuilder RequirePermission<TBuilder>(this TBuilder builder, params string[] permissions)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            var caller = await context.HttpContext.RequireCallerAsync();
            var missing = permissions.FirstOrDefault(p => !caller.HasPermission(p));
            if (missing is not null)
            {
                throw Problem.Forbidden($"This API key lacks the '{missing}' permission");
            }
            return await next(context);
        });
}
