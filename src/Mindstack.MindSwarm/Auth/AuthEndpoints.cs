using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Mindstack.MindSwarm.Analytics;
using Mindstack.MindSwarm.Export;
using Mindstack.MindSwarm.Moderation;
using Mindstack.MindSwarm.Posts;
using Mindstack.MindSwarm.Storage;
using Mindstack.MindSwarm.Users;
using Mindstack.Platform.Access;
using Mindstack.Platform.Accounts;
using Mindstack.Platform.Events;
using Mindstack.Platform.Http;
using Mindstack.Platform.Limits;
using Mindstack.Platform.Storage;

namespace Mindstack.MindSwarm.Auth;

internal sealed record RegisterRequest(string? Email, string? Username, string? Password, string? ChallengeToken, string? ChallengeAnswer,
    string? ReferralCode, [property: JsonPropertyName("_attribution")] AttributionInput? Attribution = null);

internal sealed record LoginRequest(string? Login, string? Email, string? Username, string? Password, string? TotpCode);

internal sealed record EmailRequest(string? Email, [property: JsonPropertyName("_attribution")] AttributionInput? Attribution = null);

internal sealed record TokenRequest(string? Token);

internal sealed record RefreshRequest(string? RefreshToken);

internal sealed record ResetPasswordRequest(string? Token, string? Password);

internal sealed record DisableTwoFactorRequest(string? Password, string? Token);

