using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Mindstack.MindMesh.Audit;
using Mindstack.MindMesh.Storage;
using Mindstack.MindMesh.Tenants;
using Mindstack.Platform.Ai;
using Mindstack.Platform.Http;
using Mindstack.Platform.Search;
using Mindstack.Platform.Storage;

namespace Mindstack.MindMesh.Memory;

internal sealed record UpsertRequest(string? SourceUri, string? App, string? Owner, string? Title, string? Content, string? MimeType, long? FileSize,
    string? Hash, JsonElement? Metadata, string? Sensitivity, int? TtlDays);

internal sealed record UpsertView(string DocumentId, string Message);

internal static class MemoryRules
{
    public const string Collection = "mindmesh.memory";
    public static readonly IReadOnlyList<string> Sensitivities = ["public", "private", "confidential"];
    public static readonly IReadOnlyList<string> Types = ["document", "episode", "entity"];
    public static readonly IReadOnlyList<string> EpisodeTypes = ["email", "meeting", "call", "note"];
    public static readonly IReadOnlyList<string> EntityTypes = ["person", "organization", "project", "topic"];
    public const int MaxContentLength = 500_000;

    /// <summary>The upsert answer when the document was already stored with that hash (nothing changed).</summary>
    public const string Unchanged = "Document unchanged (same hash)";

    /// <summary>What a member may see: confidential documents are for admins.</summary>
    public static IReadOnlyList<string> Visible(Member member) =>
        member.Has(MindMeshApi.Permissions.Admin) ? Sensitivities : ["public", "private"];
}

/// <summary>
/// A tenant's memory: documents upserted by source URI (the same hash is a no-op), with a TTL and
/// a sensitivity; entities the AI engine finds in them; episodes; all indexed in the platform's
/// hybrid search (full text fused with sentence embeddings) under the tenant's scope.
/// </summary>
internal sealed class MemoryService(MindstackDbContext db, IIdGenerator ids, TimeProvider clock, IHybridSearch search, IAiEngine ai, MeshAudit audit)
{
    public async Task<UpsertView> UpsertAsync(Member member, UpsertRequest request, CancellationToken ct)
    {
        var errors = new List<FieldError>();
        if (string.IsNullOrWhiteSpace(request.SourceUri))
        {
            errors.Add(new FieldError("source_uri", "Source URI is required"));
        }
        else if (request.SourceUri.Length > 1000)
        {
            errors.Add(new FieldError("source_uri", "Source URI is at most 1000 characters"));
        }
        if (string.IsNullOrWhiteSpace(request.Content))
        {
            errors.Add(new FieldError("content", "Content is required"));
        }
        else if (request.Content.Length > MemoryRules.MaxContentLength)
        {
            errors.Add(new FieldError("content", $"Content is at most {MemoryRules.MaxContentLength} characters"));
        }
        if (request.Sensitivity is not null && !MemoryRules.Sensitivities.Contains(request.Sensitivity))
        {
            errors.Add(new FieldError("sensitivity", "Sensitivity must be one of public, private, confidential"));
        }
        if (request.TtlDays is < 1 or > 36500)
        {
            errors.Add(new FieldError("ttl_days", "ttl_days must be from 1 to 36500"));
        }
        if (request.FileSize is < 0)
        {
            errors.Add(new FieldError("file_size", "file_size must not be negative"));
        }
        if (request.Metadata is { ValueKind: not (JsonValueKind.Object or JsonValueKind.Null) })
        {
            errors.Add(new FieldError("metadata", "Metadata must be an object"));
        }
        Check(errors, "app", request.App, 64);
        Check(errors, "owner", request.Owner, 320);
        Check(errors, "title", request.Title, 500);
        Check(errors, "mime_type", request.MimeType, 200);
        Check(errors, "hash", request.Hash, 200);
        if (errors.Count > 0)
        {
            throw Problem.Invalid(errors);
        }
        var content = request.Content!;
        var hash = string.IsNullOrWhiteSpace(request.Hash) ? "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(content))) : request.Hash.Trim();
        var sourceUri = request.SourceUri!.Trim();
        var now = clock.GetUtcNow().UtcDateTime;
        var expires = request.TtlDays is { } days ? now.AddDays(days) : (DateTime?)null;
        var existing = await db.Set<DocumentRow>().FirstOrDefaultAsync(d => d.TenantId == member.TenantId && d.SourceUri == sourceUri, ct);
        if (existing is not null && existing.Hash == hash && existing.IsIndexed)
        {
            existing.ExpiresAt = expires ?? existing.ExpiresAt;
            existing.UpdatedAt = now;
            await db.SaveChangesAsync(ct);
            return new UpsertView(existing.Id, MemoryRules.Unchanged);
        }
        var document = existing ?? new DocumentRow
        {
            Id = ids.New("doc"),
            TenantId = member.TenantId,
            SourceUri = sourceUri,
            App = "manual",
            Content = content,
            Hash = hash,
            Sensitivity = "private",
            CreatedAt = now,
        };
        document.App = request.App?.Trim() is { Length: > 0 } app ? app : document.App;
        document.Owner = request.Owner?.Trim() ?? document.Owner;
        document.Title = request.Title?.Trim() ?? document.Title;
        document.Content = content;
        document.MimeType = request.MimeType ?? document.MimeType;
        document.FileSize = request.FileSize ?? Encoding.UTF8.GetByteCount(content);
        document.Hash = hash;
        document.MetadataJson = request.Metadata is { ValueKind: JsonValueKind.Object } metadata ? metadata.GetRawText() : document.MetadataJson;
        document.Sensitivity = request.Sensitivity ?? document.Sensitivity;
        document.ExpiresAt = expires;
        document.IsIndexed = true;
        document.UpdatedAt = now;
        if (existing is null)
        {
            db.Add(document);
        }
        audit.Add(member.TenantId, member.AccountId, "memory.upsert", "document", document.Id, new { source_uri = sourceUri, hash });
        await using (var transaction = await db.Database.BeginTransactionAsync(ct))
        {
            await db.SaveChangesAsync(ct);
            // The index entry commits with the row: a document is searchable exactly when it is stored.
            await search.UpsertAsync(Index(document), ct);
            await transaction.CommitAsync(ct);
        }
        await ExtractEntitiesAsync(member.TenantId, document, ct);
        return new UpsertView(document.Id, existing is null ? "Document indexed successfully" : "Document updated and indexed");
    }

