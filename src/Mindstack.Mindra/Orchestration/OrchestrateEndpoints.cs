using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Mindstack.Mindra.Auth;
using Mindstack.Mindra.Executions;
using Mindstack.Mindra.Wallet;
using Mindstack.Platform.Access;
using Mindstack.Platform.Http;
using Mindstack.Platform.Limits;

namespace Mindstack.Mindra.Orchestration;

/// <summary>The 202 answer: <c>{executionId, status: "PENDING", data}</c>.</summary>
internal sealed record OrchestrateAccepted(string ExecutionId, string Status, OrchestrateAcceptedData Data);

internal sealed record OrchestrateAcceptedData(
    IReadOnlyList<AgentSummaryView> Agents,
    string Mode,
    string AggregationStrategy,
    decimal EstimatedCost,
    string Currency,
    bool Sandbox,
    DateTime CreatedAt);

internal static class OrchestrateEndpoints
{
    public static void Map(RouteGroupBuilder v1)
    {
        v1.MapPost("/orchestrate", Orchestrate).RequirePermission(MindraPermissions.Orchestrate).Idempotent(MindraCallers.Scope)
            .WithName("MindraOrchestrate")
            .WithSummary("Route a query to agents and run it as an execution (202; the execution runs in the background)")
            .ProducesEnvelope<OrchestrateAccepted>(StatusCodes.Status202Accepted);
    }

    private static async Task<IResult> Orchestrate(Body<OrchestrateRequest> body, Caller caller, Orchestrator orchestrator, MindraDialect dialect,
        CancellationToken ct)
    {
        var accepted = await orchestrator.StartAsync(caller.Owner(), body.Value, ct);
        var row = accepted.Row;
        return dialect.Ok(new OrchestrateAccepted(row.Id, row.Status, new OrchestrateAcceptedData(
            accepted.Agents.Select(a => new AgentSummaryView(a.Id, a.Name, a.Vertical, a.Confidence, WalletAccount.Dollars(a.PriceCents))).ToList(),
            row.Mode, row.Strategy, WalletAccount.Dollars(row.EstimatedCostCents), WalletAccount.Currency, row.Sandbox, row.CreatedAt)),
            StatusCodes.Status202Accepted);
    }
}
