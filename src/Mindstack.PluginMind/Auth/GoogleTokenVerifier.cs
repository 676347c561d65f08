using System.Security.Claims;
using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Mindstack.Platform.Http;

namespace Mindstack.PluginMind.Auth;

/// <summary>Who a verified Google ID token says the user is; the email is one Google has verified.</summary>
internal sealed record GoogleIdentity(string Subject, string Email, string? Name, string? Picture);

/// <summary>
/// Verifies Google ID tokens: RS256 against Google's published keys, <c>aud</c> = the configured
/// client id, <c>iss</c> = Google, not expired, <c>email_verified</c> the boolean <c>true</c>. With a development secret configured (never in
/// Production: refused at start), HS256 tokens signed with it pass the same claim checks.
/// </summary>
internal sealed class GoogleTokenVerifier(GoogleKeys keys, IOptions<PluginMindOptions> options, TimeProvider clock)
{
    // Google documents both spellings of its issuer.
    private static readonly string[] Issuers = ["https://accounts.google.com", "accounts.google.com"];
    private static readonly JsonWebTokenHandler Handler = new() { MapInboundClaims = false };

    /// <summary>The token's identity, or an Unauthorized problem (<c>AUTHENTICATION_FAILED</c>) saying why not.</summary>
    public async Task<GoogleIdentity> VerifyAsync(string? idToken, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(idToken))
        {
            throw Problem.Unauthorized("Missing Google ID token");
        }
        var google = options.Value.Google;
        if (string.IsNullOrWhiteSpace(google.ClientId))
        {
            throw Problem.Unavailable("Google sign-in is not configured (Mindstack:PluginMind:Google:ClientId)");
        }
        JsonWebToken token;
        try
        {
            token = new JsonWebToken(idToken);
        }
        catch (Exception exception) when (exception is ArgumentException or SecurityTokenMalformedException)
        {
            throw Problem.Unauthorized("Invalid Google ID token: malformed");
        }

        var devSecret = google.DevSecret;
        var isDevToken = devSecret is { Length: > 0 } && token.Alg == SecurityAlgorithms.HmacSha256;
        // Refused before any key is looked up: a token Google could not have signed (alg none,
        // HS256 without a dev secret, anything else) must not make us fetch Google's keys.
        if (!isDevToken && token.Alg != SecurityAlgorithms.RsaSha256)
        {
            throw Problem.Unauthorized("Invalid Google ID token: algorithm not accepted");
        }
        IReadOnlyList<SecurityKey> signingKeys = isDevToken
            ? [new SymmetricSecurityKey(Encoding.UTF8.GetBytes(devSecret!))]
            : await keys.GetAsync(token.Kid, cancellationToken);

        var parameters = new TokenValidationParameters
        {
            ValidIssuers = Issuers,
            ValidAudience = google.ClientId,
            IssuerSigningKeys = signingKeys,
            ValidAlgorithms = isDevToken ? [SecurityAlgorithms.HmacSha256] : [SecurityAlgorithms.RsaSha256],
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ClockSkew = TimeSpan.FromMinutes(1),
            LifetimeValidator = (notBefore, expires, _, p) =>
            {
                var now = clock.GetUtcNow().UtcDateTime;
                return expires is { } exp && now <= exp.ToUniversalTime() + p.ClockSkew
                    && (notBefore is not { } nbf || now + p.ClockSkew >= nbf.ToUniversalTime());
            },
        };
        var result = await Handler.ValidateTokenAsync(token, parameters);
        if (!result.IsValid)
        {
            throw Problem.Unauthorized("Invalid Google ID token: " + Reason(result.Exception));
        }

        var claims = result.ClaimsIdentity;
        var subject = claims.FindFirst("sub")?.Value;
        var email = claims.FindFirst("email")?.Value;
        if (string.IsNullOrEmpty(subject) || string.IsNullOrEmpty(email))
        {
            throw Problem.Unauthorized("Invalid Google ID token: no subject or email");
        }
        // Only Google's boolean true: false, a missing claim or the string "true" is not Google
        // vouching for the address, and the address is what links a Google user to an account.
        if (claims.FindFirst("email_verified") is not { ValueType: ClaimValueTypes.Boolean } verified
            || !string.Equals(verified.Value, "true", StringComparison.OrdinalIgnoreCase))
        {
            throw Problem.Unauthorized("Invalid Google ID token: the email address is not verified by Google");
        }
        return new GoogleIdentity(subject, email, claims.FindFirst("name")?.Value, claims.FindFirst("picture")?.Value);
    }

    private static string Reason(Exception? exception) => exception switch
    {
        SecurityTokenExpiredException => "expired",
        SecurityTokenInvalidLifetimeException => "expired or not yet valid",
        SecurityTokenInvalidAudienceException => "wrong audience",
        SecurityTokenInvalidIssuerException => "wrong issuer",
        SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException => "bad signature",
        SecurityTokenInvalidAlgorithmException => "algorithm not accepted",
        _ => "rejected",
    };
}
