using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Mindstack.MindMesh;
using Mindstack.MindPeeker;
using Mindstack.Mindra;
using Mindstack.MindSwarm;
using Mindstack.Platform.Access;
using Mindstack.Platform.Accounts;
using Mindstack.Platform.Audit;
using Mindstack.Platform.Http;
using Mindstack.PluginMind;

namespace Mindstack.Platform.Tests.Accounts;

/// <summary>
/// A test-only route group <c>{api base}/__auth/…</c> under each API, exposing the accounts and
/// access machinery the way modules will, so the real Dialects render every error. Answers are
/// plain camelCase JSON (the test's own shape); request bodies are read with the API's binder,
/// so their property names are single words that read the same in every API's naming.
/// </summary>
public sealed class AuthRoutes : IEndpointContributor
{
    public sealed record Api(string Name, string BasePath, AuthPolicy Policy, ApiCredentials Credentials)
    {
        public ApiKeyFormat? KeyFormat => Credentials.KeyFormat;

        /// <summary>The API as its module declares it, its test group under <paramref name="basePath"/>.</summary>
        public static Api Of(ApiDefinition definition, string? basePath = null) =>
            new(definition.Name, basePath ?? definition.BasePath, definition.Accounts!, definition.Credentials);
    }

    public static readonly Api MindSwarm = Api.Of(MindSwarmApi.Definition, "/mindswarm/api");
    // Mindra's own routes read keys only; its test group also signs its accounts in with bearer
    // tokens, so that keys can be made and managed there as on the other APIs.
    public static readonly Api Mindra = WithBearerTokens(Api.Of(MindraApi.Definition));
    public static readonly Api MindPeeker = Api.Of(MindPeekerApi.Definition);
    public static readonly Api MindMesh = Api.Of(MindMeshApi.Definition);
    public static readonly Api PluginMind = Api.Of(PluginMindApi.Definition);

    public static readonly IReadOnlyList<Api> All = [MindSwarm, Mindra, MindPeeker, MindMesh, PluginMind];

    private static Api WithBearerTokens(Api api) =>
        api with { Credentials = api.Credentials with { Schemes = [.. api.Credentials.Schemes, new BearerTokenScheme()] } };

    private static readonly JsonSerializerOptions Out = new(JsonSerializerDefaults.Web);

    public sealed record RegisterBody(string? Email, string? Password, string? Username);
    public sealed record LoginBody(string? Login, string? Password, string? Code);
    public sealed record TokenBody(string? Token);
    public sealed record ResetBody(string? Token, string? Password);
    public sealed record DisableBody(string? Password, string? Token);
    public sealed record EmailBody(string? Email);
    public sealed record KeyBody(string? Name, string[]? Permissions, bool Sandbox, DateTime? Expires);
    public sealed record ActiveBody(bool Active);

    public void Map(IEndpointRouteBuilder routes)
    {
        foreach (var api in All)
        {
            var group = routes.MapGroup(api.BasePath + "/__auth").WithCredentials(api.Credentials).ExcludeFromDescription();
            MapAuth(group, api);
        }
        // Paths on MindSwarm's key denylist (as its document writes them: /api/auth/*, /api/admin/*).
        foreach (var denied in new[] { "/mindswarm/api/auth/__probe", "/mindswarm/api/admin/__probe" })
        {
            var group = routes.MapGroup(denied).WithCredentials(MindSwarm.Credentials).ExcludeFromDescription();
            group.MapGet("/whoami", (Caller caller) => Results.Json(Describe(caller), Out));
        }
    }

