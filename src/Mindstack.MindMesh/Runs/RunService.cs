using Microsoft.EntityFrameworkCore;
using Mindstack.MindMesh.Audit;
using Mindstack.MindMesh.Graph;
using Mindstack.MindMesh.Storage;
using Mindstack.MindMesh.Tenants;
using Mindstack.Platform.Http;
using Mindstack.Platform.Jobs;
using Mindstack.Platform.Storage;

namespace Mindstack.MindMesh.Runs;

/// <summary>
/// Starts, pauses, resumes and cancels runs. Every change is one guarded write (the run's
/// version), with its events and its next step job in the same transaction, so a step finishing
/// at the same moment either sees the change or is retried against it.
/// </summary>
internal sealed class RunService(MindstackDbContext db, IIdGenerator ids, TimeProvider clock, IJobQueue jobs, RunEvents events, MeshAudit audit)
{
    public Task<RunRow?> FindAsync(Member member, string runId, CancellationToken ct) =>
        db.Set<RunRow>().FirstOrDefaultAsync(r => r.Id == runId && r.TenantId == member.TenantId, ct);

    public async Task<RunRow> StartAsync(Member member, string goalId, CancellationToken ct)
    {
        var goal = await db.Set<GoalRow>().FirstOrDefaultAsync(g => g.Id == goalId && g.TenantId == member.TenantId, ct)
            ?? throw Problem.NotFound("Goal not found");
        if (goal.Status == "cancelled")
        {
            throw Problem.Conflict("The goal is cancelled");
        }
        if (await db.Set<RunRow>().AnyAsync(r => r.GoalId == goal.Id && !RunStatus.Final.Contains(r.Status), ct))
        {
            throw Problem.Conflict("The goal already has a run in progress");
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var run = new RunRow
        {
            Id = ids.New("run"),
            TenantId = member.TenantId,
            GoalId = goal.Id,
            CreatedBy = member.AccountId,
            GraphVersion = Runs.Graph.Version,
            Status = RunStatus.Pending,
            CurrentNode = Runs.Graph.Nodes[0],
            CreatedAt = now,
            UpdatedAt = now,
        };
        goal.Status = "active";
        goal.UpdatedAt = now;
        db.Add(run);
        jobs.Enqueue<RunStepJob>(new RunStepJob.Payload(run.Id, Runs.Graph.Nodes[0]));
        events.RunUpdated(run);
        audit.Add(member.TenantId, member.AccountId, "run.start", "run", run.Id, new { goal_id = goal.Id, autonomy_level = goal.AutonomyLevel });
        await db.SaveChangesAsync(ct);
        return run;
    }

    /// <summary>Pauses at the next node boundary: the node running now finishes and stores its checkpoint; the next does not start.</summary>
    public async Task PauseAsync(Member member, string runId, CancellationToken ct)
    {
        await ChangeAsync(member, runId, run =>
        {
            var state = RunState.Read(run);
            if (run.Status is not (RunStatus.Pending or RunStatus.Running) && !(run.Status == RunStatus.Paused && !RunState.Flag(state, RunState.PausedByUser)))
            {
                throw Problem.Conflict($"Run is {run.Status} and cannot be paused");
            }
            state[RunState.PausedByUser] = true;
            RunState.Write(run, state);
            run.Status = RunStatus.Paused;
            return "run.pause";
        }, ct);
    }

    /// <summary>Resumes a paused run from its current node (a run waiting for approvals goes on once they are decided).</summary>
    public async Task ResumeAsync(Member member, string runId, CancellationToken ct)
    {
        await ChangeAsync(member, runId, run =>
        {
            var state = RunState.Read(run);
            if (run.Status != RunStatus.Paused || !RunState.Flag(state, RunState.PausedByUser))
            {
                throw Problem.Conflict($"Run is {run.Status} and was not paused");
            }
            state.Remove(RunState.PausedByUser);
            RunState.Write(run, state);
            if (!RunState.Flag(state, RunState.AwaitingApproval))
            {
                run.Status = RunStatus.Running;
                jobs.Enqueue<RunStepJob>(new RunStepJob.Payload(run.Id, run.CurrentNode!));
            }
            return "run.resume";
        }, ct);
    }

    /// <summary>Cancels a run that has not ended; its pending approvals are closed as rejected.</summary>
    public async Task CancelAsync(Member member, string runId, CancellationToken ct)
    {
        await ChangeAsync(member, runId, run =>
        {
            if (RunStatus.IsFinal(run.Status))
            {
                throw Problem.Conflict($"Run is {run.Status} and cannot be cancelled");
            }
            run.Status = RunStatus.Cancelled;
            run.CompletedAt = clock.GetUtcNow().UtcDateTime;
            run.ErrorMessage = "Cancelled by request";
            return "run.cancel";
        }, ct);
        var now = clock.GetUtcNow().UtcDateTime;
        await db.Set<ApprovalRow>().Where(a => a.RunId == runId && a.State == ApprovalStates.Pending)
            .ExecuteUpdateAsync(s => s.SetProperty(a => a.State, ApprovalStates.Rejected).SetProperty(a => a.Comments, "Run cancelled")
                .SetProperty(a => a.DecidedAt, now).SetProperty(a => a.UpdatedAt, now), ct);
    }

    /// <summary>One guarded change: a concurrent write (a step finishing) makes it read the run again and decide again.</summary>
    private async Task ChangeAsync(Member member, string runId, Func<RunRow, string> change, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            var run = await FindAsync(member, runId, ct) ?? throw Problem.NotFound("Run not found");
            var action = change(run);
            run.UpdatedAt = clock.GetUtcNow().UtcDateTime;
            run.Version++;
            events.RunUpdated(run);
            audit.Add(member.TenantId, member.AccountId, action, "run", run.Id, new { status = run.Status, current_node = run.CurrentNode });
            try
            {
                await db.SaveChangesAsync(ct);
                return;
            }
            catch (DbUpdateConcurrencyException) when (attempt < 5)
            {
                db.ChangeTracker.Clear();
            }
        }
    }
}

internal static class ApprovalStates
{
    public const string Pending = "pending";
    public const string Approved = "approved";
    public const string Rejected = "rejected";
    public const string Edited = "edited";

    public static readonly IReadOnlyList<string> All = [Pending, Approved, Rejected, Edited];
}
