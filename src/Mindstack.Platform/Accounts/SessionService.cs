using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Mindstack.Platform.Access;
using Mindstack.Platform.Audit;
using Mindstack.Platform.Http;
using Mindstack.Platform.Limits;
using Mindstack.Platform.Storage;

namespace Mindstack.Platform.Accounts;

/// <summary>A new access token, its refresh token, and the session they belong to.</summary>
public sealed record TokenPair(AccessToken AccessToken, string RefreshToken, DateTime RefreshTokenExpiresAt, string SessionId, Account Account);

/// <summary>A password sign-in either signs in or asks for the second factor (no session is made).</summary>
public sealed record SignInOutcome(Account Account, TokenPair? Tokens)
{
    public bool RequiresTwoFactor => Tokens is null;
}

/// <summary>Sign-in, refresh-token rotation with replay detection, and sessions.</summary>
public interface ISessionService
{
    /// <summary>
    /// Email or username + password (+ a TOTP or backup code when 2FA is on). Failures are
    /// counted per account and client network; past the policy's limit, attempts of that account
    /// from that network are refused (RateLimited, Retry-After), while its owner elsewhere can still sign in.
    /// Wrong credentials → Unauthorized <c>INVALID_CREDENTIALS</c>; suspended/banned → Forbidden.
    /// </summary>
    Task<SignInOutcome> SignInWithPasswordAsync(string login, string password, string? twoFactorCode, AuthPolicy policy,
        CancellationToken cancellationToken = default);

    /// <summary>Starts a session for an account already proven (registration, magic link), honouring the session cap.</summary>
    Task<TokenPair> StartSessionAsync(Account account, AuthPolicy policy, string method, CancellationToken cancellationToken = default);

    /// <summary>
    /// Exchanges a refresh token for a new pair in the same family. A spent token revokes its
    /// family (and every session on the API when the policy says so) and is Unauthorized.
    /// </summary>
    Task<TokenPair> RefreshAsync(string refreshToken, AuthPolicy policy, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<AccountSession>> ListSessionsAsync(string accountId, string? api = null, CancellationToken cancellationToken = default);

    /// <summary>Ends one session of the account (logout); false when there was no such active session.</summary>
    Task<bool> RevokeSessionAsync(string accountId, string sessionId, string reason = "logout", CancellationToken cancellationToken = default);

    /// <summary>Ends every active session of the account (on one API, or all when null); returns how many.</summary>
    Task<int> RevokeAllSessionsAsync(string accountId, string? api, string reason, CancellationToken cancellationToken = default);
}

internal sealed class SessionService(
    MindstackDbContext db,
    IIdGenerator ids,
    TimeProvider clock,
    AccountService accounts,
    TwoFactorService twoFactor,
    LoginFailures failures,
    IAccessTokenService tokens,
    IAuditLog audit,
    IHttpContextAccessor http,
    ICallerChanges callerChanges) : ISessionService
{
    public async Task<SignInOutcome> SignInWithPasswordAsync(string login, string password, string? twoFactorCode, AuthPolicy policy,
        CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(login) || string.IsNullOrEmpty(password))
        {
            throw Problem.Invalid(
                [.. string.IsNullOrWhiteSpace(login) ? [new FieldError("login", "Login is required")] : Array.Empty<FieldError>(),
                 .. string.IsNullOrEmpty(password) ? [new FieldError("password", "Password is required")] : Array.Empty<FieldError>()]);
        }
        var account = await accounts.FindByLoginAsync(login, cancellationToken);
        // Failures count per account and client network: a stranger's wrong passwords throttle the
        // stranger, never the owner signing in from elsewhere. An unknown login is hashed to fit the key.
        var from = http.HttpContext is { } context ? ClientAddress.NetworkOf(context) : "unknown";
        var loginKey = (account is null ? "login:" + Secrets.Hash(AccountService.Normalize(login)) : "account:" + account.Id) + "|from:" + from;
        // Insert-then-count: this attempt holds a place among the failures until it is known not to be one.
        var attempt = await failures.BeginAsync(loginKey, policy.FailedLogins, cancellationToken);
        var failed = false;
        try
        {
            if (account is null || !accounts.VerifyPassword(account, password))
            {
                if (account is null)
                {
                    accounts.SpendVerificationTime(password);
                }
                failed = true;
                await failures.FailedAsync(loginKey, policy.FailedLogins, cancellationToken);
                await audit.RecordAsync(new AuditRecord("auth.sign_in_failed", account?.Id, "account", account?.Id, Success: false,
                    Error: "invalid credentials")
                { Api = policy.Audience }, cancellationToken);
                throw Problem.Unauthorized("Invalid email or password", "INVALID_CREDENTIALS");
            }
            if (!AccountStatus.CanAuthenticate(account.Status))
            {
                await audit.RecordAsync(new AuditRecord("auth.sign_in_failed", account.Id, "account", account.Id, Success: false,
                    Error: "account " + account.Status)
                { Api = policy.Audience }, cancellationToken);
                throw Problem.Forbidden("Account unavailable", "ACCOUNT_" + account.Status.ToUpperInvariant());
            }
            if (account.TwoFactorEnabled)
            {
                if (string.IsNullOrWhiteSpace(twoFactorCode))
                {
                    return new SignInOutcome(account, null);
                }
                if (!await twoFactor.VerifyCodeAsync(account, twoFactorCode, policy, cancellationToken))
                {
                    failed = true;
                    await failures.FailedAsync(loginKey, policy.FailedLogins, cancellationToken);
                    await audit.RecordAsync(new AuditRecord("auth.sign_in_failed", account.Id, "account", account.Id, Success: false,
                        Error: "invalid two-factor code")
                    { Api = policy.Audience }, cancellationToken);
                    throw Problem.Unauthorized("Invalid two-factor code", "INVALID_2FA_CODE");
                }
            }
            var pair = await StartSessionAsync(account, policy, "password", cancellationToken);
            return new SignInOutcome(account, pair);
        }
        finally
        {
            if (!failed)
            {
                await failures.ForgetAsync(attempt, CancellationToken.None);
            }
        }
    }

