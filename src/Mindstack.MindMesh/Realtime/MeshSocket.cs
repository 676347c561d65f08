using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Mindstack.MindMesh.Runs;
using Mindstack.MindMesh.Storage;
using Mindstack.Platform.Http;
using Mindstack.Platform.Realtime;
using Mindstack.Platform.Realtime.Json;
using Mindstack.Platform.Storage;

namespace Mindstack.MindMesh.Realtime;

/// <summary>
/// <c>/ws?token=</c>: the tenant's events as plain JSON frames <c>{type, data}</c> —
/// <c>run.update</c> (each node's start and finish, every status change), <c>approval.request</c>,
/// <c>approval.decided</c>, <c>goal.completed</c>. A socket joins only its tenant's channel, so a
/// client never sees another tenant's events.
/// </summary>
internal static class MeshSocket
{
    public const string Path = "/ws";

    public static void Map(IEndpointRouteBuilder api) => api.MapJsonSocket(Path, options =>
    {
        options.Channels = JoinAsync;
        options.Document = new JsonSocketDocument
        {
            Summary = "The tenant's realtime events over a WebSocket",
            Description = "Upgrade with ?token=<access_token> (or Authorization: Bearer). Frames {type, data}: "
                + "run.update {run_id, goal_id, status, current_node, progress, node, node_status}; "
                + "approval.request {approval_id, run_id, payload, deadline}; "
                + "approval.decided {approval_id, run_id, state, decision, decided_by, comments}; "
                + "goal.completed {goal_id, run_id, summary, artifacts}. Only the caller's tenant's events arrive. "
                + "Send {\"type\":\"ping\"} for a pong.",
            TokenDescription = "The access token (JWT of the mindmesh audience)",
            Responses = new Dictionary<string, string> { ["401"] = "No or a bad token: {detail}", ["429"] = "Too many handshakes or open sockets: {detail}" },
        };
    });

    private static async ValueTask<IEnumerable<string>> JoinAsync(HttpContext context, RealtimeCaller caller, CancellationToken ct)
    {
        var db = context.RequestServices.GetRequiredService<MindstackDbContext>();
        var tenantId = await db.Set<MemberRow>().AsNoTracking().Where(m => m.AccountId == caller.SubjectId).Select(m => m.TenantId).FirstOrDefaultAsync(ct)
            ?? throw Problem.Unauthorized("Invalid or expired token");
        return [RunEvents.TenantChannel(tenantId)];
    }
}
