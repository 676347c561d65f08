using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Mindstack.MindPeeker.Sessions;
using Mindstack.Platform.Access;
using Mindstack.Platform.Http;
using Mindstack.Platform.Webhooks;

namespace Mindstack.MindPeeker.Webhooks;

internal sealed record CreateWebhookRequest(string? Url, IReadOnlyList<string>? Events, string? Secret, bool? Active, string? Description);

internal sealed record UpdateWebhookRequest(string? Url, IReadOnlyList<string>? Events, string? Secret, bool? Active, string? Description);

/// <summary>
/// The caller's webhooks on the platform's subscriptions: events <c>session.completed</c>,
/// <c>session.failed</c>, <c>analysis.ready</c>, <c>billing.payment_succeeded</c>; deliveries are
/// POSTed as <c>{id, event, timestamp, data}</c> signed with <c>X-MindPeeker-Signature: sha256=…</c>
/// (HMAC-SHA256 of the raw body with the webhook's secret).
/// </summary>
internal static class WebhookEndpoints
{
    public const string SignatureHeader = "X-MindPeeker-Signature";

    public static void Map(RouteGroupBuilder api)
    {
        var webhooks = api.MapGroup("/webhooks");
        webhooks.MapPost("", CreateAsync).WithSummary("Create a webhook; its signing secret (whsec_…) is returned")
            .ProducesEnvelope<WebhookCreatedView>(StatusCodes.Status201Created);
        webhooks.MapGet("", ListAsync).WithSummary("List the caller's webhooks with when each last fired").ProducesEnvelope<WebhookListView>();
        webhooks.MapPut("/{webhook_id}", UpdateAsync).WithSummary("Change a webhook's URL, events, secret or active flag")
            .ProducesEnvelope<WebhookUpdatedView>();
        webhooks.MapDelete("/{webhook_id}", DeleteAsync).WithSummary("Delete a webhook").Produces<MindPeekerDone>();
    }

    private static Problem NotFound() => Problem.NotFound("Webhook does not exist", "WEBHOOK_NOT_FOUND");

    private static IReadOnlyList<string> ValidEvents(IReadOnlyList<string>? events)
    {
        if (events is null || events.Count == 0)
        {
            throw SessionRules.Missing("events");
        }
        if (events.FirstOrDefault(e => !SessionEvents.All.Contains(e)) is { } unknown)
        {
            throw SessionRules.InvalidValue("events", $"'{unknown}' is not one of {string.Join(", ", SessionEvents.All)}");
        }
        return events.Distinct().ToList();
    }

    private static async Task<IResult> CreateAsync(Caller caller, Body<CreateWebhookRequest> body, IWebhooks webhooks, MindPeekerDialect dialect,
        CancellationToken cancellationToken)
    {
        var request = body.Value;
        if (string.IsNullOrWhiteSpace(request.Url))
        {
            throw SessionRules.Missing("url");
        }
        var events = ValidEvents(request.Events);
        var created = await webhooks.CreateAsync(new NewWebhookSubscription(caller.AccountId, dialect.Name, request.Url.Trim(), events)
        {
            Secret = string.IsNullOrEmpty(request.Secret) ? null : request.Secret,
            Active = request.Active ?? true,
            Description = request.Description,
        }, cancellationToken);
        return dialect.Ok(new WebhookCreatedView(created.Id, created.Url, created.Events, created.Active, created.Secret, created.Description,
            created.CreatedAt), "Webhook created successfully", StatusCodes.Status201Created);
    }

    private static async Task<IResult> ListAsync(Caller caller, IWebhooks webhooks, MindPeekerDialect dialect, CancellationToken cancellationToken)
    {
        var list = await webhooks.ListAsync(caller.AccountId, dialect.Name, cancellationToken);
        return dialect.Ok(new WebhookListView(list.Select(w =>
            new WebhookView(w.Id, w.Url, w.Events, w.Active, w.Description, w.CreatedAt, w.LastTriggeredAt))));
    }

    private static async Task<IResult> UpdateAsync(Caller caller, [FromRoute(Name = "webhook_id")] string webhookId, Body<UpdateWebhookRequest> body,
        IWebhooks webhooks, MindPeekerDialect dialect, CancellationToken cancellationToken)
    {
        var request = body.Value;
        _ = await webhooks.FindAsync(caller.AccountId, dialect.Name, webhookId, cancellationToken) ?? throw NotFound();
        var updated = await webhooks.UpdateAsync(caller.AccountId, dialect.Name, webhookId, new WebhookSubscriptionChanges
        {
            Url = request.Url,
            Events = request.Events is null ? null : ValidEvents(request.Events),
            Secret = string.IsNullOrEmpty(request.Secret) ? null : request.Secret,
            Active = request.Active,
            Description = request.Description,
        }, cancellationToken);
        return dialect.Ok(new WebhookUpdatedView(updated.Id, updated.Url, updated.Events, updated.Active, updated.Description, updated.UpdatedAt,
            updated.LastTriggeredAt), "Webhook updated successfully");
    }

    private static async Task<IResult> DeleteAsync(Caller caller, [FromRoute(Name = "webhook_id")] string webhookId, IWebhooks webhooks,
        MindPeekerDialect dialect, CancellationToken cancellationToken) =>
        await webhooks.DeleteAsync(caller.AccountId, dialect.Name, webhookId, cancellationToken)
            ? dialect.Done("Webhook deleted successfully")
            : throw NotFound();
}