/// <summary>Tokens and the full user: what login, registration and magic-link verification answer.</summary>
internal sealed record SessionView
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    [JsonPropertyName("requires2FA")]
    public bool? Requires2FA { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? AccessToken { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? RefreshToken { get; init; }
    /// <summary>Seconds the access token lives.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? ExpiresIn { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public UserView? User { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Message { get; init; }
}

internal sealed record TokensView(string AccessToken, string RefreshToken, long ExpiresIn);

internal sealed record MessageView(string Message);

internal sealed record MeView(UserView User);

internal sealed record AvailabilityView(string Field, string Value, bool Available, string? Reason);

internal sealed record TwoFactorSetupView(string Secret, string QrCode, string OtpauthUrl);

internal sealed record BackupCodesView(IReadOnlyList<string> BackupCodes, string Message);

/// <summary>Section 1, Authentication: challenge, registration, sign-in (password, 2FA, magic link), tokens, email flows.</summary>
internal static class AuthEndpoints
{
    private static AuthPolicy Policy => MindSwarmApi.Accounts;

    public static void Map(RouteGroupBuilder api)
    {
        var auth = api.MapGroup("/auth").RateLimit(MindSwarmApi.Limits.Auth);
        auth.MapGet("/challenge", GetChallenge).RateLimit(MindSwarmApi.Limits.Challenge)
            .WithSummary("Get a registration challenge (question and signed token)").ProducesEnvelope<ChallengeView>();
        auth.MapPost("/register", Register).WithSummary("Register with a solved challenge")
            .ProducesEnvelope<SessionView>(StatusCodes.Status201Created);
        auth.MapPost("/login", Login).WithSummary("Sign in by username or email; answers requires2FA when a code is needed")
            .ProducesEnvelope<SessionView>();
        auth.MapPost("/magic-link", SendMagicLink).WithSummary("Email a sign-in link (creates the account when the address has none)")
            .ProducesEnvelope<MessageView>();
        auth.MapGet("/magic-link/verify", VerifyMagicLink).WithSummary("Sign in with a magic-link token (also verifies the email)")
            .ProducesEnvelope<SessionView>();
        auth.MapPost("/refresh", Refresh).WithSummary("Rotate the refresh token; a reused one ends every session")
            .ProducesEnvelope<TokensView>();
        auth.MapPost("/logout", Logout).RequireCaller().WithSummary("End this session").ProducesEnvelope<MessageView>();
        auth.MapPost("/forgot-password", ForgotPassword).WithSummary("Email a password-reset link").ProducesEnvelope<MessageView>();
        auth.MapPost("/reset-password", ResetPassword).WithSummary("Set a new password with a reset token (ends every session)")
            .ProducesEnvelope<MessageView>();
        auth.MapGet("/verify-email", VerifyEmail).WithSummary("Verify the email address with its token").ProducesEnvelope<SessionView>();
        auth.MapPost("/resend-verification", ResendVerification).RequireCaller().WithSummary("Send the verification email again")
            .ProducesEnvelope<MessageView>();
        var twoFactor = auth.MapGroup("/2fa").RequireCaller().RateLimit(MindSwarmApi.Limits.TwoFactor, MindSwarmAccess.Scope);
        twoFactor.MapPost("/setup", SetupTwoFactor).WithSummary("Start 2FA setup: secret and QR code").ProducesEnvelope<TwoFactorSetupView>();
        twoFactor.MapPost("/verify", EnableTwoFactor).WithSummary("Confirm a code and turn 2FA on; answers 8 backup codes (once)")
            .ProducesEnvelope<BackupCodesView>();
        twoFactor.MapPost("/disable", DisableTwoFactor).WithSummary("Turn 2FA off (password and a code)").ProducesEnvelope<MessageView>();
        auth.MapGet("/me", Me).RequireCaller().WithSummary("The signed-in user").ProducesEnvelope<MeView>();
        auth.MapGet("/check-availability", CheckAvailability).RateLimit(MindSwarmApi.Limits.Availability)
            .WithSummary("Whether a username or email is free").ProducesEnvelope<AvailabilityView>();
    }

    private static async Task<IResult> GetChallenge(Challenges challenges, MindSwarmDialect dialect, CancellationToken ct) =>
        dialect.Ok(await challenges.IssueAsync(ct));

    private static async Task<IResult> Register(Body<RegisterRequest> body, HttpContext context, Challenges challenges, IAccountService accounts,
        ISessionService sessions, IAccountEmailService emails, ProfileService profiles, MindstackDbContext db, IEventOutbox events,
        AnalyticsService analytics, MindSwarmDialect dialect, CancellationToken ct)
    {
        var request = body.Value;
        // Every rule first, so a mistake does not spend the challenge.
        var validation = new Validation();
        if (string.IsNullOrWhiteSpace(request.Email) || !LooksLikeEmail(request.Email.Trim()))
        {
            validation.Add("email", "A valid email is required");
        }
        foreach (var problem in Policy.Username.Check(request.Username))
        {
            validation.Add("username", problem);
        }
        foreach (var problem in Policy.Password.Check(request.Password))
        {
            validation.Add("password", problem);
        }
        validation.ThrowIfInvalid();
        string? referrer = null;
        if (!string.IsNullOrWhiteSpace(request.ReferralCode))
        {
            var code = request.ReferralCode.Trim().ToUpperInvariant();
            referrer = await db.Set<ProfileRow>().Where(p => p.ReferralCode == code).Select(p => p.AccountId).FirstOrDefaultAsync(ct)
                ?? throw Problem.Invalid("referralCode", "Invalid referral code", "INVALID_REFERRAL_CODE");
        }
        if (!await accounts.IsEmailAvailableAsync(request.Email!.Trim(), ct))
        {
            throw Problem.Conflict("Email already registered", "EMAIL_TAKEN");
        }
        if (!await accounts.IsUsernameAvailableAsync(request.Username!, ct))
        {
            throw Problem.Conflict("Username already taken", "USERNAME_TAKEN");
        }
        await challenges.VerifyAsync(request.ChallengeToken, request.ChallengeAnswer, ct);
        var account = await accounts.CreateAsync(new NewAccount(request.Email.Trim(), request.Password, request.Username), Policy, ct);
        await using (var transaction = await db.Database.BeginTransactionAsync(ct))
        {
            await profiles.EnsureAsync(account.Id, referrer, ct);
            if (referrer is not null)
            {
                events.Publish(new NewEvent(MindSwarmEvents.ReferralJoined, "account", account.Id)
                {
                    AccountId = referrer,
                    Api = MindSwarmApi.Name,
                    Data = new { ReferrerId = referrer, AccountId = account.Id, account.Username },
                    Json = dialect.Json,
                    ToAccountChannel = false,
                });
                await db.SaveChangesAsync(ct);
            }
            await transaction.CommitAsync(ct);
        }
        await analytics.SignupAsync(account.Id, request.Attribution, "register", always: true, ct);
        await emails.SendEmailVerificationAsync(account.Id, Policy, token => Link(context, "/api/auth/verify-email", token), ct);
        var pair = await sessions.StartSessionAsync(account, Policy, "password", ct);
        return dialect.Ok(new SessionView
        {
            AccessToken = pair.AccessToken.Token,
            RefreshToken = pair.RefreshToken,
            ExpiresIn = (long)pair.AccessToken.Lifetime.TotalSeconds,
            User = await profiles.ViewAsync(pair.Account, account.Id, ct),
            Message = "Registration successful. Check your email to verify your address.",
        }, StatusCodes.Status201Created);
    }

    private static async Task<IResult> Login(Body<LoginRequest> body, HttpContext context, ISessionService sessions, ProfileService profiles,
        IRateLimiter limiter, AccountDeletionService deletions, MindSwarmDialect dialect, CancellationToken ct)
    {
        var request = body.Value;
        var login = request.Login ?? request.Email ?? request.Username;
        if (!string.IsNullOrWhiteSpace(request.TotpCode))
        {
            var decision = await limiter.AcquireAsync(MindSwarmApi.Limits.TwoFactor, ClientAddress.Of(context) + "|" + login?.Trim().ToLowerInvariant(), ct);
            if (!decision.Allowed)
            {
                throw decision.ToProblem();
            }
        }
        var outcome = await sessions.SignInWithPasswordAsync(login ?? "", request.Password ?? "", request.TotpCode, Policy, ct);
        if (outcome.Tokens is not { } pair)
        {
            return dialect.Ok(new SessionView { Requires2FA = true, Message = "Two-factor code required: send totpCode (a TOTP or backup code)" });
        }
        await context.RefuseBannedSessionAsync(pair, ct);
        // Signing in during the grace period keeps the account (section 17).
        await deletions.CancelAsync(pair.Account.Id, ct);
        return dialect.Ok(await SessionAsync(pair, profiles, ct));
    }

    private static async Task<IResult> SendMagicLink(Body<EmailRequest> body, HttpContext context, IAccountEmailService emails,
        IAccountService accounts, AnalyticsService analytics, MindSwarmDialect dialect, CancellationToken ct)
    {
        var email = body.Value.Email ?? "";
        await emails.SendMagicLinkAsync(email, Policy, token => Link(context, "/api/auth/magic-link/verify", token),
            createIfMissing: true, ct);
        // The link will make the account: its first touch is this attribution.
        if (body.Value.Attribution is not null && !string.IsNullOrWhiteSpace(email) && await accounts.FindByEmailAsync(email, ct) is null)
        {
            await analytics.HoldAsync(email, body.Value.Attribution, ct);
        }
        return dialect.Ok(new MessageView("If the address can receive mail, a sign-in link is on its way."));
    }

    private static async Task<IResult> VerifyMagicLink(HttpRequest request, IAccountEmailService emails, ProfileService profiles,
        AccountDeletionService deletions, AnalyticsService analytics, MindSwarmDialect dialect, CancellationToken ct)
    {
        var pair = await emails.SignInWithMagicLinkAsync(request.Query["token"].ToString(), Policy, ct);
        await request.HttpContext.RefuseBannedSessionAsync(pair, ct);
        await analytics.ClaimAsync(pair.Account, ct);
        await deletions.CancelAsync(pair.Account.Id, ct);
        return dialect.Ok(await SessionAsync(pair, profiles, ct));
    }

    private static async Task<IResult> Refresh(Body<RefreshRequest> body, HttpContext context, ISessionService sessions, MindSwarmDialect dialect,
        CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(body.Value.RefreshToken))
        {
            throw Problem.Invalid("refreshToken", "refreshToken is required");
        }
        var pair = await sessions.RefreshAsync(body.Value.RefreshToken, Policy, ct);
        await context.RefuseBannedSessionAsync(pair, ct);
        return dialect.Ok(new TokensView(pair.AccessToken.Token, pair.RefreshToken, (long)pair.AccessToken.Lifetime.TotalSeconds));
    }

    private static async Task<IResult> Logout(Caller caller, ISessionService sessions, MindSwarmDialect dialect, CancellationToken ct)
    {
        if (caller.SessionId is { } session)
        {
            await sessions.RevokeSessionAsync(caller.AccountId, session, "logout", ct);
        }
        return dialect.Ok(new MessageView("Logged out"));
    }

    private static async Task<IResult> ForgotPassword(Body<EmailRequest> body, HttpContext context, IAccountEmailService emails,
        MindSwarmDialect dialect, CancellationToken ct)
    {
        await emails.SendPasswordResetAsync(body.Value.Email ?? "", Policy, token => Link(context, "/reset-password", token), ct);
        return dialect.Ok(new MessageView("If an account uses that address, a reset link is on its way."));
    }

    private static async Task<IResult> ResetPassword(Body<ResetPasswordRequest> body, IAccountEmailService emails, MindSwarmDialect dialect,
        CancellationToken ct)
    {
        await emails.ResetPasswordAsync(body.Value.Token ?? "", body.Value.Password ?? "", Policy, ct);
        return dialect.Ok(new MessageView("Password reset. Sign in with the new password."));
    }

    private static async Task<IResult> VerifyEmail(HttpRequest request, IAccountEmailService emails, ProfileService profiles,
        MindSwarmDialect dialect, CancellationToken ct)
    {
        var account = await emails.VerifyEmailAsync(request.Query["token"].ToString(), Policy, ct);
        return dialect.Ok(new SessionView { Message = "Email verified", User = await profiles.ViewAsync(account, account.Id, ct) });
    }

    private static async Task<IResult> ResendVerification(Caller caller, HttpContext context, IAccountEmailService emails,
        MindSwarmDialect dialect, CancellationToken ct)
    {
        await emails.SendEmailVerificationAsync(caller.AccountId, Policy, token => Link(context, "/api/auth/verify-email", token), ct);
        return dialect.Ok(new MessageView("Verification email sent"));
    }

    private static async Task<IResult> SetupTwoFactor(Caller caller, ITwoFactorService twoFactor, MindSwarmDialect dialect, CancellationToken ct)
    {
        var setup = await twoFactor.BeginSetupAsync(caller.AccountId, Policy, ct);
        return dialect.Ok(new TwoFactorSetupView(setup.Secret, setup.QrCodeDataUrl, setup.OtpAuthUri));
    }

    private static async Task<IResult> EnableTwoFactor(Body<TokenRequest> body, Caller caller, ITwoFactorService twoFactor,
        MindSwarmDialect dialect, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(body.Value.Token))
        {
            throw Problem.Invalid("token", "token (the 6-digit code) is required");
        }
        var codes = await twoFactor.EnableAsync(caller.AccountId, body.Value.Token, Policy, ct);
        return dialect.Ok(new BackupCodesView(codes, "Two-factor authentication enabled. Save the backup codes: they are shown only once."));
    }

    private static async Task<IResult> DisableTwoFactor(Body<DisableTwoFactorRequest> body, Caller caller, ITwoFactorService twoFactor,
        MindSwarmDialect dialect, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(body.Value.Token))
        {
            throw Problem.Invalid("token", "token (a 6-digit or backup code) is required");
        }
        await twoFactor.DisableAsync(caller.AccountId, body.Value.Password, body.Value.Token, Policy, ct);
        return dialect.Ok(new MessageView("Two-factor authentication disabled"));
    }

    private static async Task<IResult> Me(Caller caller, IAccountService accounts, ProfileService profiles, MindSwarmDialect dialect,
        CancellationToken ct)
    {
        var account = await accounts.FindAsync(caller.AccountId, ct) ?? throw Problem.NotFound("User not found", "USER_NOT_FOUND");
        return dialect.Ok(new MeView(await profiles.ViewAsync(account, account.Id, ct)));
    }

    private static async Task<IResult> CheckAvailability(HttpRequest request, IAccountService accounts, MindSwarmDialect dialect,
        CancellationToken ct)
    {
        var username = request.Query["username"].ToString();
        var email = request.Query["email"].ToString();
        if (!string.IsNullOrWhiteSpace(username))
        {
            var problems = Policy.Username.Check(username);
            if (problems.Count > 0)
            {
                return dialect.Ok(new AvailabilityView("username", username, false, problems[0]));
            }
            var free = await accounts.IsUsernameAvailableAsync(username, ct);
            return dialect.Ok(new AvailabilityView("username", username, free, free ? null : "Username already taken"));
        }
        if (!string.IsNullOrWhiteSpace(email))
        {
            if (!LooksLikeEmail(email.Trim()))
            {
                return dialect.Ok(new AvailabilityView("email", email, false, "Invalid email format"));
            }
            var free = await accounts.IsEmailAvailableAsync(email.Trim(), ct);
            return dialect.Ok(new AvailabilityView("email", email, free, free ? null : "Email already registered"));
        }
        throw Problem.Invalid("username", "Give username or email");
    }

    private static async Task<SessionView> SessionAsync(TokenPair pair, ProfileService profiles, CancellationToken ct) => new()
    {
        AccessToken = pair.AccessToken.Token,
        RefreshToken = pair.RefreshToken,
        ExpiresIn = (long)pair.AccessToken.Lifetime.TotalSeconds,
        User = await profiles.ViewAsync(pair.Account, pair.Account.Id, ct),
    };

    /// <summary>A first check of an address (the platform checks it fully when it stores it).</summary>
    private static bool LooksLikeEmail(string email) =>
        email.Length is > 2 and <= 320 && System.Net.Mail.MailAddress.TryCreate(email, out var parsed) && parsed.Address == email;

    /// <summary>The URL the emailed link opens, on this API as the client reaches it.</summary>
    private static string Link(HttpContext context, string path, string token) =>
        (context.Api()?.ExternalUrl(context.Request, path) ?? path) + "?token=" + Uri.EscapeDataString(token);
}
