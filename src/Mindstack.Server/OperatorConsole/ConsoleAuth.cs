using System.Security.Claims;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Options;
using Mindstack.Platform.Accounts;

namespace Mindstack.Server.OperatorConsole;

/// <summary>The signed-in operator of a console request: an active admin account and its console session.</summary>
internal sealed record ConsoleOperator(Account Account, string SessionId);

/// <summary>
/// Console sign-in: a cookie scheme of its own (the APIs' JWTs are never accepted here, nor the
/// cookie there), backed by a platform session on the <c>console</c> audience, so that revoking
/// the account's sessions, suspending it or taking its admin role ends the console sign-in at once.
/// </summary>
internal static class ConsoleAuth
{
    public const string Scheme = "MindstackConsole";
    public const string Audience = "console";
    private const string SessionClaim = "sid";

    public static AuthPolicy Policy(ConsoleOptions options) => new()
    {
        Audience = Audience,
        DisplayName = "Mindstack console",
        RefreshTokenLifetime = options.SessionLifetime,
        FailedLogins = new LoginThrottle(options.MaxFailedSignIns, options.SignInWindow),
    };

    public static IServiceCollection AddConsoleAuth(this IServiceCollection services)
    {
        services.AddAuthentication().AddCookie(Scheme, _ => { });
        services.AddOptions<CookieAuthenticationOptions>(Scheme).Configure<IOptions<ConsoleOptions>>((cookie, console) =>
        {
            cookie.Cookie.Name = "mindstack_console";
            cookie.Cookie.Path = "/console";
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SameSite = SameSiteMode.Strict;
            cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            cookie.ExpireTimeSpan = console.Value.SessionLifetime;
            cookie.SlidingExpiration = false;
        });
        services.AddAntiforgery(o =>
        {
            o.Cookie.Name = "mindstack_console_af";
            o.Cookie.Path = "/console";
            o.FormFieldName = FormField;
        });
        return services;
    }

    public const string FormField = "__console_token";

    public static async Task SignInAsync(HttpContext context, Account account, string sessionId)
    {
        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.NameIdentifier, account.Id), new Claim(SessionClaim, sessionId), new Claim(ClaimTypes.Email, account.Email)],
            Scheme);
        await context.SignInAsync(Scheme, new ClaimsPrincipal(identity));
    }

    /// <summary>
    /// The operator, when the cookie names a live console session of an account that may still use
    /// the console; <see cref="ConsoleAccess.Forbidden"/> when it names one that may not (no longer admin).
    /// </summary>
    public static async Task<(ConsoleAccess Access, ConsoleOperator? Operator)> AuthenticateAsync(HttpContext context)
    {
        var result = await context.AuthenticateAsync(Scheme);
        if (!result.Succeeded || result.Principal.FindFirstValue(ClaimTypes.NameIdentifier) is not { } accountId
            || result.Principal.FindFirstValue(SessionClaim) is not { } sessionId)
        {
            return (ConsoleAccess.SignedOut, null);
        }
        var services = context.RequestServices;
        var account = await services.GetRequiredService<IAccountService>().FindAsync(accountId, context.RequestAborted);
        var clock = services.GetRequiredService<TimeProvider>();
        var sessions = await services.GetRequiredService<ISessionService>().ListSessionsAsync(accountId, Audience, context.RequestAborted);
        var now = clock.GetUtcNow().UtcDateTime;
        if (account is null || !AccountStatus.CanAuthenticate(account.Status)
            || !sessions.Any(s => s.Id == sessionId && s.RevokedAt is null && s.ExpiresAt > now))
        {
            await context.SignOutAsync(Scheme);
            return (ConsoleAccess.SignedOut, null);
        }
        // The antiforgery tokens bind to this user from here on.
        context.User = result.Principal;
        var signedIn = new ConsoleOperator(account, sessionId);
        return (account.Role == AccountRoles.Admin ? ConsoleAccess.Admin : ConsoleAccess.Forbidden, signedIn);
    }

    public static async Task<bool> IsFormValidAsync(HttpContext context) =>
        await context.RequestServices.GetRequiredService<IAntiforgery>().IsRequestValidAsync(context);

    public static string Token(HttpContext context) =>
        context.RequestServices.GetRequiredService<IAntiforgery>().GetAndStoreTokens(context).RequestToken ?? "";
}

internal enum ConsoleAccess
{
    SignedOut,
    Forbidden,
    Admin,
}
