using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;

namespace Mindstack.Platform.Accounts;

/// <summary>
/// The one place bearer secrets (refresh tokens, one-time tokens, API keys, backup codes) are
/// made and hashed. Only the SHA-256 of a secret is ever stored: these secrets are long and
/// random, so a fast hash is enough (passwords, which are not, use the password hasher).
/// </summary>
internal static class Secrets
{
    private const string Base32Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

    /// <summary>A URL-safe random token of <paramref name="bytes"/> random bytes.</summary>
    public static string NewToken(int bytes = 32) => Base64Url(RandomNumberGenerator.GetBytes(bytes));

    /// <summary><paramref name="bytes"/> random bytes as lowercase hex.</summary>
    public static string NewHex(int bytes) => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(bytes));

    /// <summary>A random string of <paramref name="length"/> characters from the base32 alphabet.</summary>
    public static string NewBase32(int length)
    {
        Span<char> chars = stackalloc char[length];
        for (var i = 0; i < length; i++)
        {
            chars[i] = Base32Alphabet[RandomNumberGenerator.GetInt32(Base32Alphabet.Length)];
        }
        return new string(chars);
    }

    /// <summary>SHA-256 of the UTF-8 text, lowercase hex (64 characters).</summary>
    public static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    public static string Base64Url(ReadOnlySpan<byte> bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

/// <summary>Recognises a unique-constraint violation on either provider.</summary>
internal static class DbErrors
{
    public static bool IsUniqueViolation(DbUpdateException exception) => exception.InnerException switch
    {
        Microsoft.Data.Sqlite.SqliteException sqlite => sqlite.SqliteErrorCode == 19, // SQLITE_CONSTRAINT
        Npgsql.PostgresException postgres => postgres.SqlState == Npgsql.PostgresErrorCodes.UniqueViolation,
        _ => false,
    };
}
