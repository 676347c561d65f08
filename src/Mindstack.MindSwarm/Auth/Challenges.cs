using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Mindstack.MindSwarm.Storage;
using Mindstack.Platform.Http;
using Mindstack.Platform.Storage;

namespace Mindstack.MindSwarm.Auth;

/// <summary>
/// Secrets made once per installation and shared by every node through the database (the first
/// node to need one inserts it; the others read it), cached per process.
/// </summary>
internal sealed class InstallationSecrets(MindstackDbContext db, TimeProvider clock, InstallationSecretCache cache)
{
    public async Task<string> GetAsync(string name, Func<string> make, CancellationToken ct)
    {
        if (cache.Values.TryGetValue(name, out var cached))
        {
            return cached;
        }
        var row = new InstallationSecretRow { Name = name, Value = make(), CreatedAt = clock.GetUtcNow().UtcDateTime };
        await db.InsertIfAbsentAsync(row, r => r.Name == name, ct);
        var value = await db.Set<InstallationSecretRow>().AsNoTracking().Where(r => r.Name == name).Select(r => r.Value).FirstAsync(ct);
        return cache.Values.GetOrAdd(name, value);
    }
}

internal sealed class InstallationSecretCache
{
    public ConcurrentDictionary<string, string> Values { get; } = new(StringComparer.Ordinal);
}

/// <summary>The challenge a client answers before registering.</summary>
internal sealed record ChallengeView(string Question, string Token, DateTime ExpiresAt);

/// <summary>
/// Registration challenges: a small arithmetic question and a token that carries, signed with the
/// installation's key (HMAC-SHA256), a nonce, its expiry and a keyed hash of the answer — so any
/// node checks it without storing anything until it is spent. A token is spent once.
/// </summary>
internal sealed class Challenges(MindstackDbContext db, TimeProvider clock, InstallationSecrets secrets)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);
    private const string KeyName = "challenge-signing-key";

    private sealed record Payload(string N, long E, string H);

    public async Task<ChallengeView> IssueAsync(CancellationToken ct)
    {
        var key = await KeyAsync(ct);
        var a = RandomNumberGenerator.GetInt32(2, 30);
        var b = RandomNumberGenerator.GetInt32(2, 30);
        var (question, answer) = RandomNumberGenerator.GetInt32(3) switch
        {
            0 => ($"What is {a} + {b}?", a + b),
            1 => ($"What is {Math.Max(a, b)} - {Math.Min(a, b)}?", Math.Max(a, b) - Math.Min(a, b)),
            _ => ($"What is {a % 10 + 2} times {b % 10 + 2}?", (a % 10 + 2) * (b % 10 + 2)),
        };
        var nonce = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(16));
        var expires = clock.GetUtcNow() + Lifetime;
        var payload = new Payload(nonce, expires.ToUnixTimeSeconds(), AnswerHash(key, nonce, answer.ToString(CultureInfo.InvariantCulture)));
        var body = Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(payload));
        return new ChallengeView(question, body + "." + Sign(key, body), expires.UtcDateTime);
    }

    /// <summary>Checks the token and answer and spends the token; a validation problem when anything is wrong.</summary>
    public async Task VerifyAsync(string? token, string? answer, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(token) || token.Length > 1000)
        {
            throw Problem.Invalid("challengeToken", "A challenge token is required (GET /api/auth/challenge)", "CHALLENGE_REQUIRED");
        }
        if (string.IsNullOrWhiteSpace(answer))
        {
            throw Problem.Invalid("challengeAnswer", "The challenge answer is required", "CHALLENGE_REQUIRED");
        }
        var key = await KeyAsync(ct);
        var parts = token.Trim().Split('.');
        Payload? payload = null;
        if (parts.Length == 2 && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Sign(key, parts[0])), Encoding.ASCII.GetBytes(parts[1])))
        {
            try
            {
                payload = JsonSerializer.Deserialize<Payload>(Base64Url.DecodeFromChars(parts[0]));
            }
            catch (Exception exception) when (exception is JsonException or FormatException)
            {
                payload = null;
            }
        }
        if (payload is null || payload.N is null || payload.H is null)
        {
            throw Problem.Invalid("challengeToken", "Invalid challenge token", "INVALID_CHALLENGE");
        }
        var expires = DateTimeOffset.FromUnixTimeSeconds(payload.E);
        if (expires <= clock.GetUtcNow())
        {
            throw Problem.Invalid("challengeToken", "The challenge has expired; get a new one", "CHALLENGE_EXPIRED");
        }
        var normalized = answer.Trim().ToLowerInvariant();
        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(AnswerHash(key, payload.N, normalized)), Encoding.ASCII.GetBytes(payload.H)))
        {
            throw Problem.Invalid("challengeAnswer", "Incorrect challenge answer", "INVALID_CHALLENGE_ANSWER");
        }
        // Insert-first on the nonce: of two registrations with one token, one wins.
        db.Add(new SpentChallengeRow { Nonce = payload.N, ExpiresAt = expires.UtcDateTime });
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            db.ChangeTracker.Clear();
            throw Problem.Invalid("challengeToken", "This challenge was already used; get a new one", "CHALLENGE_USED");
        }
    }

    /// <summary>Forgets spent challenges whose tokens have expired anyway.</summary>
    public Task<int> SweepAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return db.Set<SpentChallengeRow>().Where(c => c.ExpiresAt < now).ExecuteDeleteAsync(ct);
    }

    private Task<string> KeyAsync(CancellationToken ct) => secrets.GetAsync(KeyName, () => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)), ct);

    private static string Sign(string key, string body) =>
        Base64Url.EncodeToString(HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(body)));

    private static string AnswerHash(string key, string nonce, string answer) =>
        Base64Url.EncodeToString(HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes("answer|" + nonce + "|" + answer)));
}
