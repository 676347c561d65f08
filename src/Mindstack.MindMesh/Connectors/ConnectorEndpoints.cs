using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Mindstack.MindMesh.Audit;
using Mindstack.MindMesh.Automations;
using Mindstack.MindMesh.Goals;
using Mindstack.MindMesh.Memory;
using Mindstack.MindMesh.Storage;
using Mindstack.MindMesh.Tenants;
using Mindstack.Platform.Http;
using Mindstack.Platform.Jobs;
using Mindstack.Platform.Limits;
using Mindstack.Platform.Storage;
using P = Mindstack.MindMesh.MindMeshApi.Permissions;

namespace Mindstack.MindMesh.Connectors;

internal sealed record ConnectorView(string Id, string TenantId, string Provider, string Name, JsonElement Scopes, string Status, DateTime? LastSync,
    int SyncFrequency, JsonElement Settings, bool IsEnabled, string? LastError, DateTime CreatedAt, DateTime UpdatedAt, string? InboxUrl, string? InboxSecret);

internal sealed record OAuthCallbackRequest(string? Code, string? State);

internal sealed record OAuthCallbackView(string ConnectorId, string Message);

internal sealed record ConnectorUpdateRequest(string? Name, JsonElement? Settings, int? SyncFrequency, bool? IsEnabled, bool? RotateSecret);

internal sealed record InboxDocumentRequest(string? Title, string? Content, string? SourceUri, string? MimeType, JsonElement? Metadata, string? Sensitivity);

internal sealed record InboxReceivedView(string DocumentId, string Message, int AutomationsTriggered);

internal sealed record SyncView(string Message, string SyncId);

internal static class ConnectorEndpoints
{
    public const string InboxSecretHeader = "X-Inbox-Secret";

    public static void Map(RouteGroupBuilder api, RouteGroupBuilder authed)
    {
        authed.MapGet("/connectors", ListAsync).Needs(P.ManageConnectors).WithName("MindMeshListConnectors")
            .WithSummary("List the tenant's connectors (email_outbox and local_files built in; gmail, calendar, slack once connected); page, size")
            .ProducesPage<ConnectorView>();
        authed.MapPost("/connectors/{provider}/oauth/callback", CallbackAsync).Needs(P.ManageConnectors).WithName("MindMeshOAuthCallback")
            .WithSummary("OAuth2 authorization-code callback: the code is exchanged at the provider's configured token endpoint; tokens stored encrypted (503 when the provider is not configured)")
            .Produces<OAuthCallbackView>();
        authed.MapPut("/connectors/{connector_id}", UpdateAsync).Needs(P.ManageConnectors).WithName("MindMeshUpdateConnector")
            .WithSummary("Change a connector's name, settings, sync_frequency (seconds) or is_enabled").Produces<ConnectorView>();
        authed.MapDelete("/connectors/{connector_id}", DeleteAsync).Needs(P.ManageConnectors).WithName("MindMeshDeleteConnector")
            .WithSummary("Remove a connector").Produces<MessageView>();
        authed.MapPost("/connectors/{connector_id}/sync", SyncAsync).Needs(P.ManageConnectors).WithName("MindMeshSyncConnector")
            .WithSummary("Start a sync as a job (local_files: the folder's text files into memory; gmail, calendar, slack: their messages, events and channel messages since the last sync, the token refreshed when expired or refused); status syncing, then active or error with last_error")
            .Produces<SyncView>();
        // No credential: the webhook_inbox connector's secret (header X-Inbox-Secret) is the proof.
        api.MapPost("/connectors/{connector_id}/inbox", InboxAsync).RateLimit(MindMeshApi.Limits.Write).WithName("MindMeshConnectorInbox")
            .WithSummary("Deliver a document {title, content, source_uri?, mime_type?, metadata?, sensitivity?} to a webhook_inbox connector with its secret in X-Inbox-Secret; stored in memory, and automations on webhook_inbox events fire")
            .Produces<InboxReceivedView>(StatusCodes.Status202Accepted);
    }

    public static ConnectorView View(ConnectorRow c, HttpRequest request, ConnectorService connectors)
    {
        var secret = connectors.InboxSecret(c);
        return new(c.Id, c.TenantId, c.Provider, c.Name, GoalViews.Json(c.ScopesJson), c.Status, c.LastSync,
            c.SyncFrequency, GoalViews.Json(c.SettingsJson), c.IsEnabled, c.LastError, c.CreatedAt, c.UpdatedAt,
            secret is null ? null : InboxUrl(request, c.Id), secret);
    }

    /// <summary>The inbox's absolute URL, under wherever this API is mounted (its base path or its own port).</summary>
    private static string InboxUrl(HttpRequest request, string id)
    {
        var path = request.PathBase.Add(request.Path).Value ?? "";
        var mount = path[..Math.Max(0, path.IndexOf("/connectors", StringComparison.Ordinal))];
        return $"{request.Scheme}://{request.Host}{mount}/connectors/{id}/inbox";
    }

