using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Mindstack.MindMesh.Audit;
using Mindstack.MindMesh.Connectors;
using Mindstack.MindMesh.Storage;
using Mindstack.MindMesh.Tenants;
using Mindstack.Platform.Http;
using Mindstack.Platform.Jobs;
using Mindstack.Platform.Storage;

namespace Mindstack.MindMesh.Automations;

internal sealed record TriggerRequest(string? Type, JsonElement? Config);

internal sealed record WorkflowRequest(string? Template, JsonElement? Parameters, string? GoalId);

internal sealed record AutomationRequest(string? Name, string? Description, TriggerRequest? Trigger, WorkflowRequest? Workflow, bool? IsActive);

internal sealed record TriggerView(string Type, JsonElement Config);

internal sealed record WorkflowView(string Template, JsonElement Parameters, string? GoalId);

internal sealed record AutomationView(string Id, string TenantId, string Name, string Description, TriggerView Trigger, WorkflowView Workflow,
    bool IsActive, string? WebhookUrl, DateTime? LastTriggeredAt, string? LastRunId, int TriggerCount, DateTime CreatedAt, DateTime UpdatedAt);

internal sealed record WebhookFiredView(string Message, string TriggerId);

/// <summary>
/// Trigger types. <c>time</c> runs on a cron schedule (the platform's job schedules); <c>webhook</c>
/// fires on a POST to its signed URL; <c>folder_change</c> when a <c>local_files</c> sync finds new or
/// changed files; <c>connector_event</c> (or a provider's name: <c>gmail</c>, <c>calendar</c>,
/// <c>slack</c>, <c>webhook_inbox</c>) when that connector brings in a document.
/// </summary>
internal static class TriggerTypes
{
    public const string Time = "time";
    public const string Webhook = "webhook";
    public const string FolderChange = "folder_change";
    public const string ConnectorEvent = "connector_event";

    /// <summary>Provider-named triggers: a connector event of that provider.</summary>
    public static readonly IReadOnlyList<string> Providers = ["gmail", "calendar", "slack", ConnectorProviders.WebhookInbox];

    public static IReadOnlyList<string> All { get; } = [Time, Webhook, FolderChange, ConnectorEvent, .. Providers];
}

/// <summary>Something a connector brought in, which may fire automations.</summary>
internal sealed record ConnectorEvent(string TenantId, string ConnectorId, string Provider, IReadOnlyList<EventDocument> Documents);

internal sealed record EventDocument(string SourceUri, string Title, string Content);