    /// <summary>Adds an episode (unsaved) and indexes it in the caller's transaction.</summary>
    public async Task IndexEpisodeAsync(EpisodeRow episode, CancellationToken ct) =>
        await search.UpsertAsync(new SearchDocument(MemoryRules.Collection, episode.TenantId, episode.Id, episode.Title + "\n" + episode.Summary,
            new Dictionary<string, string> { ["type"] = "episode", ["sensitivity"] = "private", ["episode_type"] = episode.Type },
            new DateTimeOffset(episode.OccurredAt, TimeSpan.Zero)), ct);

    private static SearchDocument Index(DocumentRow d)
    {
        var facets = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["type"] = "document",
            ["sensitivity"] = d.Sensitivity,
            ["app"] = d.App,
        };
        if (d.Owner is { Length: > 0 } owner)
        {
            facets["owner"] = owner.ToLowerInvariant();
        }
        foreach (var tag in Tags(d.MetadataJson))
        {
            facets["tag:" + tag] = "1";
        }
        return new SearchDocument(MemoryRules.Collection, d.TenantId, d.Id, (d.Title + "\n" + d.Content).Trim(), facets, new DateTimeOffset(d.CreatedAt, TimeSpan.Zero));
    }

    /// <summary>A document's tags: its metadata's <c>tags</c> and <c>labels</c>, lower-cased.</summary>
    public static IEnumerable<string> Tags(string metadataJson)
    {
        using var document = JsonDocument.Parse(metadataJson);
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            yield break;
        }
        foreach (var name in new[] { "tags", "labels" })
        {
            if (document.RootElement.TryGetProperty(name, out var list) && list.ValueKind == JsonValueKind.Array)
            {
                foreach (var tag in list.EnumerateArray().Where(t => t.ValueKind == JsonValueKind.String))
                {
                    var text = tag.GetString()!.Trim().ToLowerInvariant();
                    if (text.Length is > 0 and <= 100)
                    {
                        yield return text;
                    }
                }
            }
        }
    }

    /// <summary>People and organizations the AI engine finds (hashtags become topics), counted per mention.</summary>
    private async Task ExtractEntitiesAsync(string tenantId, DocumentRow document, CancellationToken ct)
    {
        var text = (document.Title + ". " + document.Content)[..Math.Min(document.Content.Length + document.Title.Length + 2, 20_000)];
        var found = await ai.ExtractEntitiesAsync(text, cancellationToken: ct);
        var names = found.Value.Items
            .Select(e => (Type: e.Type switch
            {
                AiEntityTypes.Person => "person",
                AiEntityTypes.Organization => "organization",
                AiEntityTypes.Hashtag => "topic",
                _ => null,
            }, Name: e.Type == AiEntityTypes.Hashtag ? e.Text.TrimStart('#') : e.Text))
            .Where(e => e.Type is not null && e.Name.Length is > 1 and <= 300)
            .DistinctBy(e => (e.Type, e.Name.ToLowerInvariant()))
            .ToList();
        var now = clock.GetUtcNow().UtcDateTime;
        foreach (var (type, name) in names)
        {
            var normalized = name.ToLowerInvariant();
            try
            {
                var entity = await db.Set<EntityRow>().FirstOrDefaultAsync(e => e.TenantId == tenantId && e.Type == type && e.NormalizedName == normalized, ct);
                if (entity is null)
                {
                    entity = new EntityRow { Id = ids.New("entity"), TenantId = tenantId, Type = type!, Name = name, NormalizedName = normalized, CreatedAt = now };
                    db.Add(entity);
                }
                entity.Mentions++;
                entity.UpdatedAt = now;
                entity.IsActive = true;
                await db.SaveChangesAsync(ct);
                await search.UpsertAsync(new SearchDocument(MemoryRules.Collection, tenantId, entity.Id, entity.Name,
                    new Dictionary<string, string> { ["type"] = "entity", ["sensitivity"] = "private", ["entity_type"] = entity.Type },
                    new DateTimeOffset(entity.CreatedAt, TimeSpan.Zero)), ct);
            }
            catch (DbUpdateException)
            {
                // Another upsert added the same entity at the same moment: its row stands.
                db.ChangeTracker.Clear();
            }
        }
    }

    private static void Check(List<FieldError> errors, string field, string? value, int max)
    {
        if (value is { } text && text.Length > max)
        {
            errors.Add(new FieldError(field, $"{field} is at most {max} characters"));
        }
    }
}
