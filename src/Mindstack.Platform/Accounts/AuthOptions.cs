using Microsoft.Extensions.Options;

namespace Mindstack.Platform.Accounts;

/// <summary>
/// <c>Mindstack:Auth:*</c>, bound and validated at start: <c>SigningKey</c>, the base64 HS256 key
/// (at least 32 bytes) that signs access tokens; unset, one is generated once and kept in the database.
/// </summary>
public sealed class AuthOptions
{
    public const string Section = "Mindstack:Auth";

    public string? SigningKey { get; set; }

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
