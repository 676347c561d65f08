using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Mindstack.MindMesh.Audit;
using Mindstack.MindMesh.Runs;
using Mindstack.MindMesh.Storage;
using Mindstack.MindMesh.Tenants;
using Mindstack.Platform.Http;
using Mindstack.Platform.Storage;

namespace Mindstack.MindMesh.Goals;

/// <summary>Creates, changes and deletes a tenant's goals, each audited in the same transaction.</summary>
internal sealed class GoalService(MindstackDbContext db, IIdGenerator ids, TimeProvider clock, MeshAudit audit)
{
    public Task<GoalRow?> FindAsync(Member member, string goalId, CancellationToken ct) =>
        db.Set<GoalRow>().FirstOrDefaultAsync(g => g.Id == goalId && g.TenantId == member.TenantId, ct);

    public async Task<GoalRow> GetAsync(Member member, string goalId, CancellationToken ct) =>
        await FindAsync(member, goalId, ct) ?? throw Problem.NotFound("Goal not found");

    public async Task<GoalRow> CreateAsync(Member member, GoalRequest request, CancellationToken ct)
    {
        var errors = new List<FieldError>();
        if (string.IsNullOrWhiteSpace(request.Text))
        {
            errors.Add(new FieldError("text", "Goal text is required"));
        }
        Check(request, errors, creating: true);
        if (errors.Count > 0)
        {
            throw Problem.Invalid(errors);
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var goal = new GoalRow
        {
            Id = ids.New("goal"),
            TenantId = member.TenantId,
            CreatedBy = member.AccountId,
            Text = request.Text!.Trim(),
            AutonomyLevel = Canonical(GoalRules.AutonomyLevels, request.AutonomyLevel) ?? "L1",
            ConstraintsJson = ObjectJson(request.Constraints),
            Status = Canonical(GoalRules.Statuses, request.Status) ?? "draft",
            Priority = Canonical(GoalRules.Priorities, request.Priority) ?? "medium",
            DueDate = request.DueDate?.ToUniversalTime(),
            EstimatedHours = request.EstimatedHours,
            ActualHours = request.ActualHours,
            MetadataJson = ObjectJson(request.Metadata),
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Add(goal);
        audit.Add(member.TenantId, member.AccountId, "goal.create", "goal", goal.Id, new { goal_text = goal.Text, autonomy_level = goal.AutonomyLevel });
        await db.SaveChangesAsync(ct);
        return goal;
    }

    public async Task<GoalRow> UpdateAsync(Member member, string goalId, GoalRequest request, CancellationToken ct)
    {
        var goal = await GetAsync(member, goalId, ct);
        var errors = new List<FieldError>();
        if (request.Text is not null && string.IsNullOrWhiteSpace(request.Text))
        {
            errors.Add(new FieldError("text", "Goal text must not be empty"));
        }
        Check(request, errors, creating: false);
        if (errors.Count > 0)
        {
            throw Problem.Invalid(errors);
        }
        goal.Text = request.Text?.Trim() ?? goal.Text;
        goal.AutonomyLevel = Canonical(GoalRules.AutonomyLevels, request.AutonomyLevel) ?? goal.AutonomyLevel;
        goal.Status = Canonical(GoalRules.Statuses, request.Status) ?? goal.Status;
        goal.Priority = Canonical(GoalRules.Priorities, request.Priority) ?? goal.Priority;
        goal.DueDate = request.DueDate?.ToUniversalTime() ?? goal.DueDate;
        goal.EstimatedHours = request.EstimatedHours ?? goal.EstimatedHours;
        goal.ActualHours = request.ActualHours ?? goal.ActualHours;
        if (request.Constraints is not null)
        {
            goal.ConstraintsJson = ObjectJson(request.Constraints);
        }
        if (request.Metadata is not null)
        {
            goal.MetadataJson = ObjectJson(request.Metadata);
        }
        goal.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        audit.Add(member.TenantId, member.AccountId, "goal.update", "goal", goal.Id, new { goal_text = goal.Text, status = goal.Status });
        await db.SaveChangesAsync(ct);
        return goal;
    }

    /// <summary>Deletes a goal with its tasks and finished runs; a goal with a run still going is a conflict.</summary>
    public async Task DeleteAsync(Member member, string goalId, CancellationToken ct)
    {
        var goal = await GetAsync(member, goalId, ct);
        if (await db.Set<RunRow>().AnyAsync(r => r.GoalId == goal.Id && !RunStatus.Final.Contains(r.Status), ct))
        {
            throw Problem.Conflict("The goal has a run in progress; cancel it first");
        }
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var runIds = db.Set<RunRow>().Where(r => r.GoalId == goal.Id).Select(r => r.Id);
        await db.Set<ApprovalRow>().Where(a => runIds.Contains(a.RunId)).ExecuteDeleteAsync(ct);
        await db.Set<TaskRow>().Where(t => t.GoalId == goal.Id).ExecuteDeleteAsync(ct);
        await db.Set<RunRow>().Where(r => r.GoalId == goal.Id).ExecuteDeleteAsync(ct);
        db.Remove(goal);
        audit.Add(member.TenantId, member.AccountId, "goal.delete", "goal", goal.Id, new { goal_text = goal.Text });
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
    }

    private static void Check(GoalRequest request, List<FieldError> errors, bool creating)
    {
        if (request.Text is { Length: > GoalRules.MaxTextLength })
        {
            errors.Add(new FieldError("text", $"Goal text is at most {GoalRules.MaxTextLength} characters"));
        }
        if (request.AutonomyLevel is not null && Canonical(GoalRules.AutonomyLevels, request.AutonomyLevel) is null)
        {
            errors.Add(new FieldError("autonomy_level", "Invalid autonomy level"));
        }
        if (request.Priority is not null && Canonical(GoalRules.Priorities, request.Priority) is null)
        {
            errors.Add(new FieldError("priority", "Priority must be one of low, medium, high, urgent"));
        }
        if (request.Status is not null && (Canonical(GoalRules.Statuses, request.Status) is not { } status || (creating && status is not ("draft" or "active"))))
        {
            errors.Add(new FieldError("status", creating ? "A new goal's status is draft or active" : "Status must be one of draft, active, completed, cancelled"));
        }
        if (request.EstimatedHours is < 0 or > 100_000 || request.EstimatedHours is { } e && !double.IsFinite(e))
        {
            errors.Add(new FieldError("estimated_hours", "Estimated hours must be from 0 to 100000"));
        }
        if (request.ActualHours is < 0 or > 100_000 || request.ActualHours is { } a && !double.IsFinite(a))
        {
            errors.Add(new FieldError("actual_hours", "Actual hours must be from 0 to 100000"));
        }
        if (request.Constraints is { ValueKind: not (JsonValueKind.Object or JsonValueKind.Null) })
        {
            errors.Add(new FieldError("constraints", "Constraints must be an object"));
        }
        if (request.Constraints is { ValueKind: JsonValueKind.Object } constraints && constraints.TryGetProperty("budget", out var budget)
            && budget.ValueKind is not (JsonValueKind.Number or JsonValueKind.Null))
        {
            errors.Add(new FieldError("constraints.budget", "Budget must be a number"));
        }
        if (request.Metadata is { ValueKind: not (JsonValueKind.Object or JsonValueKind.Null) })
        {
            errors.Add(new FieldError("metadata", "Metadata must be an object"));
        }
    }

    private static string? Canonical(IReadOnlyList<string> allowed, string? value) =>
        value is null ? null : allowed.FirstOrDefault(a => string.Equals(a, value.Trim(), StringComparison.OrdinalIgnoreCase));

    private static string ObjectJson(JsonElement? value) => value is { ValueKind: JsonValueKind.Object } obj ? obj.GetRawText() : "{}";
}
