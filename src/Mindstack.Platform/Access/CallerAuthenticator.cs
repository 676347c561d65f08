using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Mindstack.Platform.Accounts;
using Mindstack.Platform.Http;
using Mindstack.Platform.Storage;

namespace Mindstack.Platform.Access;

/// <summary>
/// Turns credentials into a <see cref="Caller"/>: for a request (by the API's credential schemes)
/// or for a raw token (a WebSocket's <c>auth.token</c> or <c>?token=</c>).
/// </summary>
public interface ICallerAuthenticator
{
    /// <summary>
    /// The request's caller, or null when it presents no credential the API reads. A credential
    /// that is present but bad is a Problem: Unauthorized (invalid, revoked, unknown), TokenExpired
    /// (an expired access token or key), Forbidden (account suspended or banned; an API key on a
    /// denied path, <c>API_KEY_FORBIDDEN_ON_PATH</c>, or a read-only key on a write,
    /// <c>API_KEY_READ_ONLY</c>).
    /// </summary>
    Task<Caller?> AuthenticateAsync(HttpContext context, ApiCredentials credentials, CancellationToken cancellationToken = default);

    /// <summary>
    /// Validates a raw access token of the API's audience, or an API key of the API's format, and
    /// returns its caller; a bad one is a Problem as above.
    /// </summary>
    Task<Caller> AuthenticateTokenAsync(ApiCredentials credentials, string token, CancellationToken cancellationToken = default);
}