/// <summary>Creates, changes and deletes automations, keeps their schedules, and fires them on events.</summary>
internal sealed class AutomationService(
    MindstackDbContext db,
    IIdGenerator ids,
    TimeProvider clock,
    IJobQueue jobs,
    IJobSchedules schedules,
    IDataProtectionProvider protection,
    IOptions<MindMeshOptions> options,
    MeshAudit audit)
{
    private IDataProtector Protector => protection.CreateProtector("Mindstack.MindMesh.Automations.v1");

    public static string ScheduleName(string automationId) => "mindmesh.automation:" + automationId;

    public async Task<AutomationRow> GetAsync(Member member, string id, CancellationToken ct) =>
        await db.Set<AutomationRow>().FirstOrDefaultAsync(a => a.Id == id && a.TenantId == member.TenantId, ct)
            ?? throw Problem.NotFound("Automation not found");

    public async Task<AutomationRow> CreateAsync(Member member, AutomationRequest request, CancellationToken ct)
    {
        var errors = new List<FieldError>();
        if (string.IsNullOrWhiteSpace(request.Name))
        {
            errors.Add(new FieldError("name", "Name is required"));
        }
        if (request.Trigger is null)
        {
            errors.Add(new FieldError("trigger", "Trigger is required"));
        }
        if (request.Workflow is null)
        {
            errors.Add(new FieldError("workflow", "Workflow is required"));
        }
        var (trigger, config) = request.Trigger is { } t ? CheckTrigger(t, errors) : (null, null);
        var (template, parameters) = request.Workflow is { } w ? CheckWorkflow(w, errors) : (null, null);
        CheckText(request, errors);
        if (request.Workflow?.GoalId is { } goalId)
        {
            await CheckGoalAsync(member, goalId, errors, ct);
        }
        if (errors.Count > 0)
        {
            throw Problem.Invalid(errors);
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var automation = new AutomationRow
        {
            Id = ids.New("automation"),
            TenantId = member.TenantId,
            CreatedBy = member.AccountId,
            Name = request.Name!.Trim(),
            Description = request.Description?.Trim() ?? "",
            TriggerType = trigger!,
            TriggerConfigJson = config!.ToJsonString(),
            Template = template!,
            ParametersJson = parameters!.ToJsonString(),
            GoalId = request.Workflow!.GoalId,
            IsActive = request.IsActive ?? true,
            CreatedAt = now,
            UpdatedAt = now,
        };
        if (trigger == TriggerTypes.Webhook)
        {
            automation.SecretCipher = Protector.Protect(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)));
        }
        db.Add(automation);
        audit.Add(member.TenantId, member.AccountId, "automation.create", "automation", automation.Id,
            new { automation.Name, trigger = automation.TriggerType, template = automation.Template });
        await SaveWithScheduleAsync(automation, ct);
        return automation;
    }

    public async Task<AutomationRow> UpdateAsync(Member member, string id, AutomationRequest request, CancellationToken ct)
    {
        var automation = await GetAsync(member, id, ct);
        var errors = new List<FieldError>();
        if (request.Name is not null && string.IsNullOrWhiteSpace(request.Name))
        {
            errors.Add(new FieldError("name", "Name must not be empty"));
        }
        var (trigger, config) = request.Trigger is { } t ? CheckTrigger(t, errors) : (null, null);
        string? template = null;
        JsonObject? parameters = null;
        if (request.Workflow is { } w)
        {
            // A workflow without a template keeps the current one (its parameters are checked against it).
            (template, parameters) = CheckWorkflow(w with { Template = w.Template ?? automation.Template }, errors);
            if (w.GoalId is { } goalId)
            {
                await CheckGoalAsync(member, goalId, errors, ct);
            }
        }
        CheckText(request, errors);
        if (errors.Count > 0)
        {
            throw Problem.Invalid(errors);
        }
        automation.Name = request.Name?.Trim() ?? automation.Name;
        automation.Description = request.Description?.Trim() ?? automation.Description;
        if (trigger is not null)
        {
            automation.TriggerType = trigger;
            automation.TriggerConfigJson = config!.ToJsonString();
            if (trigger != TriggerTypes.Webhook)
            {
                automation.SecretCipher = null;
            }
            else if (automation.SecretCipher is null)
            {
                automation.SecretCipher = Protector.Protect(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)));
            }
        }
        if (template is not null)
        {
            automation.Template = template;
            automation.ParametersJson = parameters!.ToJsonString();
            automation.GoalId = request.Workflow!.GoalId ?? automation.GoalId;
        }
        automation.IsActive = request.IsActive ?? automation.IsActive;
        automation.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        audit.Add(member.TenantId, member.AccountId, "automation.update", "automation", automation.Id,
            new { automation.Name, trigger = automation.TriggerType, is_active = automation.IsActive });
        await SaveWithScheduleAsync(automation, ct);
        return automation;
    }

    public async Task DeleteAsync(Member member, string id, CancellationToken ct)
    {
        var automation = await GetAsync(member, id, ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        db.Remove(automation);
        audit.Add(member.TenantId, member.AccountId, "automation.delete", "automation", automation.Id, new { automation.Name });
        await db.SaveChangesAsync(ct);
        await schedules.RemoveAsync(ScheduleName(automation.Id), ct);
        await transaction.CommitAsync(ct);
    }

    /// <summary>The signed URL's signature: HMAC-SHA256 of the automation id under its secret, hex.</summary>
    public string? Signature(AutomationRow automation) =>
        automation.SecretCipher is { } cipher
            ? Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Protector.Unprotect(cipher)), Encoding.UTF8.GetBytes(automation.Id)))
            : null;

    /// <summary>A POST to the webhook URL: the signature is compared in constant time; any mismatch is "not found".</summary>
    public async Task<string> FireWebhookAsync(string automationId, string? signature, string body, CancellationToken ct)
    {
        var automation = await db.Set<AutomationRow>().FirstOrDefaultAsync(a => a.Id == automationId, ct);
        var expected = automation is null ? null : Signature(automation);
        var given = TryHex(signature);
        if (expected is null || given is null || !CryptographicOperations.FixedTimeEquals(Convert.FromHexString(expected), given))
        {
            throw Problem.NotFound("Automation not found");
        }
        if (!automation!.IsActive)
        {
            throw Problem.Conflict("The automation is not active");
        }
        var fireId = jobs.Enqueue<AutomationFireJob>(new AutomationFireJob.Payload(automation.Id, TriggerTypes.Webhook, body.Length > 4000 ? body[..4000] : body));
        await db.SaveChangesAsync(ct);
        return fireId;
    }

    /// <summary>
    /// Enqueues a firing (unsaved: it commits with the caller's change) for every active automation
    /// of the tenant this connector event matches; returns how many.
    /// </summary>
    public async Task<int> RaiseAsync(ConnectorEvent e, CancellationToken ct)
    {
        if (e.Documents.Count == 0)
        {
            return 0;
        }
        var candidates = await db.Set<AutomationRow>().AsNoTracking()
            .Where(a => a.TenantId == e.TenantId && a.IsActive && a.TriggerType != TriggerTypes.Time && a.TriggerType != TriggerTypes.Webhook)
            .ToListAsync(ct);
        var fired = 0;
        foreach (var automation in candidates)
        {
            var config = JsonNode.Parse(automation.TriggerConfigJson) as JsonObject ?? [];
            var matching = e.Documents.Where(d => Matches(automation.TriggerType, config, e, d)).ToList();
            if (matching.Count == 0)
            {
                continue;
            }
            var text = string.Join("\n", matching.Take(5).Select(d => $"{d.Title} ({d.SourceUri}): {Excerpt(d.Content, 600)}"));
            jobs.Enqueue<AutomationFireJob>(new AutomationFireJob.Payload(automation.Id, automation.TriggerType, text));
            fired++;
        }
        return fired;
    }

    private static bool Matches(string type, JsonObject config, ConnectorEvent e, EventDocument document)
    {
        var source = type switch
        {
            TriggerTypes.FolderChange => e.Provider == ConnectorProviders.LocalFiles
                && (config["path_prefix"]?.GetValue<string>() is not { } prefix || document.SourceUri.StartsWith("file://" + prefix.TrimStart('/'), StringComparison.Ordinal)),
            TriggerTypes.ConnectorEvent => config["connector_id"]?.GetValue<string>() is { } connectorId
                ? connectorId == e.ConnectorId
                : config["provider"]?.GetValue<string>() == e.Provider,
            _ => type == e.Provider,
        };
        if (!source)
        {
            return false;
        }
        var keywords = config["keywords"] is JsonArray list ? list.Select(k => k!.GetValue<string>()).ToList() : [];
        return keywords.Count == 0 || keywords.Any(k => document.Title.Contains(k, StringComparison.OrdinalIgnoreCase)
            || document.Content.Contains(k, StringComparison.OrdinalIgnoreCase));
    }

    private static string Excerpt(string text, int max) => text.Length > max ? text[..max] + "…" : text;

    private static byte[]? TryHex(string? text)
    {
        if (text is not { Length: 64 })
        {
            return null;
        }
        try
        {
            return Convert.FromHexString(text);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>Saves the automation with its cron schedule (a time trigger, active) in one transaction; otherwise there is none.</summary>
    private async Task SaveWithScheduleAsync(AutomationRow automation, CancellationToken ct)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await db.SaveChangesAsync(ct);
        var name = ScheduleName(automation.Id);
        if (automation.TriggerType == TriggerTypes.Time && automation.IsActive)
        {
            var cron = JsonNode.Parse(automation.TriggerConfigJson)!["cron"]!.GetValue<string>();
            await schedules.SetAsync<AutomationFireJob>(name, cron, new AutomationFireJob.Payload(automation.Id, TriggerTypes.Time, ""), ct);
        }
        else
        {
            await schedules.RemoveAsync(name, ct);
        }
        await transaction.CommitAsync(ct);
    }

    private static void CheckText(AutomationRequest request, List<FieldError> errors)
    {
        if (request.Name is { Length: > 200 })
        {
            errors.Add(new FieldError("name", "Name is at most 200 characters"));
        }
        if (request.Description is { Length: > 2000 })
        {
            errors.Add(new FieldError("description", "Description is at most 2000 characters"));
        }
    }

    private async Task CheckGoalAsync(Member member, string goalId, List<FieldError> errors, CancellationToken ct)
    {
        if (goalId.Length > 64 || !await db.Set<GoalRow>().AnyAsync(g => g.Id == goalId && g.TenantId == member.TenantId, ct))
        {
            errors.Add(new FieldError("workflow.goal_id", "Goal not found"));
        }
    }

    private static (string? Template, JsonObject? Parameters) CheckWorkflow(WorkflowRequest workflow, List<FieldError> errors)
    {
        if (AutomationTemplates.Find(workflow.Template) is not { } template)
        {
            errors.Add(new FieldError("workflow.template", $"Template must be one of {string.Join(", ", AutomationTemplates.Ids)}"));
            return (null, null);
        }
        return (template.Id, template.Resolve(workflow.Parameters, errors));
    }

    /// <summary>The trigger's type and its config as stored (unknown keys kept, known ones checked).</summary>
    private (string? Type, JsonObject? Config) CheckTrigger(TriggerRequest trigger, List<FieldError> errors)
    {
        var type = trigger.Type?.Trim().ToLowerInvariant();
        if (type is null || !TriggerTypes.All.Contains(type))
        {
            errors.Add(new FieldError("trigger.type", $"Trigger type must be one of {string.Join(", ", TriggerTypes.All)}"));
            return (null, null);
        }
        if (trigger.Config is { ValueKind: not (JsonValueKind.Object or JsonValueKind.Null) })
        {
            errors.Add(new FieldError("trigger.config", "Config must be an object"));
            return (null, null);
        }
        var config = trigger.Config is { ValueKind: JsonValueKind.Object } given ? (JsonObject)JsonNode.Parse(given.GetRawText())! : [];
        if (config.ToJsonString().Length > 10_000)
        {
            errors.Add(new FieldError("trigger.config", "Config is at most 10000 characters of JSON"));
        }
        if (config["keywords"] is { } keywords && (keywords is not JsonArray list || list.Count > 50
            || list.Any(k => k is not JsonValue v || !v.TryGetValue<string>(out var s) || s.Trim().Length is 0 or > 200)))
        {
            errors.Add(new FieldError("trigger.config.keywords", "Keywords must be a list of at most 50 non-empty strings"));
        }
        switch (type)
        {
            case TriggerTypes.Time:
                CheckCron(config["cron"], errors);
                break;
            case TriggerTypes.FolderChange:
                if (config["path_prefix"] is { } prefix && (prefix is not JsonValue pv || !pv.TryGetValue<string>(out var p) || p.Length > 1000))
                {
                    errors.Add(new FieldError("trigger.config.path_prefix", "path_prefix must be a string (a path inside the connector's folder)"));
                }
                break;
            case TriggerTypes.ConnectorEvent:
                var hasConnector = config["connector_id"] is JsonValue cv && cv.TryGetValue<string>(out var c) && c.Length is > 0 and <= 64;
                var hasProvider = config["provider"] is JsonValue prv && prv.TryGetValue<string>(out var pr) && pr.Length is > 0 and <= 32;
                if (!hasConnector && !hasProvider)
                {
                    errors.Add(new FieldError("trigger.config", "A connector_event trigger needs config.connector_id or config.provider"));
                }
                break;
        }
        return (type, config);
    }

    private void CheckCron(JsonNode? node, List<FieldError> errors)
    {
        const string field = "trigger.config.cron";
        if (node is not JsonValue value || !value.TryGetValue<string>(out var text) || !CronSchedule.TryParse(text, out var cron))
        {
            errors.Add(new FieldError(field, "A time trigger needs a cron expression (five Unix fields, or six fields with seconds first)"));
            return;
        }
        var now = clock.GetUtcNow().UtcDateTime;
        if (cron!.NextAfter(now) is not { } next)
        {
            errors.Add(new FieldError(field, "The cron expression is never due again"));
            return;
        }
        if (cron.NextAfter(next) is { } after && after - next < options.Value.MinAutomationInterval)
        {
            errors.Add(new FieldError(field, $"A time trigger fires at most once every {options.Value.MinAutomationInterval}"));
        }
    }
}
