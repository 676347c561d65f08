using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Mindstack.MindSwarm.Auth;
using Mindstack.MindSwarm.Posts;
using Mindstack.Platform.Access;
using Mindstack.Platform.Http;
using Mindstack.Platform.Storage;

namespace Mindstack.MindSwarm.Messages;

/// <summary>Section 6, Direct Messages.</summary>
internal static class MessageEndpoints
{
    public static IServiceCollection AddMindSwarmMessages(this IServiceCollection services)
    {
        services.AddModelContributor<MessageModel>();
        services.TryAddScoped<MessageService>();
        return services;
    }

    public static void Map(RouteGroupBuilder api)
    {
        var messages = api.MapGroup("/messages").RequireCaller();
        messages.MapGet("/conversations", Conversations).WithSummary("Your conversations, latest activity first (?page, limit)")
            .ProducesEnvelope<ConversationsPage>();
        messages.MapPost("/conversations", Start).RequireVerifiedEmail()
            .WithSummary("Start (or find) the one-to-one conversation with {recipientId}")
            .ProducesEnvelope<ConversationEnvelope>()
            .ProducesEnvelope<ConversationEnvelope>(StatusCodes.Status201Created);
        messages.MapPost("/conversations/group", StartGroup).RequireVerifiedEmail()
            .WithSummary("Start a group conversation {participantIds, groupName}")
            .ProducesEnvelope<ConversationEnvelope>(StatusCodes.Status201Created);
        messages.MapGet("/conversations/{id}/messages", Messages)
            .WithSummary("A conversation's messages, newest first (?page, limit); reading marks it read")
            .ProducesEnvelope<MessagesPage>();
        messages.MapPost("/conversations/{id}/messages", Send).RequireVerifiedEmail()
            .WithSummary("Send a message {content (1–2000), media (up to 4)}")
            .ProducesEnvelope<MessageEnvelope>(StatusCodes.Status201Created);
        messages.MapPost("/messages/{messageId}/react", React).RequireVerifiedEmail()
            .WithSummary("React to a message {emoji}, or take the reaction back")
            .ProducesEnvelope<ReactionResult>();
        messages.MapDelete("/{messageId}", Delete).WithSummary("Delete your message").ProducesEnvelope<MessageResult>();
        messages.MapGet("/unread", Unread).WithSummary("Unread messages, in total and per conversation").ProducesEnvelope<UnreadMessagesView>();
    }

    private static async Task<IResult> Conversations(HttpRequest request, Caller caller, MessageService service, MindSwarmDialect dialect,
        CancellationToken ct) =>
        dialect.Ok(await service.ListAsync(caller.AccountId, Query.Pages(request, 20, 100), ct));

    private static async Task<IResult> Start(Body<StartConversationRequest> body, Caller caller, MessageService service, MindSwarmDialect dialect,
        CancellationToken ct)
    {
        var (view, created) = await service.StartAsync(caller, body.Value, ct);
        return dialect.Ok(new ConversationEnvelope(view), created ? StatusCodes.Status201Created : StatusCodes.Status200OK);
    }

    private static async Task<IResult> StartGroup(Body<GroupConversationRequest> body, Caller caller, MessageService service, MindSwarmDialect dialect,
        CancellationToken ct) =>
        dialect.Ok(new ConversationEnvelope(await service.StartGroupAsync(caller, body.Value, ct)), StatusCodes.Status201Created);

    private static async Task<IResult> Messages(string id, HttpRequest request, Caller caller, MessageService service, MindSwarmDialect dialect,
        CancellationToken ct) =>
        dialect.Ok(await service.MessagesAsync(caller.AccountId, id, Query.Pages(request, 50, 100), ct));

    private static async Task<IResult> Send(string id, Body<SendMessageRequest> body, Caller caller, MessageService service, MindSwarmDialect dialect,
        CancellationToken ct) =>
        dialect.Ok(new MessageEnvelope(await service.SendAsync(caller, id, body.Value, ct)), StatusCodes.Status201Created);

    private static async Task<IResult> React(string messageId, Body<ReactRequest> body, Caller caller, MessageService service, MindSwarmDialect dialect,
        CancellationToken ct) =>
        dialect.Ok(await service.ReactAsync(caller, messageId, body.Value.Emoji, ct));

    private static async Task<IResult> Delete(string messageId, Caller caller, MessageService service, MindSwarmDialect dialect, CancellationToken ct)
    {
        await service.DeleteAsync(caller, messageId, ct);
        return dialect.Ok(new MessageResult("Message deleted"));
    }

    private static async Task<IResult> Unread(Caller caller, MessageService service, MindSwarmDialect dialect, CancellationToken ct) =>
        dialect.Ok(await service.UnreadAsync(caller.AccountId, ct));
}
