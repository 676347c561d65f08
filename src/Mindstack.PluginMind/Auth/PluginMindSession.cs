using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Mindstack.Platform.Access;
using Mindstack.Platform.Accounts;
using Mindstack.Platform.Http;

namespace Mindstack.PluginMind.Auth;

/// <summary>
/// The <c>pm_session</c> cookie: it carries an access token of a platform session (audience
/// <c>pluginmind</c>, 24 h), so ending the session on the server makes the cookie worthless on
/// every node at once.
/// </summary>
internal static class PluginMindSession
{
    public const string CookieName = "pm_session";
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(24);

    public static void Set(HttpContext context, string token, IHostEnvironment environment) =>
        context.Response.Cookies.Append(CookieName, token, Options(environment, Lifetime));

    public static void Clear(HttpContext context, IHostEnvironment environment) =>
        context.Response.Cookies.Delete(CookieName, Options(environment, null));

    private static CookieOptions Options(IHostEnvironment environment, TimeSpan? maxAge) => new()
    {
        HttpOnly = true,
        Path = "/",
        SameSite = SameSiteMode.Lax,
        Secure = !environment.IsDevelopment(),
        MaxAge = maxAge,
    };

    /// <summary>
    /// The signed-in caller. No cookie is the original's 401 <c>HTTP_EXCEPTION</c>; a cookie that is
    /// invalid, expired or of an ended session is 401 <c>AUTHENTICATION_FAILED</c>.
    /// </summary>
    public static async Task<Caller> RequireAsync(HttpContext context)
    {
        if (string.IsNullOrEmpty(context.Request.Cookies[CookieName]))
        {
            throw Problem.Unauthorized("Not authenticated", "HTTP_EXCEPTION");
        }
        return await GetAsync(context) ?? throw Problem.Unauthorized("Not authenticated", "HTTP_EXCEPTION");
    }

    /// <summary>The signed-in caller, null without a cookie; a bad cookie is refused.</summary>
    public static async Task<Caller?> GetAsync(HttpContext context)
    {
        try
        {
            return await context.GetCallerAsync();
        }
        catch (Problem problem) when (problem.Kind is ProblemKind.Unauthorized or ProblemKind.TokenExpired)
        {
            throw Problem.Unauthorized($"Authentication failed: {problem.Message}", "AUTHENTICATION_FAILED");
        }
    }

    public static bool IsAdmin(this Caller caller) => caller.IsInRole(AccountRoles.Admin);
}
