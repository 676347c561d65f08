using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Mindstack.MindPeeker.Billing;
using Mindstack.MindPeeker.Sessions;
using Mindstack.MindPeeker.Users;
using Mindstack.Platform.Access;
using Mindstack.Platform.Accounts;
using Mindstack.Platform.Http;

namespace Mindstack.MindPeeker.Auth;

internal sealed record RegisterRequest(string? Email, string? Username, string? Password, string? Tier, bool? MarketingConsent);

internal sealed record LoginRequest(string? Email, string? Password);

internal sealed record RefreshRequest(string? RefreshToken);

/// <summary>Register, login, refresh and logout: 24-hour JWTs of audience <c>mindpeeker</c> with rotating refresh tokens.</summary>
internal static class AuthEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        var auth = api.MapGroup("/auth");
        auth.MapPost("/register", RegisterAsync).WithSummary("Register a user; answers the user and a token")
            .ProducesEnvelope<RegisteredView>(StatusCodes.Status201Created);
        auth.MapPost("/login", LoginAsync).WithSummary("Sign in with email and password").ProducesEnvelope<SignedInView>();
        auth.MapPost("/refresh", RefreshAsync).WithSummary("Exchange a refresh token for a new token (the refresh token rotates)")
            .ProducesEnvelope<RefreshedView>();
        auth.MapPost("/logout", LogoutAsync).WithSummary("Revoke the current session").RequireCaller().Produces<MindPeekerDone>();
    }

    private static async Task<IResult> RegisterAsync(Body<RegisterRequest> body, IAccountService accounts, ISessionService sessions,
        MindPeekerCredits credits, UserService users, MindPeekerDialect dialect, CancellationToken cancellationToken)
    {
        var request = body.Value;
        if (string.IsNullOrWhiteSpace(request.Email))
        {
            throw SessionRules.Missing("email");
        }
        if (string.IsNullOrEmpty(request.Password))
        {
            throw SessionRules.Missing("password");
        }
        if (string.IsNullOrWhiteSpace(request.Username))
        {
            throw SessionRules.Missing("username");
        }
        var tier = request.Tier ?? Tier.Basic;
        if (!Tier.IsKnown(tier))
        {
            throw SessionRules.InvalidValue("tier", "One of basic, professional, enterprise");
        }
        if (tier != Tier.Basic)
        {
            // A paid plan has a monthly fee: an operator grants it (accounts set-tier), never the sign-up form.
            throw SessionRules.InvalidValue("tier", "Self-registration is on the basic tier; professional and enterprise are paid plans set up by an operator");
        }
        var account = await accounts.CreateAsync(new NewAccount(request.Email, request.Password, request.Username) { Tier = tier },
            MindPeekerApi.Accounts, cancellationToken);
        await users.CreateProfileAsync(account.Id, request.MarketingConsent ?? false, cancellationToken);
        await credits.EnsureMonthlyGrantAsync(account.Id, tier, cancellationToken);
        var pair = await sessions.StartSessionAsync(account, MindPeekerApi.Accounts, "password", cancellationToken);
        return dialect.Ok(new RegisteredView(
            new RegisteredUserView(account.Id, account.Email, account.Username, account.Tier, account.CreatedAt),
            pair.AccessToken.Token,
            pair.RefreshToken,
            (long)pair.AccessToken.Lifetime.TotalSeconds), "User registered successfully", StatusCodes.Status201Created);
    }

    private static async Task<IResult> LoginAsync(Body<LoginRequest> body, ISessionService sessions, MindPeekerCredits credits,
        MindPeekerDialect dialect, CancellationToken cancellationToken)
    {
        var request = body.Value;
        if (string.IsNullOrWhiteSpace(request.Email))
        {
            throw SessionRules.Missing("email");
        }
        if (string.IsNullOrEmpty(request.Password))
        {
            throw SessionRules.Missing("password");
        }
        SignInOutcome outcome;
        try
        {
            outcome = await sessions.SignInWithPasswordAsync(request.Email, request.Password, null, MindPeekerApi.Accounts, cancellationToken);
        }
        catch (Problem problem) when (problem.Code == "INVALID_CREDENTIALS")
        {
            // The document's details; the reason never tells whether the email exists.
            throw new Problem(ProblemKind.Unauthorized, "The provided credentials are invalid", "INVALID_CREDENTIALS",
                details: new { Field = "password", Reason = "The email and password do not match an account" });
        }
        if (outcome.Tokens is not { } pair)
        {
            throw new Problem(ProblemKind.Unauthorized, "This account requires a two-factor code, which the MindPeeker API does not take",
                "INVALID_CREDENTIALS");
        }
        await credits.EnsureMonthlyGrantAsync(pair.Account.Id, pair.Account.Tier, cancellationToken);
        return dialect.Ok(new SignedInView(
            new SignedInUserView(pair.Account.Id, pair.Account.Email, pair.Account.Username, pair.Account.Tier),
            pair.AccessToken.Token,
            pair.RefreshToken,
            (long)pair.AccessToken.Lifetime.TotalSeconds), "Login successful");
    }

    private static async Task<IResult> RefreshAsync(Body<RefreshRequest> body, ISessionService sessions, MindPeekerDialect dialect,
        CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(body.Value.RefreshToken))
        {
            throw SessionRules.Missing("refresh_token");
        }
        var pair = await sessions.RefreshAsync(body.Value.RefreshToken, MindPeekerApi.Accounts, cancellationToken);
        return dialect.Ok(new RefreshedView(pair.AccessToken.Token, pair.RefreshToken, (long)pair.AccessToken.Lifetime.TotalSeconds),
            "Token refreshed successfully");
    }

    private static async Task<IResult> LogoutAsync(Caller caller, ISessionService sessions, MindPeekerDialect dialect,
        CancellationToken cancellationToken)
    {
        if (caller.SessionId is { } sessionId)
        {
            await sessions.RevokeSessionAsync(caller.AccountId, sessionId, "logout", cancellationToken);
        }
        return dialect.Done("Logout successful");
    }
}
