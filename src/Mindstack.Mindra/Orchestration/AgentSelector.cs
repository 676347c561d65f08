using System.Text.RegularExpressions;
using Mindstack.Mindra.Agents;

namespace Mindstack.Mindra.Orchestration;

/// <summary>An agent chosen for a query, with how confident the selector is that it fits.</summary>
internal sealed record SelectedAgent(AgentDefinition Agent, double Confidence);

/// <summary>
/// Picks agents for a query: those that pass the criteria (vertical, every required capability),
/// scored by how many of the query's terms their vocabulary covers. Deterministic: equal scores
/// are ordered by id.
/// </summary>
internal static partial class AgentSelector
{
    private static readonly HashSet<string> StopWords = new(StringComparer.Ordinal)
    {
        "the", "and", "for", "with", "that", "this", "from", "into", "our", "your", "you", "are", "was", "were", "will",
        "can", "please", "about", "what", "which", "how", "why", "who", "all", "any", "new", "make", "create", "give",
        "get", "use", "using", "them", "they", "their", "its", "has", "have", "not", "but", "out", "some", "each",
    };

    /// <summary>The agents to run, best first; empty when none qualifies.</summary>
    public static IReadOnlyList<SelectedAgent> Select(string query, SelectionCriteria criteria, IEnumerable<AgentDefinition> candidates)
    {
        var terms = Terms(query);
        var eligible = candidates.Where(a => a.IsActive && Passes(a, criteria)).ToList();
        var scored = eligible
            .Where(a => !a.IsFallback)
            .Select(a => new SelectedAgent(a, Score(a, terms, criteria)))
            .Where(s => s.Confidence >= criteria.MinConfidence)
            .OrderByDescending(s => s.Confidence).ThenBy(s => s.Agent.Id, StringComparer.Ordinal)
            .Take(criteria.MaxAgents)
            .ToList();
        if (scored.Count == 0)
        {
            // Nothing specialised fits: the general assistant answers, if the criteria allow it.
            var fallback = eligible.FirstOrDefault(a => a.IsFallback);
            if (fallback is not null)
            {
                scored.Add(new SelectedAgent(fallback, Math.Max(criteria.MinConfidence, 0.7)));
            }
        }
        return scored;
    }

    /// <summary>
    /// 0.3 for an agent the query says nothing about, then up by 0.15 for each query term in the
    /// agent's vocabulary, with 0.1 more when the caller asked for its vertical or capabilities.
    /// </summary>
    internal static double Score(AgentDefinition agent, IReadOnlySet<string> queryTerms, SelectionCriteria criteria)
    {
        var vocabulary = Vocabulary(agent);
        var hits = queryTerms.Count(vocabulary.Contains);
        var score = hits == 0 ? 0.3 : 0.55 + (0.15 * hits);
        if (criteria.Verticals.Count > 0 || criteria.RequiredCapabilities.Count > 0)
        {
            score += 0.1;
        }
        return Math.Round(Math.Min(0.99, score), 2);
    }

    private static bool Passes(AgentDefinition agent, SelectionCriteria criteria) =>
        (criteria.Verticals.Count == 0 || criteria.Verticals.Contains(agent.Vertical, StringComparer.Ordinal))
        && criteria.RequiredCapabilities.All(c => agent.Capabilities.Contains(c, StringComparer.OrdinalIgnoreCase));

    internal static HashSet<string> Terms(string text)
    {
        var terms = new HashSet<string>(StringComparer.Ordinal);
        foreach (Match match in Word().Matches(text.ToLowerInvariant()))
        {
            var word = match.Value;
            if (word.Length < 3 || StopWords.Contains(word))
            {
                continue;
            }
            terms.Add(Stem(word));
        }
        return terms;
    }

    private static HashSet<string> Vocabulary(AgentDefinition agent)
    {
        var words = new List<string> { agent.Vertical };
        words.AddRange(agent.Keywords);
        words.AddRange(agent.Capabilities.SelectMany(c => c.Split('-', '_', ' ')));
        if (!agent.IsBuiltIn)
        {
            // A registered agent is described only by its name and description.
            words.AddRange(Terms(agent.Name + " " + agent.Description));
        }
        return words.Where(w => w.Length >= 3).Select(w => Stem(w.ToLowerInvariant())).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>A light stemmer, enough to match "campaigns" with "campaign" and "analyzing" with "analyze".</summary>
    private static string Stem(string word)
    {
        foreach (var suffix in (string[])["ing", "ies", "es", "s", "ed"])
        {
            if (word.Length > suffix.Length + 3 && word.EndsWith(suffix, StringComparison.Ordinal))
            {
                return suffix == "ies" ? word[..^3] + "y" : word[..^suffix.Length];
            }
        }
        return word.TrimEnd('e');
    }

    [GeneratedRegex(@"[\p{L}\p{N}]+")]
    private static partial Regex Word();
}
