using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Mindstack.Platform.Access;
using Mindstack.Platform.Events;
using Mindstack.Platform.Http;
using Mindstack.Platform.Jobs;
using Mindstack.Platform.Storage;

namespace Mindstack.MindSwarm.Notifications;

/// <summary>Section 5, Notifications: the list, read marks, the unread count, preferences, delete all, and Web Push subscriptions.</summary>
internal static class NotificationEndpoints
{
    public static IServiceCollection AddMindSwarmNotifications(this IServiceCollection services)
    {
        services.AddModelContributor<NotificationModel>();
        services.AddOptions<PushOptions>().BindConfiguration(PushOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PushOptions>, PushOptionsValidator>());
        services.TryAddScoped<NotificationPreferences>();
        services.TryAddScoped<NotificationService>();
        services.TryAddScoped<Notifier>();
        services.TryAddScoped<VapidKeys>();
        services.AddEventSubscriber<NotificationEvents>();
        services.AddJobHandler<WebPushJob>(WebPushJob.Name, o => o.MaxAttempts = 5);
        return services;
    }

    public static void Map(RouteGroupBuilder api)
    {
        var notifications = api.MapGroup("/notifications").RequireCaller();
        notifications.MapGet("", List).WithSummary("Your notifications, newest first (?page, limit, unreadOnly, type)")
            .ProducesEnvelope<NotificationsPage>();
        notifications.MapPut("/read", MarkRead).WithSummary("Mark notifications read: {notificationIds: [...]} or {markAll: true}")
            .ProducesEnvelope<MarkReadResult>();
        notifications.MapGet("/unread-count", UnreadCount).WithSummary("How many notifications are unread").ProducesEnvelope<UnreadCountView>();
        notifications.MapGet("/preferences", Preferences).WithSummary("Your email and push preferences").ProducesEnvelope<NotificationPreferencesView>();
        notifications.MapPut("/preferences", UpdatePreferences)
            .WithSummary("Change email and push preferences: {email: {enabled, likes, replies…}, push: {enabled, …}}")
            .ProducesEnvelope<NotificationPreferencesView>();
        notifications.MapDelete("/all", DeleteAll).WithSummary("Delete all your notifications").ProducesEnvelope<DeletedResult>();
        WebPushEndpoints.Map(api.MapGroup("/notifications/push"));
    }

    private static async Task<IResult> List(HttpRequest request, Caller caller, NotificationService service, MindSwarmDialect dialect, CancellationToken ct)
    {
        var unreadOnly = request.Query["unreadOnly"].ToString().Trim().ToLowerInvariant() switch
        {
            "" or "false" or "0" => false,
            "true" or "1" => true,
            _ => throw Problem.Invalid("unreadOnly", "unreadOnly must be true or false"),
        };
        var type = string.IsNullOrWhiteSpace(request.Query["type"]) ? null : request.Query["type"].ToString().Trim();
        return dialect.Ok(await service.ListAsync(caller.AccountId, Query.Pages(request, 20, 100), unreadOnly, type, ct));
    }

    private static async Task<IResult> MarkRead(Body<MarkReadRequest> body, Caller caller, NotificationService service, MindSwarmDialect dialect,
        CancellationToken ct) =>
        dialect.Ok(await service.MarkReadAsync(caller.AccountId, body.Value, ct));

    private static async Task<IResult> UnreadCount(Caller caller, NotificationService service, MindSwarmDialect dialect, CancellationToken ct)
    {
        var count = await service.UnreadAsync(caller.AccountId, ct);
        return dialect.Ok(new UnreadCountView(count, count));
    }

    private static async Task<IResult> Preferences(Caller caller, NotificationPreferences preferences, MindSwarmDialect dialect, CancellationToken ct) =>
        dialect.Ok((await preferences.GetAsync(caller.AccountId, ct)).View());

    private static async Task<IResult> UpdatePreferences(Body<JsonObject> body, Caller caller, NotificationPreferences preferences,
        MindSwarmDialect dialect, CancellationToken ct) =>
        dialect.Ok((await preferences.UpdateAsync(caller.AccountId, JsonSerializer.SerializeToElement(body.Value), ct)).View());

    private static async Task<IResult> DeleteAll(Caller caller, NotificationService service, MindSwarmDialect dialect, CancellationToken ct) =>
        dialect.Ok(await service.DeleteAllAsync(caller.AccountId, ct));
}
