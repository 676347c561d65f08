using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Mindstack.MindSwarm.Storage;
using Mindstack.Platform.Access;
using Mindstack.Platform.Http;
using Mindstack.Platform.Storage;

namespace Mindstack.MindSwarm.Developer;

internal sealed record AppPermissions(bool Read, bool Write);

internal sealed record AppRequest(string? Name, string? Description, string? Website, AppPermissions? Permissions);

internal sealed record AppRateLimit(int PerMinute, int PerDay);

internal sealed record AppView(
    [property: System.Text.Json.Serialization.JsonPropertyName("_id")] string UnderscoreId,
    string Id,
    string Name,
    string? Description,
    string? Website,
    AppPermissions Permissions,
    string Status,
    bool IsActive,
    string KeyPrefix,
    AppRateLimit RateLimit,
    DateTime? LastUsedAt,
    DateTime CreatedAt,
    DateTime UpdatedAt);

internal sealed record AppEnvelope(AppView App);

internal sealed record AppListView(IReadOnlyList<AppView> Apps);

internal sealed record CreatedAppView(AppView App, string ApiKey, string Warning);

internal sealed record UsageDay(string Date, long Requests, long Errors);

internal sealed record UsageEndpoint(string Endpoint, long Requests, long Errors);

internal sealed record AppUsageView(string AppId, int Days, long TotalRequests, long TotalErrors, double ErrorRate,
    IReadOnlyList<UsageDay> Daily, IReadOnlyList<UsageEndpoint> Endpoints, AppRateLimit RateLimit);

/// <summary>
/// Section 20, Developer Apps: each app holds one <c>msk_</c> key (a platform API key with
/// <c>read</c>/<c>write</c> permissions, shown once, stored as SHA-256). At most 5 active apps per
/// user. These paths are JWT-only (the key denylist refuses keys here).
/// </summary>
internal static class DeveloperApps
{
    public const int MaxActiveApps = 5;
    private const string Warning = "Save this API key now: it is shown only once and cannot be retrieved later.";

    public static void Map(RouteGroupBuilder api)
    {
        var apps = api.MapGroup("/developer/apps").RequireCaller();
        apps.MapPost("", Create).WithSummary("Create an app and its API key (shown once)").ProducesEnvelope<CreatedAppView>(StatusCodes.Status201Created);
        apps.MapGet("", List).WithSummary("Your apps").ProducesEnvelope<AppListView>();
        apps.MapGet("/{appId}", Get).WithSummary("One app").ProducesEnvelope<AppEnvelope>();
        apps.MapPut("/{appId}", Update).WithSummary("Update name, description, website, permissions").ProducesEnvelope<AppEnvelope>();
        apps.MapPost("/{appId}/regenerate-key", Regenerate).WithSummary("A new key; the old one stops working at once")
            .ProducesEnvelope<CreatedAppView>();
        apps.MapPut("/{appId}/activate", (string appId, Caller caller, MindstackDbContext db, IApiKeyService keys, TimeProvider clock,
            MindSwarmDialect dialect, CancellationToken ct) => SetStatus(appId, AppStatus.Active, caller, db, keys, clock, dialect, ct))
            .WithSummary("Activate the app (its key works)").ProducesEnvelope<AppEnvelope>();
        apps.MapPut("/{appId}/deactivate", (string appId, Caller caller, MindstackDbContext db, IApiKeyService keys, TimeProvider clock,
            MindSwarmDialect dialect, CancellationToken ct) => SetStatus(appId, AppStatus.Inactive, caller, db, keys, clock, dialect, ct))
            .WithSummary("Deactivate the app (its key is refused)").ProducesEnvelope<AppEnvelope>();
        apps.MapPut("/{appId}/archive", (string appId, Caller caller, MindstackDbContext db, IApiKeyService keys, TimeProvider clock,
            MindSwarmDialect dialect, CancellationToken ct) => SetStatus(appId, AppStatus.Archived, caller, db, keys, clock, dialect, ct))
            .WithSummary("Archive the app (its key is refused)").ProducesEnvelope<AppEnvelope>();
        apps.MapGet("/{appId}/usage", Usage).WithSummary("Daily requests and errors, per endpoint (days: 1, 7, 30, 90)")
            .ProducesEnvelope<AppUsageView>();
    }