internal sealed class CallerAuthenticator(
    MindstackDbContext db,
    IAccessTokenService tokens,
    TimeProvider clock,
    IApiKeyService keys,
    IUsageCounters counters,
    CallerCache cache) : ICallerAuthenticator
{
    /// <summary>What a session's tokens authenticate with (cached by session id).</summary>
    private sealed record SessionRow(string AccountId, string Api, DateTime? RevokedAt, string Role, string Tier, string Status, bool EmailVerified);

    /// <summary>What a key authenticates with (cached by key hash; the key is never changed once read).</summary>
    private sealed record KeyRow(ApiKey Key, string Role, string Tier, string Status, bool EmailVerified);

    // Compiled once per model (no LINQ tree to walk, no query-cache key per request): a cache miss is one of
    // these on every authenticated request whose caller is not in memory.
    private static readonly CompiledQuery<Func<MindstackDbContext, string, CancellationToken, Task<SessionRow?>>> SessionById = new(() =>
        EF.CompileAsyncQuery((MindstackDbContext db, string sessionId, CancellationToken _) => (
                from session in db.Set<AccountSession>().AsNoTracking()
                join account in db.Set<Account>().AsNoTracking() on session.AccountId equals account.Id
                where session.Id == sessionId
                select new SessionRow(session.AccountId, session.Api, session.RevokedAt, account.Role, account.Tier, account.Status, account.EmailVerified))
            .FirstOrDefault()));

    private static readonly CompiledQuery<Func<MindstackDbContext, string, CancellationToken, Task<KeyRow?>>> KeyByHash = new(() =>
        EF.CompileAsyncQuery((MindstackDbContext db, string keyHash, CancellationToken _) => (
                from stored in db.Set<ApiKey>().AsNoTracking()
                join account in db.Set<Account>().AsNoTracking() on stored.AccountId equals account.Id
                where stored.KeyHash == keyHash
                select new KeyRow(stored, account.Role, account.Tier, account.Status, account.EmailVerified))
            .FirstOrDefault()));

    public async Task<Caller?> AuthenticateAsync(HttpContext context, ApiCredentials credentials, CancellationToken cancellationToken = default)
    {
        var authorization = context.Request.Headers.Authorization.ToString();
        var bearer = authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? authorization[7..].Trim() : null;
        var readsAuthorization = false;
        foreach (var scheme in credentials.Schemes)
        {
            switch (scheme)
            {
                case BearerApiKeyScheme keyScheme:
                    readsAuthorization = true;
                    if (bearer is not null && keyScheme.Format.AllPrefixes.Any(p => bearer.StartsWith(p, StringComparison.Ordinal)))
                    {
                        return await FromKeyAsync(context, credentials, keyScheme.Format, bearer, cancellationToken);
                    }
                    break;
                case BearerTokenScheme:
                    readsAuthorization = true;
                    if (bearer is not null)
                    {
                        return await FromAccessTokenAsync(credentials.Audience, bearer, CallerMethod.AccessToken, cancellationToken);
                    }
                    break;
                case ApiKeyHeaderScheme header:
                    if (context.Request.Headers[header.Header].ToString() is { Length: > 0 } key)
                    {
                        return await FromKeyAsync(context, credentials, header.Format, key.Trim(), cancellationToken);
                    }
                    break;
                case TokenCookieScheme cookie:
                    if (context.Request.Cookies[cookie.CookieName] is { Length: > 0 } cookieToken)
                    {
                        return await FromAccessTokenAsync(credentials.Audience, cookieToken, CallerMethod.Cookie, cancellationToken);
                    }
                    break;
                case QueryTokenScheme query:
                    if (context.Request.Query[query.Parameter].ToString() is { Length: > 0 } queryToken)
                    {
                        return await FromAccessTokenAsync(credentials.Audience, queryToken, CallerMethod.AccessToken, cancellationToken);
                    }
                    break;
                default:
                    throw new InvalidOperationException($"Unknown credential scheme {scheme.GetType().Name}");
            }
        }
        if (readsAuthorization && authorization.Length > 0)
        {
            // An Authorization header no scheme takes (another type, a key of another format) is
            // a bad credential, not an anonymous request.
            throw Problem.Unauthorized("Invalid authorization header");
        }
        return null;
    }

    public async Task<Caller> AuthenticateTokenAsync(ApiCredentials credentials, string token, CancellationToken cancellationToken = default)
    {
        token = token.Trim();
        if (token.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            token = token[7..].Trim();
        }
        foreach (var format in credentials.KeyFormats)
        {
            if (format.AllPrefixes.Any(p => token.StartsWith(p, StringComparison.Ordinal)))
            {
                return await FromKeyAsync(null, credentials, format, token, cancellationToken);
            }
        }
        return await FromAccessTokenAsync(credentials.Audience, token, CallerMethod.AccessToken, cancellationToken);
    }

    private async Task<Caller> FromAccessTokenAsync(string audience, string token, CallerMethod method, CancellationToken cancellationToken)
    {
        var (status, claims) = await tokens.ReadAsync(token, audience, cancellationToken);
        if (status == AccessTokenStatus.Expired)
        {
            throw new Problem(ProblemKind.TokenExpired, "Token has expired");
        }
        if (status != AccessTokenStatus.Valid || claims is null)
        {
            throw Problem.Unauthorized("Invalid token");
        }
        // One indexed lookup, or memory: a revoked session's tokens stop working at once, on every
        // node, because its revocation evicts it everywhere (CallerCache).
        var cacheKey = "s:" + claims.SessionId;
        if (!cache.TryGet<SessionRow>(cacheKey, out var row))
        {
            var generation = cache.Generation;
            row = await SessionById.For(db)(db, claims.SessionId, cancellationToken);
            if (row is not null)
            {
                cache.Set(cacheKey, row.AccountId, row, generation);
            }
        }
        if (row is null || row.AccountId != claims.AccountId || row.Api != audience)
        {
            throw Problem.Unauthorized("Invalid token");
        }
        if (row.RevokedAt is not null)
        {
            throw Problem.Unauthorized("Session has been revoked");
        }
        if (!AccountStatus.CanAuthenticate(row.Status))
        {
            throw Problem.Forbidden("Account unavailable");
        }
        return new Caller
        {
            AccountId = row.AccountId,
            SessionId = claims.SessionId,
            Api = audience,
            Role = row.Role,
            Tier = row.Tier,
            Method = method,
            EmailVerified = row.EmailVerified,
            AccountStatus = row.Status,
        };
    }

    private async Task<Caller> FromKeyAsync(HttpContext? context, ApiCredentials credentials, ApiKeyFormat format, string plain,
        CancellationToken cancellationToken)
    {
        if (!format.Matches(plain, out _))
        {
            throw Problem.Unauthorized("Invalid API key");
        }
        var hash = Secrets.Hash(plain);
        var cacheKey = "k:" + hash;
        if (!cache.TryGet<KeyRow>(cacheKey, out var row))
        {
            var generation = cache.Generation;
            row = await KeyByHash.For(db)(db, hash, cancellationToken);
            if (row is not null)
            {
                cache.Set(cacheKey, row.Key.AccountId, row, generation);
            }
        }
        if (row is null || row.Key.Api != format.Api)
        {
            throw Problem.Unauthorized("Invalid API key");
        }
        var key = row.Key;
        var now = clock.GetUtcNow().UtcDateTime;
        if (key.RevokedAt is not null)
        {
            throw Problem.Unauthorized("API key has been revoked");
        }
        if (!key.IsActive)
        {
            throw Problem.Unauthorized("API key is inactive");
        }
        if (key.ExpiresAt is { } expires && expires <= now)
        {
            throw new Problem(ProblemKind.TokenExpired, "API key has expired");
        }
        if (!AccountStatus.CanAuthenticate(row.Status))
        {
            throw Problem.Forbidden("Account unavailable");
        }
        if (context is not null)
        {
            // Counted before the path rules, so a refused request shows as the key's error.
            CountUsage(context, key.Id);
            CheckPathRules(context, credentials.Rules, key);
        }
        // In memory; written with the counter service's next batch (no write on a read).
        counters.Touch(ApiKeyService.LastUsed, key.Id, now);
        return new Caller
        {
            AccountId = key.AccountId,
            ApiKeyId = key.Id,
            Api = key.Api,
            Role = row.Role,
            Tier = row.Tier,
            Permissions = key.PermissionList,
            Sandbox = key.Sandbox,
            Method = CallerMethod.ApiKey,
            EmailVerified = row.EmailVerified,
            AccountStatus = row.Status,
        };
    }

    private static void CheckPathRules(HttpContext context, ApiKeyPathRules rules, ApiKey key)
    {
        var path = PathWithinApi(context);
        if (rules.IsDenied(path))
        {
            throw Problem.Forbidden("API keys cannot be used on this path; sign in instead", "API_KEY_FORBIDDEN_ON_PATH");
        }
        if (!rules.EnforceReadWrite)
        {
            return;
        }
        var permissions = key.PermissionList;
        if (ApiKeyPathRules.IsReadMethod(context.Request.Method))
        {
            if (!permissions.Contains("read"))
            {
                throw Problem.Forbidden("This API key has no read permission", "API_KEY_WRITE_ONLY");
            }
        }
        else if (!permissions.Contains("write"))
        {
            throw Problem.Forbidden("This API key is read-only", "API_KEY_READ_ONLY");
        }
    }

    /// <summary>The path as the API's document writes it: without the API's mount on the main port.</summary>
    private static string PathWithinApi(HttpContext context)
    {
        var path = context.Request.Path;
        if (context.Api() is { } api && path.StartsWithSegments(api.Mount.BasePath, StringComparison.OrdinalIgnoreCase, out var rest))
        {
            return rest.HasValue ? rest.Value! : "/";
        }
        return path.HasValue ? path.Value! : "/";
    }

    /// <summary>Counts the request against the key when its answer starts, with its final status.</summary>
    private void CountUsage(HttpContext context, string keyId)
    {
        var endpoint = context.GetEndpoint() is RouteEndpoint route
            ? $"{context.Request.Method} {route.RoutePattern.RawText}"
            : $"{context.Request.Method} {PathWithinApi(context)}";
        context.Response.OnStarting(() => keys.RecordUsageAsync(keyId, endpoint, context.Response.StatusCode >= 400, CancellationToken.None));
    }
}
