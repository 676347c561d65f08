using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Mindstack.MindMesh.Audit;
using Mindstack.MindMesh.Goals;
using Mindstack.MindMesh.Memory;
using Mindstack.MindMesh.Storage;
using Mindstack.MindMesh.Tenants;
using Mindstack.Platform.Http;
using Mindstack.Platform.Jobs;
using Mindstack.Platform.Storage;
using P = Mindstack.MindMesh.MindMeshApi.Permissions;

namespace Mindstack.MindMesh.Connectors;

internal sealed record ConnectorView(string Id, string TenantId, string Provider, string Name, JsonElement Scopes, string Status, DateTime? LastSync,
    int SyncFrequency, JsonElement Settings, bool IsEnabled, string? LastError, DateTime CreatedAt, DateTime UpdatedAt);

internal sealed record OAuthCallbackRequest(string? Code, string? State);

internal sealed record OAuthCallbackView(string ConnectorId, string Message);

internal sealed record ConnectorUpdateRequest(string? Name, JsonElement? Settings, int? SyncFrequency, bool? IsEnabled);

internal sealed record SyncView(string Message, string SyncId);

internal static class ConnectorEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/connectors", ListAsync).Needs(P.ManageConnectors).WithName("MindMeshListConnectors")
            .WithSummary("List the tenant's connectors (email_outbox and local_files built in; gmail, calendar, slack once connected); page, size")
            .ProducesPage<ConnectorView>();
        api.MapPost("/connectors/{provider}/oauth/callback", CallbackAsync).Needs(P.ManageConnectors).WithName("MindMeshOAuthCallback")
            .WithSummary("OAuth2 authorization-code callback: the code is exchanged at the provider's configured token endpoint; tokens stored encrypted (503 when the provider is not configured)")
            .Produces<OAuthCallbackView>();
        api.MapPut("/connectors/{connector_id}", UpdateAsync).Needs(P.ManageConnectors).WithName("MindMeshUpdateConnector")
            .WithSummary("Change a connector's name, settings, sync_frequency (seconds) or is_enabled").Produces<ConnectorView>();
        api.MapDelete("/connectors/{connector_id}", DeleteAsync).Needs(P.ManageConnectors).WithName("MindMeshDeleteConnector")
            .WithSummary("Remove a connector").Produces<MessageView>();
        api.MapPost("/connectors/{connector_id}/sync", SyncAsync).Needs(P.ManageConnectors).WithName("MindMeshSyncConnector")
            .WithSummary("Start a sync as a job (local_files: the folder's text files into memory; OAuth providers: tokens refreshed when expired)")
            .Produces<SyncView>();
    }

    public static ConnectorView View(ConnectorRow c) => new(c.Id, c.TenantId, c.Provider, c.Name, GoalViews.Json(c.ScopesJson), c.Status, c.LastSync,
        c.SyncFrequency, GoalViews.Json(c.SettingsJson), c.IsEnabled, c.LastError, c.CreatedAt, c.UpdatedAt);

    private static async Task<IResult> ListAsync(HttpRequest request, Member member, MindstackDbContext db, MindMeshDialect dialect, CancellationToken ct)
    {
        var paging = Paging.Read(request);
        var query = db.Set<ConnectorRow>().AsNoTracking().Where(c => c.TenantId == member.TenantId);
        var total = await query.CountAsync(ct);
        var rows = await query.OrderBy(c => c.CreatedAt).ThenBy(c => c.Id).Skip(paging.Offset).Take(paging.Limit).ToListAsync(ct);
        return dialect.Page(rows.Select(View).ToList(), paging, total);
    }

    private static async Task<IResult> CallbackAsync(string provider, Body<OAuthCallbackRequest> body, Member member, ConnectorService connectors,
        MeshAudit audit, MindstackDbContext db, MindMeshDialect dialect, CancellationToken ct)
    {
        var connector = await connectors.CompleteOAuthAsync(member.TenantId, provider.ToLowerInvariant(), body.Value.Code, body.Value.State, ct);
        audit.Add(member.TenantId, member.AccountId, "connector.connect", "connector", connector.Id, new { provider = connector.Provider });
        await db.SaveChangesAsync(ct);
        return dialect.Ok(new OAuthCallbackView(connector.Id, "Connector configured successfully"));
    }

    private static async Task<IResult> UpdateAsync(string connector_id, Body<ConnectorUpdateRequest> body, Member member, MindstackDbContext db,
        MeshAudit audit, TimeProvider clock, MindMeshDialect dialect, CancellationToken ct)
    {
        var request = body.Value;
        var errors = new List<FieldError>();
        if (request.Name is { } name && (name.Trim().Length == 0 || name.Length > 200))
        {
            errors.Add(new FieldError("name", "Name must be 1 to 200 characters"));
        }
        if (request.SyncFrequency is < 0 or > 604_800)
        {
            errors.Add(new FieldError("sync_frequency", "sync_frequency must be from 0 to 604800 seconds"));
        }
        if (request.Settings is { ValueKind: not (JsonValueKind.Object or JsonValueKind.Null) })
        {
            errors.Add(new FieldError("settings", "Settings must be an object"));
        }
        if (errors.Count > 0)
        {
            throw Problem.Invalid(errors);
        }
        var connector = await Find(db, member, connector_id, ct);
        connector.Name = request.Name?.Trim() ?? connector.Name;
        connector.SyncFrequency = request.SyncFrequency ?? connector.SyncFrequency;
        if (request.Settings is { ValueKind: JsonValueKind.Object } settings)
        {
            connector.SettingsJson = settings.GetRawText();
        }
        if (request.IsEnabled is { } enabled)
        {
            connector.IsEnabled = enabled;
            connector.Status = enabled ? ConnectorProviders.Status.Active : ConnectorProviders.Status.Inactive;
        }
        connector.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        audit.Add(member.TenantId, member.AccountId, "connector.update", "connector", connector.Id, new { connector.Name, connector.IsEnabled });
        await db.SaveChangesAsync(ct);
        return dialect.Ok(View(connector));
    }

    private static async Task<IResult> DeleteAsync(string connector_id, Member member, MindstackDbContext db, MeshAudit audit, MindMeshDialect dialect,
        CancellationToken ct)
    {
        var connector = await Find(db, member, connector_id, ct);
        db.Remove(connector);
        audit.Add(member.TenantId, member.AccountId, "connector.delete", "connector", connector.Id, new { provider = connector.Provider });
        await db.SaveChangesAsync(ct);
        return dialect.Message("Connector removed successfully");
    }

    private static async Task<IResult> SyncAsync(string connector_id, Member member, MindstackDbContext db, IJobQueue jobs, MeshAudit audit,
        MindMeshDialect dialect, CancellationToken ct)
    {
        var connector = await Find(db, member, connector_id, ct);
        if (!connector.IsEnabled)
        {
            throw Problem.Conflict("The connector is disabled");
        }
        connector.Status = ConnectorProviders.Status.Syncing;
        var syncId = jobs.Enqueue<ConnectorSyncJob>(new ConnectorSyncJob.Payload(connector.Id));
        audit.Add(member.TenantId, member.AccountId, "connector.sync", "connector", connector.Id, new { sync_id = syncId });
        await db.SaveChangesAsync(ct);
        return dialect.Ok(new SyncView("Sync started successfully", syncId));
    }

    private static async Task<ConnectorRow> Find(MindstackDbContext db, Member member, string id, CancellationToken ct) =>
        await db.Set<ConnectorRow>().FirstOrDefaultAsync(c => c.Id == id && c.TenantId == member.TenantId, ct)
            ?? throw Problem.NotFound("Connector not found");
}