    private static async Task<IResult> ListAsync(HttpRequest request, Member member, MindstackDbContext db, ConnectorService connectors, MindMeshDialect dialect,
        CancellationToken ct)
    {
        var paging = Paging.Read(request);
        var query = db.Set<ConnectorRow>().AsNoTracking().Where(c => c.TenantId == member.TenantId);
        var total = await query.CountAsync(ct);
        var rows = await query.OrderBy(c => c.CreatedAt).ThenBy(c => c.Id).Skip(paging.Offset).Take(paging.Limit).ToListAsync(ct);
        return dialect.Page(rows.Select(c => View(c, request, connectors)).ToList(), paging, total);
    }

    private static async Task<IResult> CallbackAsync(string provider, Body<OAuthCallbackRequest> body, Member member, ConnectorService connectors,
        MeshAudit audit, MindstackDbContext db, MindMeshDialect dialect, CancellationToken ct)
    {
        var connector = await connectors.CompleteOAuthAsync(member.TenantId, provider.ToLowerInvariant(), body.Value.Code, body.Value.State, ct);
        audit.Add(member.TenantId, member.AccountId, "connector.connect", "connector", connector.Id, new { provider = connector.Provider });
        await db.SaveChangesAsync(ct);
        return dialect.Ok(new OAuthCallbackView(connector.Id, "Connector configured successfully"));
    }

    private static async Task<IResult> UpdateAsync(string connector_id, HttpRequest httpRequest, Body<ConnectorUpdateRequest> body, Member member,
        MindstackDbContext db, ConnectorService connectors, MeshAudit audit, TimeProvider clock, MindMeshDialect dialect, CancellationToken ct)
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
        if (request.RotateSecret == true)
        {
            if (connector.Provider != ConnectorProviders.WebhookInbox)
            {
                throw Problem.Invalid("rotate_secret", "Only a webhook_inbox connector has a secret");
            }
            connectors.RotateInboxSecret(connector);
        }
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
        return dialect.Ok(View(connector, httpRequest, connectors));
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

    private static async Task<IResult> InboxAsync(string connector_id, HttpRequest request, Body<InboxDocumentRequest> body, MindstackDbContext db,
        ConnectorService connectors, MemoryService memory, AutomationService automations, TimeProvider clock, MindMeshDialect dialect, CancellationToken ct)
    {
        var connector = await db.Set<ConnectorRow>().FirstOrDefaultAsync(c => c.Id == connector_id && c.Provider == ConnectorProviders.WebhookInbox, ct);
        // An unknown connector and a wrong secret answer alike, so the URL alone reveals nothing.
        if (connector is null || !connectors.IsInboxSecret(connector, request.Headers[InboxSecretHeader].ToString()))
        {
            throw Problem.NotFound($"Unknown inbox or wrong secret (send the connector's inbox_secret in {InboxSecretHeader})");
        }
        if (!connector.IsEnabled)
        {
            throw Problem.Conflict("The connector is disabled");
        }
        var document = body.Value;
        var content = document.Content ?? "";
        // Under the inbox's own prefix, so a sender can replace its own documents but no other.
        var sourceUri = "inbox://" + connector.Id + "/" + (string.IsNullOrWhiteSpace(document.SourceUri)
            ? Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(content)))[..16]
            : document.SourceUri.Trim());
        var system = new Member { AccountId = "connector:" + connector.Id, TenantId = connector.TenantId, Role = MindMeshApi.Roles.Admin };
        var stored = await memory.UpsertAsync(system, new UpsertRequest(sourceUri, ConnectorProviders.WebhookInbox, null, document.Title, document.Content,
            document.MimeType, null, null, document.Metadata, document.Sensitivity ?? "private", null), ct);
        var fired = stored.Message == MemoryRules.Unchanged ? 0 : await automations.RaiseAsync(new ConnectorEvent(connector.TenantId, connector.Id,
            connector.Provider, [new EventDocument(sourceUri, document.Title ?? "", content)]), ct);
        connector.LastSync = connector.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(ct);
        return dialect.Ok(new InboxReceivedView(stored.DocumentId, stored.Message, fired), StatusCodes.Status202Accepted);
    }

    private static async Task<ConnectorRow> Find(MindstackDbContext db, Member member, string id, CancellationToken ct) =>
        await db.Set<ConnectorRow>().FirstOrDefaultAsync(c => c.Id == id && c.TenantId == member.TenantId, ct)
            ?? throw Problem.NotFound("Connector not found");
}

