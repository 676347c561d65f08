using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Mindstack.Mindra.Auth;
using Mindstack.Platform.Access;
using Mindstack.Platform.Http;
using Mindstack.Platform.Limits;

namespace Mindstack.Mindra.Keys;

internal sealed record CreateKeyRequest
{
    public string? Name { get; init; }
    public List<string>? Permissions { get; init; }
    public DateTime? ExpiresAt { get; init; }
    /// <summary><c>production</c> (<c>mk_</c>) or <c>sandbox</c> (<c>mk_test_</c>); default: the caller's own.</summary>
    public string? Environment { get; init; }
}

internal sealed record UpdateKeyRequest
{
    public string? Name { get; init; }
    public List<string>? Permissions { get; init; }
    public bool? IsActive { get; init; }
    public DateTime? ExpiresAt { get; init; }
}

internal sealed record DeletedKeyView(string Id, bool Deleted);

internal sealed record KeyView(
    string Id,
    string Name,
    string Prefix,
    IReadOnlyList<string> Permissions,
    string Environment,
    DateTime CreatedAt,
    DateTime? ExpiresAt,
    DateTime? LastUsedAt,
    bool IsActive)
{
    /// <summary>The full key: only in the answer that created it.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? Key { get; init; }

    public static KeyView Of(ApiKey k) => new(k.Id, k.Name, k.Prefix, k.PermissionList, k.Sandbox ? "sandbox" : "production",
        k.CreatedAt, k.ExpiresAt, k.LastUsedAt, k.IsActive && k.RevokedAt == null);
}

/// <summary>
/// Keys manage keys: within the caller's account, within its environment (a sandbox key sees
/// and makes only sandbox keys), and never granting a permission the caller does not hold.
/// </summary>
internal static class KeyEndpoints
{
    public static void Map(RouteGroupBuilder v1)
    {
        var keys = v1.MapGroup("/api-keys").RequirePermission(MindraPermissions.ApiKeysWrite);
        keys.MapGet("", List).WithName("MindraListKeys").WithSummary("List API keys").ProducesPage<KeyView>();
        keys.MapPost("", Create).Idempotent(MindraCallers.Scope).WithName("MindraCreateKey")
            .WithSummary("Create an API key (shown once)").ProducesEnvelope<KeyView>(StatusCodes.Status201Created);
        keys.MapPatch("/{id}", Update).WithName("MindraUpdateKey").WithSummary("Update an API key (name, permissions, isActive, expiresAt)")
            .ProducesEnvelope<KeyView>();
        keys.MapDelete("/{id}", Delete).WithName("MindraDeleteKey").WithSummary("Delete (revoke) an API key").ProducesEnvelope<DeletedKeyView>();
    }

    private static async Task<IResult> List(HttpRequest request, Caller caller, IApiKeyService service, MindraDialect dialect, CancellationToken ct)
    {
        var paging = Query.Pages(request, defaultLimit: 20, maxLimit: 100);
        var keys = (await service.ListAsync(caller.AccountId, MindraApi.Name, ct))
            .Where(k => !caller.Sandbox || k.Sandbox).ToList();
        return dialect.Page(keys.Skip(paging.Offset).Take(paging.Limit).Select(KeyView.Of).ToList(), paging, keys.Count);
    }

    private static async Task<IResult> Create(Body<CreateKeyRequest> body, Caller caller, IApiKeyService service, MindraDialect dialect,
        CancellationToken ct)
    {
        var request = body.Value;
        var sandbox = request.Environment?.Trim().ToLowerInvariant() switch
        {
            null or "" => caller.Sandbox,
            "sandbox" or "test" => true,
            "production" or "live" => false,
            _ => throw Problem.Invalid("environment", "environment must be production or sandbox"),
        };
        if (caller.Sandbox && !sandbox)
        {
            throw Problem.Forbidden("A sandbox key cannot create production keys");
        }
        var permissions = Grantable(caller, request.Permissions);
        var created = await service.CreateAsync(new NewApiKey(caller.AccountId, MindraApi.KeyFormat, request.Name ?? "")
        {
            Permissions = permissions,
            ExpiresAt = request.ExpiresAt,
            Sandbox = sandbox,
        }, ct);
        return dialect.Ok(KeyView.Of(created.Key) with { Key = created.PlainKey }, StatusCodes.Status201Created);
    }

    private static async Task<IResult> Update(string id, Body<UpdateKeyRequest> body, Caller caller, IApiKeyService service, MindraDialect dialect,
        CancellationToken ct)
    {
        await Own(id, caller, service, ct);
        var request = body.Value;
        var key = await service.UpdateAsync(id, caller.AccountId, new ApiKeyChanges
        {
            Name = request.Name,
            Permissions = request.Permissions is null ? null : Grantable(caller, request.Permissions),
            IsActive = request.IsActive,
            ExpiresAt = request.ExpiresAt,
        }, ct);
        return dialect.Ok(KeyView.Of(key));
    }

    private static async Task<IResult> Delete(string id, Caller caller, IApiKeyService service, MindraDialect dialect, CancellationToken ct)
    {
        await Own(id, caller, service, ct);
        await service.RevokeAsync(id, caller.AccountId, ct);
        return dialect.Ok(new DeletedKeyView(id, true));
    }

    /// <summary>The key, when it is one of the caller's Mindra keys that it may manage; else NOT_FOUND.</summary>
    private static async Task<ApiKey> Own(string id, Caller caller, IApiKeyService service, CancellationToken ct)
    {
        var key = await service.FindAsync(id, caller.AccountId, ct);
        return key is null || key.RevokedAt is not null || key.Api != MindraApi.Name || (caller.Sandbox && !key.Sandbox)
            ? throw Problem.NotFound($"API key '{id}' not found")
            : key;
    }

    /// <summary>
    /// The permissions asked for (all of the caller's when none are named), refused when any is
    /// unknown or not held by the caller itself.
    /// </summary>
    private static IReadOnlyList<string> Grantable(Caller caller, IReadOnlyList<string>? asked)
    {
        if (asked is null)
        {
            return MindraPermissions.All.Where(caller.HasPermission).ToList();
        }
        var clean = asked.Select(p => p?.Trim() ?? "").Where(p => p.Length > 0).Distinct(StringComparer.Ordinal).ToList();
        if (clean.FirstOrDefault(p => !MindraPermissions.All.Contains(p, StringComparer.Ordinal)) is { } unknown)
        {
            throw Problem.Invalid("permissions", $"Unknown permission '{unknown}'; known: {string.Join(", ", MindraPermissions.All)}");
        }
        if (clean.FirstOrDefault(p => !caller.HasPermission(p)) is { } missing)
        {
            throw Problem.Forbidden($"A key cannot grant '{missing}', a permission it does not hold itself");
        }
        return clean;
    }
}
