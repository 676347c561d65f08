using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Mindstack.MindMesh.Audit;
using Mindstack.MindMesh.Storage;
using Mindstack.MindMesh.Tenants;
using Mindstack.Platform.Accounts;
using Mindstack.Platform.Http;
using Mindstack.Platform.Limits;
using Mindstack.Platform.Storage;

namespace Mindstack.MindMesh.Auth;

internal sealed record RegisterRequest(string? Email, string? Username, string? Password, string? FullName, string? InviteCode);

internal sealed record LoginRequest(string? Email, string? Password);

internal sealed record RefreshRequest(string? RefreshToken);

internal sealed record UserView(string Id, string TenantId, string Email, string? Username, string? FullName, string Role,
    IReadOnlyList<string> Permissions, bool IsActive, bool IsVerified);

internal sealed record TokenView(string AccessToken, string RefreshToken, string TokenType, long ExpiresIn, UserView? User);

internal sealed record TenantView(string Id, string Name, string? InviteCode);

internal sealed record MeView(string Id, string TenantId, string Email, string? Username, string? FullName, string Role,
    IReadOnlyList<string> Permissions, JsonElement Settings, bool IsActive, bool IsVerified, DateTime? LastLogin, DateTime CreatedAt,
    DateTime UpdatedAt, TenantView Tenant);

/// <summary>
/// Register, login, refresh and me on the platform's accounts: 15-minute JWTs of audience
/// <c>mindmesh</c>, 7-day refresh tokens rotated in families (a replayed one revokes its family).
/// Registering founds a tenant with the new user as its admin, or joins one with <c>invite_code</c>.
/// </summary>
internal static class AuthEndpoints
{
    public static void Map(RouteGroupBuilder api, RouteGroupBuilder authed)
    {
        var auth = api.MapGroup("/auth").RateLimit(MindMeshApi.Limits.Auth);
        auth.MapPost("/register", RegisterAsync).WithName("MindMeshRegister")
            .WithSummary("Register; founds a tenant (the user is its admin) or joins one with invite_code (as a user)")
            .Produces<TokenView>(StatusCodes.Status201Created);
        auth.MapPost("/login", LoginAsync).WithName("MindMeshLogin").WithSummary("Sign in with email and password").Produces<TokenView>();
        auth.MapPost("/refresh", RefreshAsync).WithName("MindMeshRefresh")
            .WithSummary("Exchange a refresh token for a new pair (the refresh token rotates; a replayed one revokes its family)")
            .Produces<TokenView>();
        authed.MapGet("/auth/me", MeAsync).WithName("MindMeshMe")
            .WithSummary("The current user, its tenant (admins see its invite code), role, permissions and settings").Produces<MeView>();
    }

    private static async Task<IResult> RegisterAsync(Body<RegisterRequest> body, IAccountService accounts, ISessionService sessions,
        TenantService tenants, MeshAudit audit, MindstackDbContext db, MindMeshDialect dialect, CancellationToken ct)
    {
        var request = body.Value;
        var errors = new List<FieldError>();
        if (string.IsNullOrWhiteSpace(request.Email))
        {
            errors.Add(new FieldError("email", "Email is required"));
        }
        if (string.IsNullOrEmpty(request.Password))
        {
            errors.Add(new FieldError("password", "Password is required"));
        }
        if (string.IsNullOrWhiteSpace(request.Username))
        {
            errors.Add(new FieldError("username", "Username is required"));
        }
        if (request.FullName is { Length: > 200 })
        {
            errors.Add(new FieldError("full_name", "Full name is at most 200 characters"));
        }
        if (errors.Count > 0)
        {
            throw Problem.Invalid(errors);
        }
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var account = await accounts.CreateAsync(new NewAccount(request.Email!.Trim(), request.Password, request.Username!.Trim()),
            MindMeshApi.Accounts, ct);
        var member = await tenants.AddMemberAsync(account.Id, request.FullName?.Trim(), request.InviteCode, request.Email.Trim(), ct);
        audit.Add(member.TenantId, account.Id, "user.register", "user", account.Id, new { role = member.Role });
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        var pair = await sessions.StartSessionAsync(account, MindMeshApi.Accounts, "password", ct);
        return dialect.Ok(Tokens(pair, member), StatusCodes.Status201Created);
    }

