using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Mindstack.MindMesh.Approvals;
using Mindstack.MindMesh.Audit;
using Mindstack.MindMesh.Connectors;
using Mindstack.MindMesh.Memory;
using Mindstack.MindMesh.Runs;
using Mindstack.MindMesh.Storage;
using Mindstack.Platform.Accounts;
using Mindstack.Platform.Ai;
using Mindstack.Platform.Jobs;
using Mindstack.Platform.Search;
using Mindstack.Platform.Storage;

namespace Mindstack.MindMesh.Graph;

/// <summary>What a node works on: its run, goal and the run's working state (which it may change).</summary>
internal sealed record NodeContext(RunRow Run, GoalRow Goal, JsonObject State);

/// <summary>
/// What a node did: its input and output (stored as its checkpoint), what it cost, the rows to
/// write with the checkpoint, and effects (events, jobs) to commit with it.
/// </summary>
internal sealed record NodeOutcome(JsonNode Input, JsonNode Output)
{
    public double Cost { get; init; }
    public int Tokens { get; init; }
    public string Model { get; init; } = "none";
    public int ApiCalls { get; init; }
    public bool AwaitApproval { get; init; }
    public IReadOnlyList<object> Rows { get; init; } = [];
    public JsonObject? Artifacts { get; init; }
    public Action<RunEvents, IJobQueue>? Effects { get; init; }
}

