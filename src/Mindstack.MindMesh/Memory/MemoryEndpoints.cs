using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Mindstack.MindMesh.Goals;
using Mindstack.MindMesh.Storage;
using Mindstack.MindMesh.Tenants;
using Mindstack.Platform.Http;
using Mindstack.Platform.Limits;
using Mindstack.Platform.Search;
using Mindstack.Platform.Storage;
using P = Mindstack.MindMesh.MindMeshApi.Permissions;

namespace Mindstack.MindMesh.Memory;

internal sealed record MemoryItemView(string Id, string Type, string? SourceUri, string? App, string Title, string Content, JsonElement Metadata,
    string Sensitivity, string? Owner, DateTime CreatedAt);

internal sealed record HighlightsView(IReadOnlyList<string> Content);

internal sealed record SearchResultView(MemoryItemView Item, double Score, HighlightsView Highlights);

internal sealed record SearchView(IReadOnlyList<SearchResultView> Results, int Total, string Query);

internal sealed record DocumentView(string Id, string TenantId, string SourceUri, string App, string? Owner, string Title, string Content,
    string? MimeType, long? FileSize, string Hash, JsonElement Metadata, string Sensitivity, bool IsIndexed, DateTime? ExpiresAt, DateTime CreatedAt,
    DateTime UpdatedAt);

internal sealed record EpisodeView(string Id, string TenantId, string Type, string Title, string Summary, JsonElement Participants, string? RunId,
    DateTime OccurredAt, DateTime CreatedAt);

internal sealed record EntityView(string Id, string TenantId, string Type, string Name, int Mentions, bool IsActive, DateTime CreatedAt, DateTime UpdatedAt);

