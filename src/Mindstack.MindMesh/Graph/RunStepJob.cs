using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Mindstack.MindMesh.Runs;
using Mindstack.MindMesh.Storage;
using Mindstack.Platform.Jobs;
using Mindstack.Platform.Storage;

namespace Mindstack.MindMesh.Graph;

/// <summary>
/// Runs one node of one run, as one job. The node's result is stored as its checkpoint, with the
/// rows it writes (tasks, approvals, audit), its events and the next node's job, in one
/// transaction — before the next node can start. A step that finds its run moved on (another
/// attempt finished it, a pause, a cancel) does nothing, so a job run twice after a crash is
/// harmless; the executor's side effects carry idempotency keys of their own.
/// </summary>
internal sealed class RunStepJob(MindstackDbContext db, GraphNodes nodes, RunEvents events, IJobQueue jobs, TimeProvider clock)
    : JobHandler<RunStepJob.Payload>
{
    public const string Name = "mindmesh.run.step";

    public sealed record Payload(string RunId, string Node);

    public override async Task ExecuteAsync(Payload payload, JobContext job, CancellationToken cancellationToken)
    {
        try
        {
            await StepAsync(payload, cancellationToken);
        }
        catch (Exception exception) when ((job.IsLastAttempt || exception is PermanentJobFailureException) && exception is not OperationCanceledException)
        {
            db.ChangeTracker.Clear();
            await FailAsync(payload, exception.Message, cancellationToken);
        }
    }

    private async Task StepAsync(Payload payload, CancellationToken ct)
    {
        var (run, goal, started) = await BeginAsync(payload, ct);
        if (run is null || goal is null)
        {
            return;
        }
        var state = RunState.Read(run);
        var watch = Stopwatch.StartNew();
        var outcome = await nodes.RunAsync(payload.Node, new NodeContext(run, goal, state), ct);
        var latency = watch.Elapsed.TotalMilliseconds;

        for (var attempt = 0; ; attempt++)
        {
            if (RunStatus.IsFinal(run.Status) || run.CurrentNode != payload.Node)
            {
                // Cancelled (or finished by another attempt) while this node ran: its result is not kept.
                db.ChangeTracker.Clear();
                return;
            }
            Finish(run, goal, state, payload.Node, outcome, started, latency);
            try
            {
                await db.SaveChangesAsync(ct);
                return;
            }
            catch (DbUpdateConcurrencyException) when (attempt < 5)
            {
                // A pause or cancel landed meanwhile: read it and decide again, without this attempt's rows and events.
                foreach (var entry in db.ChangeTracker.Entries().Where(e => e.State == EntityState.Added).ToList())
                {
                    entry.State = EntityState.Detached;
                }
                await db.Entry(run).ReloadAsync(ct);
                await db.Entry(goal).ReloadAsync(ct);
                var fresh = RunState.Read(run);
                foreach (var flag in new[] { RunState.PausedByUser })
                {
                    if (fresh[flag] is { } value)
                    {
                        state[flag] = value.DeepClone();
                    }
                    else
                    {
                        state.Remove(flag);
                    }
                }
            }
        }
    }

    /// <summary>Marks the node started (the run running) and announces it; null when there is nothing for this step to do.</summary>
    private async Task<(RunRow? Run, GoalRow? Goal, DateTime Started)> BeginAsync(Payload payload, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            var run = await db.Set<RunRow>().FirstOrDefaultAsync(r => r.Id == payload.RunId, ct);
            if (run is null || run.CurrentNode != payload.Node || run.Status is not (RunStatus.Pending or RunStatus.Running))
            {
                return (null, null, default);
            }
            var goal = await db.Set<GoalRow>().FirstOrDefaultAsync(g => g.Id == run.GoalId, ct)
                ?? throw new PermanentJobFailureException("The run's goal was deleted");
            var now = clock.GetUtcNow().UtcDateTime;
            var checkpoints = Checkpoints(run);
            checkpoints[payload.Node] = new JsonObject { ["status"] = "running", ["started_at"] = now };
            run.CheckpointsJson = checkpoints.ToJsonString();
            run.Status = RunStatus.Running;
            run.StartedAt ??= now;
            run.UpdatedAt = now;
            run.Version++;
            events.RunUpdated(run, payload.Node, "started");
            try
            {
                await db.SaveChangesAsync(ct);
                return (run, goal, now);
            }
            catch (DbUpdateConcurrencyException) when (attempt < 5)
            {
                db.ChangeTracker.Clear();
            }
        }
    }

    private void Finish(RunRow run, GoalRow goal, JsonObject state, string node, NodeOutcome outcome, DateTime started, double latency)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var checkpoints = Checkpoints(run);
        checkpoints[node] = new JsonObject
        {
            ["status"] = "completed",
            ["started_at"] = started,
            ["completed_at"] = now,
            ["input"] = outcome.Input.DeepClone(),
            ["result"] = outcome.Output.DeepClone(),
            ["cost"] = outcome.Cost,
            ["latency_ms"] = Math.Round(latency, 2),
            ["model"] = outcome.Model,
            ["tokens"] = outcome.Tokens,
        };
        run.CheckpointsJson = checkpoints.ToJsonString();
        run.Cost += outcome.Cost;
        run.TokensUsed += outcome.Tokens;
        run.ApiCalls += outcome.ApiCalls;
        if (outcome.Artifacts is { Count: > 0 } artifacts)
        {
            var all = JsonNode.Parse(run.ArtifactsJson) as JsonObject ?? [];
            foreach (var (key, value) in artifacts)
            {
                all[key] = value?.DeepClone();
            }
            run.ArtifactsJson = all.ToJsonString();
        }
        foreach (var entity in outcome.Rows)
        {
            db.Add(entity);
        }
        outcome.Effects?.Invoke(events, jobs);
        events.RunUpdated(run, node, "completed");

        var next = Runs.Graph.Next(node);
        if (next is null)
        {
            run.Status = RunStatus.Completed;
            run.CurrentNode = null;
            run.CompletedAt = now;
            goal.Status = "completed";
            goal.UpdatedAt = now;
            events.RunUpdated(run);
            events.Publish(run.TenantId, run.CreatedBy, RunEvents.GoalCompleted, "run", run.Id, new
            {
                goal_id = goal.Id,
                run_id = run.Id,
                summary = state["summary"]?.GetValue<string>() ?? "Goal completed successfully",
                artifacts = (JsonNode.Parse(run.ArtifactsJson) as JsonObject ?? []).Select(a => a.Key).ToList(),
            });
        }
        else
        {
            run.CurrentNode = next;
            if (outcome.AwaitApproval)
            {
                state[RunState.AwaitingApproval] = true;
                run.Status = RunStatus.Paused;
            }
            else if (run.Status == RunStatus.Running)
            {
                jobs.Enqueue<RunStepJob>(new Payload(run.Id, next));
            }
            if (run.Status == RunStatus.Paused)
            {
                events.RunUpdated(run);
            }
        }
        RunState.Write(run, state);
        run.UpdatedAt = now;
        run.Version++;
    }

    private async Task FailAsync(Payload payload, string error, CancellationToken ct)
    {
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var run = await db.Set<RunRow>().FirstOrDefaultAsync(r => r.Id == payload.RunId, ct);
            if (run is null || RunStatus.IsFinal(run.Status))
            {
                return;
            }
            var now = clock.GetUtcNow().UtcDateTime;
            var checkpoints = Checkpoints(run);
            checkpoints[payload.Node] = new JsonObject { ["status"] = "failed", ["error"] = error, ["completed_at"] = now };
            run.CheckpointsJson = checkpoints.ToJsonString();
            run.Status = RunStatus.Failed;
            run.ErrorMessage = error.Length <= 2000 ? error : error[..2000];
            run.CompletedAt = now;
            run.UpdatedAt = now;
            run.Version++;
            events.RunUpdated(run, payload.Node, "failed");
            try
            {
                await db.SaveChangesAsync(ct);
                return;
            }
            catch (DbUpdateConcurrencyException)
            {
                db.ChangeTracker.Clear();
            }
        }
    }

    private static JsonObject Checkpoints(RunRow run) => JsonNode.Parse(run.CheckpointsJson) as JsonObject ?? [];
}