/// <summary>
/// One sync of a connector: <c>local_files</c> upserts each text file of its folder into memory;
/// Gmail, Calendar and Slack read their content since the last sync through their
/// <see cref="IConnectorSource"/> with the stored token (refreshed on expiry or a 401). Unchanged
/// items are no-ops by hash. Success makes the connector active with its <c>last_sync</c> (when
/// the sync started, so what arrives during it is read next time); a failure leaves it in
/// <c>error</c> with the reason; a provider's 429 retries after its Retry-After.
/// </summary>
internal sealed class ConnectorSyncJob(MindstackDbContext db, ConnectorService connectors, MemoryService memory, AutomationService automations,
    IEnumerable<IConnectorSource> sources, IHttpClientFactory http, IJobQueue jobs, TimeProvider clock)
    : JobHandler<ConnectorSyncJob.Payload>
{
    public const string Name = "mindmesh.connector.sync";
    private static readonly string[] TextFiles = [".txt", ".md", ".csv", ".json", ".html", ".eml"];

    public sealed record Payload(string ConnectorId);

    public override async Task ExecuteAsync(Payload payload, JobContext job, CancellationToken cancellationToken)
    {
        var connector = await db.Set<ConnectorRow>().FirstOrDefaultAsync(c => c.Id == payload.ConnectorId, cancellationToken);
        if (connector is null || !connector.IsEnabled)
        {
            return;
        }
        var started = clock.GetUtcNow().UtcDateTime;
        try
        {
            var changed = connector.Provider switch
            {
                ConnectorProviders.LocalFiles => await SyncFolderAsync(connector, cancellationToken),
                var provider when ConnectorProviders.OAuth.Contains(provider) => await SyncProviderAsync(connector, cancellationToken),
                _ => [],
            };
            // New or changed items fire the automations on this connector's events, committed with the sync's outcome.
            await automations.RaiseAsync(new ConnectorEvent(connector.TenantId, connector.Id, connector.Provider, changed), cancellationToken);
            connector.Status = ConnectorProviders.Status.Active;
            connector.LastError = null;
            connector.LastSync = started;
        }
        catch (ProviderRateLimitedException limited)
        {
            // Still to be synced: it stays "syncing", says why, and tries again when the provider allows.
            connector.Status = ConnectorProviders.Status.Syncing;
            connector.LastError = limited.Message;
            var wait = TimeSpan.FromSeconds(Math.Clamp(limited.RetryAfter.TotalSeconds, 1, 3600));
            jobs.Enqueue<ConnectorSyncJob>(new Payload(connector.Id), new JobOptions { Delay = wait });
        }
        catch (Problem problem)
        {
            connector.Status = ConnectorProviders.Status.Error;
            connector.LastError = problem.Message.Length <= 2000 ? problem.Message : problem.Message[..2000];
        }
        connector.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>Upserts the provider's items since the last sync; the ones that were new or changed.</summary>
    private async Task<List<EventDocument>> SyncProviderAsync(ConnectorRow connector, CancellationToken ct)
    {
        var settings = connectors.Settings(connector.Provider);
        var source = sources.Single(s => s.Provider == connector.Provider);
        using var client = http.CreateClient(ConnectorService.HttpClientName);
        var api = new ProviderApi(connector, connectors, client, settings.ApiBaseUrl is { Length: > 0 } url ? url : ConnectorProviders.DefaultApiBase(connector.Provider), source);
        var system = new Member { AccountId = "connector:" + connector.Id, TenantId = connector.TenantId, Role = MindMeshApi.Roles.Admin };
        var changed = new List<EventDocument>();
        await foreach (var item in source.ReadAsync(api, connector.LastSync, Math.Max(1, settings.MaxItemsPerSync), ct))
        {
            if (string.IsNullOrWhiteSpace(item.Content) || item.SourceUri.Length > 1000)
            {
                continue;
            }
            var title = item.Title.Length > 500 ? item.Title[..500] : item.Title;
            var owner = item.Owner is { Length: <= 320 } o ? o : null;
            var stored = await memory.UpsertAsync(system, new UpsertRequest(item.SourceUri, connector.Provider, owner, title, item.Content, "text/plain",
                null, null, JsonSerializer.SerializeToElement(item.Metadata, MindMeshJson.Options), "private", null), ct);
            if (stored.Message != MemoryRules.Unchanged)
            {
                changed.Add(new EventDocument(item.SourceUri, title, item.Content));
            }
        }
        return changed;
    }

    /// <summary>Upserts the folder's text files; the ones that were new or changed.</summary>
    private async Task<List<EventDocument>> SyncFolderAsync(ConnectorRow connector, CancellationToken ct)
    {
        var changed = new List<EventDocument>();
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
            var stored = await memory.UpsertAsync(system, new UpsertRequest("file://" + relative, ConnectorProviders.LocalFiles, null,
                Path.GetFileNameWithoutExtension(file), content, null, info.Length,
                "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(content))), null, "private", null), ct);
            if (stored.Message != MemoryRules.Unchanged)
            {
                changed.Add(new EventDocument("file://" + relative, Path.GetFileNameWithoutExtension(file), content));
            }
        }
        return changed;
    }
}