internal static class MemoryEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapPost("/memory/upsert", UpsertAsync).Needs(P.WriteMemory).RateLimit(MindMeshApi.Limits.Ai, MindMeshModule.CallerKey)
            .WithName("MindMeshMemoryUpsert")
            .WithSummary("Add or update a document by source_uri (the same hash changes nothing); ttl_days, sensitivity; entities extracted")
            .Produces<UpsertView>();
        api.MapGet("/memory/search", SearchAsync).Needs(P.ReadMemory).RateLimit(MindMeshApi.Limits.Ai, MindMeshModule.CallerKey)
            .WithName("MindMeshMemorySearch")
            .WithSummary("Hybrid search (full text fused with sentence embeddings); q, type, date_from, date_to, sensitivity, tags (comma-separated, all must match), owner, limit (1-100, default 10)")
            .Produces<SearchView>();
        api.MapGet("/memory/documents", DocumentsAsync).Needs(P.ReadMemory).WithName("MindMeshMemoryDocuments")
            .WithSummary("List documents; page, size, app, sensitivity, is_indexed (expired ones are gone)").ProducesPage<DocumentView>();
        api.MapGet("/memory/episodes", EpisodesAsync).Needs(P.ReadMemory).WithName("MindMeshMemoryEpisodes")
            .WithSummary("List episodes; page, size, type (email, meeting, call, note), participants").ProducesPage<EpisodeView>();
        api.MapGet("/memory/entities", EntitiesAsync).Needs(P.ReadMemory).WithName("MindMeshMemoryEntities")
            .WithSummary("List entities; page, size, type (person, organization, project, topic), is_active").ProducesPage<EntityView>();
    }

    private static async Task<IResult> UpsertAsync(Body<UpsertRequest> body, Member member, MemoryService memory, MindMeshDialect dialect, CancellationToken ct) =>
        dialect.Ok(await memory.UpsertAsync(member, body.Value, ct));

    private static async Task<IResult> SearchAsync(HttpRequest request, Member member, IHybridSearch search, MindstackDbContext db, TimeProvider clock,
        MindMeshDialect dialect, CancellationToken ct)
    {
        var q = request.Query["q"].ToString().Trim();
        if (q.Length == 0)
        {
            throw Problem.Invalid("q", "q (the search text) is required");
        }
        if (q.Length > 500)
        {
            throw Problem.Invalid("q", "q is at most 500 characters");
        }
        var limit = Query.Int(request.Query["limit"], "limit", 10, 1, 100);
        var facets = new Dictionary<string, IReadOnlyCollection<string>>(StringComparer.Ordinal);
        if (Paging.OneOf(request, "type", MemoryRules.Types) is { } type)
        {
            facets["type"] = [type];
        }
        var visible = MemoryRules.Visible(member);
        if (Paging.OneOf(request, "sensitivity", MemoryRules.Sensitivities) is { } sensitivity)
        {
            visible = visible.Contains(sensitivity) ? [sensitivity] : [];
        }
        facets["sensitivity"] = [.. visible];
        if (request.Query["owner"].ToString().Trim() is { Length: > 0 } owner)
        {
            facets["owner"] = [owner.ToLowerInvariant()];
        }
        foreach (var tag in request.Query["tags"].ToString().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            facets["tag:" + tag.ToLowerInvariant()] = ["1"];
        }
        var from = Query.Date(request.Query["date_from"], "date_from");
        var to = Query.Date(request.Query["date_to"], "date_to", endOfDay: true);
        var hits = visible.Count == 0 ? [] : await search.SearchAsync(new SearchQuery(MemoryRules.Collection, member.TenantId, q, limit, facets,
            from is { } f ? new DateTimeOffset(f, TimeSpan.Zero) : null, to is { } t ? new DateTimeOffset(t, TimeSpan.Zero) : null), ct);

        var ids = hits.Select(h => h.Id).ToList();
        var now = clock.GetUtcNow().UtcDateTime;
        var documents = await db.Set<DocumentRow>().AsNoTracking()
            .Where(d => d.TenantId == member.TenantId && ids.Contains(d.Id) && (d.ExpiresAt == null || d.ExpiresAt > now)).ToDictionaryAsync(d => d.Id, ct);
        var episodes = await db.Set<EpisodeRow>().AsNoTracking().Where(e => e.TenantId == member.TenantId && ids.Contains(e.Id)).ToDictionaryAsync(e => e.Id, ct);
        var entities = await db.Set<EntityRow>().AsNoTracking().Where(e => e.TenantId == member.TenantId && ids.Contains(e.Id)).ToDictionaryAsync(e => e.Id, ct);
        var results = new List<SearchResultView>();
        foreach (var hit in hits)
        {
            MemoryItemView? item = documents.TryGetValue(hit.Id, out var d)
                ? new MemoryItemView(d.Id, "document", d.SourceUri, d.App, d.Title, d.Content, GoalViews.Json(d.MetadataJson), d.Sensitivity, d.Owner, d.CreatedAt)
                : episodes.TryGetValue(hit.Id, out var e)
                    ? new MemoryItemView(e.Id, "episode", null, null, e.Title, e.Summary, GoalViews.Json($$"""{"episode_type":{{JsonSerializer.Serialize(e.Type)}},"participants":{{e.ParticipantsJson}}}"""), "private", null, e.CreatedAt)
                    : entities.TryGetValue(hit.Id, out var n)
                        ? new MemoryItemView(n.Id, "entity", null, null, n.Name, n.Name, GoalViews.Json($$"""{"entity_type":{{JsonSerializer.Serialize(n.Type)}},"mentions":{{n.Mentions}}}"""), "private", null, n.CreatedAt)
                        : null;
            if (item is not null)
            {
                results.Add(new SearchResultView(item, Math.Round(hit.Score, 4), new HighlightsView([hit.Highlight])));
            }
        }
        return dialect.Ok(new SearchView(results, results.Count, q));
    }

    private static async Task<IResult> DocumentsAsync(HttpRequest request, Member member, MindstackDbContext db, TimeProvider clock, MindMeshDialect dialect,
        CancellationToken ct)
    {
        var paging = Paging.Read(request);
        var now = clock.GetUtcNow().UtcDateTime;
        var visible = MemoryRules.Visible(member).ToList();
        var query = db.Set<DocumentRow>().AsNoTracking()
            .Where(d => d.TenantId == member.TenantId && (d.ExpiresAt == null || d.ExpiresAt > now) && visible.Contains(d.Sensitivity));
        if (request.Query["app"].ToString().Trim() is { Length: > 0 } app)
        {
            query = query.Where(d => d.App == app);
        }
        if (Paging.OneOf(request, "sensitivity", MemoryRules.Sensitivities) is { } sensitivity)
        {
            query = query.Where(d => d.Sensitivity == sensitivity);
        }
        if (Paging.Bool(request, "is_indexed") is { } indexed)
        {
            query = query.Where(d => d.IsIndexed == indexed);
        }
        var total = await query.CountAsync(ct);
        var rows = await query.OrderByDescending(d => d.UpdatedAt).ThenBy(d => d.Id).Skip(paging.Offset).Take(paging.Limit).ToListAsync(ct);
        return dialect.Page(rows.Select(d => new DocumentView(d.Id, d.TenantId, d.SourceUri, d.App, d.Owner, d.Title, d.Content, d.MimeType, d.FileSize,
            d.Hash, GoalViews.Json(d.MetadataJson), d.Sensitivity, d.IsIndexed, d.ExpiresAt, d.CreatedAt, d.UpdatedAt)).ToList(), paging, total);
    }

    private static async Task<IResult> EpisodesAsync(HttpRequest request, Member member, MindstackDbContext db, MindMeshDialect dialect, CancellationToken ct)
    {
        var paging = Paging.Read(request);
        var query = db.Set<EpisodeRow>().AsNoTracking().Where(e => e.TenantId == member.TenantId);
        if (Paging.OneOf(request, "type", MemoryRules.EpisodeTypes) is { } type)
        {
            query = query.Where(e => e.Type == type);
        }
        if (request.Query["participants"].ToString().Trim() is { Length: > 0 } participant)
        {
            var needle = participant.ToLowerInvariant();
            query = query.Where(e => e.ParticipantsJson.ToLower().Contains(needle));
        }
        var total = await query.CountAsync(ct);
        var rows = await query.OrderByDescending(e => e.OccurredAt).ThenBy(e => e.Id).Skip(paging.Offset).Take(paging.Limit).ToListAsync(ct);
        return dialect.Page(rows.Select(e => new EpisodeView(e.Id, e.TenantId, e.Type, e.Title, e.Summary, GoalViews.Json(e.ParticipantsJson), e.RunId,
            e.OccurredAt, e.CreatedAt)).ToList(), paging, total);
    }

    private static async Task<IResult> EntitiesAsync(HttpRequest request, Member member, MindstackDbContext db, MindMeshDialect dialect, CancellationToken ct)
    {
        var paging = Paging.Read(request);
        var query = db.Set<EntityRow>().AsNoTracking().Where(e => e.TenantId == member.TenantId);
        if (Paging.OneOf(request, "type", MemoryRules.EntityTypes) is { } type)
        {
            query = query.Where(e => e.Type == type);
        }
        if (Paging.Bool(request, "is_active") is { } active)
        {
            query = query.Where(e => e.IsActive == active);
        }
        var total = await query.CountAsync(ct);
        var rows = await query.OrderByDescending(e => e.Mentions).ThenBy(e => e.Name).ThenBy(e => e.Id).Skip(paging.Offset).Take(paging.Limit).ToListAsync(ct);
        return dialect.Page(rows.Select(e => new EntityView(e.Id, e.TenantId, e.Type, e.Name, e.Mentions, e.IsActive, e.CreatedAt, e.UpdatedAt)).ToList(),
            paging, total);
    }
}
