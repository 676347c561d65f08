using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Mindstack.MindMesh.Storage;
using Mindstack.Platform.Limits;
using Mindstack.Platform.Storage;

namespace Mindstack.MindMesh.Audit;

/// <summary>Writes MindMesh's audit trail in the caller's transaction (the entry commits with the change it records).</summary>
internal sealed class MeshAudit(MindstackDbContext db, IIdGenerator ids, TimeProvider clock, IHttpContextAccessor http)
{
    public AuditRow Add(string tenantId, string? userId, string action, string resourceType, string? resourceId, object? details = null,
        string? runId = null, string? node = null, int sequence = 0, DateTime? at = null)
    {
        var row = Create(tenantId, userId, action, resourceType, resourceId, details, runId, node, sequence, at);
        db.Add(row);
        return row;
    }

    /// <summary>An entry not yet added (for a job step that adds it with its checkpoint).</summary>
    public AuditRow Create(string tenantId, string? userId, string action, string resourceType, string? resourceId, object? details = null,
        string? runId = null, string? node = null, int sequence = 0, DateTime? at = null)
    {
        var request = http.HttpContext;
        var row = new AuditRow
        {
            Id = ids.New("audit"),
            TenantId = tenantId,
            UserId = userId,
            RunId = runId,
            Node = node,
            Action = action,
            ResourceType = resourceType,
            ResourceId = resourceId,
            DetailsJson = details is null ? "{}" : JsonSerializer.Serialize(details, MindMeshJson.Options),
            IpAddress = request is null ? null : ClientAddress.Of(request),
            UserAgent = request?.Request.Headers.UserAgent.ToString() is { Length: > 0 } agent ? agent[..Math.Min(agent.Length, 500)] : null,
            CreatedAt = at ?? clock.GetUtcNow().UtcDateTime,
            Sequence = sequence,
        };
        return row;
    }
}
