using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using Mindstack.Platform.Http;
using Mindstack.Platform.Storage;

namespace Mindstack.Platform.Accounts;

/// <summary>What <see cref="ISigningKeyRing.RotateAsync"/> did.</summary>
/// <param name="CurrentKeyId">The new key's id (the <c>kid</c> of every access token issued from now on).</param>
/// <param name="KeptKeyIds">Older keys still accepted, newest first, each until the longest access-token lifetime has passed since it was replaced.</param>
/// <param name="DroppedKeyIds">Keys replaced long enough ago that no token signed with them can still be valid.</param>
/// <param name="LongestTokenLifetime">The longest access-token lifetime of any registered API.</param>
public sealed record SigningKeyRotation(string CurrentKeyId, IReadOnlyList<string> KeptKeyIds, IReadOnlyList<string> DroppedKeyIds, TimeSpan LongestTokenLifetime);

/// <summary>The access-token signing keys, for operators.</summary>
public interface ISigningKeyRing
{
    /// <summary>
    /// Makes a new signing key current. Tokens signed with older keys stay valid until they expire;
    /// keys replaced more than the longest access-token lifetime ago are removed. Every node picks
    /// the new ring up from the database (at once when it meets the new <c>kid</c>, otherwise within
    /// <see cref="SigningKeyProvider.RefreshInterval"/>). Refused (a <see cref="Problem"/>) when the
    /// key is configured (<c>Mindstack:Auth:SigningKey</c>).
    /// </summary>
    Task<SigningKeyRotation> RotateAsync(CancellationToken cancellationToken = default);
}

/// <summary>One HS256 key of the ring: its id (the tokens' <c>kid</c>), its bytes, when it was made and replaced.</summary>
internal sealed record SigningKey(string Id, byte[] Key, DateTime CreatedAt, DateTime? RetiredAt, string? Row = null)
{
    /// <summary>A key's id is derived from the key, so every node names the first key alike without storing anything.</summary>
    public static string IdOf(byte[] key) => Base64UrlEncoder.Encode(SHA256.HashData(key))[..16];

    private SymmetricSecurityKey? _securityKey;

    /// <summary>One instance per key: the token handler caches its signature providers by key.</summary>
    public SymmetricSecurityKey SecurityKey() => _securityKey ??= new(Key) { KeyId = Id };
}

