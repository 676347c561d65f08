using System.Text.RegularExpressions;
using Mindstack.Platform.Ai.Text;

namespace Mindstack.Platform.Ai.Local;

/// <summary>
/// Planning by decomposition: the goal is split into clauses at "and", "then" and commas that
/// start a new intent; each clause's intent (research, write, schedule, summarize, plan, code,
/// analyze — by trigger words, else by classification) brings its template of tasks with
/// dependencies, capabilities and base estimates. Templates chain: the next intent's first task
/// waits for the previous intent's last. Estimates scale with the subject's size and with
/// "quick"/"detailed" wording; deadlines, budgets and limits are read from the goal and the
/// constraints and kept on the plan.
/// </summary>
internal static partial class Planner
{
    private sealed record Step(string Title, string Description, int Minutes, string Capability, int[] After);

    private static readonly Dictionary<string, string[]> Triggers = new(StringComparer.Ordinal)
    {
        [AiIntents.Research] = ["research", "investigate", "find", "look", "explore", "compare", "study", "learn", "discover", "survey", "identify", "gather"],
        [AiIntents.Write] = ["write", "draft", "compose", "blog", "article", "essay", "newsletter", "rewrite", "edit", "document", "publish", "post"],
        [AiIntents.Schedule] = ["schedule", "book", "arrange", "meeting", "calendar", "invite", "appointment", "reschedule", "remind", "call", "meet"],
        [AiIntents.Summarize] = ["summarize", "summarise", "summary", "recap", "digest", "condense", "tldr", "brief"],
        [AiIntents.Plan] = ["plan", "organize", "organise", "roadmap", "prepare", "strategy", "launch", "trip", "itinerary", "coordinate"],
        [AiIntents.Code] = ["code", "implement", "build", "develop", "fix", "debug", "script", "deploy", "refactor", "program", "api", "bug", "automate"],
        [AiIntents.Analyze] = ["analyze", "analyse", "evaluate", "assess", "measure", "audit", "metrics", "trends", "benchmark", "review", "forecast", "data"],
    };

    private static readonly Dictionary<string, Step[]> Templates = new(StringComparer.Ordinal)
    {
        [AiIntents.Research] =
        [
            new("Define the research questions", "Write down what needs answering about {0} and what a good answer looks like.", 20, "notes", []),
            new("Collect sources on {0}", "Search for and shortlist credible, recent sources on {0}.", 60, "web_search", [0]),
            new("Review the sources and take notes", "Read the shortlisted sources and note facts, figures and disagreements.", 60, "notes", [1]),
            new("Synthesize the findings", "Combine the notes into findings on {0}, with sources for each claim.", 45, "docs", [2]),
        ],
        [AiIntents.Write] =
        [
            new("Outline {0}", "Decide the audience, the key message and the structure of {0}.", 25, "docs", []),
            new("Draft {0}", "Write a complete first draft of {0} following the outline.", 90, "docs", [0]),
            new("Review and edit the draft", "Check facts, tighten the wording and fix structure and tone.", 40, "docs", [1]),
            new("Finalize and deliver {0}", "Apply the last edits, format it and deliver or publish it.", 20, "docs", [2]),
        ],
        [AiIntents.Schedule] =
        [
            new("Confirm participants and duration", "List who must attend {0}, how long it needs and any time-zone limits.", 10, "contacts", []),
            new("Find a time that suits everyone", "Check the calendars for free slots that fit the participants.", 15, "calendar", [0]),
            new("Send the invitation", "Create the calendar event for {0} with agenda and link, and invite the participants.", 10, "calendar", [1]),
            new("Confirm attendance and set reminders", "Track responses, resolve conflicts and set a reminder before {0}.", 10, "email", [2]),
        ],
        [AiIntents.Summarize] =
        [
            new("Gather the material on {0}", "Collect the documents, messages or notes that make up {0}.", 15, "docs", []),
            new("Extract the key points", "Pull out decisions, facts, figures and open questions from the material.", 25, "notes", [0]),
            new("Write the summary", "Write a short summary of {0} with the key points and next steps.", 20, "docs", [1]),
        ],
        [AiIntents.Plan] =
        [
            new("Define objectives and success criteria", "State what {0} must achieve and how success will be measured.", 30, "docs", []),
            new("Break the work into milestones", "Split {0} into workstreams and milestones with rough sizes.", 45, "docs", [0]),
            new("Identify risks and dependencies", "List what could delay or block {0} and how to mitigate it.", 30, "notes", [0]),
            new("Assign owners and set the timeline", "Give each milestone an owner and a date.", 30, "calendar", [1, 2]),
            new("Share the plan for sign-off", "Send the plan to the stakeholders and collect approval.", 15, "email", [3]),
        ],
        [AiIntents.Code] =
        [
            new("Clarify the requirements", "Write down the expected behaviour, inputs, outputs and edge cases of {0}.", 30, "docs", []),
            new("Design the change", "Choose the approach and the components to touch for {0}.", 45, "docs", [0]),
            new("Implement {0}", "Write the code for {0}.", 120, "code", [1]),
            new("Write tests", "Cover the requirements and edge cases with automated tests.", 60, "code", [1]),
            new("Review and merge", "Run the tests, get a code review and merge.", 30, "code", [2, 3]),
            new("Deploy and verify", "Release the change and check it works in production.", 30, "code", [4]),
        ],
        [AiIntents.Analyze] =
        [
            new("Define the questions and metrics", "Decide what to learn from {0} and which metrics answer it.", 20, "notes", []),
            new("Collect the data", "Export or query the data needed for {0}.", 45, "data", [0]),
            new("Clean and prepare the data", "Fix gaps, duplicates and units so the data can be compared.", 40, "data", [1]),
            new("Analyze the data", "Compute the metrics, compare periods or segments and look for trends.", 60, "data", [2]),
            new("Report the findings", "Write up the results on {0} with charts and recommendations.", 40, "docs", [3]),
        ],
    };