/// <summary>The graph's nodes, each with the platform's AI engine where it thinks.</summary>
internal sealed partial class GraphNodes(
    MindstackDbContext db,
    IAiEngine ai,
    IIdGenerator ids,
    TimeProvider clock,
    ToolExecutor tools,
    MeshAudit audit,
    IHybridSearch search,
    MemoryService memory,
    IOptions<MindMeshOptions> options)
{
    private MindMeshOptions Settings => options.Value;

    public Task<NodeOutcome> RunAsync(string node, NodeContext context, CancellationToken ct) => node switch
    {
        Runs.Graph.IntentRouter => IntentRouterAsync(context, ct),
        Runs.Graph.Planner => PlannerAsync(context, ct),
        Runs.Graph.MemoryReader => MemoryReaderAsync(context, ct),
        Runs.Graph.ToolRouter => ToolRouterAsync(context, ct),
        Runs.Graph.Guardrails => GuardrailsAsync(context, ct),
        Runs.Graph.Executor => ExecutorAsync(context, ct),
        Runs.Graph.Reflector => ReflectorAsync(context, ct),
        Runs.Graph.Scheduler => SchedulerAsync(context, ct),
        Runs.Graph.AuditLogger => AuditLoggerAsync(context, ct),
        _ => throw new PermanentJobFailureException($"Unknown node '{node}'"),
    };

    /// <summary>Classifies the goal (research, write, schedule, summarize, plan, code, analyze) and extracts its entities and constraints.</summary>
    private async Task<NodeOutcome> IntentRouterAsync(NodeContext context, CancellationToken ct)
    {
        var goal = context.Goal;
        var classified = await ai.ClassifyAsync(goal.Text, AiIntents.Labels, cancellationToken: ct);
        var entities = await ai.ExtractEntitiesAsync(goal.Text, cancellationToken: ct);
        var emails = EmailPattern().Matches(goal.Text).Select(m => m.Value.ToLowerInvariant())
            .Concat(entities.Value.OfType(AiEntityTypes.Email).Select(e => (e.Normalized ?? e.Text).ToLowerInvariant()))
            .Distinct(StringComparer.Ordinal).ToList();
        var constraints = JsonNode.Parse(goal.ConstraintsJson) as JsonObject ?? [];
        context.State["intent"] = classified.Value.Label;
        context.State["confidence"] = Math.Round(classified.Value.Confidence, 4);
        context.State["emails"] = Array(emails);
        var output = new JsonObject
        {
            ["intent"] = classified.Value.Label,
            ["confidence"] = Math.Round(classified.Value.Confidence, 4),
            ["entities"] = new JsonArray(entities.Value.Items.Select(e => (JsonNode?)new JsonObject { ["text"] = e.Text, ["type"] = e.Type }).ToArray()),
            ["constraints"] = constraints.DeepClone(),
            ["autonomy_level"] = goal.AutonomyLevel,
        };
        return Costed(new NodeOutcome(new JsonObject { ["text"] = goal.Text, ["autonomy_level"] = goal.AutonomyLevel }, output),
            classified.Usage, entities.Usage);
    }

    /// <summary>Writes the goal's tasks (with dependencies and estimates); a new run's plan replaces an earlier run's tasks.</summary>
    private async Task<NodeOutcome> PlannerAsync(NodeContext context, CancellationToken ct)
    {
        var goal = context.Goal;
        var constraints = (JsonNode.Parse(goal.ConstraintsJson) as JsonObject ?? [])
            .Select(p => $"{p.Key}: {p.Value?.ToJsonString()}").ToList();
        var plan = await ai.PlanAsync(goal.Text, constraints, cancellationToken: ct);
        var earlier = await db.Set<TaskRow>().Where(t => t.GoalId == goal.Id && t.RunId != context.Run.Id).ToListAsync(ct);
        db.RemoveRange(earlier);
        var now = clock.GetUtcNow().UtcDateTime;
        var rowIds = plan.Value.Tasks.ToDictionary(t => t.Id, _ => ids.New("task"), StringComparer.Ordinal);
        var rows = plan.Value.Tasks.Select((t, i) => new TaskRow
        {
            Id = rowIds[t.Id],
            TenantId = goal.TenantId,
            GoalId = goal.Id,
            RunId = context.Run.Id,
            Position = i,
            Title = Clip(t.Title, 500),
            Description = t.Description,
            Status = "pending",
            Priority = goal.Priority,
            DueDate = goal.DueDate,
            EstimatedHours = Math.Round(t.EstimateMinutes / 60.0, 2),
            DependenciesJson = JsonSerializer.Serialize(t.DependsOn.Where(rowIds.ContainsKey).Select(d => rowIds[d])),
            ToolRefsJson = JsonSerializer.Serialize(new[] { t.Capability }),
            MetadataJson = JsonSerializer.Serialize(new { plan_id = t.Id, intent = t.Intent }),
            CreatedAt = now,
            UpdatedAt = now,
        }).ToList();
        context.State["tasks"] = new JsonArray(plan.Value.Tasks.Select(t => (JsonNode?)new JsonObject
        {
            ["id"] = rowIds[t.Id],
            ["title"] = t.Title,
            ["description"] = t.Description,
            ["capability"] = t.Capability,
            ["estimate_minutes"] = t.EstimateMinutes,
        }).ToArray());
        var output = new JsonObject
        {
            ["tasks_created"] = rows.Count,
            ["estimated_minutes"] = plan.Value.TotalEstimateMinutes,
            ["critical_path_minutes"] = plan.Value.CriticalPathMinutes,
            ["tasks"] = Array(rows.Select(r => r.Title)),
        };
        return Costed(new NodeOutcome(new JsonObject { ["text"] = goal.Text, ["constraints"] = Array(constraints) }, output) { Rows = rows }, plan.Usage);
    }

    /// <summary>Retrieves context from the tenant's memory (documents and episodes, earlier runs' reflections among them) by hybrid search.</summary>
    private async Task<NodeOutcome> MemoryReaderAsync(NodeContext context, CancellationToken ct)
    {
        var run = context.Run;
        var hits = await search.SearchAsync(new SearchQuery(MemoryRules.Collection, run.TenantId, Clip(context.Goal.Text, 500), 5,
            new Dictionary<string, IReadOnlyCollection<string>> { ["sensitivity"] = ["public", "private"], ["type"] = ["document", "episode"] }), ct);
        var ids = hits.Select(h => h.Id).ToList();
        var now = clock.GetUtcNow().UtcDateTime;
        var documents = await db.Set<DocumentRow>().AsNoTracking()
            .Where(d => d.TenantId == run.TenantId && ids.Contains(d.Id) && (d.ExpiresAt == null || d.ExpiresAt > now)).ToDictionaryAsync(d => d.Id, ct);
        var episodes = await db.Set<EpisodeRow>().AsNoTracking().Where(e => e.TenantId == run.TenantId && ids.Contains(e.Id)).ToDictionaryAsync(e => e.Id, ct);
        var found = new JsonArray();
        foreach (var hit in hits)
        {
            if (documents.TryGetValue(hit.Id, out var d))
            {
                found.Add(new JsonObject { ["id"] = d.Id, ["type"] = "document", ["title"] = d.Title, ["summary"] = Clip(d.Content, 300), ["score"] = Math.Round(hit.Score, 4) });
            }
            else if (episodes.TryGetValue(hit.Id, out var e))
            {
                found.Add(new JsonObject { ["id"] = e.Id, ["type"] = "episode", ["title"] = e.Title, ["summary"] = Clip(e.Summary, 300), ["score"] = Math.Round(hit.Score, 4) });
            }
        }
        context.State["context"] = found.DeepClone();
        return new NodeOutcome(new JsonObject { ["query"] = context.Goal.Text, ["limit"] = 5 }, new JsonObject { ["items"] = found, ["retrieved"] = found.Count })
        { Model = "hybrid-search" };
    }

    /// <summary>Turns tasks into tool calls on the tenant's connectors (each with its idempotency key).</summary>
    private async Task<NodeOutcome> ToolRouterAsync(NodeContext context, CancellationToken ct)
    {
        var run = context.Run;
        var goal = context.Goal;
        var connectors = await db.Set<ConnectorRow>().AsNoTracking().Where(c => c.TenantId == run.TenantId && c.IsEnabled).ToListAsync(ct);
        var tasks = context.State["tasks"] as JsonArray ?? [];
        var calls = new JsonArray();
        var notes = new JsonArray();
        var wantsEmail = EmailWords().IsMatch(goal.Text) || tasks.Any(t => t?["capability"]?.GetValue<string>() == "email");
        if (wantsEmail)
        {
            if (connectors.FirstOrDefault(c => c.Provider == ConnectorProviders.EmailOutbox && c.Status == ConnectorProviders.Status.Active) is { } outbox)
            {
                var recipients = await RecipientsAsync(context, ct);
                calls.Add(Call(run, calls.Count + 1, "send_email", outbox, external: true, new JsonObject
                {
                    ["to"] = Array(recipients),
                    ["subject"] = Subject(goal.Text),
                    ["body"] = Body(goal, tasks, context.State["context"] as JsonArray),
                }));
            }
            else
            {
                notes.Add("No active email connector: the email was not planned");
            }
        }
        foreach (var task in tasks)
        {
            var capability = task?["capability"]?.GetValue<string>();
            if (capability == "email" && wantsEmail)
            {
                continue;
            }
            if (capability == "calendar" && !connectors.Any(c => c.Provider == "calendar" && c.Status == ConnectorProviders.Status.Active))
            {
                notes.Add($"No calendar connector: \"{task?["title"]}\" is left to a person");
                continue;
            }
            calls.Add(Call(run, calls.Count + 1, "record_note", null, external: false, new JsonObject
            {
                ["task_id"] = task?["id"]?.DeepClone(),
                ["title"] = task?["title"]?.DeepClone(),
                ["note"] = task?["description"]?.DeepClone(),
            }));
        }
        context.State["calls"] = calls.DeepClone();
        return new NodeOutcome(new JsonObject { ["tasks"] = tasks.Count, ["connectors"] = Array(connectors.Select(c => c.Provider)) },
            new JsonObject { ["tool_calls"] = calls.DeepClone(), ["notes"] = notes });
    }

    /// <summary>
    /// Applies policy and the autonomy level: L0 asks for every action, L1 for every external side
    /// effect, L2 for risky ones (many recipients, a recipient outside the tenant's domains), L3
    /// only when a rule is broken (over budget, outside the time window, past the recipient limit).
    /// Each action that needs a human becomes an approval whose payload is the exact action; the run then waits.
    /// </summary>
    private async Task<NodeOutcome> GuardrailsAsync(NodeContext context, CancellationToken ct)
    {
        var run = context.Run;
        var goal = context.Goal;
        var constraints = JsonNode.Parse(goal.ConstraintsJson) as JsonObject ?? [];
        var domains = await TenantDomainsAsync(run.TenantId, ct);
        if (constraints["allowed_domains"] is JsonArray allowed)
        {
            domains.UnionWith(allowed.Select(d => d?.ToString().ToLowerInvariant() ?? "").Where(d => d.Length > 0));
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var decisions = new JsonObject();
        var approvals = new List<ApprovalRow>();
        foreach (var call in context.State["calls"] as JsonArray ?? [])
        {
            var callId = call!["call_id"]!.GetValue<string>();
            var external = call["external"]?.GetValue<bool>() ?? false;
            var (risks, violations) = Check(call, constraints, domains, run, now);
            var required = goal.AutonomyLevel switch
            {
                "L0" => true,
                "L1" => external || violations.Count > 0,
                "L2" => risks.Count > 0 || violations.Count > 0,
                _ => violations.Count > 0,
            };
            var decision = new JsonObject
            {
                ["approval_required"] = required,
                ["external"] = external,
                ["risks"] = Array(risks),
                ["violations"] = Array(violations),
            };
            if (required)
            {
                var payload = new JsonObject { ["action"] = call["tool"]!.GetValue<string>() };
                foreach (var (key, value) in (JsonObject)call["args"]!)
                {
                    payload[key] = value?.DeepClone();
                }
                payload["call_id"] = callId;
                payload["reasons"] = Array(risks.Concat(violations).DefaultIfEmpty(goal.AutonomyLevel == "L0" ? "Autonomy level L0: every action is approved by a person" : "Autonomy level L1: external actions are approved by a person"));
                var approval = new ApprovalRow
                {
                    Id = ids.New("approval"),
                    TenantId = run.TenantId,
                    RunId = run.Id,
                    CallId = callId,
                    PayloadJson = payload.ToJsonString(),
                    State = ApprovalStates.Pending,
                    Deadline = now + Settings.ApprovalTimeout,
                    CreatedAt = now,
                    UpdatedAt = now,
                };
                approvals.Add(approval);
                decision["approval_id"] = approval.Id;
            }
            decisions[callId] = decision;
        }
        context.State["decisions"] = decisions.DeepClone();
        return new NodeOutcome(new JsonObject { ["autonomy_level"] = goal.AutonomyLevel, ["tool_calls"] = (context.State["calls"] ?? new JsonArray()).DeepClone() },
            new JsonObject { ["decisions"] = decisions, ["approvals_requested"] = approvals.Count })
        {
            AwaitApproval = approvals.Count > 0,
            Rows = approvals,
            Effects = (events, jobs) =>
            {
                foreach (var approval in approvals)
                {
                    jobs.Enqueue<ExpireApprovalJob>(new ExpireApprovalJob.Payload(approval.Id), new JobOptions { RunAt = approval.Deadline });
                    events.Publish(run.TenantId, run.CreatedBy, RunEvents.ApprovalRequest, "run", run.Id, new
                    {
                        approval_id = approval.Id,
                        run_id = run.Id,
                        payload = JsonNode.Parse(approval.PayloadJson),
                        deadline = approval.Deadline,
                    });
                }
            },
        };
    }

    /// <summary>Performs the tool calls that need no approval or were approved (edited ones with the edited payload); rejected ones are skipped.</summary>
    private async Task<NodeOutcome> ExecutorAsync(NodeContext context, CancellationToken ct)
    {
        var run = context.Run;
        var decisions = context.State["decisions"] as JsonObject ?? [];
        var approvals = await db.Set<ApprovalRow>().AsNoTracking().Where(a => a.RunId == run.Id).ToDictionaryAsync(a => a.CallId, ct);
        var results = new JsonArray();
        var executed = 0;
        foreach (var call in context.State["calls"] as JsonArray ?? [])
        {
            var callId = call!["call_id"]!.GetValue<string>();
            var tool = call["tool"]!.GetValue<string>();
            var args = (JsonObject)call["args"]!.DeepClone();
            if (decisions[callId]?["approval_required"]?.GetValue<bool>() == true)
            {
                if (!approvals.TryGetValue(callId, out var approval) || approval.State is not (ApprovalStates.Approved or ApprovalStates.Edited))
                {
                    results.Add(new JsonObject
                    {
                        ["call_id"] = callId,
                        ["tool"] = tool,
                        ["status"] = "skipped",
                        ["reason"] = approval is null ? "No approval" : $"Approval {approval.State}" + (approval.Comments is { } c ? $": {c}" : ""),
                    });
                    continue;
                }
                if (approval.State == ApprovalStates.Edited)
                {
                    args = ApprovalPayload.Args(approval.PayloadJson);
                }
            }
            var result = await tools.ExecuteAsync(run, callId, tool, call["connector_id"]?.GetValue<string>(), call["idempotency_key"]!.GetValue<string>(), args, ct);
            executed++;
            results.Add(new JsonObject { ["call_id"] = callId, ["tool"] = tool, ["status"] = "done", ["result"] = result });
        }
        context.State["results"] = results.DeepClone();
        return new NodeOutcome(new JsonObject { ["tool_calls"] = (context.State["calls"] ?? new JsonArray()).DeepClone() },
            new JsonObject { ["executed"] = executed, ["skipped"] = results.Count - executed, ["results"] = results })
        { ApiCalls = executed };
    }

    /// <summary>Summarises the run and records its lessons.</summary>
    private async Task<NodeOutcome> ReflectorAsync(NodeContext context, CancellationToken ct)
    {
        var results = context.State["results"] as JsonArray ?? [];
        var tasks = context.State["tasks"] as JsonArray ?? [];
        var text = new StringBuilder(context.Goal.Text.TrimEnd('.')).Append(". ");
        foreach (var task in tasks)
        {
            text.Append(task?["title"]).Append(". ");
        }
        var done = results.Count(r => r?["status"]?.GetValue<string>() == "done");
        text.Append(CultureInfo.InvariantCulture, $"{done} of {results.Count} actions were carried out.");
        var summary = await ai.SummarizeAsync(text.ToString(), 2, cancellationToken: ct);
        var lessons = results.Where(r => r?["status"]?.GetValue<string>() == "skipped")
            .Select(r => $"{r?["tool"]} was not carried out ({r?["reason"]})").DefaultIfEmpty("Every planned action was carried out").ToList();
        context.State["summary"] = summary.Value.Text;
        context.State["lessons"] = Array(lessons);
        // The run's episode, under an id of its own so a step run again writes the same one.
        var now = clock.GetUtcNow().UtcDateTime;
        var episode = new EpisodeRow
        {
            Id = "episode_" + context.Run.Id,
            TenantId = context.Run.TenantId,
            Type = "note",
            Title = Clip("Run of: " + context.Goal.Text, 500),
            Summary = summary.Value.Text + (lessons.Count > 0 ? " Lessons: " + string.Join("; ", lessons) : ""),
            ParticipantsJson = "[]",
            RunId = context.Run.Id,
            OccurredAt = now,
            CreatedAt = now,
        };
        await memory.IndexEpisodeAsync(episode, ct);
        var rows = new List<object>();
        if (await db.Set<EpisodeRow>().FirstOrDefaultAsync(e => e.Id == episode.Id, ct) is { } stored)
        {
            // Written by an earlier pass of this step (the run was put back before it): rewrite it.
            stored.Title = episode.Title;
            stored.Summary = episode.Summary;
            stored.OccurredAt = episode.OccurredAt;
        }
        else
        {
            rows.Add(episode);
        }
        return Costed(new NodeOutcome(new JsonObject { ["results"] = results.DeepClone() },
            new JsonObject { ["summary"] = summary.Value.Text, ["lessons"] = Array(lessons), ["episode_id"] = episode.Id })
        { Artifacts = new JsonObject { ["summary"] = summary.Value.Text }, Rows = rows }, summary.Usage);
    }

    /// <summary>Sets up follow-ups: a recurring goal's next date, and a task for each action not carried out.</summary>
    private Task<NodeOutcome> SchedulerAsync(NodeContext context, CancellationToken ct)
    {
        var goal = context.Goal;
        var now = clock.GetUtcNow().UtcDateTime;
        var followUps = new JsonArray();
        var rows = new List<object>();
        var cadence = Cadence().Match(goal.Text);
        if (cadence.Success)
        {
            var word = cadence.Value.ToLowerInvariant();
            var next = word.StartsWith("daily", StringComparison.Ordinal) ? now.AddDays(1) : word.StartsWith("month", StringComparison.Ordinal) ? now.AddMonths(1) : now.AddDays(7);
            followUps.Add(new JsonObject { ["kind"] = "recurrence", ["cadence"] = word, ["next_run_at"] = next });
        }
        var position = 1000;
        foreach (var skipped in (context.State["results"] as JsonArray ?? []).Where(r => r?["status"]?.GetValue<string>() == "skipped"))
        {
            var title = Clip($"Follow up: {skipped?["tool"]} was not carried out", 500);
            rows.Add(new TaskRow
            {
                Id = ids.New("task"),
                TenantId = goal.TenantId,
                GoalId = goal.Id,
                RunId = context.Run.Id,
                Position = position++,
                Title = title,
                Description = skipped?["reason"]?.ToString() ?? "",
                Status = "pending",
                Priority = goal.Priority,
                DueDate = now.AddDays(1),
                MetadataJson = JsonSerializer.Serialize(new { follow_up = true, call_id = skipped?["call_id"]?.ToString() }),
                CreatedAt = now,
                UpdatedAt = now,
            });
            followUps.Add(new JsonObject { ["kind"] = "task", ["title"] = title });
        }
        return Task.FromResult(new NodeOutcome(new JsonObject { ["text"] = goal.Text, ["results"] = (context.State["results"] ?? new JsonArray()).DeepClone() },
            new JsonObject { ["follow_ups"] = followUps })
        { Rows = rows });
    }

    /// <summary>Writes the run's trail: one entry per node with its input, result, cost, latency and model.</summary>
    private Task<NodeOutcome> AuditLoggerAsync(NodeContext context, CancellationToken ct)
    {
        var run = context.Run;
        var checkpoints = JsonNode.Parse(run.CheckpointsJson) as JsonObject ?? [];
        var rows = new List<object>();
        var sequence = 0;
        foreach (var node in Runs.Graph.Nodes.Where(n => n != Runs.Graph.AuditLogger))
        {
            if (checkpoints[node] is not JsonObject checkpoint || checkpoint["status"]?.GetValue<string>() != "completed")
            {
                continue;
            }
            rows.Add(audit.Create(run.TenantId, run.CreatedBy, Actions[node], "run", run.Id, new
            {
                input = checkpoint["input"],
                output = checkpoint["result"],
                cost = checkpoint["cost"],
                latency_ms = checkpoint["latency_ms"],
                model = checkpoint["model"],
            }, run.Id, node, sequence++, checkpoint["completed_at"]?.GetValue<DateTime>()));
        }
        rows.Add(audit.Create(run.TenantId, run.CreatedBy, Actions[Runs.Graph.AuditLogger], "run", run.Id,
            new { entries = rows.Count, total_cost = run.Cost, tokens_used = run.TokensUsed }, run.Id, Runs.Graph.AuditLogger, sequence));
        return Task.FromResult(new NodeOutcome(new JsonObject { ["nodes"] = rows.Count }, new JsonObject { ["entries_written"] = rows.Count }) { Rows = rows });
    }

    /// <summary>The action each node's audit entry is recorded under.</summary>
    public static readonly IReadOnlyDictionary<string, string> Actions = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [Runs.Graph.IntentRouter] = "intent.classify",
        [Runs.Graph.Planner] = "task.decompose",
        [Runs.Graph.MemoryReader] = "memory.retrieve",
        [Runs.Graph.ToolRouter] = "tool.route",
        [Runs.Graph.Guardrails] = "policy.check",
        [Runs.Graph.Executor] = "action.execute",
        [Runs.Graph.Reflector] = "run.reflect",
        [Runs.Graph.Scheduler] = "followup.schedule",
        [Runs.Graph.AuditLogger] = "audit.record",
    };

    private (List<string> Risks, List<string> Violations) Check(JsonNode call, JsonObject constraints, HashSet<string> domains, RunRow run, DateTime now)
    {
        var risks = new List<string>();
        var violations = new List<string>();
        if (call["tool"]?.GetValue<string>() == "send_email" && call["args"]?["to"] is JsonArray to)
        {
            var recipients = to.Select(r => r?.ToString() ?? "").ToList();
            if (recipients.Count > Settings.MaxRecipients)
            {
                violations.Add($"{recipients.Count} recipients: more than the limit of {Settings.MaxRecipients}");
            }
            else if (recipients.Count > Settings.RiskyRecipients)
            {
                risks.Add($"{recipients.Count} recipients: more than {Settings.RiskyRecipients}");
            }
            var outside = recipients.Where(r => !domains.Contains(r[(r.IndexOf('@') + 1)..].ToLowerInvariant())).ToList();
            if (outside.Count > 0)
            {
                risks.Add("Recipients outside the tenant's domains: " + string.Join(", ", outside));
            }
        }
        if (constraints["budget"] is JsonValue budget && budget.TryGetValue<double>(out var limit) && run.Cost > limit)
        {
            violations.Add($"Over budget: {run.Cost:0.####} spent of {limit:0.####}");
        }
        if (constraints["time_window"] is JsonObject window && window["start_hour"] is JsonValue s && s.TryGetValue<int>(out var start)
            && window["end_hour"] is JsonValue e && e.TryGetValue<int>(out var end))
        {
            var hour = now.Hour;
            var inside = start <= end ? hour >= start && hour < end : hour >= start || hour < end;
            if (!inside)
            {
                violations.Add($"Outside the allowed time window ({start:00}:00–{end:00}:00 UTC)");
            }
        }
        return (risks, violations);
    }

    private async Task<HashSet<string>> TenantDomainsAsync(string tenantId, CancellationToken ct)
    {
        var emails = await db.Set<MemberRow>().AsNoTracking().Where(m => m.TenantId == tenantId)
            .Join(db.Set<Account>(), m => m.AccountId, a => a.Id, (m, a) => a.Email).ToListAsync(ct);
        return emails.Select(e => e[(e.IndexOf('@') + 1)..].ToLowerInvariant()).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>The goal's addresses; "the team" is every member of the tenant; else the goal's author.</summary>
    private async Task<List<string>> RecipientsAsync(NodeContext context, CancellationToken ct)
    {
        var named = (context.State["emails"] as JsonArray ?? []).Select(e => e?.ToString() ?? "").Where(e => e.Length > 0).ToList();
        if (named.Count > 0)
        {
            return named;
        }
        var members = db.Set<MemberRow>().AsNoTracking().Where(m => m.TenantId == context.Run.TenantId);
        if (!TeamWords().IsMatch(context.Goal.Text))
        {
            members = members.Where(m => m.AccountId == context.Goal.CreatedBy);
        }
        return await members.Join(db.Set<Account>(), m => m.AccountId, a => a.Id, (m, a) => a.Email).OrderBy(e => e).ToListAsync(ct);
    }

    private static JsonObject Call(RunRow run, int number, string tool, ConnectorRow? connector, bool external, JsonObject args)
    {
        var callId = $"call_{number}";
        return new JsonObject
        {
            ["call_id"] = callId,
            ["tool"] = tool,
            ["connector_id"] = connector?.Id,
            ["provider"] = connector?.Provider,
            ["external"] = external,
            ["idempotency_key"] = $"{run.Id}:{callId}",
            ["args"] = args,
        };
    }

    private static string Subject(string text)
    {
        var what = Deliverable().Match(text);
        if (what.Success)
        {
            var value = what.Groups["what"].Value.Trim();
            return char.ToUpperInvariant(value[0]) + value[1..];
        }
        return Clip(char.ToUpperInvariant(text[0]) + text[1..].TrimEnd('.'), 120);
    }

    private static string Body(GoalRow goal, JsonArray tasks, JsonArray? context)
    {
        var body = new StringBuilder("Hello,\n\n").Append(Subject(goal.Text)).Append(":\n\n");
        foreach (var task in tasks)
        {
            body.Append("- ").Append(task?["title"]).Append('\n');
        }
        foreach (var item in context ?? [])
        {
            body.Append("\nFrom memory (").Append(item?["title"]).Append("): ").Append(item?["summary"]).Append('\n');
        }
        return body.Append("\nSent by MindMesh for the goal: ").Append(goal.Text).Append('\n').ToString();
    }

    private NodeOutcome Costed(NodeOutcome outcome, params AiUsage[] usages)
    {
        var tokens = usages.Sum(u => u.TotalTokens);
        var cost = usages.Where(u => u.Provider != AiProviders.Local).Sum(u => u.TotalTokens / 1000.0 * Settings.CostPerThousandTokens);
        var models = usages.Select(u => u.Provider == AiProviders.Local ? u.Provider : $"{u.Provider}/{u.Model}").Distinct().ToList();
        return outcome with { Tokens = tokens, Cost = Math.Round(cost, 6), Model = string.Join(", ", models), ApiCalls = usages.Length };
    }

    private static JsonArray Array(IEnumerable<string> values) => new(values.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());

    private static string Clip(string text, int max) => text.Length <= max ? text : text[..max];

    [GeneratedRegex(@"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")]
    private static partial Regex EmailPattern();

    [GeneratedRegex(@"\b(e-?mail|mail|send)\b", RegexOptions.IgnoreCase)]
    private static partial Regex EmailWords();

    [GeneratedRegex(@"\b(team|everyone|all members)\b", RegexOptions.IgnoreCase)]
    private static partial Regex TeamWords();

    [GeneratedRegex(@"\b(daily|weekly|monthly)\b", RegexOptions.IgnoreCase)]
    private static partial Regex Cadence();

    [GeneratedRegex(@"\b(?<what>((daily|weekly|monthly|quarterly)\s+)?(summary|report|update|digest|recap|newsletter))\b", RegexOptions.IgnoreCase)]
    private static partial Regex Deliverable();
}
