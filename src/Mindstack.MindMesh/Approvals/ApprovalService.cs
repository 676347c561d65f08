using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Mindstack.MindMesh.Audit;
using Mindstack.MindMesh.Graph;
using Mindstack.MindMesh.Runs;
using Mindstack.MindMesh.Storage;
using Mindstack.MindMesh.Tenants;
using Mindstack.Platform.Http;
using Mindstack.Platform.Jobs;
using Mindstack.Platform.Storage;

namespace Mindstack.MindMesh.Approvals;

internal sealed record DecisionRequest(string? Decision, string? Comments, JsonElement? Payload);

/// <summary>An approval's payload: the action (<c>action</c>, <c>call_id</c>, <c>reasons</c>) and its arguments.</summary>
internal static class ApprovalPayload
{
    private static readonly string[] Reserved = ["action", "call_id", "reasons"];

    /// <summary>The tool's arguments in a payload.</summary>
    public static JsonObject Args(string payloadJson)
    {
        var payload = JsonNode.Parse(payloadJson) as JsonObject ?? [];
        var args = new JsonObject();
        foreach (var (key, value) in payload)
        {
            if (!Reserved.Contains(key))
            {
                args[key] = value?.DeepClone();
            }
        }
        return args;
    }
}

/// <summary>
/// Decides approvals: <c>approve</c>, <c>reject</c> (the action is skipped), <c>edit</c> (the
/// action runs with the edited payload). The first decision wins — a second is a 409 — and once
/// a run has none pending it goes on from where it waited. Every decision is audited and announced.
/// </summary>
internal sealed class ApprovalService(MindstackDbContext db, TimeProvider clock, IJobQueue jobs, RunEvents events, MeshAudit audit)
{
    public static readonly IReadOnlyList<string> Decisions = ["approve", "reject", "edit"];

    public async Task DecideAsync(Member member, string approvalId, DecisionRequest request, CancellationToken ct)
    {
        var decision = request.Decision?.Trim().ToLowerInvariant();
        if (decision is null || !Decisions.Contains(decision))
        {
            throw Problem.Invalid("decision", "Decision must be one of approve, reject, edit");
        }
        if (request.Comments is { Length: > 2000 })
        {
            throw Problem.Invalid("comments", "Comments are at most 2000 characters");
        }
        var approval = await db.Set<ApprovalRow>().FirstOrDefaultAsync(a => a.Id == approvalId && a.TenantId == member.TenantId, ct)
            ?? throw Problem.NotFound("Approval not found");
        string? payloadJson = null;
        if (decision == "edit")
        {
            if (request.Payload is not { ValueKind: JsonValueKind.Object } edited)
            {
                throw Problem.Invalid("payload", "An edit needs the edited payload (an object)");
            }
            payloadJson = Merge(approval.PayloadJson, edited);
        }
        var state = decision switch
        {
            "approve" => ApprovalStates.Approved,
            "reject" => ApprovalStates.Rejected,
            _ => ApprovalStates.Edited,
        };
        await DecideAsync(approval, state, decision, request.Comments?.Trim(), member.AccountId, payloadJson, ct);
    }

    /// <summary>Rejects an approval whose deadline passed (if still pending).</summary>
    public async Task ExpireAsync(string approvalId, CancellationToken ct)
    {
        var approval = await db.Set<ApprovalRow>().FirstOrDefaultAsync(a => a.Id == approvalId, ct);
        if (approval is null || approval.State != ApprovalStates.Pending)
        {
            return;
        }
        if (approval.Deadline > clock.GetUtcNow().UtcDateTime)
        {
            throw new InvalidOperationException("The approval's deadline has not passed yet");
        }
        try
        {
            await DecideAsync(approval, ApprovalStates.Rejected, "reject", "Deadline passed: rejected automatically", null, null, ct);
        }
        catch (Problem problem) when (problem.Kind == ProblemKind.Conflict)
        {
            // Decided by a person at the same moment: that decision stands.
        }
    }

    private async Task DecideAsync(ApprovalRow approval, string state, string decision, string? comments, string? decidedBy, string? payloadJson,
        CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        // Only a pending approval can be decided: the guarded update lets exactly one decision through.
        var changed = await db.Set<ApprovalRow>().Where(a => a.Id == approval.Id && a.State == ApprovalStates.Pending)
            .ExecuteUpdateAsync(s => s
                .SetProperty(a => a.State, state)
                .SetProperty(a => a.Decision, decision)
                .SetProperty(a => a.Comments, comments)
                .SetProperty(a => a.DecidedBy, decidedBy)
                .SetProperty(a => a.DecidedAt, now)
                .SetProperty(a => a.UpdatedAt, now)
                .SetProperty(a => a.PayloadJson, payloadJson ?? approval.PayloadJson), ct);
        if (changed == 0)
        {
            throw Problem.Conflict("Approval has already been decided");
        }
        audit.Add(approval.TenantId, decidedBy, "approval." + decision, "approval", approval.Id,
            new { run_id = approval.RunId, state, comments, automatic = decidedBy is null }, approval.RunId);
        var run = await db.Set<RunRow>().FirstAsync(r => r.Id == approval.RunId, ct);
        events.Publish(approval.TenantId, run.CreatedBy, RunEvents.ApprovalDecided, "run", run.Id, new
        {
            approval_id = approval.Id,
            run_id = run.Id,
            state,
            decision,
            decided_by = decidedBy,
            comments,
        });
        var stillPending = await db.Set<ApprovalRow>().AnyAsync(a => a.RunId == run.Id && a.State == ApprovalStates.Pending, ct);
        var runState = RunState.Read(run);
        if (!stillPending && RunState.Flag(runState, RunState.AwaitingApproval) && run.Status == RunStatus.Paused)
        {
            runState.Remove(RunState.AwaitingApproval);
            if (!RunState.Flag(runState, RunState.PausedByUser))
            {
                run.Status = RunStatus.Running;
                jobs.Enqueue<RunStepJob>(new RunStepJob.Payload(run.Id, run.CurrentNode!));
            }
            RunState.Write(run, runState);
            run.UpdatedAt = now;
            run.Version++;
            events.RunUpdated(run);
        }
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
    }

    /// <summary>The stored action with the edited fields over it (the action and its call cannot change).</summary>
    private static string Merge(string payloadJson, JsonElement edited)
    {
        var payload = JsonNode.Parse(payloadJson) as JsonObject ?? [];
        foreach (var property in edited.EnumerateObject())
        {
            if (property.Name is "action" or "call_id" or "reasons")
            {
                continue;
            }
            if (property.Name == "to" && property.Value.ValueKind != JsonValueKind.Array)
            {
                throw Problem.Invalid("payload.to", "Recipients must be a list of email addresses");
            }
            if (property.Name is "subject" or "body" && property.Value.ValueKind != JsonValueKind.String)
            {
                throw Problem.Invalid("payload." + property.Name, $"{property.Name} must be text");
            }
            payload[property.Name] = JsonNode.Parse(property.Value.GetRawText());
        }
        return payload.ToJsonString();
    }
}

/// <summary>At an approval's deadline: rejects it if nobody decided, which lets its run go on.</summary>
internal sealed class ExpireApprovalJob(ApprovalService approvals) : Platform.Jobs.JobHandler<ExpireApprovalJob.Payload>
{
    public const string Name = "mindmesh.approval.expire";

    public sealed record Payload(string ApprovalId);

    public override Task ExecuteAsync(Payload payload, JobContext job, CancellationToken cancellationToken) =>
        approvals.ExpireAsync(payload.ApprovalId, cancellationToken);
}