    private static async Task<IResult> LoginAsync(Body<LoginRequest> body, ISessionService sessions, TenantService tenants,
        MindstackDbContext db, TimeProvider clock, MindMeshDialect dialect, CancellationToken ct)
    {
        var request = body.Value;
        var errors = new List<FieldError>();
        if (string.IsNullOrWhiteSpace(request.Email))
        {
            errors.Add(new FieldError("email", "Email is required"));
        }
        if (string.IsNullOrEmpty(request.Password))
        {
            errors.Add(new FieldError("password", "Password is required"));
        }
        if (errors.Count > 0)
        {
            throw Problem.Invalid(errors);
        }
        SignInOutcome outcome;
        try
        {
            outcome = await sessions.SignInWithPasswordAsync(request.Email!, request.Password!, null, MindMeshApi.Accounts, ct);
        }
        catch (Problem problem) when (problem.Code == "INVALID_CREDENTIALS")
        {
            throw Problem.Unauthorized("Incorrect email or password");
        }
        if (outcome.Tokens is not { } pair)
        {
            throw Problem.Unauthorized("This account requires a two-factor code, which the MindMesh API does not take");
        }
        var member = await tenants.EnsureMemberAsync(pair.Account.Id, pair.Account.Email, ct);
        member.LastLogin = clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(ct);
        return dialect.Ok(Tokens(pair, member));
    }

    private static async Task<IResult> RefreshAsync(Body<RefreshRequest> body, ISessionService sessions, MindMeshDialect dialect,
        CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(body.Value.RefreshToken))
        {
            throw Problem.Invalid("refresh_token", "Refresh token is required");
        }
        var pair = await sessions.RefreshAsync(body.Value.RefreshToken, MindMeshApi.Accounts, ct);
        return dialect.Ok(new TokenView(pair.AccessToken.Token, pair.RefreshToken, "bearer", (long)pair.AccessToken.Lifetime.TotalSeconds, null));
    }

    private static async Task<IResult> MeAsync(Member member, IAccountService accounts, TenantService tenants, MindstackDbContext db,
        MindMeshDialect dialect, CancellationToken ct)
    {
        var account = await accounts.FindAsync(member.AccountId, ct) ?? throw Problem.Unauthorized("Invalid or expired token");
        var row = await db.Set<MemberRow>().AsNoTracking().FirstAsync(m => m.AccountId == member.AccountId, ct);
        var tenant = await tenants.TenantAsync(member.TenantId, ct);
        return dialect.Ok(new MeView(account.Id, member.TenantId, account.Email, account.Username, row.FullName, member.Role, member.Permissions,
            JsonDocument.Parse(row.SettingsJson).RootElement.Clone(), account.Status == AccountStatus.Active, account.EmailVerified,
            row.LastLogin, account.CreatedAt, row.UpdatedAt,
            new TenantView(tenant.Id, tenant.Name, member.Has(MindMeshApi.Permissions.Admin) ? tenant.InviteCode : null)));
    }

    private static TokenView Tokens(TokenPair pair, MemberRow member) => new(pair.AccessToken.Token, pair.RefreshToken, "bearer",
        (long)pair.AccessToken.Lifetime.TotalSeconds,
        new UserView(pair.Account.Id, member.TenantId, pair.Account.Email, pair.Account.Username, member.FullName, member.Role,
            MindMeshApi.Roles.PermissionsOf(member.Role), pair.Account.Status == AccountStatus.Active, pair.Account.EmailVerified));
}
