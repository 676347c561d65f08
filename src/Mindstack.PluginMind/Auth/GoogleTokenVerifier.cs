using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Mindstack.Platform.Http;

namespace Mindstack.PluginMind.Auth;

/// <summary>Who a verified Google ID token says the user is.</summary>
internal sealed record GoogleIdentity(string Subject, string Email, bool EmailVerified, string? Name, string? Picture);

/// <summary>
/// Verifies Google ID tokens: RS256 against Google's published keys, <c>aud</c> = the configured
/// client id, <c>iss</c> = Google, not expired. With a development secret configured (never in
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
        IReadOnlyList<SecurityKey> signingKeys;
        if (isDevToken)
        {
            signingKeys = [new SymmetricSecurityKey(Encoding.UTF8.GetBytes(devSecret!))];
        }
        else
        {
            try
            {
                signingKeys = await keys.GetAsync(token.Kid, cancellationToken);
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException or ArgumentException)
            {
                throw new Problem(ProblemKind.Unavailable, "Google signing keys are unavailable; try again later");
            }
        }

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
        return new GoogleIdentity(subject, email,
            string.Equals(claims.FindFirst("email_verified")?.Value, "true", StringComparison.OrdinalIgnoreCase),
            claims.FindFirst("name")?.Value, claims.FindFirst("picture")?.Value);
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
