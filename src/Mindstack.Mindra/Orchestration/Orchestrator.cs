using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Mindstack.Mindra.Agents;
using Mindstack.Mindra.Executions;
using Mindstack.Mindra.Storage;
using Mindstack.Mindra.Wallet;
using Mindstack.Platform.Billing;
using Mindstack.Platform.Http;
using Mindstack.Platform.Jobs;
using Mindstack.Platform.Storage;
using Mindstack.Platform.Webhooks;

namespace Mindstack.Mindra.Orchestration;

/// <summary>Who an execution runs for.</summary>
internal sealed record ExecutionOwner(string AccountId, bool Sandbox, string? ApiKeyId);

/// <summary>The 202 answer's <c>data</c>.</summary>
internal sealed record AcceptedExecution(ExecutionRow Row, IReadOnlyList<PlannedAgent> Agents);

/// <summary>
/// Starts and cancels executions. Starting one selects its agents, reserves each agent's price on
/// the wallet (a ledger hold per agent, so the balance can never be overdrawn and a shortfall is
/// a 402 before anything runs), registers the request's webhook for this execution, and enqueues
/// the run — all in one transaction. Sandbox executions reserve nothing.
/// </summary>
internal sealed class Orchestrator(
    MindstackDbContext db,
    AgentCatalogue catalogue,
    ICreditLedger ledger,
    IJobQueue jobs,
    IWebhooks webhooks,
    IIdGenerator ids,
    TimeProvider clock)
{
    public const string Api = MindraApi.Name;

    public async Task<AcceptedExecution> StartAsync(ExecutionOwner owner, OrchestrateRequest request, CancellationToken ct)
    {
        var valid = OrchestrateValidation.Validate(request);
        var candidates = await catalogue.ListAsync(owner.AccountId, owner.Sandbox, ct);
        var selected = AgentSelector.Select(valid.Query, valid.Criteria, candidates);
        if (selected.Count == 0)
        {
            throw Problem.Invalid("selectionCriteria",
                $"No active agent matches the selection criteria with confidence ≥ {valid.Criteria.MinConfidence}");
        }
        var planned = selected.Select(s => new PlannedAgent(s.Agent.Id, s.Agent.Name, s.Agent.Vertical, s.Confidence,
            owner.Sandbox ? 0 : s.Agent.PriceCents)).ToList();
        var estimate = planned.Sum(a => a.PriceCents);
        var wallet = WalletAccount.Owner(owner.AccountId, owner.Sandbox);
        if (estimate > 0)
        {
            var balance = await ledger.GetBalanceAsync(wallet, WalletAccount.LedgerCurrency, ct);
            if (balance.Available < estimate)
            {
                throw InsufficientBalance(estimate, balance.Available);
            }
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var row = new ExecutionRow
        {
            Id = ids.New("exec"),
            AccountId = owner.AccountId,
            Sandbox = owner.Sandbox,
            ApiKeyId = owner.ApiKeyId,
            Query = valid.Query,
            ContextJson = OrchestrateValidation.ToJson(valid.Context),
            CriteriaJson = JsonSerializer.Serialize(new
            {
                verticals = valid.Criteria.Verticals,
                requiredCapabilities = valid.Criteria.RequiredCapabilities,
                maxAgents = valid.Criteria.MaxAgents,
                minConfidence = valid.Criteria.MinConfidence,
            }, StorageJson.Options),
            Strategy = valid.Strategy,
            Mode = valid.Mode,
            Status = ExecutionStatus.Pending,
            Vertical = planned[0].Vertical,
            Verticals = ExecutionVerticals.Encode(planned.Select(a => a.Vertical)),
            AgentsJson = JsonSerializer.Serialize(planned, StorageJson.Options),
            WebhookUrl = valid.Webhook?.Url,
            WebhookSecret = valid.Webhook?.Secret,
            WebhookEvents = string.Join(' ', valid.Webhook?.Events ?? []),
            EstimatedCostCents = estimate,
            CreatedAt = now,
            UpdatedAt = now,
        };

        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        db.Add(row);
        for (var i = 0; i < planned.Count; i++)
        {
            var agent = planned[i];
            var step = new ExecutionStepRow
            {
                Id = ids.New("step"),
                ExecutionId = row.Id,
                Position = i,
                AgentId = agent.Id,
                AgentName = agent.Name,
                Status = ExecutionStatus.Pending,
                SelectionConfidence = agent.Confidence,
                PriceCents = agent.PriceCents,
            };
            db.Add(step);
            if (agent.PriceCents > 0)
            {
                try
                {
                    var hold = await ledger.HoldAsync(wallet, WalletAccount.LedgerCurrency, agent.PriceCents,
                        $"mindra:{row.Id}:hold:{i}", $"Execution {row.Id}: {agent.Name}", ct);
                    step.HoldId = hold.Id;
                }
                catch (Problem problem) when (problem.Kind == ProblemKind.PaymentRequired)
                {
                    // Another execution took the balance between the check and the hold.
                    var balance = await ledger.GetBalanceAsync(wallet, WalletAccount.LedgerCurrency, ct);
                    throw InsufficientBalance(estimate, balance.Available + planned.Take(i).Sum(a => a.PriceCents));
                }
            }
        }
        if (valid.Webhook is { Url: { } url } webhook)
        {
            await webhooks.CreateAsync(new NewWebhookSubscription(owner.AccountId, Api, url,
                webhook.Events is { Count: > 0 } events ? events : ["*"])
            {
                Secret = webhook.Secret,
                AggregateId = row.Id,
                Description = $"Webhook of execution {row.Id}",
            }, ct);
        }
        jobs.Enqueue<RunExecutionJob>(new RunExecutionJob.Payload(row.Id));
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return new AcceptedExecution(row, planned);
    }

    /// <summary>
    /// Cancels a pending or running execution: agents not yet finished will not run or be charged,
    /// and their reserved amounts are released back to the wallet.
    /// </summary>
    public async Task<ExecutionRow> CancelAsync(ExecutionOwner owner, string executionId, CancellationToken ct)
    {
        var row = await Find(owner, executionId).AsNoTracking().FirstOrDefaultAsync(ct)
            ?? throw Problem.NotFound("Execution not found");
        var now = clock.GetUtcNow().UtcDateTime;
        // An atomic transition: a runner finishing at the same moment cannot overwrite it, nor it the runner.
        var changed = await db.Set<ExecutionRow>()
            .Where(e => e.Id == row.Id && (e.Status == ExecutionStatus.Pending || e.Status == ExecutionStatus.Running))
            .ExecuteUpdateAsync(s => s
                .SetProperty(e => e.Status, ExecutionStatus.Cancelled)
                .SetProperty(e => e.CompletedAt, now)
                .SetProperty(e => e.UpdatedAt, now)
                .SetProperty(e => e.Error, "Cancelled by request"), ct);
        if (changed == 0)
        {
            throw Problem.Conflict($"Execution is {row.Status.ToLowerInvariant()} and can no longer be cancelled");
        }
        await ReleaseUnspentAsync(row.Id, ct);
        return await Find(owner, executionId).AsNoTracking().FirstAsync(ct);
    }

    /// <summary>Releases the holds of steps that did not complete, and marks those steps cancelled.</summary>
    internal async Task ReleaseUnspentAsync(string executionId, CancellationToken ct)
    {
        var steps = await db.Set<ExecutionStepRow>().Where(s => s.ExecutionId == executionId && s.Status != ExecutionStatus.Completed).ToListAsync(ct);
        foreach (var step in steps)
        {
            var released = step.HoldId is not { } hold
                || await ReleaseAsync(ledger, hold, $"mindra:{executionId}:release:{step.Position}", ct);
            // A hold that could not be released was just settled by the agent finishing: that step stands.
            if (released && !ExecutionStatus.IsFinal(step.Status))
            {
                step.Status = ExecutionStatus.Cancelled;
                step.CompletedAt ??= clock.GetUtcNow().UtcDateTime;
            }
        }
        await db.SaveChangesAsync(ct);
    }

    /// <summary>Gives a hold back; one already closed (settled by a finishing agent, or released before) stays as it is.</summary>
    internal static async Task<bool> ReleaseAsync(ICreditLedger ledger, string holdId, string reference, CancellationToken ct)
    {
        try
        {
            await ledger.ReleaseAsync(holdId, reference, "Released: not run", ct);
            return true;
        }
        catch (Problem problem) when (problem.Kind == ProblemKind.Conflict)
        {
            return false;
        }
    }

    public IQueryable<ExecutionRow> Find(ExecutionOwner owner, string executionId) =>
        db.Set<ExecutionRow>().Where(e => e.Id == executionId && e.AccountId == owner.AccountId && e.Sandbox == owner.Sandbox);

    private static Problem InsufficientBalance(long required, long available) => new(ProblemKind.PaymentRequired,
        "Wallet balance too low", details: $"This execution needs {WalletAccount.Describe(required)}; the wallet has {WalletAccount.Describe(available)} available. Top up with POST /v1/wallet/topup.");
}
