using System.Text.Json.Serialization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Mindstack.MindSwarm.Outside;
using Mindstack.Platform.Access;
using Mindstack.Platform.Ai;
using Mindstack.Platform.Http;
using Mindstack.Platform.Storage;

namespace Mindstack.MindSwarm.Ai;

/// <summary><c>label</c> and <c>apiKey</c> are accepted for <c>name</c> and <c>key</c> (clients send either).</summary>
internal sealed record CreateAiKeyRequest(string? Name, string? Label, string? Provider, string? Key, string? ApiKey);

internal sealed record UpdateAiKeyRequest(string? Name, string? Label, bool? IsDefault, bool? IsActive, string? Key, string? ApiKey);

/// <summary>A stored key as lists show it: masked, never the key itself.</summary>
internal sealed record AiKeyView
{
    [JsonPropertyName("_id")]
    public required string UnderscoreId { get; init; }
    public required string Id { get; init; }
    public required string Name { get; init; }
    public required string Provider { get; init; }
    public required string MaskedKey { get; init; }
    public bool IsDefault { get; init; }
    public bool IsActive { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime UpdatedAt { get; init; }
    public DateTime? LastUsedAt { get; init; }
}

internal sealed record AiKeyEnvelope(AiKeyView Key, string Message);

internal sealed record AiKeysView(IReadOnlyList<AiKeyView> Keys, int Total, int Max);

internal sealed record AiKeyDeletedView(string Message);

internal sealed record AiProviderView(string Id, string Name, string? DefaultModel, bool Available, bool HasKey);

internal sealed record AiProvidersView(IReadOnlyList<AiProviderView> Providers);

/// <summary>How one call is served: by a user's key (with its provider) or by the platform's engine.</summary>
internal sealed record AiCallPlan(AiCallOptions? Options, AiKeyRow? Key);

/// <summary>
/// Per-user provider keys (section 10): at most <see cref="MaxKeys"/>, kept as Data Protection
/// ciphertext (key ring in the database, so every node opens them), shown masked, and used for that
/// user's AI calls through an OpenAI-compatible client at the provider's base URL.
/// </summary>
internal sealed class AiKeys(
    MindstackDbContext db,
    IIdGenerator ids,
    TimeProvider clock,
    IDataProtectionProvider protection,
    IOptions<MindSwarmAiOptions> options)
{
    public const int MaxKeys = 5;
    private const int MaxNameLength = 100;

    private IDataProtector Protector => protection.CreateProtector("Mindstack.MindSwarm.AiKeys.v1");

    public async Task<AiProvidersView> ProvidersAsync(string? accountId, CancellationToken ct)
    {
        var mine = accountId is null ? [] : await db.Set<AiKeyRow>().Where(k => k.AccountId == accountId && k.IsActive)
            .Select(k => k.Provider).Distinct().ToListAsync(ct);
        return new AiProvidersView(AiProviderCatalog.Names.Select(p => new AiProviderView(p, AiProviderCatalog.Title(p),
            AiProviderCatalog.DefaultModel(options.Value, p), AiProviderCatalog.BaseUrl(options.Value, p) is not null, mine.Contains(p))).ToList());
    }

    public async Task<AiKeysView> ListAsync(Caller caller, CancellationToken ct)
    {
        var rows = await db.Set<AiKeyRow>().AsNoTracking().Where(k => k.AccountId == caller.AccountId)
            .OrderBy(k => k.CreatedAt).ThenBy(k => k.Id).ToListAsync(ct);
        return new AiKeysView(rows.Select(View).ToList(), rows.Count, MaxKeys);
    }

    public async Task<AiKeyView> CreateAsync(Caller caller, CreateAiKeyRequest request, CancellationToken ct)
    {
        var validation = new Validation();
        var provider = (request.Provider ?? "").Trim().ToLowerInvariant();
        if (!AiProviderCatalog.Names.Contains(provider))
        {
            validation.Add("provider", "provider must be one of " + string.Join(", ", AiProviderCatalog.Names));
        }
        var secret = (request.Key ?? request.ApiKey ?? "").Trim();
        if (secret.Length is < 8 or > 500)
        {
            validation.Add("key", "key is required (8-500 characters)");
        }
        var name = (request.Name ?? request.Label)?.Trim();
        if (name is { Length: > MaxNameLength })
        {
            validation.Add("name", $"name may be at most {MaxNameLength} characters");
        }
        validation.ThrowIfInvalid();
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var count = await db.Set<AiKeyRow>().CountAsync(k => k.AccountId == caller.AccountId, ct);
        if (count >= MaxKeys)
        {
            throw Problem.BadRequest($"You can store at most {MaxKeys} API keys", "AI_KEY_LIMIT_REACHED");
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var row = new AiKeyRow
        {
            Id = ids.New("aikey"),
            AccountId = caller.AccountId,
            Name = string.IsNullOrEmpty(name) ? AiProviderCatalog.Title(provider) + " key" : name,
            Provider = provider,
            Ciphertext = Protector.Protect(secret),
            Masked = Mask(secret),
            IsDefault = count == 0,
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Add(row);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return View(row);
    }

    public async Task<AiKeyView> UpdateAsync(Caller caller, string keyId, UpdateAiKeyRequest request, CancellationToken ct)
    {
        var row = await RequireOwnAsync(caller.AccountId, keyId, ct);
        var name = (request.Name ?? request.Label)?.Trim();
        if (name is not null)
        {
            if (name.Length is 0 or > MaxNameLength)
            {
                throw Problem.Invalid("name", $"name must be 1-{MaxNameLength} characters");
            }
            row.Name = name;
        }
        if ((request.Key ?? request.ApiKey)?.Trim() is { } secret)
        {
            if (secret.Length is < 8 or > 500)
            {
                throw Problem.Invalid("key", "key must be 8-500 characters");
            }
            row.Ciphertext = Protector.Protect(secret);
            row.Masked = Mask(secret);
        }
        if (request.IsActive is { } active)
        {
            row.IsActive = active;
        }
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        if (request.IsDefault is { } isDefault)
        {
            if (isDefault)
            {
                await db.Set<AiKeyRow>().Where(k => k.AccountId == caller.AccountId && k.Id != row.Id && k.IsDefault)
                    .ExecuteUpdateAsync(u => u.SetProperty(k => k.IsDefault, false), ct);
            }
            row.IsDefault = isDefault;
        }
        row.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return View(row);
    }

    public async Task DeleteAsync(Caller caller, string keyId, CancellationToken ct)
    {
        var row = await RequireOwnAsync(caller.AccountId, keyId, ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await db.Set<AutoReplyRow>().Where(a => a.AccountId == caller.AccountId && a.KeyId == row.Id)
            .ExecuteUpdateAsync(u => u.SetProperty(a => a.KeyId, (string?)null), ct);
        await db.Set<AiKeyRow>().Where(k => k.Id == row.Id).ExecuteDeleteAsync(ct);
        await transaction.CommitAsync(ct);
    }

    public async Task<AiKeyRow> RequireOwnAsync(string accountId, string keyId, CancellationToken ct) =>
        await db.Set<AiKeyRow>().FirstOrDefaultAsync(k => k.Id == keyId && k.AccountId == accountId, ct)
        ?? throw Problem.NotFound("API key not found", "AI_KEY_NOT_FOUND");

    /// <summary>
    /// The key a call uses: the one named (<paramref name="keyId"/>), else the user's active key for
    /// the provider asked for, else their default key; none, the platform's engine serves the call.
    /// </summary>
    public async Task<AiCallPlan> PlanAsync(string accountId, string? keyId, string? provider, string? model, double? temperature,
        int? maxTokens, CancellationToken ct)
    {
        AiKeyRow? key;
        if (!string.IsNullOrWhiteSpace(keyId))
        {
            key = await RequireOwnAsync(accountId, keyId.Trim(), ct);
            if (!key.IsActive)
            {
                throw Problem.BadRequest("This API key is deactivated", "AI_KEY_INACTIVE");
            }
        }
        else
        {
            var wanted = provider?.Trim().ToLowerInvariant();
            key = await db.Set<AiKeyRow>().Where(k => k.AccountId == accountId && k.IsActive && (wanted == null || wanted == "" ? k.IsDefault : k.Provider == wanted))
                .OrderByDescending(k => k.IsDefault).ThenByDescending(k => k.CreatedAt).FirstOrDefaultAsync(ct);
        }
        var call = new AiCallOptions
        {
            Temperature = temperature,
            MaxOutputTokens = maxTokens,
            Model = string.IsNullOrWhiteSpace(model) ? null : model.Trim(),
        };
        if (key is null)
        {
            // The platform engine chooses its own model; a client's model name is for its provider only.
            return new AiCallPlan(call with { Model = null }, null);
        }
        var baseUrl = AiProviderCatalog.BaseUrl(options.Value, key.Provider)
            ?? throw OutsideService.NotConfigured($"The {AiProviderCatalog.Title(key.Provider)} provider",
                $"{MindSwarmAiOptions.Section}:Providers:{key.Provider}:BaseUrl");
        var chosen = call.Model ?? AiProviderCatalog.DefaultModel(options.Value, key.Provider)
            ?? throw Problem.Invalid("model", $"model is required for the {key.Provider} provider");
        string secret;
        try
        {
            secret = Protector.Unprotect(key.Ciphertext);
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            throw Problem.BadRequest("This API key can no longer be read; store it again", "AI_KEY_UNREADABLE");
        }
        return new AiCallPlan(call with { Model = chosen, Provider = new AiProviderOverride(key.Provider, baseUrl, secret, chosen) }, key);
    }

    /// <summary>The first three characters and the last four around a mask (short keys: the mask only).</summary>
    public static string Mask(string secret) =>
        secret.Length < 12 ? "••••••••" : secret[..3] + "••••••••" + secret[^4..];

    private static AiKeyView View(AiKeyRow row) => new()
    {
        UnderscoreId = row.Id,
        Id = row.Id,
        Name = row.Name,
        Provider = row.Provider,
        MaskedKey = row.Masked,
        IsDefault = row.IsDefault,
        IsActive = row.IsActive,
        CreatedAt = row.CreatedAt,
        UpdatedAt = row.UpdatedAt,
        LastUsedAt = row.LastUsedAt,
    };
}
