using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Hosting;
using Mindstack.Platform.Accounts;
using Mindstack.Platform.Http;
using Mindstack.PluginMind.Users;

namespace Mindstack.PluginMind.Auth;

internal sealed record GoogleSignInRequest(string? IdToken);

/// <summary><c>POST /auth/google</c>: signed in, with the user (the session travels in the <c>pm_session</c> cookie).</summary>
internal sealed record SignedInView(string Status, FlatUserView User);

/// <summary><c>POST /auth/logout</c>.</summary>
internal sealed record LoggedOutView(string Status, string Message);

/// <summary><c>GET /auth/validate</c>: the token is valid; the account it belongs to, if it signed in before.</summary>
internal sealed record TokenValidView(bool Valid, string? UserId, string Message);

/// <summary><c>/auth/*</c>: Google sign-in into a revocable <c>pm_session</c>, logout, and token checks.</summary>
internal static class AuthEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapPost("/auth/google", SignInWithGoogle).WithSummary("Sign in with a Google ID token; sets the pm_session cookie")
            .ProducesEnvelope<SignedInView>();
        api.MapPost("/auth/logout", Logout).WithSummary("End the session and clear the pm_session cookie").ProducesEnvelope<LoggedOutView>();
        api.MapGet("/auth/validate", Validate).WithSummary("Check a Google ID token sent as Authorization: Bearer").ProducesEnvelope<TokenValidView>();
        api.MapGet("/auth/me", Me).WithSummary("The signed-in user's profile (flat)").ProducesEnvelope<FlatUserView>();
    }

    private static async Task<IResult> SignInWithGoogle(Body<GoogleSignInRequest> body, HttpContext context, GoogleTokenVerifier verifier,
        PluginMindUsers users, ISessionService sessions, IHostEnvironment environment, PluginMindDialect dialect, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(body.Value.IdToken))
        {
            throw Problem.Invalid("id_token", "Field required");
        }
        var identity = await verifier.VerifyAsync(body.Value.IdToken, ct);
        var user = await users.SignInAsync(identity, ct);
        var tokens = await sessions.StartSessionAsync(user.Account, PluginMindApi.Accounts, "google", ct);
        PluginMindSession.Set(context, tokens.AccessToken.Token, environment);
        return dialect.Json200(new SignedInView("ok", user.Flat));
    }

    private static async Task<IResult> Logout(HttpContext context, ISessionService sessions, IHostEnvironment environment,
        PluginMindDialect dialect, CancellationToken ct)
    {
        // Logging out with a dead cookie still clears it: the client is where the user wants to be.
        var caller = await TryCallerAsync(context);
        if (caller?.SessionId is { } sessionId)
        {
            await sessions.RevokeSessionAsync(caller.AccountId, sessionId, "logout", ct);
        }
        PluginMindSession.Clear(context, environment);
        return dialect.Json200(new LoggedOutView("ok", "Logged out"));
    }

    private static async Task<IResult> Validate(HttpContext context, GoogleTokenVerifier verifier, PluginMindUsers users,
        PluginMindDialect dialect, CancellationToken ct)
    {
        var header = context.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            throw Problem.Unauthorized("Missing bearer token", "HTTP_EXCEPTION");
        }
        var identity = await verifier.VerifyAsync(header["Bearer ".Length..].Trim(), ct);
        var accountId = await users.FindByGoogleIdAsync(identity.Subject, ct);
        return dialect.Json200(new TokenValidView(true, accountId, "Token is valid"));
    }

    private static async Task<IResult> Me(HttpContext context, PluginMindUsers users, PluginMindDialect dialect, CancellationToken ct)
    {
        var caller = await PluginMindSession.RequireAsync(context);
        return dialect.Json200((await users.GetAsync(caller.AccountId, ct)).Flat);
    }

    private static async Task<Mindstack.Platform.Access.Caller?> TryCallerAsync(HttpContext context)
    {
        try
        {
            return await PluginMindSession.GetAsync(context);
        }
        catch (Problem)
        {
            return null;
        }
    }
}
