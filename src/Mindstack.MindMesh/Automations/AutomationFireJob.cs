using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Mindstack.MindMesh.Goals;
using Mindstack.MindMesh.Runs;
using Mindstack.MindMesh.Tenants;
using Mindstack.Platform.Http;
using Mindstack.Platform.Jobs;
using Mindstack.Platform.Storage;

namespace Mindstack.MindMesh.Automations;

/// <summary>
/// One firing of an automation: makes the goal its template describes (or takes its goal) and
/// starts a run, acting as the automation's creator. The firing is recorded under this job's id in
/// the same transaction as the goal and run, so a retried job never starts a second run; a firing
/// that cannot start (its goal gone or already running) is recorded as skipped with the reason.
/// </summary>
internal sealed class AutomationFireJob(MindstackDbContext db, GoalService goals, RunService runs, TimeProvider clock)
    : JobHandler<AutomationFireJob.Payload>
{
    public const string Name = "mindmesh.automation.fire";

    public sealed record Payload(string AutomationId, string Source, string EventText);

    public override async Task ExecuteAsync(Payload payload, JobContext job, CancellationToken cancellationToken)
    {
        var automation = await db.Set<AutomationRow>().AsNoTracking().FirstOrDefaultAsync(a => a.Id == payload.AutomationId, cancellationToken);
        if (automation is null || !automation.IsActive || await db.Set<AutomationFireRow>().AnyAsync(f => f.Id == job.Id, cancellationToken))
        {
            return;
        }
        var member = new Member { AccountId = automation.CreatedBy, TenantId = automation.TenantId, Role = MindMeshApi.Roles.Admin };
        var now = clock.GetUtcNow().UtcDateTime;
        var fire = new AutomationFireRow
        {
            Id = job.Id,
            TenantId = automation.TenantId,
            AutomationId = automation.Id,
            Source = payload.Source,
            Status = "started",
            CreatedAt = now,
        };
        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            try
            {
                var goalId = automation.GoalId;
                if (goalId is null)
                {
                    var plan = AutomationTemplates.Find(automation.Template)!.Plan((JsonObject)JsonNode.Parse(automation.ParametersJson)!, payload.EventText, now);
                    var text = Storable(plan.Text.Length > GoalRules.MaxTextLength ? plan.Text[..GoalRules.MaxTextLength] : plan.Text);
                    var metadata = System.Text.Json.JsonSerializer.SerializeToElement(new { automation_id = automation.Id, trigger = payload.Source });
                    var goal = await goals.CreateAsync(member, new GoalRequest(text, plan.AutonomyLevel, null, plan.Priority, plan.DueDate, null, null, "active", metadata),
                        cancellationToken);
                    goalId = goal.Id;
                }
                var run = await runs.StartAsync(member, goalId, cancellationToken);
                fire.GoalId = goalId;
                fire.RunId = run.Id;
                db.Add(fire);
                await db.SaveChangesAsync(cancellationToken);
                await db.Set<AutomationRow>().Where(a => a.Id == automation.Id).ExecuteUpdateAsync(u => u
                    .SetProperty(a => a.LastTriggeredAt, now)
                    .SetProperty(a => a.LastRunId, run.Id)
                    .SetProperty(a => a.TriggerCount, a => a.TriggerCount + 1), cancellationToken);
                await transaction.CommitAsync(cancellationToken);
                return;
            }
            catch (Problem problem)
            {
                await transaction.RollbackAsync(cancellationToken);
                db.ChangeTracker.Clear();
                fire.Status = "skipped";
                fire.GoalId = automation.GoalId;
                fire.Detail = problem.Message.Length > 2000 ? problem.Message[..2000] : problem.Message;
            }
        }
        db.Add(fire);
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>The text without unpaired surrogates (a cut may split a pair; the databases refuse half of one).</summary>
    private static string Storable(string text)
    {
        var builder = new System.Text.StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                builder.Append(text[i]).Append(text[++i]);
            }
            else if (!char.IsSurrogate(text[i]))
            {
                builder.Append(text[i]);
            }
        }
        return builder.ToString();
    }
}
