using Microsoft.Extensions.Options;

namespace Mindstack.Platform.Accounts;

/// <summary>
/// <c>Mindstack:Auth:*</c>, bound and validated at start: <c>SigningKey</c>, the base64 HS256 key
/// (at least 32 bytes) that signs access tokens; unset, one is generated once and kept in the database.
/// <c>PasswordIterations</c>: PBKDF2-HMAC-SHA512 rounds for new password hashes (ASP.NET Core
/// Identity's 100,000 by default; stored hashes carry their own count and are rehashed at sign-in
/// when it is lower than the setting).
/// </summary>
public sealed class AuthOptions
{
    public const string Section = "Mindstack:Auth";

    public string? SigningKey { get; set; }

    public int PasswordIterations { get; set; } = 100_000;

    /// <summary>The configured key's bytes, null when none is set or it is not base64.</summary>
    internal byte[]? SigningKeyBytes()
    {
        if (string.IsNullOrWhiteSpace(SigningKey))
        {
            return null;
        }
        var buffer = new byte[SigningKey.Length];
        return Convert.TryFromBase64String(SigningKey, buffer, out var written) ? buffer[..written] : null;
    }
}

/// <summary>Refuses a start with a signing key that is not base64 or too short, naming the setting.</summary>
internal sealed class AuthOptionsValidator : IValidateOptions<AuthOptions>
{
    public ValidateOptionsResult Validate(string? name, AuthOptions options)
    {
        if (options.PasswordIterations < 1_000)
        {
            return ValidateOptionsResult.Fail($"{AuthOptions.Section}:PasswordIterations must be at least 1000");
        }
        if (string.IsNullOrWhiteSpace(options.SigningKey))
        {
            return ValidateOptionsResult.Success;
        }
        return options.SigningKeyBytes() switch
        {
            null => ValidateOptionsResult.Fail($"{AuthOptions.Section}:SigningKey must be base64"),
            { Length: < 32 } => ValidateOptionsResult.Fail($"{AuthOptions.Section}:SigningKey must decode to at least 32 bytes"),
            _ => ValidateOptionsResult.Success,
        };
    }
}
