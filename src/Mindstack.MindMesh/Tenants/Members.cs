using System.Reflection;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Mindstack.MindMesh.Connectors;
using Mindstack.MindMesh.Storage;
using Mindstack.Platform.Access;
using Mindstack.Platform.Http;
using Mindstack.Platform.Storage;

namespace Mindstack.MindMesh.Tenants;

/// <summary>
/// The caller as MindMesh sees it: an account, its tenant, its role and the permissions the role
/// grants. An endpoint takes it as a parameter; no credential is 401.
/// </summary>
internal sealed class Member : IBindableFromHttpContext<Member>
{
    private const string ItemKey = "mindmesh.member";

    public required string AccountId { get; init; }
    public required string TenantId { get; init; }
    public required string Role { get; init; }

    public IReadOnlyList<string> Permissions => MindMeshApi.Roles.PermissionsOf(Role);

    public bool Has(string permission) => Permissions.Contains(permission, StringComparer.Ordinal);

    public static async ValueTask<Member?> BindAsync(HttpContext context, ParameterInfo parameter) => await ResolveAsync(context);

    /// <summary>The caller's membership, resolved once per request.</summary>
    public static async Task<Member> ResolveAsync(HttpContext context)
    {
        if (context.Items.TryGetValue(ItemKey, out var cached) && cached is Member member)
        {
            return member;
        }
        var caller = await context.RequireCallerAsync();
        var db = context.RequestServices.GetRequiredService<MindstackDbContext>();
        var row = await db.Set<MemberRow>().AsNoTracking().FirstOrDefaultAsync(m => m.AccountId == caller.AccountId, context.RequestAborted)
            ?? throw Problem.Unauthorized("Invalid or expired token");
        member = new Member { AccountId = row.AccountId, TenantId = row.TenantId, Role = row.Role };
        context.Items[ItemKey] = member;
        return member;
    }
}

internal static class MemberEndpoints
{
    /// <summary>The caller's role must grant <paramref name="permission"/>; else 403 <c>Insufficient permissions</c>.</summary>
    public static TBuilder Needs<TBuilder>(this TBuilder builder, string permission)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            var member = await Member.ResolveAsync(context.HttpContext);
            if (!member.Has(permission))
            {
                throw Problem.Forbidden("Insufficient permissions");
            }
            return await next(context);
        });
}

/// <summary>Tenants and memberships: a new account founds a tenant (and is its admin) or joins one with its invite code.</summary>
internal sealed class TenantService(MindstackDbContext db, IIdGenerator ids, TimeProvider clock, ConnectorService connectors)
{
    /// <summary>Adds the membership (and, without an invite code, a new tenant with its built-in connectors) to the context, unsaved.</summary>
    public async Task<MemberRow> AddMemberAsync(string accountId, string? fullName, string? inviteCode, string tenantName, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        string tenantId;
        string role;
        if (!string.IsNullOrWhiteSpace(inviteCode))
        {
            var code = inviteCode.Trim();
            var tenant = await db.Set<TenantRow>().AsNoTracking().FirstOrDefaultAsync(t => t.InviteCode == code, ct)
                ?? throw Problem.Invalid("invite_code", "Unknown invite code");
            (tenantId, role) = (tenant.Id, MindMeshApi.Roles.User);
        }
        else
        {
            var tenant = new TenantRow
            {
                Id = ids.New("tenant"),
                Name = tenantName,
                OwnerId = accountId,
                InviteCode = "inv_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)),
                CreatedAt = now,
            };
            db.Add(tenant);
            connectors.AddBuiltIns(tenant.Id, now);
            (tenantId, role) = (tenant.Id, MindMeshApi.Roles.Admin);
        }
        var member = new MemberRow
        {
            AccountId = accountId,
            TenantId = tenantId,
            Role = role,
            FullName = fullName,
            SettingsJson = """{"theme":"light","notifications":true,"autonomy_level":"L1"}""",
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Add(member);
        return member;
    }

    /// <summary>The account's membership; an account that signs in here first (made elsewhere) founds its own tenant.</summary>
    public async Task<MemberRow> EnsureMemberAsync(string accountId, string email, CancellationToken ct)
    {
        var member = await db.Set<MemberRow>().FirstOrDefaultAsync(m => m.AccountId == accountId, ct);
        if (member is null)
        {
            member = await AddMemberAsync(accountId, null, null, email, ct);
            await db.SaveChangesAsync(ct);
        }
        return member;
    }

    public Task<TenantRow> TenantAsync(string tenantId, CancellationToken ct) =>
        db.Set<TenantRow>().AsNoTracking().FirstAsync(t => t.Id == tenantId, ct);
}

/// <summary>The document's paging: <c>page</c> from 1, <c>size</c> 1–100 (default 20).</summary>
internal static class Paging
{
    public const int MaxSize = 100;

    public static PageRequest Read(HttpRequest request) =>
        new(Query.Int(request.Query["page"], "page", 1, 1, Query.MaxPage), Query.Int(request.Query["size"], "size", 20, 1, MaxSize));

    /// <summary>A filter that must be one of <paramref name="allowed"/> (as given, case-insensitive); blank is none.</summary>
    public static string? OneOf(HttpRequest request, string name, IReadOnlyList<string> allowed)
    {
        var text = request.Query[name].ToString().Trim();
        if (text.Length == 0)
        {
            return null;
        }
        return allowed.FirstOrDefault(a => string.Equals(a, text, StringComparison.OrdinalIgnoreCase))
            ?? throw Problem.Invalid(name, $"{name} must be one of {string.Join(", ", allowed)}");
    }

    /// <summary>A boolean filter (<c>true</c>/<c>false</c>); blank is none.</summary>
    public static bool? Bool(HttpRequest request, string name)
    {
        var text = request.Query[name].ToString().Trim();
        if (text.Length == 0)
        {
            return null;
        }
        return bool.TryParse(text, out var value) ? value : throw Problem.Invalid(name, $"{name} must be true or false");
    }
}
