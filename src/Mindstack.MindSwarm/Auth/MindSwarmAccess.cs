using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Mindstack.MindSwarm.Storage;
using Mindstack.Platform.Access;
using Mindstack.Platform.Http;
using Mindstack.Platform.Limits;
using Mindstack.Platform.Storage;

namespace Mindstack.MindSwarm.Auth;

/// <summary>Who may do what on MindSwarm, and how requests are counted.</summary>
internal static class MindSwarmAccess
{
    private const string AppItem = "mindswarm.app";

    /// <summary>
    /// Writes (posting, liking, following…) need a verified email, whether the caller signed in
    /// or uses its owner's app key; reads do not.
    /// </summary>
    public static TBuilder RequireVerifiedEmail<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            var caller = await context.HttpContext.RequireCallerAsync();
            if (!caller.EmailVerified)
            {
                throw Problem.Forbidden("Email verification required", "EMAIL_NOT_VERIFIED");
            }
            return await next(context);
        });

    /// <summary>
    /// Resolves the caller up front, so a bad or inactive credential is refused on every route, and
    /// for an app key finds its app (its own limits, the "API" badge).
    /// </summary>
    public static TBuilder ResolveCaller<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            var caller = await http.GetCallerAsync();
            if (caller is { IsApiKey: true, ApiKeyId: { } keyId })
            {
                var db = http.RequestServices.GetRequiredService<MindstackDbContext>();
                var app = await db.Set<DeveloperAppRow>().AsNoTracking().FirstOrDefaultAsync(a => a.KeyId == keyId, http.RequestAborted);
                if (app is null || app.Status != AppStatus.Active)
                {
                    throw Problem.Unauthorized("Invalid or inactive API key");
                }
                http.Items[AppItem] = app;
            }
            return await next(context);
        });

    /// <summary>The developer app whose key made this request, if any.</summary>
    public static DeveloperAppRow? App(this HttpContext context) => context.Items.TryGetValue(AppItem, out var app) ? app as DeveloperAppRow : null;

    /// <summary>Requests are counted per account (or app key), else per client address.</summary>
    public static string? Scope(HttpContext context) => context.PeekCaller() is { } caller
        ? caller.ApiKeyId is { } key ? "key:" + key : "account:" + caller.AccountId
        : null;

    /// <summary>An app key's own limits (per minute and per day), counted per key.</summary>
    public static RateLimitPolicy? AppPolicy(HttpContext context) =>
        context.App() is { } app ? MindSwarmApi.Limits.AppKey(app.RequestsPerMinute, app.RequestsPerDay) : null;
}
