using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Mindstack.Platform.Accounts;
using Mindstack.Platform.Audit;
using Mindstack.Platform.Http;
using Mindstack.Platform.Storage;

namespace Mindstack.Platform.Access;

/// <summary>A key to make. Null permissions mean the format's defaults.</summary>
public sealed record NewApiKey(string AccountId, ApiKeyFormat Format, string Name)
{
    public IReadOnlyList<string>? Permissions { get; init; }
    public DateTime? ExpiresAt { get; init; }
    public bool Sandbox { get; init; }
}

/// <summary>Changes to a key; null leaves a field as it is.</summary>
public sealed record ApiKeyChanges
{
    public string? Name { get; init; }
    public IReadOnlyList<string>? Permissions { get; init; }
    public bool? IsActive { get; init; }
    public DateTime? ExpiresAt { get; init; }
    public bool ClearExpiry { get; init; }
}

/// <summary>A new key and the only copy of its full text.</summary>
public sealed record CreatedApiKey(ApiKey Key, string PlainKey);

/// <summary>API keys: made at random, shown once, stored as SHA-256 with a visible prefix.</summary>
public interface IApiKeyService
{
    Task<CreatedApiKey> CreateAsync(NewApiKey request, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<ApiKey>> ListAsync(string accountId, string? api = null, CancellationToken cancellationToken = default);

    /// <summary>The key, when it exists and (if <paramref name="accountId"/> is given) belongs to that account.</summary>
    Task<ApiKey?> FindAsync(string keyId, string? accountId = null, CancellationToken cancellationToken = default);

    Task<ApiKey> UpdateAsync(string keyId, string? accountId, ApiKeyChanges changes, CancellationToken cancellationToken = default);

    /// <summary>Revokes the key for good; false when there is no such key (of that account).</summary>
    Task<bool> RevokeAsync(string keyId, string? accountId = null, CancellationToken cancellationToken = default);

    /// <summary>Replaces the key's secret (the old one stops working at once); the id, name and permissions stay.</summary>
    Task<CreatedApiKey> RegenerateAsync(string keyId, string? accountId = null, CancellationToken cancellationToken = default);

    /// <summary>Usage rows of a key between two UTC days (inclusive).</summary>
    Task<IReadOnlyList<ApiKeyUsage>> GetUsageAsync(string keyId, DateOnly from, DateOnly to, CancellationToken cancellationToken = default);

    /// <summary>Counts one request (and an error when <paramref name="isError"/>) for the key, today, on the endpoint.</summary>
    Task RecordUsageAsync(string keyId, string endpoint, bool isError, CancellationToken cancellationToken = default);
}

internal sealed class ApiKeyService(
    MindstackDbContext db,
    IIdGenerator ids,
    TimeProvider clock,
    IAuditLog audit,
    ApiRegistry apis,
    IUsageCounters counters) : IApiKeyService
{
    /// <summary>Requests and errors per key, day and endpoint, counted in memory and flushed in batches.</summary>
    internal static readonly CounterTable Usage = new("access_key_usage", ["key_id", "day", "endpoint"], ["requests", "errors"]);

    /// <summary>When a key was last used: the newest time seen, flushed in batches.</summary>
    internal static readonly LatestTimeColumn LastUsed = new("access_api_keys.last_used_at", (db, id, at, cancellationToken) =>
        db.Set<ApiKey>().Where(k => k.Id == id && (k.LastUsedAt == null || k.LastUsedAt < at))
            .ExecuteUpdateAsync(u => u.SetProperty(k => k.LastUsedAt, at), cancellationToken));

    /// <summary>How many random characters after the format's prefix are kept visible.</summary>
    private const int VisibleRandomCharacters = 4;

    public async Task<CreatedApiKey> CreateAsync(NewApiKey request, CancellationToken cancellationToken = default)
    {
        var name = ValidateName(request.Name);
        var permissions = ValidatePermissions(request.Format, request.Permissions ?? request.Format.DefaultPermissions);
        if (request.Sandbox && request.Format.SandboxPrefix is null)
        {
            throw Problem.Invalid("sandbox", $"{request.Format.Api} keys have no sandbox");
        }
        var now = clock.GetUtcNow().UtcDateTime;
        if (request.ExpiresAt is { } expires && expires <= now)
        {
            throw Problem.Invalid("expiresAt", "Expiry must be in the future");
        }
        if (!await db.Set<Account>().AnyAsync(a => a.Id == request.AccountId, cancellationToken))
        {
            throw Problem.NotFound("Account not found", "USER_NOT_FOUND");
        }
        var plain = NewPlainKey(request.Format, request.Sandbox);
        var key = new ApiKey
        {
            Id = ids.New("key"),
            AccountId = request.AccountId,
            Api = request.Format.Api,
            Name = name,
            Prefix = VisiblePrefix(request.Format, request.Sandbox, plain),
            KeyHash = Secrets.Hash(plain),
            Permissions = string.Join(' ', permissions),
            Sandbox = request.Sandbox,
            IsActive = true,
            CreatedAt = now,
            ExpiresAt = request.ExpiresAt?.ToUniversalTime(),
        };
        db.Add(key);
        audit.Add(new AuditRecord("api_key.created", key.AccountId, "api_key", key.Id) { Api = key.Api });
        await db.SaveChangesAsync(cancellationToken);
        return new CreatedApiKey(key, plain);
    }

    public async Task<IReadOnlyList<ApiKey>> ListAsync(string accountId, string? api = null, CancellationToken cancellationToken = default)
    {
        var keys = db.Set<ApiKey>().AsNoTracking().Where(k => k.AccountId == accountId && k.RevokedAt == null);
        if (api is not null)
        {
            keys = keys.Where(k => k.Api == api);
        }
        var list = await keys.OrderByDescending(k => k.CreatedAt).ThenByDescending(k => k.Id).ToListAsync(cancellationToken);
        foreach (var key in list)
        {
            key.LastUsedAt = Latest(key.LastUsedAt, counters.PendingLatest(LastUsed, key.Id));
        }
        return list;
    }

    public async Task<ApiKey?> FindAsync(string keyId, string? accountId = null, CancellationToken cancellationToken = default)
    {
        var key = await db.Set<ApiKey>().FirstOrDefaultAsync(k => k.Id == keyId && (accountId == null || k.AccountId == accountId), cancellationToken);
        if (key is not null && counters.PendingLatest(LastUsed, key.Id) is { } pending && Latest(key.LastUsedAt, pending) != key.LastUsedAt)
        {
            // This node's use not flushed yet; as the original value too, so saving the key does not write it.
            var property = db.Entry(key).Property(k => k.LastUsedAt);
            property.CurrentValue = pending;
            property.OriginalValue = pending;
        }
        return key;
    }

    private static DateTime? Latest(DateTime? stored, DateTime? pending) =>
        stored is null ? pending : pending is null ? stored : stored > pending ? stored : pending;

    public async Task<ApiKey> UpdateAsync(string keyId, string? accountId, ApiKeyChanges changes, CancellationToken cancellationToken = default)
    {
        var key = await RequireLiveAsync(keyId, accountId, cancellationToken);
        if (changes.Name is not null)
        {
            key.Name = ValidateName(changes.Name);
        }
        if (changes.Permissions is not null)
        {
            var format = apis.KeyFormat(key.Api) ?? new ApiKeyFormat(key.Api, "", 0);
            key.Permissions = string.Join(' ', ValidatePermissions(format, changes.Permissions));
        }
        if (changes.IsActive is { } active)
        {
            key.IsActive = active;
        }
        if (changes.ClearExpiry)
        {
            key.ExpiresAt = null;
        }
        else if (changes.ExpiresAt is { } expires)
        {
            key.ExpiresAt = expires.ToUniversalTime();
        }
        audit.Add(new AuditRecord("api_key.updated", key.AccountId, "api_key", key.Id) { Api = key.Api });
        await db.SaveChangesAsync(cancellationToken);
        return key;
    }

    public async Task<bool> RevokeAsync(string keyId, string? accountId = null, CancellationToken cancellationToken = default)
    {
        var key = await FindAsync(keyId, accountId, cancellationToken);
        if (key is null || key.RevokedAt is not null)
        {
            return false;
        }
        key.IsActive = false;
        key.RevokedAt = clock.GetUtcNow().UtcDateTime;
        audit.Add(new AuditRecord("api_key.revoked", key.AccountId, "api_key", key.Id) { Api = key.Api });
        await db.SaveChangesAsync(cancellationToken);
        return true;
    }

    public async Task<CreatedApiKey> RegenerateAsync(string keyId, string? accountId = null, CancellationToken cancellationToken = default)
    {
        var key = await RequireLiveAsync(keyId, accountId, cancellationToken);
        var format = apis.KeyFormat(key.Api) ?? throw Problem.BadRequest($"No key format for {key.Api}");
        var plain = NewPlainKey(format, key.Sandbox);
        key.KeyHash = Secrets.Hash(plain);
        key.Prefix = VisiblePrefix(format, key.Sandbox, plain);
        audit.Add(new AuditRecord("api_key.regenerated", key.AccountId, "api_key", key.Id) { Api = key.Api });
        await db.SaveChangesAsync(cancellationToken);
        return new CreatedApiKey(key, plain);
    }

    public async Task<IReadOnlyList<ApiKeyUsage>> GetUsageAsync(string keyId, DateOnly from, DateOnly to, CancellationToken cancellationToken = default)
    {
        var first = Day(from);
        var last = Day(to);
        // yyyy-MM-dd sorts as text in date order.
        var stored = await db.Set<ApiKeyUsage>().AsNoTracking()
            .Where(u => u.KeyId == keyId && string.Compare(u.Day, first) >= 0 && string.Compare(u.Day, last) <= 0)
            .ToListAsync(cancellationToken);
        // Plus what this node counted and has not flushed yet.
        foreach (var (key, sums) in counters.PendingRows(Usage))
        {
            if (key[0] != keyId || string.CompareOrdinal(key[1], first) < 0 || string.CompareOrdinal(key[1], last) > 0)
            {
                continue;
            }
            var row = stored.FirstOrDefault(u => u.Day == key[1] && u.Endpoint == key[2]);
            if (row is null)
            {
                stored.Add(row = new ApiKeyUsage { KeyId = keyId, Day = key[1], Endpoint = key[2] });
            }
            row.Requests += sums[0];
            row.Errors += sums[1];
        }
        return [.. stored.OrderBy(u => u.Day, StringComparer.Ordinal).ThenBy(u => u.Endpoint, StringComparer.Ordinal)];
    }

    public Task RecordUsageAsync(string keyId, string endpoint, bool isError, CancellationToken cancellationToken = default)
    {
        var day = Day(DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime));
        var path = endpoint.Length > 300 ? endpoint[..300] : endpoint;
        // Counted in memory; the counter service adds it to the table with the next batch (no write per request).
        counters.Add(Usage, [keyId, day, path], 1, isError ? 1 : 0);
        return Task.CompletedTask;
    }