/// <summary>
/// One sync of a connector: <c>local_files</c> upserts each text file of its folder into memory
/// (unchanged files are no-ops by hash); OAuth providers refresh an expired token. Success makes
/// the connector active with its <c>last_sync</c>; a failure leaves it in <c>error</c> with the reason.
/// </summary>
internal sealed class ConnectorSyncJob(MindstackDbContext db, ConnectorService connectors, MemoryService memory, TimeProvider clock)
    : JobHandler<ConnectorSyncJob.Payload>
{
    public const string Name = "mindmesh.connector.sync";
    private static readonly string[] TextFiles = [".txt", ".md", ".csv", ".json", ".html", ".eml"];

    public sealed record Payload(string ConnectorId);

    public override async Task ExecuteAsync(Payload payload, JobContext job, CancellationToken cancellationToken)
    {
        var connector = await db.Set<ConnectorRow>().FirstOrDefaultAsync(c => c.Id == payload.ConnectorId, cancellationToken);
        if (connector is null)
        {
            return;
        }
        try
        {
            switch (connector.Provider)
            {
                case ConnectorProviders.LocalFiles:
                    await SyncFolderAsync(connector, cancellationToken);
                    break;
                case var provider when ConnectorProviders.OAuth.Contains(provider):
                    await connectors.AccessTokenAsync(connector, cancellationToken);
                    break;
            }
            connector.Status = ConnectorProviders.Status.Active;
            connector.LastError = null;
            connector.LastSync = clock.GetUtcNow().UtcDateTime;
        }
        catch (Problem problem)
        {
            connector.Status = ConnectorProviders.Status.Error;
            connector.LastError = problem.Message.Length <= 2000 ? problem.Message : problem.Message[..2000];
        }
        connector.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(cancellationToken);
    }

    private async Task SyncFolderAsync(ConnectorRow connector, CancellationToken ct)
    {
        var folder = connectors.FolderOf(connector.TenantId);
        Directory.CreateDirectory(folder);
        var system = new Member { AccountId = "connector:" + connector.Id, TenantId = connector.TenantId, Role = MindMeshApi.Roles.Admin };
        foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Where(f => TextFiles.Contains(Path.GetExtension(f).ToLowerInvariant())).Order(StringComparer.Ordinal).Take(10_000))
        {
            var info = new FileInfo(file);
            if (info.Length is 0 or > MemoryRules.MaxContentLength)
            {
                continue;
            }
            var content = await File.ReadAllTextAsync(file, ct);
            var relative = Path.GetRelativePath(folder, file).Replace('\\', '/');
            await memory.UpsertAsync(system, new UpsertRequest("file://" + relative, ConnectorProviders.LocalFiles, null, Path.GetFileNameWithoutExtension(file),
                content, null, info.Length, "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(content))), null, "private", null), ct);
        }
    }
}
