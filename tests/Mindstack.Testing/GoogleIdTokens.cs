using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Mindstack.Testing;

/// <summary>ID tokens shaped as Google issues them, signed with whatever key a test holds.</summary>
public static class GoogleIdTokens
{
    /// <summary>Leaves the <c>email_verified</c> claim out of a token.</summary>
    public static readonly object NoClaim = new();

    /// <summary>
    /// A Google-shaped ID token. <paramref name="emailVerified"/> is written as it is given: a bool
    /// as a JSON boolean, a string as a JSON string, <see cref="NoClaim"/> left out; null (the
    /// default) is Google's <c>true</c>. An <paramref name="expires"/> in the past is issued an hour before it.
    /// </summary>
    public static string Create(SigningCredentials signing, string subject, string email, string audience,
        string issuer = "https://accounts.google.com", DateTime? expires = null, string? name = null, object? emailVerified = null)
    {
        var now = DateTime.UtcNow;
        var exp = expires ?? now.AddHours(1);
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            IssuedAt = exp < now ? exp.AddHours(-1) : now,
            NotBefore = exp < now ? exp.AddHours(-1) : now,
            Expires = exp,
            Subject = new ClaimsIdentity([
                new Claim("sub", subject),
                new Claim("email", email),
                .. EmailVerifiedClaim(emailVerified),
                new Claim("name", name ?? email.Split('@')[0]),
                new Claim("picture", $"https://example.test/{subject}.png"),
            ]),
            SigningCredentials = signing,
        });
    }

    private static Claim[] EmailVerifiedClaim(object? value) => value switch
    {
        null => [new Claim("email_verified", "true", ClaimValueTypes.Boolean)],
        bool flag => [new Claim("email_verified", flag ? "true" : "false", ClaimValueTypes.Boolean)],
        string text => [new Claim("email_verified", text, ClaimValueTypes.String)],
        _ => [],
    };
}