    private static void MapAuth(RouteGroupBuilder group, Api api)
    {
        var policy = api.Policy;
        string LinkFor(string purpose, string token) => $"http://localhost{api.BasePath}/{purpose}?token={token}";

        group.MapPost("/register", async (Body<RegisterBody> body, IAccountService accounts, ISessionService sessions, CancellationToken ct) =>
        {
            var account = await accounts.CreateAsync(new NewAccount(body.Value.Email ?? "", body.Value.Password, body.Value.Username), policy, ct);
            var pair = await sessions.StartSessionAsync(account, policy, "registration", ct);
            return Results.Json(Tokens(pair), Out, statusCode: 201);
        });
        group.MapPost("/login", async (Body<LoginBody> body, ISessionService sessions, HttpContext context, CancellationToken ct) =>
        {
            var outcome = await sessions.SignInWithPasswordAsync(body.Value.Login ?? "", body.Value.Password ?? "", body.Value.Code, policy, ct);
            if (outcome.RequiresTwoFactor)
            {
                return Results.Json(new { requires2FA = true }, Out);
            }
            if (api.Credentials.Schemes.OfType<TokenCookieScheme>().FirstOrDefault() is { } cookie)
            {
                context.Response.Cookies.Append(cookie.CookieName, outcome.Tokens!.AccessToken.Token,
                    new CookieOptions { HttpOnly = true, MaxAge = policy.AccessTokenLifetime, Path = "/", SameSite = SameSiteMode.Lax });
            }
            return Results.Json(Tokens(outcome.Tokens!), Out);
        });
        group.MapPost("/refresh", async (Body<TokenBody> body, ISessionService sessions, CancellationToken ct) =>
            Results.Json(Tokens(await sessions.RefreshAsync(body.Value.Token ?? "", policy, ct)), Out));
        group.MapPost("/logout", async (Caller caller, ISessionService sessions, CancellationToken ct) =>
        {
            await sessions.RevokeSessionAsync(caller.AccountId, caller.SessionId ?? throw Problem.BadRequest("Not a session"), "logout", ct);
            return Results.Json(new { ok = true }, Out);
        });
        group.MapGet("/me", (Caller caller) => Results.Json(Describe(caller), Out));
        group.MapPost("/me", (Caller caller) => Results.Json(Describe(caller), Out));
        // (Two parameters: a lone HttpContext would make the lambda a RequestDelegate and drop its result.)
        group.MapGet("/anyone", async (HttpContext context, CancellationToken ct) =>
            Results.Json(new { caller = await context.GetCallerAsync() is { } caller ? Describe(caller) : null }, Out));
        group.MapGet("/maybe", async (HttpContext context, CancellationToken ct) =>
            Results.Json(new { caller = await context.TryGetCallerAsync() is { } caller ? Describe(caller) : null }, Out));
        group.MapGet("/admin-only", (Caller caller) => Results.Json(Describe(caller), Out)).RequireRole(AccountRoles.Admin);
        group.MapGet("/moderators", (Caller caller) => Results.Json(Describe(caller), Out)).RequireRole(AccountRoles.Moderator);
        group.MapGet("/agents-write", (Caller caller) => Results.Json(Describe(caller), Out)).RequirePermission("agents:write");
        group.MapGet("/signed-in", () => Results.Json(new { ok = true }, Out)).RequireCaller();

        group.MapGet("/sessions", async (Caller caller, ISessionService sessions, CancellationToken ct) =>
            Results.Json((await sessions.ListSessionsAsync(caller.AccountId, policy.Audience, ct))
                .Select(s => new { s.Id, s.Method, s.CreatedAt, current = s.Id == caller.SessionId }), Out));
        group.MapDelete("/sessions/{id}", async (string id, Caller caller, ISessionService sessions, CancellationToken ct) =>
            await sessions.RevokeSessionAsync(caller.AccountId, id, "revoked", ct)
                ? Results.Json(new { ok = true }, Out)
                : throw Problem.NotFound("Session not found"));

        group.MapPost("/2fa/setup", async (Caller caller, ITwoFactorService twoFactor, CancellationToken ct) =>
        {
            var setup = await twoFactor.BeginSetupAsync(caller.AccountId, policy, ct);
            return Results.Json(new { secret = setup.Secret, uri = setup.OtpAuthUri, qrCode = setup.QrCodeDataUrl }, Out);
        });
        group.MapPost("/2fa/verify", async (Body<TokenBody> body, Caller caller, ITwoFactorService twoFactor, CancellationToken ct) =>
            Results.Json(new { backupCodes = await twoFactor.EnableAsync(caller.AccountId, body.Value.Token ?? "", policy, ct) }, Out));
        group.MapPost("/2fa/disable", async (Body<DisableBody> body, Caller caller, ITwoFactorService twoFactor, CancellationToken ct) =>
        {
            await twoFactor.DisableAsync(caller.AccountId, body.Value.Password, body.Value.Token ?? "", policy, ct);
            return Results.Json(new { ok = true }, Out);
        });

        group.MapPost("/magic-link", async (Body<EmailBody> body, IAccountEmailService flows, CancellationToken ct) =>
        {
            await flows.SendMagicLinkAsync(body.Value.Email ?? "", policy, t => LinkFor("magic-link/verify", t), createIfMissing: true, ct);
            return Results.Json(new { ok = true }, Out);
        });
        group.MapGet("/magic-link/verify", async (string? token, IAccountEmailService flows, CancellationToken ct) =>
            Results.Json(Tokens(await flows.SignInWithMagicLinkAsync(token ?? "", policy, ct)), Out));
        group.MapPost("/forgot-password", async (Body<EmailBody> body, IAccountEmailService flows, CancellationToken ct) =>
        {
            await flows.SendPasswordResetAsync(body.Value.Email ?? "", policy, t => LinkFor("reset-password", t), ct);
            return Results.Json(new { ok = true }, Out);
        });
        group.MapPost("/reset-password", async (Body<ResetBody> body, IAccountEmailService flows, CancellationToken ct) =>
        {
            await flows.ResetPasswordAsync(body.Value.Token ?? "", body.Value.Password ?? "", policy, ct);
            return Results.Json(new { ok = true }, Out);
        });
        group.MapPost("/resend-verification", async (Caller caller, IAccountEmailService flows, CancellationToken ct) =>
        {
            await flows.SendEmailVerificationAsync(caller.AccountId, policy, t => LinkFor("verify-email", t), ct);
            return Results.Json(new { ok = true }, Out);
        });
        group.MapGet("/verify-email", async (string? token, IAccountEmailService flows, CancellationToken ct) =>
        {
            var account = await flows.VerifyEmailAsync(token ?? "", policy, ct);
            return Results.Json(new { account.Id, account.EmailVerified }, Out);
        });

        if (api.KeyFormat is { } format)
        {
            group.MapPost("/keys", async (Body<KeyBody> body, Caller caller, IApiKeyService keys, CancellationToken ct) =>
            {
                var created = await keys.CreateAsync(new NewApiKey(caller.AccountId, format, body.Value.Name ?? "")
                {
                    Permissions = body.Value.Permissions,
                    Sandbox = body.Value.Sandbox,
                    ExpiresAt = body.Value.Expires,
                }, ct);
                return Results.Json(new { created.Key.Id, key = created.PlainKey, created.Key.Prefix, permissions = created.Key.PermissionList }, Out,
                    statusCode: 201);
            });
            group.MapGet("/keys", async (Caller caller, IApiKeyService keys, CancellationToken ct) =>
                Results.Json((await keys.ListAsync(caller.AccountId, api.Name, ct))
                    .Select(k => new { k.Id, k.Name, k.Prefix, permissions = k.PermissionList, k.IsActive, k.Sandbox, k.LastUsedAt }), Out));
            group.MapDelete("/keys/{id}", async (string id, Caller caller, IApiKeyService keys, CancellationToken ct) =>
                await keys.RevokeAsync(id, caller.AccountId, ct) ? Results.Json(new { ok = true }, Out) : throw Problem.NotFound("API key not found"));
            group.MapPatch("/keys/{id}", async (string id, Body<ActiveBody> body, Caller caller, IApiKeyService keys, CancellationToken ct) =>
            {
                var key = await keys.UpdateAsync(id, caller.AccountId, new ApiKeyChanges { IsActive = body.Value.Active }, ct);
                return Results.Json(new { key.Id, key.IsActive }, Out);
            });
        }

        group.MapPost("/notes/{id}", (string id, Caller caller) => Results.Json(new { id }, Out))
            .Audited("note.update", "note", "id");
        group.MapPost("/notes/{id}/fail", IResult (string id, Caller caller) => throw Problem.Conflict("Note is locked"))
            .Audited("note.update", "note", "id");
        group.MapGet("/audit", async (string? action, string? account, string? resourceId, bool? success, int? page, int? size,
            IAuditLog audit, CancellationToken ct) =>
        {
            var result = await audit.QueryAsync(new AuditQuery
            {
                Action = action,
                AccountId = account,
                ResourceId = resourceId,
                Success = success,
                Page = page ?? 1,
                PageSize = size ?? 50,
            }, ct);
            return Results.Json(new { result.Total, result.Page, result.PageSize, result.Items }, Out);
        });
    }

    private static object Tokens(TokenPair pair) => new
    {
        accountId = pair.Account.Id,
        accessToken = pair.AccessToken.Token,
        refreshToken = pair.RefreshToken,
        sessionId = pair.SessionId,
        expiresIn = (int)pair.AccessToken.Lifetime.TotalSeconds,
    };

    private static object Describe(Caller caller) => new
    {
        caller.AccountId,
        caller.SessionId,
        caller.ApiKeyId,
        caller.Api,
        caller.Role,
        caller.Roles,
        caller.Tier,
        caller.Permissions,
        caller.Sandbox,
        method = caller.Method.ToString(),
        caller.EmailVerified,
    };
}