    public async Task<TokenPair> StartSessionAsync(Account account, AuthPolicy policy, string method, CancellationToken cancellationToken = default)
    {
        if (!AccountStatus.CanAuthenticate(account.Status))
        {
            throw Problem.Forbidden("Account unavailable", "ACCOUNT_" + account.Status.ToUpperInvariant());
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var context = http.HttpContext;
        var session = new AccountSession
        {
            Id = ids.New("sess"),
            AccountId = account.Id,
            Api = policy.Audience,
            Method = method,
            CreatedAt = now,
            LastSeenAt = now,
            ExpiresAt = now + policy.RefreshTokenLifetime,
            IpAddress = context?.Connection.RemoteIpAddress?.ToString(),
            UserAgent = context is null ? null : Truncate(context.Request.Headers.UserAgent.ToString(), 500),
        };
        var refresh = NewRefreshToken(session, now, policy);
        db.Add(session);
        db.Add(refresh.Row);
        if (db.Entry(account).State == EntityState.Detached)
        {
            db.Attach(account);
        }
        account.LastLoginAt = now;
        audit.Add(new AuditRecord("auth.sign_in", account.Id, "session", session.Id) { Api = policy.Audience });
        await db.SaveChangesAsync(cancellationToken);
        await EnforceSessionCapAsync(account.Id, policy, cancellationToken);
        var access = await tokens.IssueAsync(account.Id, session.Id, policy.Audience, policy.AccessTokenLifetime, cancellationToken);
        return new TokenPair(access, refresh.Token, refresh.Row.ExpiresAt, session.Id, account);
    }

    public async Task<TokenPair> RefreshAsync(string refreshToken, AuthPolicy policy, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(refreshToken) || refreshToken.Length > 256)
        {
            throw Problem.Unauthorized("Invalid refresh token");
        }
        var hash = Secrets.Hash(refreshToken);
        var row = await db.Set<RefreshToken>().AsNoTracking().FirstOrDefaultAsync(t => t.TokenHash == hash, cancellationToken);
        var session = row is null ? null : await db.Set<AccountSession>().FirstOrDefaultAsync(s => s.Id == row.SessionId, cancellationToken);
        if (row is null || session is null || session.Api != policy.Audience)
        {
            throw Problem.Unauthorized("Invalid refresh token");
        }
        var now = clock.GetUtcNow().UtcDateTime;
        if (row.UsedAt is not null)
        {
            await HandleReuseAsync(row, policy, cancellationToken);
        }
        if (session.RevokedAt is not null || row.ExpiresAt <= now)
        {
            await audit.RecordAsync(new AuditRecord("auth.refresh", row.AccountId, "session", session.Id, Success: false,
                Error: session.RevokedAt is not null ? "session revoked" : "refresh token expired")
            { Api = policy.Audience }, cancellationToken);
            throw Problem.Unauthorized(session.RevokedAt is not null ? "Session has been revoked" : "Refresh token expired");
        }
        var account = await accounts.FindAsync(row.AccountId, cancellationToken);
        if (account is null || !AccountStatus.CanAuthenticate(account.Status))
        {
            throw Problem.Forbidden("Account unavailable");
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        // Spending the token is one conditional update: of two concurrent uses, exactly one wins;
        // the other is a replay.
        var spent = await db.Set<RefreshToken>()
            .Where(t => t.Id == row.Id && t.UsedAt == null)
            .ExecuteUpdateAsync(u => u.SetProperty(t => t.UsedAt, now), cancellationToken);
        if (spent == 0)
        {
            await transaction.RollbackAsync(cancellationToken);
            await HandleReuseAsync(row, policy, cancellationToken);
        }
        var next = NewRefreshToken(session, now, policy);
        db.Add(next.Row);
        session.LastSeenAt = now;
        session.ExpiresAt = next.Row.ExpiresAt;
        audit.Add(new AuditRecord("auth.refresh", account.Id, "session", session.Id) { Api = policy.Audience });
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        var access = await tokens.IssueAsync(account.Id, session.Id, policy.Audience, policy.AccessTokenLifetime, cancellationToken);
        return new TokenPair(access, next.Token, next.Row.ExpiresAt, session.Id, account);
    }

    private async Task HandleReuseAsync(RefreshToken row, AuthPolicy policy, CancellationToken cancellationToken)
    {
        var revoked = policy.ReuseRevokesAllSessions
            ? await RevokeAllSessionsAsync(row.AccountId, policy.Audience, "refresh_token_reuse", cancellationToken)
            : await RevokeAsync(row.AccountId, s => s.Id == row.SessionId, "refresh_token_reuse", cancellationToken);
        await audit.RecordAsync(new AuditRecord("auth.refresh_reuse", row.AccountId, "session", row.SessionId, Success: false,
            Error: $"spent refresh token reused; {revoked} session(s) revoked")
        { Api = policy.Audience }, cancellationToken);
        throw Problem.Unauthorized("Refresh token has already been used; sessions revoked");
    }

    public async Task<IReadOnlyList<AccountSession>> ListSessionsAsync(string accountId, string? api = null, CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var sessions = db.Set<AccountSession>().AsNoTracking()
            .Where(s => s.AccountId == accountId && s.RevokedAt == null && s.ExpiresAt > now);
        if (api is not null)
        {
            sessions = sessions.Where(s => s.Api == api);
        }
        return await sessions.OrderByDescending(s => s.CreatedAt).ThenByDescending(s => s.Id).ToListAsync(cancellationToken);
    }

    public async Task<bool> RevokeSessionAsync(string accountId, string sessionId, string reason = "logout", CancellationToken cancellationToken = default)
    {
        var count = await RevokeAsync(accountId, s => s.Id == sessionId && s.AccountId == accountId, reason, cancellationToken);
        if (count > 0)
        {
            await audit.RecordAsync(new AuditRecord(reason == "logout" ? "auth.sign_out" : "auth.session_revoked", accountId, "session", sessionId),
                cancellationToken);
        }
        return count > 0;
    }

    public Task<int> RevokeAllSessionsAsync(string accountId, string? api, string reason, CancellationToken cancellationToken = default) =>
        api is null
            ? RevokeAsync(accountId, s => s.AccountId == accountId, reason, cancellationToken)
            : RevokeAsync(accountId, s => s.AccountId == accountId && s.Api == api, reason, cancellationToken);

    /// <summary>Revokes the account's sessions that match; every node then drops its cached callers of the account.</summary>
    private async Task<int> RevokeAsync(string accountId, System.Linq.Expressions.Expression<Func<AccountSession, bool>> which, string reason,
        CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var revoked = await db.Set<AccountSession>().Where(which).Where(s => s.RevokedAt == null)
            .ExecuteUpdateAsync(u => u.SetProperty(s => s.RevokedAt, now).SetProperty(s => s.RevokedReason, reason), cancellationToken);
        if (revoked > 0)
        {
            await callerChanges.AccountChangedAsync(accountId, cancellationToken);
        }
        return revoked;
    }

    /// <summary>
    /// After a session is added: keep the newest <c>MaxSessions</c> on the API and end the rest.
    /// Trimming after the insert converges even when two nodes sign the same account in at once.
    /// </summary>
    private async Task EnforceSessionCapAsync(string accountId, AuthPolicy policy, CancellationToken cancellationToken)
    {
        if (policy.MaxSessions <= 0)
        {
            return;
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var excess = await db.Set<AccountSession>().AsNoTracking()
            .Where(s => s.AccountId == accountId && s.Api == policy.Audience && s.RevokedAt == null && s.ExpiresAt > now)
            .OrderByDescending(s => s.CreatedAt).ThenByDescending(s => s.Id)
            .Skip(policy.MaxSessions)
            .Select(s => s.Id)
            .ToListAsync(cancellationToken);
        if (excess.Count > 0)
        {
            await RevokeAsync(accountId, s => excess.Contains(s.Id), "session_limit", cancellationToken);
        }
    }

    private (RefreshToken Row, string Token) NewRefreshToken(AccountSession session, DateTime now, AuthPolicy policy)
    {
        var token = Secrets.NewToken();
        return (new RefreshToken
        {
            Id = ids.New("rt"),
            SessionId = session.Id,
            AccountId = session.AccountId,
            TokenHash = Secrets.Hash(token),
            CreatedAt = now,
            ExpiresAt = now + policy.RefreshTokenLifetime,
        }, token);
    }

    private static string? Truncate(string? value, int max) =>
        string.IsNullOrEmpty(value) ? null : value.Length <= max ? value : value[..max];
}