    [GeneratedRegex(@"\b(?:by|before|until|no later than|due)\s+(?:the\s+)?(?:end of (?:the )?(?:day|week|month|quarter|year)|next \w+|(?:mon|tues|wednes|thurs|fri|satur|sun)day|tomorrow|tonight|today|\d{4}-\d{2}-\d{2}|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? \d{1,2}(?:st|nd|rd|th)?|\d{1,2}(?:st|nd|rd|th)? (?:of )?(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*|noon|\d{1,2}(?::\d{2})?\s?[ap]m)|\bwithin\s+(?:a|an|one|two|three|four|five|six|\d+)\s+(?:hours?|days?|weeks?|months?)\b|\b(?:this|next)\s+(?:week|month|quarter)\b|\b(?:today|tomorrow)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Deadline();

    [GeneratedRegex(@"\b(?:under|below|less than|at most|max(?:imum)?|up to|within|no more than|budget(?: of)?)\s+(?:a budget of\s+)?(?:[$€£]\s?\d[\d,.]*\s?(?:k|m)?|\d[\d,.]*\s?(?:usd|eur|gbp|dollars|euros|credits))|\bbudget\b[^.,;]*", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Budget();

    [GeneratedRegex(@"\b(?:no more than|at most|max(?:imum)?|up to|fewer than|less than|only)\s+\d+\s+\w+|\bat least\s+\d+\s+\w+", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Limit();

    [GeneratedRegex(@"\s*(?:,\s*(?:and\s+)?(?:then\s+)?|\s+and\s+then\s+|\s+then\s+|\s+and\s+|;\s*)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ClauseBreak();

    public static AiPlan Plan(string goal, IReadOnlyList<string> constraintTexts)
    {
        var constraints = ReadConstraints(goal, constraintTexts);
        var stripped = goal;
        foreach (var match in Deadline().Matches(goal).Cast<Match>().Concat(Budget().Matches(goal)).OrderByDescending(m => m.Index))
        {
            if (match.Index + match.Length <= stripped.Length)
            {
                stripped = stripped.Remove(match.Index, match.Length);
            }
        }
        var clauses = SplitClauses(stripped.Trim().TrimEnd('.', '!', '?'));
        var parts = new List<(string Intent, string Subject)>();
        foreach (var clause in clauses)
        {
            var intent = IntentOf(clause);
            if (intent is null)
            {
                // A clause without its own verb belongs to the previous one ("research X and Y").
                if (parts.Count > 0)
                {
                    parts[^1] = (parts[^1].Intent, parts[^1].Subject + " and " + clause.Trim());
                }
                else
                {
                    // No trigger word: classification decides if it has evidence, else it is a plan.
                    var guess = Classifier.Classify(clause, AiIntents.Labels);
                    parts.Add((guess.Confidence >= 0.3 ? guess.Label : AiIntents.Plan, clause.Trim()));
                }
                continue;
            }
            var subject = SubjectOf(clause, intent);
            if (parts.Count > 0 && parts[^1].Intent == intent)
            {
                parts[^1] = (intent, parts[^1].Subject + " and " + subject);
                continue;
            }
            parts.Add((intent, subject));
        }
        if (parts.Count == 0)
        {
            parts.Add((AiIntents.Plan, goal.Trim()));
        }

        var scale = Scale(goal, constraintTexts);
        var tasks = new List<AiPlanTask>();
        string? previousLast = null;
        foreach (var (intent, subject) in parts)
        {
            var template = Templates[intent];
            var first = tasks.Count;
            for (var s = 0; s < template.Length; s++)
            {
                var step = template[s];
                var dependsOn = step.After.Select(a => $"t{first + a + 1}").ToList();
                if (step.After.Length == 0 && previousLast is not null)
                {
                    dependsOn.Add(previousLast);
                }
                var minutes = (int)(Math.Max(5, Math.Round(step.Minutes * scale / 5.0) * 5));
                tasks.Add(new AiPlanTask(
                    $"t{tasks.Count + 1}",
                    Capitalize(string.Format(System.Globalization.CultureInfo.InvariantCulture, step.Title, subject)),
                    string.Format(System.Globalization.CultureInfo.InvariantCulture, step.Description, subject),
                    intent,
                    dependsOn,
                    minutes,
                    step.Capability));
            }
            previousLast = tasks[^1].Id;
        }
        var deadline = constraints.FirstOrDefault(c => c.Kind == "deadline");
        if (deadline is not null)
        {
            var last = tasks[^1];
            tasks[^1] = last with { Description = $"{last.Description} Due: {deadline.Text}." };
        }
        return new AiPlan(
            goal,
            parts[0].Intent,
            [.. parts.Select(p => p.Intent).Distinct()],
            tasks,
            tasks.Sum(t => t.EstimateMinutes),
            CriticalPath(tasks),
            constraints);
    }

    private static List<string> SplitClauses(string goal)
    {
        // Split only where the next piece starts with an intent trigger, so "pros and cons" stays whole.
        var pieces = ClauseBreak().Split(goal).Where(p => p.Trim().Length > 0).ToList();
        var clauses = new List<string>();
        foreach (var piece in pieces)
        {
            if (clauses.Count > 0 && FirstTrigger(piece) is null)
            {
                clauses[^1] += " and " + piece.Trim();
                continue;
            }
            clauses.Add(piece.Trim());
        }
        return clauses;
    }

    private static string? IntentOf(string clause) => FirstTrigger(clause)?.Intent;

    private static (string Intent, int Index)? FirstTrigger(string clause)
    {
        var words = TextTokens.LowerWords(clause);
        for (var i = 0; i < words.Count && i < 4; i++)
        {
            foreach (var (intent, triggers) in Triggers)
            {
                var stem = TextTokens.Stem(words[i]);
                if (triggers.Any(t => t == words[i] || TextTokens.Stem(t) == stem))
                {
                    return (intent, i);
                }
            }
        }
        // No verb up front: a trigger anywhere ("a blog post about X").
        for (var i = 4; i < words.Count; i++)
        {
            foreach (var (intent, triggers) in Triggers)
            {
                if (triggers.Contains(words[i]))
                {
                    return (intent, i);
                }
            }
        }
        return null;
    }

    private static string SubjectOf(string clause, string intent)
    {
        var words = TextTokens.Words(clause);
        var trigger = FirstTrigger(clause);
        if (trigger is null || trigger.Value.Index >= 4)
        {
            return Tidy(clause);
        }
        // What follows the verb (and filler such as "up", "out", "a", "the") is the subject.
        var after = words.Count > trigger.Value.Index + 1 ? clause[words[trigger.Value.Index + 1].Start..] : clause;
        var subject = Tidy(after);
        foreach (var filler in new[] { "out ", "up ", "into ", "on ", "about ", "for " })
        {
            if (subject.StartsWith(filler, StringComparison.OrdinalIgnoreCase) && intent is AiIntents.Research or AiIntents.Plan or AiIntents.Write)
            {
                subject = subject[filler.Length..];
            }
        }
        return subject.Length == 0 ? Tidy(clause) : subject;
    }

    private static string Tidy(string text)
    {
        var value = text.Trim().TrimEnd('.', ',', ';', ':', '!', '?').Trim();
        foreach (var prefix in new[] { "please ", "i need to ", "i want to ", "we need to ", "help me ", "can you ", "i'd like to " })
        {
            if (value.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                value = value[prefix.Length..];
            }
        }
        return value;
    }

    private static double Scale(string goal, IReadOnlyList<string> constraints)
    {
        var all = (goal + " " + string.Join(' ', constraints)).ToLowerInvariant();
        var words = TextTokens.LowerWords(goal).Count;
        // Longer goals name more to cover; the effect is bounded.
        var scale = 1 + Math.Min(0.5, Math.Max(0, words - 12) / 40.0);
        if (Regex.IsMatch(all, @"\b(quick|quickly|brief|short|simple|rough|asap|urgent)\b", RegexOptions.CultureInvariant))
        {
            scale *= 0.7;
        }
        if (Regex.IsMatch(all, @"\b(detailed|thorough|comprehensive|in-depth|in depth|extensive|complete)\b", RegexOptions.CultureInvariant))
        {
            scale *= 1.5;
        }
        return scale;
    }

    internal static List<AiPlanConstraint> ReadConstraints(string goal, IReadOnlyList<string> given)
    {
        var constraints = new List<AiPlanConstraint>();
        foreach (Match match in Deadline().Matches(goal))
        {
            constraints.Add(new AiPlanConstraint(match.Value.Trim(), "deadline"));
        }
        foreach (Match match in Budget().Matches(goal))
        {
            constraints.Add(new AiPlanConstraint(match.Value.Trim(), "budget"));
        }
        foreach (var text in given.Where(t => !string.IsNullOrWhiteSpace(t)))
        {
            var kind = Deadline().IsMatch(text) ? "deadline"
                : Budget().IsMatch(text) ? "budget"
                : Limit().IsMatch(text) ? "limit"
                : Regex.IsMatch(text, @"\b(only|exclude|include|must|must not|don't|do not|never|avoid|focus)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant) ? "scope"
                : "other";
            constraints.Add(new AiPlanConstraint(text.Trim(), kind));
        }
        return constraints;
    }

    /// <summary>The longest chain of estimates through the dependencies (cycles are cut, not followed).</summary>
    internal static int CriticalPath(IReadOnlyList<AiPlanTask> tasks)
    {
        var byId = tasks.GroupBy(t => t.Id, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var finish = new Dictionary<string, int>(StringComparer.Ordinal);
        var visiting = new HashSet<string>(StringComparer.Ordinal);
        int Finish(AiPlanTask task)
        {
            if (finish.TryGetValue(task.Id, out var known))
            {
                return known;
            }
            if (!visiting.Add(task.Id))
            {
                return 0;
            }
            var start = task.DependsOn.Where(byId.ContainsKey).Select(d => Finish(byId[d])).DefaultIfEmpty(0).Max();
            visiting.Remove(task.Id);
            return finish[task.Id] = start + task.EstimateMinutes;
        }
        return tasks.Select(Finish).DefaultIfEmpty(0).Max();
    }

    private static string Capitalize(string value) => value.Length == 0 ? value : char.ToUpperInvariant(value[0]) + value[1..];
}
