using System.Text.Json.Nodes;

namespace Mindstack.Mindra.Orchestration;

/// <summary>
/// What one agent produced: a human summary, an optional short answer (a label or decision that
/// the <c>vote</c> strategy counts), its own confidence, and its structured data.
/// </summary>
internal sealed record AgentOutput(string Summary, string? Answer, double Confidence, JsonObject Data);

/// <summary>One agent's finished output, as aggregation sees it.</summary>
internal sealed record AgentResult(string AgentId, string AgentName, AgentOutput Output);

/// <summary>Combines agent outputs by the execution's strategy.</summary>
internal static class Aggregation
{
    public static JsonObject Aggregate(string strategy, IReadOnlyList<AgentResult> results)
    {
        if (results.Count == 0)
        {
            throw new InvalidOperationException("Nothing to aggregate");
        }
        return strategy switch
        {
            AggregationStrategies.Merge => Merge(results),
            AggregationStrategies.Best => Best(results),
            AggregationStrategies.Vote => Vote(results),
            AggregationStrategies.Custom => Custom(results),
            _ => throw new InvalidOperationException($"Unknown aggregation strategy {strategy}"),
        };
    }

    /// <summary>Every agent's contribution, summaries joined in run order, data keyed by agent.</summary>
    private static JsonObject Merge(IReadOnlyList<AgentResult> results)
    {
        var data = new JsonObject();
        foreach (var result in results)
        {
            data[result.AgentId] = result.Output.Data.DeepClone();
        }
        return new JsonObject
        {
            ["strategy"] = AggregationStrategies.Merge,
            ["summary"] = string.Join("\n\n", results.Select(r => $"{r.AgentName}: {r.Output.Summary}")),
            ["confidence"] = Round(results.Average(r => r.Output.Confidence)),
            ["agents"] = new JsonArray(results.Select(r => (JsonNode?)JsonValue.Create(r.AgentId)).ToArray()),
            ["data"] = data,
        };
    }

    /// <summary>The single most confident output (ties: the one that ran first).</summary>
    private static JsonObject Best(IReadOnlyList<AgentResult> results)
    {
        var best = results.Select((r, i) => (r, i)).OrderByDescending(x => x.r.Output.Confidence).ThenBy(x => x.i).First().r;
        return new JsonObject
        {
            ["strategy"] = AggregationStrategies.Best,
            ["agentId"] = best.AgentId,
            ["summary"] = best.Output.Summary,
            ["answer"] = best.Output.Answer,
            ["confidence"] = Round(best.Output.Confidence),
            ["data"] = best.Output.Data.DeepClone(),
        };
    }

    /// <summary>
    /// The answer most agents gave (case-insensitive); a tie goes to the answer with the higher
    /// summed confidence. Agents without an answer abstain.
    /// </summary>
    private static JsonObject Vote(IReadOnlyList<AgentResult> results)
    {
        var ballots = results.Where(r => !string.IsNullOrWhiteSpace(r.Output.Answer)).ToList();
        var tally = ballots
            .GroupBy(r => r.Output.Answer!.Trim().ToLowerInvariant(), StringComparer.Ordinal)
            .Select(g => (Answer: g.Key, Votes: g.Count(), Weight: g.Sum(r => r.Output.Confidence), Agents: g.Select(r => r.AgentId).ToList()))
            .OrderByDescending(t => t.Votes).ThenByDescending(t => t.Weight).ThenBy(t => t.Answer, StringComparer.Ordinal)
            .ToList();
        var votes = new JsonObject();
        foreach (var entry in tally)
        {
            votes[entry.Answer] = entry.Votes;
        }
        var winner = tally.Count > 0 ? tally[0] : default;
        return new JsonObject
        {
            ["strategy"] = AggregationStrategies.Vote,
            ["answer"] = tally.Count > 0 ? winner.Answer : null,
            ["votes"] = votes,
            ["agreement"] = tally.Count > 0 ? Round((double)winner.Votes / ballots.Count) : 0,
            ["confidence"] = tally.Count > 0 ? Round(winner.Weight / winner.Votes) : 0,
            ["abstained"] = results.Count - ballots.Count,
            ["agents"] = tally.Count > 0 ? new JsonArray(winner.Agents.Select(a => (JsonNode?)JsonValue.Create(a)).ToArray()) : new JsonArray(),
        };
    }

    /// <summary>Every output as it came, in run order, for the client to combine.</summary>
    private static JsonObject Custom(IReadOnlyList<AgentResult> results) => new()
    {
        ["strategy"] = AggregationStrategies.Custom,
        ["outputs"] = new JsonArray(results.Select(r => (JsonNode?)new JsonObject
        {
            ["agentId"] = r.AgentId,
            ["summary"] = r.Output.Summary,
            ["answer"] = r.Output.Answer,
            ["confidence"] = Round(r.Output.Confidence),
            ["data"] = r.Output.Data.DeepClone(),
        }).ToArray()),
    };

    private static double Round(double value) => Math.Round(value, 3);
}
