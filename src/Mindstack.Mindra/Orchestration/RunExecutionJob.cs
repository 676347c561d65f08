using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Mindstack.Mindra.Agents;
using Mindstack.Mindra.Executions;
using Mindstack.Mindra.Storage;
using Mindstack.Mindra.Wallet;
using Mindstack.Platform.Billing;
using Mindstack.Platform.Events;
using Mindstack.Platform.Http;
using Mindstack.Platform.Jobs;
using Mindstack.Platform.Storage;

namespace Mindstack.Mindra.Orchestration;

/// <summary>
/// Runs an execution: its agents one after another (each seeing the results before it) or all at
/// once, per its mode; each finished agent is charged its price from its hold, each failed one
/// released; then the outputs are aggregated. Re-running after a crash picks up where the last
/// attempt stopped (finished steps are kept; ledger movements are idempotent by reference).
/// Events: <c>execution.started</c>, <c>agent.started</c>, <c>agent.completed</c>,
/// <c>execution.completed</c> or <c>execution.failed</c>.
/// </summary>
internal sealed class RunExecutionJob(
    MindstackDbContext db,
    AgentCatalogue catalogue,
    AgentRunner runner,
    ICreditLedger ledger,
    IEventOutbox events,
    Orchestrator orchestrator,
    TimeProvider clock) : JobHandler<RunExecutionJob.Payload>
{
    public const string Name = "mindra.execution.run";

    public sealed record Payload(string ExecutionId);

    public override async Task ExecuteAsync(Payload payload, JobContext job, CancellationToken cancellationToken)
    {
        try
        {
            await RunAsync(payload, cancellationToken);
        }
        catch (Exception exception) when ((job.IsLastAttempt || exception is PermanentJobFailureException)
            && exception is not OperationCanceledException)
        {
            // No attempt is left: the execution must not stay RUNNING with money set aside.
            db.ChangeTracker.Clear();
            await GiveUpAsync(payload.ExecutionId, exception.Message, cancellationToken);
        }
    }

    private async Task GiveUpAsync(string executionId, string reason, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var error = Truncate("Execution could not be run: " + reason);
        var changed = await db.Set<ExecutionRow>()
            .Where(e => e.Id == executionId && (e.Status == ExecutionStatus.Pending || e.Status == ExecutionStatus.Running))
            .ExecuteUpdateAsync(s => s
                .SetProperty(e => e.Status, ExecutionStatus.Failed)
                .SetProperty(e => e.Error, error)
                .SetProperty(e => e.CompletedAt, now)
                .SetProperty(e => e.UpdatedAt, now), ct);
        if (changed == 0)
        {
            return;
        }
        await orchestrator.ReleaseUnspentAsync(executionId, ct);
        var execution = await db.Set<ExecutionRow>().AsNoTracking().FirstAsync(e => e.Id == executionId, ct);
        Publish(execution, ExecutionEvents.Failed, new JsonObject { ["status"] = ExecutionStatus.Failed, ["error"] = error });
        await db.SaveChangesAsync(ct);
    }

    private async Task RunAsync(Payload payload, CancellationToken cancellationToken)
    {
        var execution = await db.Set<ExecutionRow>().FirstOrDefaultAsync(e => e.Id == payload.ExecutionId, cancellationToken);
        if (execution is null || ExecutionStatus.IsFinal(execution.Status))
        {
            return;
        }
        if (execution.Status == ExecutionStatus.Pending)
        {
            var now = clock.GetUtcNow().UtcDateTime;
            if (!await TransitionAsync(execution.Id, ExecutionStatus.Pending, ExecutionStatus.Running, now, cancellationToken))
            {
                return;
            }
            Publish(execution, ExecutionEvents.Started, new JsonObject
            {
                ["status"] = ExecutionStatus.Running,
                ["agents"] = new JsonArray(ExecutionViews.Agents(execution).Select(a => (JsonNode?)JsonValue.Create(a.Id)).ToArray()),
            });
            await db.SaveChangesAsync(cancellationToken);
            await db.Entry(execution).ReloadAsync(cancellationToken);
        }

        var context = JsonNode.Parse(execution.ContextJson) as JsonObject ?? [];
        var steps = await db.Set<ExecutionStepRow>().Where(s => s.ExecutionId == execution.Id).OrderBy(s => s.Position).ToListAsync(cancellationToken);
        var agents = new Dictionary<string, AgentDefinition>(StringComparer.Ordinal);
        foreach (var step in steps)
        {
            agents[step.AgentId] = await catalogue.FindAsync(execution.AccountId, execution.Sandbox, step.AgentId, cancellationToken)
                ?? throw new PermanentJobFailureException($"Agent {step.AgentId} no longer exists");
        }

        if (execution.Mode == ExecutionModes.Parallel)
        {
            var pending = steps.Where(s => !ExecutionStatus.IsFinal(s.Status)).ToList();
            if (!await BeginStepsAsync(execution, pending, context, [], cancellationToken))
            {
                return;
            }
            var outcomes = await Task.WhenAll(pending.Select(s => runner.RunAsync(agents[s.AgentId], Invocation(execution, context, []), execution.Sandbox, cancellationToken)));
            for (var i = 0; i < pending.Count; i++)
            {
                await FinishStepAsync(execution, pending[i], outcomes[i], cancellationToken);
            }
        }
        else
        {
            foreach (var step in steps.Where(s => !ExecutionStatus.IsFinal(s.Status)))
            {
                var previous = Results(steps);
                if (!await BeginStepsAsync(execution, [step], context, previous, cancellationToken))
                {
                    return;
                }
                var outcome = await runner.RunAsync(agents[step.AgentId], Invocation(execution, context, previous), execution.Sandbox, cancellationToken);
                await FinishStepAsync(execution, step, outcome, cancellationToken);
            }
        }

        await FinishExecutionAsync(execution, steps, cancellationToken);
    }

    private static AgentInvocation Invocation(ExecutionRow execution, JsonObject context, IReadOnlyList<AgentResult> previous) =>
        new(execution.Id, execution.Query, (JsonObject)context.DeepClone(), previous);

    /// <summary>Marks steps running (unless the execution was cancelled meanwhile) and announces them.</summary>
    private async Task<bool> BeginStepsAsync(ExecutionRow execution, IReadOnlyList<ExecutionStepRow> steps, JsonObject context,
        IReadOnlyList<AgentResult> previous, CancellationToken ct)
    {
        if (await CurrentStatusAsync(execution.Id, ct) != ExecutionStatus.Running)
        {
            return false;
        }
        var now = clock.GetUtcNow().UtcDateTime;
        foreach (var step in steps)
        {
            step.Status = ExecutionStatus.Running;
            step.StartedAt = now;
            step.InputJson = new JsonObject
            {
                ["query"] = execution.Query,
                ["context"] = context.DeepClone(),
                ["previousResults"] = new JsonArray(previous.Select(p => (JsonNode?)JsonValue.Create(p.AgentId)).ToArray()),
            }.ToJsonString();
            Publish(execution, ExecutionEvents.AgentStarted, new JsonObject
            {
                ["agentId"] = step.AgentId,
                ["agentName"] = step.AgentName,
                ["index"] = step.Position,
            });
        }
        await db.SaveChangesAsync(ct);
        return true;
    }

    private async Task FinishStepAsync(ExecutionRow execution, ExecutionStepRow step, AgentRunOutcome outcome, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        step.CompletedAt = now;
        step.DurationMs = outcome.DurationMs;
        if (outcome.Output is { } output)
        {
            if (step.HoldId is { } hold)
            {
                try
                {
                    var settled = await ledger.SettleAsync(hold, step.PriceCents, $"mindra:{execution.Id}:charge:{step.Position}",
                        $"Execution {execution.Id}: {step.AgentName}", ct);
                    step.CostCents = settled.Settle.Amount;
                }
                catch (Problem problem) when (problem.Kind == ProblemKind.Conflict)
                {
                    // Released by a cancel while the agent ran: its work is not charged and not kept.
                    step.Status = ExecutionStatus.Cancelled;
                    await db.SaveChangesAsync(ct);
                    return;
                }
            }
            step.Status = ExecutionStatus.Completed;
            step.Confidence = output.Confidence;
            step.OutputJson = new JsonObject
            {
                ["summary"] = output.Summary,
                ["answer"] = output.Answer,
                ["confidence"] = output.Confidence,
                ["data"] = output.Data.DeepClone(),
            }.ToJsonString();
        }
        else
        {
            if (step.HoldId is { } hold)
            {
                await Orchestrator.ReleaseAsync(ledger, hold, $"mindra:{execution.Id}:release:{step.Position}", ct);
            }
            step.Status = ExecutionStatus.Failed;
            step.Error = Truncate(outcome.Error ?? "Agent failed");
        }
        Publish(execution, ExecutionEvents.AgentCompleted, new JsonObject
        {
            ["agentId"] = step.AgentId,
            ["agentName"] = step.AgentName,
            ["index"] = step.Position,
            ["status"] = step.Status,
            ["confidence"] = step.Confidence,
            ["cost"] = WalletAccount.Dollars(step.CostCents),
            ["durationMs"] = step.DurationMs,
            ["error"] = step.Error,
        });
        await db.SaveChangesAsync(ct);
    }

    private async Task FinishExecutionAsync(ExecutionRow execution, IReadOnlyList<ExecutionStepRow> steps, CancellationToken ct)
    {
        var results = Results(steps);
        var now = clock.GetUtcNow().UtcDateTime;
        var cost = steps.Sum(s => s.CostCents);
        var completed = results.Count > 0;
        var result = completed ? Aggregation.Aggregate(execution.Strategy, results) : null;
        var error = completed ? null : Truncate("Every agent failed: " + string.Join("; ", steps.Select(s => $"{s.AgentId}: {s.Error}")));
        var status = completed ? ExecutionStatus.Completed : ExecutionStatus.Failed;
        var changed = await db.Set<ExecutionRow>()
            .Where(e => e.Id == execution.Id && e.Status == ExecutionStatus.Running)
            .ExecuteUpdateAsync(s => s
                .SetProperty(e => e.Status, status)
                .SetProperty(e => e.ResultJson, result == null ? null : result.ToJsonString())
                .SetProperty(e => e.Error, error)
                .SetProperty(e => e.CostCents, cost)
                .SetProperty(e => e.CompletedAt, now)
                .SetProperty(e => e.UpdatedAt, now), ct);
        if (changed == 0)
        {
            // Cancelled meanwhile: keep what was charged on the row.
            await db.Set<ExecutionRow>().Where(e => e.Id == execution.Id)
                .ExecuteUpdateAsync(s => s.SetProperty(e => e.CostCents, cost), ct);
            return;
        }
        Publish(execution, completed ? ExecutionEvents.Completed : ExecutionEvents.Failed, new JsonObject
        {
            ["status"] = status,
            ["result"] = result?.DeepClone(),
            ["error"] = error,
            ["cost"] = WalletAccount.Dollars(cost),
            ["currency"] = WalletAccount.Currency,
        });
        await db.SaveChangesAsync(ct);
    }

    private static List<AgentResult> Results(IEnumerable<ExecutionStepRow> steps) => steps
        .Where(s => s.Status == ExecutionStatus.Completed && s.OutputJson is not null)
        .OrderBy(s => s.Position)
        .Select(s =>
        {
            var output = JsonNode.Parse(s.OutputJson!)!.AsObject();
            return new AgentResult(s.AgentId, s.AgentName, new AgentOutput(
                output["summary"]?.GetValue<string>() ?? "",
                output["answer"]?.GetValue<string>(),
                output["confidence"]?.GetValue<double>() ?? 0,
                output["data"] as JsonObject is { } data ? (JsonObject)data.DeepClone() : []));
        })
        .ToList();

    private async Task<bool> TransitionAsync(string id, string from, string to, DateTime now, CancellationToken ct) =>
        await db.Set<ExecutionRow>().Where(e => e.Id == id && e.Status == from)
            .ExecuteUpdateAsync(s => s.SetProperty(e => e.Status, to).SetProperty(e => e.StartedAt, now).SetProperty(e => e.UpdatedAt, now), ct) == 1;

    private Task<string?> CurrentStatusAsync(string id, CancellationToken ct) =>
        db.Set<ExecutionRow>().Where(e => e.Id == id).Select(e => e.Status).FirstOrDefaultAsync(ct);

    private void Publish(ExecutionRow execution, string type, JsonObject data)
    {
        data["executionId"] = execution.Id;
        events.Publish(new NewEvent(type, "execution", execution.Id)
        {
            AccountId = execution.AccountId,
            Api = Orchestrator.Api,
            Data = JsonSerializer.SerializeToElement(data),
            OccurredAt = clock.GetUtcNow().UtcDateTime,
        });
    }

    private static string Truncate(string text) => text.Length <= 2000 ? text : text[..2000];
}

/// <summary>How one agent run went.</summary>
internal sealed record AgentRunOutcome(AgentOutput? Output, string? Error, long DurationMs);

/// <summary>Runs one agent: simulated for sandbox executions, in-process for built-in agents, over HTTP for registered ones.</summary>
internal sealed class AgentRunner(BuiltInBehaviours builtIn, HttpAgentClient http)
{
    public async Task<AgentRunOutcome> RunAsync(AgentDefinition agent, AgentInvocation invocation, bool sandbox, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        try
        {
            var output = sandbox ? SandboxSimulation.Simulate(agent, invocation)
                : agent.IsBuiltIn ? await builtIn.RunAsync(agent, invocation, ct)
                : await http.InvokeAsync(agent, invocation, ct);
            return new AgentRunOutcome(output, null, watch.ElapsedMilliseconds);
        }
        catch (AgentFailedException failure)
        {
            return new AgentRunOutcome(null, failure.Message, watch.ElapsedMilliseconds);
        }
        catch (Problem problem)
        {
            return new AgentRunOutcome(null, problem.Message, watch.ElapsedMilliseconds);
        }
    }
}