/// <summary>
/// The HS256 keys that sign and verify access tokens. <c>Mindstack:Auth:SigningKey</c>
/// (<see cref="AuthOptions"/>) when configured: one key, not rotated here. Otherwise a key generated
/// once and stored in <c>accounts_secrets</c> (<c>jwt_signing_key</c>), then one row per rotation
/// (<c>jwt_signing_key:{kid}</c>): the newest signs, the others verify until the longest token
/// lifetime has passed since they were replaced. Each is encrypted with Data Protection
/// (<see cref="AccountSecretProtector"/>), so every node on one database signs and verifies with the
/// same keys. Never a constant.
/// </summary>
internal sealed class SigningKeyProvider(IOptions<AuthOptions> options, IServiceScopeFactory scopes, TimeProvider clock,
    AccountSecretProtector secrets, IEnumerable<ApiDefinition> apis) : ISigningKeyRing
{
    private const string SecretName = "jwt_signing_key";
    /// <summary>Keys made by a rotation: <c>jwt_signing_key:{kid}</c>, one row each.</summary>
    internal const string RingPrefix = "jwt_signing_key:";

    /// <summary>How long a node signs with the ring it read before reading it again.</summary>
    internal static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(30);

    /// <summary>Tokens are accepted this long past their lifetime's end, as the reader allows for clock skew.</summary>
    private static readonly TimeSpan Skew = TimeSpan.FromMinutes(5);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private (IReadOnlyList<SigningKey> Keys, DateTimeOffset LoadedAt)? _ring;
    private long _lastUnknownKidReload = long.MinValue;

    /// <summary>The key that signs new tokens.</summary>
    public async ValueTask<SigningKey> CurrentAsync(CancellationToken cancellationToken) => (await RingAsync(reload: false, cancellationToken))[0];

    /// <summary>The keys a token may be signed with; a <c>kid</c> this node does not know yet makes it read the ring again.</summary>
    public async ValueTask<IReadOnlyList<SigningKey>> VerificationKeysAsync(string? keyId, CancellationToken cancellationToken)
    {
        var keys = await RingAsync(reload: false, cancellationToken);
        if (keyId is null || keys.Any(k => k.Id == keyId) || FromConfiguration() is not null)
        {
            return keys;
        }
        // Another node (or the CLI) rotated. Real elapsed time, not the platform clock, throttles the
        // reads: it guards the database against made-up kids, not a business rule.
        var now = Environment.TickCount64;
        var last = Interlocked.Read(ref _lastUnknownKidReload);
        if (last != long.MinValue && now - last < 1000)
        {
            return keys;
        }
        Interlocked.Exchange(ref _lastUnknownKidReload, now);
        return await RingAsync(reload: true, cancellationToken);
    }

    public async Task<SigningKeyRotation> RotateAsync(CancellationToken cancellationToken = default)
    {
        if (FromConfiguration() is not null)
        {
            throw Problem.Invalid("signingKey",
                $"The signing key is configured ({AuthOptions.Section}:SigningKey): change it there, or remove it to use the stored key ring, which rotates.");
        }
        var longest = LongestTokenLifetime();
        var before = await LoadAsync(cancellationToken);
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MindstackDbContext>();
        var now = clock.GetUtcNow().UtcDateTime;
        var bytes = RandomNumberGenerator.GetBytes(64);
        var fresh = new SigningKey(SigningKey.IdOf(bytes), bytes, now, null);
        // A row per key: two rotations at once both add a key (the later one is current), nothing is overwritten.
        db.Add(new AccountsSecret { Name = RingPrefix + fresh.Id, Value = secrets.ProtectSigningKey(Convert.ToBase64String(bytes)), CreatedAt = now });
        await db.SaveChangesAsync(cancellationToken);
        var replaced = before.Select(k => k.RetiredAt is null ? k with { RetiredAt = now } : k).ToList();
        var expired = replaced.Where(k => k.RetiredAt!.Value + longest + Skew <= now).ToList();
        var dropped = expired.Select(k => k.Id).ToList();
        if (expired.Select(k => k.Row).OfType<string>().ToList() is { Count: > 0 } rows)
        {
            await db.Set<AccountsSecret>().Where(s => rows.Contains(s.Name)).ExecuteDeleteAsync(cancellationToken);
        }
        await RingAsync(reload: true, cancellationToken);
        return new SigningKeyRotation(fresh.Id, [.. replaced.Where(k => !dropped.Contains(k.Id)).Select(k => k.Id)], dropped, longest);
    }

    private TimeSpan LongestTokenLifetime() =>
        apis.Select(a => a.Accounts?.AccessTokenLifetime ?? TimeSpan.Zero).DefaultIfEmpty(TimeSpan.Zero).Max() is var longest && longest > TimeSpan.Zero
            ? longest
            : new AuthPolicy { Audience = "", DisplayName = "" }.AccessTokenLifetime;

    private async ValueTask<IReadOnlyList<SigningKey>> RingAsync(bool reload, CancellationToken cancellationToken)
    {
        if (!reload && Fresh() is { } cached)
        {
            return cached;
        }
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (!reload && Fresh() is { } again)
            {
                return again;
            }
            IReadOnlyList<SigningKey> keys = FromConfiguration() is { } configured
                ? [new SigningKey(SigningKey.IdOf(configured), configured, DateTime.MinValue, null)]
                : await LoadAsync(cancellationToken);
            _ring = (keys, clock.GetUtcNow());
            return keys;
        }
        finally
        {
            _gate.Release();
        }
    }

    private IReadOnlyList<SigningKey>? Fresh() =>
        _ring is { } ring && (FromConfiguration() is not null || clock.GetUtcNow() - ring.LoadedAt < RefreshInterval) ? ring.Keys : null;

    private byte[]? FromConfiguration() => options.Value.SigningKeyBytes();

    /// <summary>The stored keys, newest (current) first; each replaced when the next one was made.</summary>
    private async Task<IReadOnlyList<SigningKey>> LoadAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MindstackDbContext>();
        var rows = await db.Set<AccountsSecret>().AsNoTracking()
            .Where(s => s.Name == SecretName || s.Name.StartsWith(RingPrefix))
            .ToListAsync(cancellationToken);
        if (rows.Count == 0)
        {
            return [await FirstKeyAsync(cancellationToken)];
        }
        var keys = new List<SigningKey>();
        DateTime? replacedAt = null;
        foreach (var row in rows.OrderByDescending(r => r.CreatedAt).ThenByDescending(r => r.Name, StringComparer.Ordinal))
        {
            var key = Convert.FromBase64String(secrets.RevealSigningKey(row.Value));
            keys.Add(new SigningKey(SigningKey.IdOf(key), key, row.CreatedAt, replacedAt, row.Name));
            replacedAt = row.CreatedAt;
        }
        return keys;
    }

    /// <summary>The key before any rotation: generated once, by whichever node needs it first.</summary>
    private async Task<SigningKey> FirstKeyAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MindstackDbContext>();
        var stored = await db.Set<AccountsSecret>().AsNoTracking().FirstOrDefaultAsync(s => s.Name == SecretName, cancellationToken);
        if (stored is not null)
        {
            return First(stored);
        }
        var fresh = RandomNumberGenerator.GetBytes(64);
        var row = new AccountsSecret
        {
            Name = SecretName,
            Value = secrets.ProtectSigningKey(Convert.ToBase64String(fresh)),
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        db.Add(row);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return new SigningKey(SigningKey.IdOf(fresh), fresh, row.CreatedAt, null);
        }
        catch (DbUpdateException exception) when (DbErrors.IsUniqueViolation(exception))
        {
            // Another node generated it first: everyone uses that one.
            await using var again = scopes.CreateAsyncScope();
            var other = again.ServiceProvider.GetRequiredService<MindstackDbContext>();
            return First(await other.Set<AccountsSecret>().AsNoTracking().FirstAsync(s => s.Name == SecretName, cancellationToken));
        }
    }

    private SigningKey First(AccountsSecret stored)
    {
        var key = Convert.FromBase64String(secrets.RevealSigningKey(stored.Value));
        return new SigningKey(SigningKey.IdOf(key), key, stored.CreatedAt, null);
    }
}