    private async Task<ApiKey> RequireLiveAsync(string keyId, string? accountId, CancellationToken cancellationToken)
    {
        var key = await FindAsync(keyId, accountId, cancellationToken);
        return key is null || key.RevokedAt is not null ? throw Problem.NotFound("API key not found", "KEY_NOT_FOUND") : key;
    }

    private static string NewPlainKey(ApiKeyFormat format, bool sandbox) => format.PrefixFor(sandbox) + Secrets.NewHex(format.RandomBytes);

    private static string VisiblePrefix(ApiKeyFormat format, bool sandbox, string plain) =>
        plain[..(format.PrefixFor(sandbox).Length + VisibleRandomCharacters)];

    private static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string ValidateName(string? name)
    {
        var trimmed = name?.Trim() ?? "";
        return trimmed.Length is >= 1 and <= 200 ? trimmed : throw Problem.Invalid("name", "Name is required (at most 200 characters)");
    }

    private static IReadOnlyList<string> ValidatePermissions(ApiKeyFormat format, IReadOnlyList<string> permissions)
    {
        var clean = permissions.Select(p => p?.Trim() ?? "").Where(p => p.Length > 0).Distinct(StringComparer.Ordinal).ToList();
        var bad = clean.FirstOrDefault(p => p.Length > 64 || p.Contains(' ', StringComparison.Ordinal)
            || (format.AllowedPermissions is { } allowed && !allowed.Contains(p, StringComparer.Ordinal)));
        return bad is null
            ? clean
            : throw Problem.Invalid("permissions", format.AllowedPermissions is { } known
                ? $"Unknown permission '{bad}'; allowed: {string.Join(", ", known)}"
                : $"Invalid permission '{bad}'");
    }
}
