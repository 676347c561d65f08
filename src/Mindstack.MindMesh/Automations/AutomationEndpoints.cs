using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Mindstack.MindMesh.Goals;
using Mindstack.MindMesh.Tenants;
using Mindstack.Platform.Http;
using Mindstack.Platform.Limits;
using Mindstack.Platform.Storage;
using P = Mindstack.MindMesh.MindMeshApi.Permissions;

namespace Mindstack.MindMesh.Automations;

internal static class AutomationEndpoints
{
    /// <summary>The largest webhook body read (a longer one is cut; only its start goes into the goal).</summary>
    private const int MaxWebhookBody = 64 * 1024;

    public static void Map(RouteGroupBuilder api, RouteGroupBuilder authed)
    {
        authed.MapGet("/automations/templates", Templates).Needs(P.ManageAutomations).WithName("MindMeshAutomationTemplates")
            .WithSummary("The workflow templates (meeting_followup, email_classification, weekly_digest, custom_goal) with their parameter schemas")
            .Produces<TemplatesView>();
        authed.MapGet("/automations", ListAsync).Needs(P.ManageAutomations).WithName("MindMeshListAutomations")
            .WithSummary("List automations; page, size (max 100), is_active").ProducesPage<AutomationView>();
        authed.MapPost("/automations", CreateAsync).Needs(P.ManageAutomations).WithName("MindMeshCreateAutomation")
            .WithSummary("Create an automation: trigger {type: time (config.cron) | webhook (a signed webhook_url) | folder_change | connector_event | gmail | calendar | slack | webhook_inbox, config} and workflow {template, parameters, goal_id?}")
            .Produces<AutomationView>(StatusCodes.Status201Created);
        authed.MapPut("/automations/{automation_id}", UpdateAsync).Needs(P.ManageAutomations).WithName("MindMeshUpdateAutomation")
            .WithSummary("Change an automation's name, description, trigger, workflow or is_active").Produces<AutomationView>();
        authed.MapDelete("/automations/{automation_id}", DeleteAsync).Needs(P.ManageAutomations).WithName("MindMeshDeleteAutomation")
            .WithSummary("Delete an automation (and its schedule)").Produces<MessageView>();
        // No credential: the URL's signature is the proof (checked in constant time; any mismatch is 404).
        api.MapPost("/automations/{automation_id}/webhook", WebhookAsync).RateLimit(MindMeshApi.Limits.Write).WithName("MindMeshAutomationWebhook")
            .WithSummary("Fire a webhook automation: POST anything to its webhook_url (?signature=…); the body is handed to the goal it runs")
            .Produces<WebhookFiredView>(StatusCodes.Status202Accepted);
    }

    public static AutomationView View(AutomationRow a, HttpRequest request, AutomationService automations) => new(a.Id, a.TenantId, a.Name, a.Description,
        new TriggerView(a.TriggerType, GoalViews.Json(a.TriggerConfigJson)), new WorkflowView(a.Template, GoalViews.Json(a.ParametersJson), a.GoalId),
        a.IsActive, automations.Signature(a) is { } signature ? WebhookUrl(request, a.Id, signature) : null, a.LastTriggeredAt, a.LastRunId, a.TriggerCount,
        a.CreatedAt, a.UpdatedAt);

    /// <summary>The webhook's absolute URL, under wherever this API is mounted (its base path or its own port).</summary>
    private static string WebhookUrl(HttpRequest request, string id, string signature)
    {
        var path = request.PathBase.Add(request.Path).Value ?? "";
        var mount = path[..Math.Max(0, path.IndexOf("/automations", StringComparison.Ordinal))];
        return $"{request.Scheme}://{request.Host}{mount}/automations/{id}/webhook?signature={signature}";
    }

    private static IResult Templates(MindMeshDialect dialect) => dialect.Ok(new TemplatesView(AutomationTemplates.Views));

    private static async Task<IResult> ListAsync(HttpRequest request, Member member, MindstackDbContext db, AutomationService automations,
        MindMeshDialect dialect, CancellationToken ct)
    {
        var paging = Paging.Read(request);
        var query = db.Set<AutomationRow>().AsNoTracking().Where(a => a.TenantId == member.TenantId);
        if (Paging.Bool(request, "is_active") is { } active)
        {
            query = query.Where(a => a.IsActive == active);
        }
        var total = await query.CountAsync(ct);
        var rows = await query.OrderByDescending(a => a.CreatedAt).ThenByDescending(a => a.Id).Skip(paging.Offset).Take(paging.Limit).ToListAsync(ct);
        return dialect.Page(rows.Select(a => View(a, request, automations)).ToList(), paging, total);
    }

    private static async Task<IResult> CreateAsync(HttpRequest request, Body<AutomationRequest> body, Member member, AutomationService automations,
        MindMeshDialect dialect, CancellationToken ct) =>
        dialect.Ok(View(await automations.CreateAsync(member, body.Value, ct), request, automations), StatusCodes.Status201Created);

    private static async Task<IResult> UpdateAsync(string automation_id, HttpRequest request, Body<AutomationRequest> body, Member member,
        AutomationService automations, MindMeshDialect dialect, CancellationToken ct) =>
        dialect.Ok(View(await automations.UpdateAsync(member, automation_id, body.Value, ct), request, automations));

    private static async Task<IResult> DeleteAsync(string automation_id, Member member, AutomationService automations, MindMeshDialect dialect,
        CancellationToken ct)
    {
        await automations.DeleteAsync(member, automation_id, ct);
        return dialect.Message("Automation deleted successfully");
    }

    private static async Task<IResult> WebhookAsync(string automation_id, HttpRequest request, AutomationService automations, MindMeshDialect dialect,
        CancellationToken ct)
    {
        var buffer = new char[MaxWebhookBody];
        using var reader = new StreamReader(request.Body);
        var read = await reader.ReadBlockAsync(buffer, ct);
        // NUL cannot be stored (PostgreSQL text); invalid UTF-8 was already read as U+FFFD.
        var text = new string(buffer, 0, read).Replace("\0", "", StringComparison.Ordinal);
        var fireId = await automations.FireWebhookAsync(automation_id, request.Query["signature"].ToString(), text, ct);
        return dialect.Ok(new WebhookFiredView("Automation triggered", fireId), StatusCodes.Status202Accepted);
    }
}
