using System.Collections.Concurrent;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Mindstack.Platform.Accounts;

/// <summary>A signed access token and when it stops working.</summary>
public sealed record AccessToken(string Token, DateTime ExpiresAt, TimeSpan Lifetime);

/// <summary>What a valid access token says.</summary>
public sealed record AccessTokenClaims(string AccountId, string SessionId, string Audience, DateTime ExpiresAt);

/// <summary>The outcome of reading an access token.</summary>
public enum AccessTokenStatus
{
    Valid,
    /// <summary>Signed by us for this audience, but past its <c>exp</c>.</summary>
    Expired,
    /// <summary>Malformed, wrongly signed, or for another audience.</summary>
    Invalid,
}

/// <summary>
/// HS256 JWT access tokens: <c>iss</c> = mindstack, <c>aud</c> = the API, <c>sub</c> = the
/// account, <c>sid</c> = the session, <c>iat/nbf/exp</c> from <see cref="TimeProvider"/>, and the
/// signing key's id in the <c>kid</c> header (tokens without one, from before key rotation, are
/// checked against every key of the ring).
/// </summary>
public interface IAccessTokenService
{
    Task<AccessToken> IssueAsync(string accountId, string sessionId, string audience, TimeSpan lifetime, CancellationToken cancellationToken = default);

    Task<(AccessTokenStatus Status, AccessTokenClaims? Claims)> ReadAsync(string token, string audience, CancellationToken cancellationToken = default);
}

internal sealed class AccessTokenService(SigningKeyProvider keys, TimeProvider clock) : IAccessTokenService
{
    public const string Issuer = "mindstack";

    /// <summary>At most this many verified tokens are remembered (the memory is emptied when it is full).</summary>
    private const int MaxVerified = 50_000;

    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };

    // Tokens whose signature, issuer and audience were verified, with what they say: verifying is
    // most of an authenticated read's CPU besides its query, and a token never changes. Expiry is
    // still checked on every use; a key leaves the ring only after every token it signed expired.
    private readonly ConcurrentDictionary<(string Token, string Audience), AccessTokenClaims> _verified = new();

    public async Task<AccessToken> IssueAsync(string accountId, string sessionId, string audience, TimeSpan lifetime,
        CancellationToken cancellationToken = default)
    {
        var key = await keys.CurrentAsync(cancellationToken);
        var now = clock.GetUtcNow().UtcDateTime;
        // Whole seconds, as exp is on the wire.
        now = now.AddTicks(-(now.Ticks % TimeSpan.TicksPerSecond));
        var expires = now + lifetime;
        var token = _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = expires,
            Claims = new Dictionary<string, object>
            {
                [JwtRegisteredClaimNames.Sub] = accountId,
                [JwtRegisteredClaimNames.Sid] = sessionId,
            },
            SigningCredentials = new SigningCredentials(key.SecurityKey(), SecurityAlgorithms.HmacSha256),
        });
        return new AccessToken(token, expires, lifetime);
    }

    public async Task<(AccessTokenStatus Status, AccessTokenClaims? Claims)> ReadAsync(string token, string audience,
        CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(token) || token.Length > 4096)
        {
            return (AccessTokenStatus.Invalid, null);
        }
        if (_verified.TryGetValue((token, audience), out var known))
        {
            if (known.ExpiresAt > clock.GetUtcNow().UtcDateTime)
            {
                return (AccessTokenStatus.Valid, known);
            }
            _verified.TryRemove((token, audience), out _);
            return (AccessTokenStatus.Expired, null);
        }
        string? keyId;
        try
        {
            keyId = _handler.ReadJsonWebToken(token).Kid;
        }
        catch (Exception exception) when (exception is ArgumentException or SecurityTokenException or System.Text.Json.JsonException or FormatException)
        {
            return (AccessTokenStatus.Invalid, null);
        }
        var keyRing = await keys.VerificationKeysAsync(string.IsNullOrEmpty(keyId) ? null : keyId, cancellationToken);
        var result = await _handler.ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = Issuer,
            ValidAudience = audience,
            IssuerSigningKeys = [.. keyRing.Select(k => k.SecurityKey())],
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            // Lifetime is checked below against TimeProvider, the one clock of the platform.
            ValidateLifetime = false,
        });
        if (!result.IsValid || result.SecurityToken is not JsonWebToken jwt)
        {
            return (AccessTokenStatus.Invalid, null);
        }
        var subject = jwt.Subject;
        var session = jwt.TryGetPayloadValue<string>(JwtRegisteredClaimNames.Sid, out var sid) ? sid : null;
        if (string.IsNullOrEmpty(subject) || string.IsNullOrEmpty(session))
        {
            return (AccessTokenStatus.Invalid, null);
        }
        var now = clock.GetUtcNow().UtcDateTime;
        if (jwt.ValidTo <= now)
        {
            return (AccessTokenStatus.Expired, null);
        }
        if (jwt.ValidFrom > now.AddMinutes(5))
        {
            return (AccessTokenStatus.Invalid, null);
        }
        var claims = new AccessTokenClaims(subject, session, audience, jwt.ValidTo);
        if (_verified.Count >= MaxVerified)
        {
            _verified.Clear();
        }
        _verified[(token, audience)] = claims;
        return (AccessTokenStatus.Valid, claims);
    }
}