    private static async Task<IResult> Create(Body<AppRequest> body, Caller caller, MindstackDbContext db, IIdGenerator ids, IApiKeyService keys,
        TimeProvider clock, MindSwarmDialect dialect, CancellationToken ct)
    {
        var request = body.Value;
        var name = Name(request.Name);
        if (await db.Set<DeveloperAppRow>().CountAsync(a => a.AccountId == caller.AccountId && a.Status == AppStatus.Active, ct) >= MaxActiveApps)
        {
            throw Problem.BadRequest($"At most {MaxActiveApps} active apps per user", "APP_LIMIT_REACHED");
        }
        var permissions = request.Permissions ?? new AppPermissions(true, true);
        var created = await keys.CreateAsync(new NewApiKey(caller.AccountId, MindSwarmApi.KeyFormat, name) { Permissions = PermissionList(permissions) }, ct);
        var now = clock.GetUtcNow().UtcDateTime;
        var app = new DeveloperAppRow
        {
            Id = ids.New("app"),
            AccountId = caller.AccountId,
            Name = name,
            Description = Optional(request.Description, "description", 500),
            Website = Website(request.Website),
            KeyId = created.Key.Id,
            Status = AppStatus.Active,
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Add(app);
        await db.SaveChangesAsync(ct);
        return dialect.Ok(new CreatedAppView(View(app, created.Key), created.PlainKey, Warning), StatusCodes.Status201Created);
    }

    private static async Task<IResult> List(Caller caller, MindstackDbContext db, MindSwarmDialect dialect, CancellationToken ct)
    {
        var rows = await (from app in db.Set<DeveloperAppRow>().AsNoTracking()
                          where app.AccountId == caller.AccountId
                          join key in db.Set<ApiKey>().AsNoTracking() on app.KeyId equals key.Id
                          orderby app.CreatedAt descending
                          select new { app, key }).ToListAsync(ct);
        return dialect.Ok(new AppListView(rows.Select(r => View(r.app, r.key)).ToList()));
    }

    private static async Task<IResult> Get(string appId, Caller caller, MindstackDbContext db, IApiKeyService keys, MindSwarmDialect dialect,
        CancellationToken ct)
    {
        var (app, key) = await OwnAsync(appId, caller, db, keys, ct);
        return dialect.Ok(new AppEnvelope(View(app, key)));
    }

    private static async Task<IResult> Update(string appId, Body<AppRequest> body, Caller caller, MindstackDbContext db, IApiKeyService keys,
        TimeProvider clock, MindSwarmDialect dialect, CancellationToken ct)
    {
        var (app, key) = await OwnAsync(appId, caller, db, keys, ct);
        var request = body.Value;
        if (request.Name is not null)
        {
            app.Name = Name(request.Name);
        }
        if (request.Description is not null)
        {
            app.Description = Optional(request.Description, "description", 500);
        }
        if (request.Website is not null)
        {
            app.Website = Website(request.Website);
        }
        app.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(ct);
        if (request.Name is not null || request.Permissions is not null)
        {
            key = await keys.UpdateAsync(key.Id, caller.AccountId, new ApiKeyChanges
            {
                Name = request.Name is null ? null : app.Name,
                Permissions = request.Permissions is null ? null : PermissionList(request.Permissions),
            }, ct);
        }
        return dialect.Ok(new AppEnvelope(View(app, key)));
    }

    private static async Task<IResult> Regenerate(string appId, Caller caller, MindstackDbContext db, IApiKeyService keys, MindSwarmDialect dialect,
        CancellationToken ct)
    {
        var (app, key) = await OwnAsync(appId, caller, db, keys, ct);
        var created = await keys.RegenerateAsync(key.Id, caller.AccountId, ct);
        return dialect.Ok(new CreatedAppView(View(app, created.Key), created.PlainKey, Warning));
    }

    private static async Task<IResult> SetStatus(string appId, string status, Caller caller, MindstackDbContext db, IApiKeyService keys,
        TimeProvider clock, MindSwarmDialect dialect, CancellationToken ct)
    {
        var (app, key) = await OwnAsync(appId, caller, db, keys, ct);
        if (status == AppStatus.Active && app.Status != AppStatus.Active
            && await db.Set<DeveloperAppRow>().CountAsync(a => a.AccountId == caller.AccountId && a.Status == AppStatus.Active, ct) >= MaxActiveApps)
        {
            throw Problem.BadRequest($"At most {MaxActiveApps} active apps per user", "APP_LIMIT_REACHED");
        }
        app.Status = status;
        app.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(ct);
        // The key follows the app: only an active app's key is accepted.
        key = await keys.UpdateAsync(key.Id, caller.AccountId, new ApiKeyChanges { IsActive = status == AppStatus.Active }, ct);
        return dialect.Ok(new AppEnvelope(View(app, key)));
    }

    private static async Task<IResult> Usage(string appId, HttpRequest request, Caller caller, MindstackDbContext db, IApiKeyService keys,
        TimeProvider clock, MindSwarmDialect dialect, CancellationToken ct)
    {
        var days = Query.Int(request.Query["days"], "days", 30, 1, 90);
        if (days is not (1 or 7 or 30 or 90))
        {
            throw Problem.Invalid("days", "days must be 1, 7, 30 or 90");
        }
        var (app, key) = await OwnAsync(appId, caller, db, keys, ct);
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        var usage = await keys.GetUsageAsync(key.Id, today.AddDays(1 - days), today, ct);
        var daily = new List<UsageDay>();
        for (var day = today.AddDays(1 - days); day <= today; day = day.AddDays(1))
        {
            var text = day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            var rows = usage.Where(u => u.Day == text).ToList();
            daily.Add(new UsageDay(text, rows.Sum(r => r.Requests), rows.Sum(r => r.Errors)));
        }
        var endpoints = usage.GroupBy(u => u.Endpoint)
            .Select(g => new UsageEndpoint(g.Key, g.Sum(u => u.Requests), g.Sum(u => u.Errors)))
            .OrderByDescending(e => e.Requests).ToList();
        var total = daily.Sum(d => d.Requests);
        var errors = daily.Sum(d => d.Errors);
        return dialect.Ok(new AppUsageView(app.Id, days, total, errors, total == 0 ? 0 : Math.Round((double)errors / total, 4), daily, endpoints,
            new AppRateLimit(app.RequestsPerMinute, app.RequestsPerDay)));
    }

    private static async Task<(DeveloperAppRow App, ApiKey Key)> OwnAsync(string appId, Caller caller, MindstackDbContext db, IApiKeyService keys,
        CancellationToken ct)
    {
        var app = await db.Set<DeveloperAppRow>().FirstOrDefaultAsync(a => a.Id == appId && a.AccountId == caller.AccountId, ct)
            ?? throw Problem.NotFound("App not found", "APP_NOT_FOUND");
        var key = await keys.FindAsync(app.KeyId, caller.AccountId, ct) ?? throw Problem.NotFound("App not found", "APP_NOT_FOUND");
        return (app, key);
    }

    private static AppView View(DeveloperAppRow app, ApiKey key) => new(app.Id, app.Id, app.Name, app.Description, app.Website,
        new AppPermissions(key.PermissionList.Contains("read"), key.PermissionList.Contains("write")), app.Status, app.Status == AppStatus.Active,
        key.Prefix, new AppRateLimit(app.RequestsPerMinute, app.RequestsPerDay), key.LastUsedAt, app.CreatedAt, app.UpdatedAt);

    private static IReadOnlyList<string> PermissionList(AppPermissions permissions) =>
        [.. permissions.Read ? ["read"] : Array.Empty<string>(), .. permissions.Write ? ["write"] : Array.Empty<string>()];

    private static string Name(string? name)
    {
        var text = name?.Trim() ?? "";
        return text.Length is >= 1 and <= 100 ? text : throw Problem.Invalid("name", "name is required (1-100 characters)");
    }

    private static string? Optional(string? value, string field, int max)
    {
        var text = value?.Trim();
        return string.IsNullOrEmpty(text) ? null : text.Length <= max ? text : throw Problem.Invalid(field, $"{field} must be at most {max} characters");
    }

    private static string? Website(string? value)
    {
        var text = value?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }
        return text.Length <= 300 && Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? text
            : throw Problem.Invalid("website", "website must be an http(s) URL");
    }
}
