using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Mindstack.Mindra.Auth;
using Mindstack.Mindra.Wallet;
using Mindstack.Platform.Access;
using Mindstack.Platform.Http;
using Mindstack.Platform.Limits;

namespace Mindstack.Mindra.Agents;

/// <summary>An agent as the API shows it.</summary>
internal sealed record AgentView(
    string Id,
    string Name,
    string Description,
    string Vertical,
    IReadOnlyList<string> Capabilities,
    PricingView Pricing,
    ConfigView Config,
    string Type,
    string? Url,
    bool IsActive,
    string Version,
    DateTime CreatedAt,
    DateTime UpdatedAt)
{
    /// <summary>Shown once, when the agent is registered: the secret its requests are signed with.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? SigningSecret { get; init; }

    public static AgentView Of(AgentDefinition a) => new(a.Id, a.Name, a.Description, a.Vertical, a.Capabilities,
        new PricingView(a.PricingModel, WalletAccount.Dollars(a.PriceCents), WalletAccount.Currency),
        new ConfigView(a.TimeoutMs, a.Retries), a.IsBuiltIn ? "builtin" : "custom", a.Url, a.IsActive, a.Version, a.CreatedAt, a.UpdatedAt);
}

internal sealed record PricingView(string Model, decimal BasePrice, string Currency);

internal sealed record ConfigView(int Timeout, int Retries);

internal static class AgentEndpoints
{
    public static void Map(RouteGroupBuilder v1)
    {
        v1.MapGet("/agents", List).RequirePermission(MindraPermissions.AgentsRead)
            .WithName("MindraListAgents").WithSummary("List agents (built-in and registered); filters vertical, capability, type")
            .ProducesPage<AgentView>();
        v1.MapGet("/agents/{id}", Get).RequirePermission(MindraPermissions.AgentsRead)
            .WithName("MindraGetAgent").WithSummary("Get an agent").ProducesEnvelope<AgentView>();
        v1.MapPost("/agents", Register).RequirePermission(MindraPermissions.AgentsWrite).Idempotent(MindraCallers.Scope)
            .WithName("MindraRegisterAgent").WithSummary("Register an HTTP agent").ProducesEnvelope<AgentView>(StatusCodes.Status201Created);
    }

    private static async Task<IResult> List(HttpRequest request, Caller caller, AgentCatalogue catalogue, MindraDialect dialect, CancellationToken ct)
    {
        var paging = Query.Pages(request, defaultLimit: 20, maxLimit: 100);
        var vertical = request.Query["vertical"].ToString();
        var capability = request.Query["capability"].ToString();
        var type = request.Query["type"].ToString();
        if (type.Length > 0 && type is not ("builtin" or "custom"))
        {
            throw Problem.Invalid("type", "type must be builtin or custom");
        }
        var agents = (await catalogue.ListAsync(caller.AccountId, caller.Sandbox, ct))
            .Where(a => vertical.Length == 0 || string.Equals(a.Vertical, vertical, StringComparison.OrdinalIgnoreCase))
            .Where(a => capability.Length == 0 || a.Capabilities.Contains(capability, StringComparer.OrdinalIgnoreCase))
            .Where(a => type.Length == 0 || (type == "builtin") == a.IsBuiltIn)
            .ToList();
        return dialect.Page(agents.Skip(paging.Offset).Take(paging.Limit).Select(AgentView.Of).ToList(), paging, agents.Count);
    }

    private static async Task<IResult> Get(string id, Caller caller, AgentCatalogue catalogue, MindraDialect dialect, CancellationToken ct) =>
        await catalogue.FindAsync(caller.AccountId, caller.Sandbox, id, ct) is { } agent
            ? dialect.Ok(AgentView.Of(agent))
            : throw Problem.NotFound($"Agent '{id}' not found");

    private static async Task<IResult> Register(Body<RegisterAgentRequest> body, Caller caller, AgentCatalogue catalogue, MindraDialect dialect,
        CancellationToken ct)
    {
        var agent = await catalogue.RegisterAsync(caller.AccountId, caller.Sandbox, body.Value, ct);
        return dialect.Ok(AgentView.Of(agent) with { SigningSecret = agent.SigningSecret }, StatusCodes.Status201Created);
    }
}
