using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Mindstack.Mindra.Orchestration;

namespace Mindstack.Mindra.Agents;

/// <summary>
/// Sandbox agents (<c>mk_test_</c> keys): a simulated answer with the real answer's shape, made
/// without calling the AI engine or any registered agent, and the same for the same query.
/// </summary>
internal static class SandboxSimulation
{
    private static readonly string[] Answers = ["positive", "neutral", "negative"];

    public static AgentOutput Simulate(AgentDefinition agent, AgentInvocation invocation)
    {
        var digest = SHA256.HashData(Encoding.UTF8.GetBytes(agent.Id + "\n" + invocation.Query));
        var confidence = Math.Round(0.7 + (digest[0] / 255.0 * 0.29), 2);
        return new AgentOutput(
            $"[sandbox] {agent.Name} simulated a response to: {Shorten(invocation.Query)}",
            Answers[digest[1] % Answers.Length],
            confidence,
            new JsonObject
            {
                ["simulated"] = true,
                ["agentId"] = agent.Id,
                ["vertical"] = agent.Vertical,
                ["capabilities"] = new JsonArray(agent.Capabilities.Select(c => (JsonNode?)JsonValue.Create(c)).ToArray()),
                ["contextKeys"] = new JsonArray(invocation.Context.Select(p => (JsonNode?)JsonValue.Create(p.Key)).ToArray()),
                ["previousAgents"] = new JsonArray(invocation.PreviousResults.Select(r => (JsonNode?)JsonValue.Create(r.AgentId)).ToArray()),
            });
    }

    private static string Shorten(string text) => text.Length <= 120 ? text : text[..117] + "...";
}
