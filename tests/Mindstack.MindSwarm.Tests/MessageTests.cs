using System.Net;
using System.Text.Json;

namespace Mindstack.MindSwarm.Tests;

public sealed class MessageTests(MindSwarmFactory factory) : IClassFixture<MindSwarmFactory>
{
    private static async Task<string> StartAsync(SwarmClient from, SwarmClient to, HttpStatusCode status = HttpStatusCode.Created) =>
        (await from.PostDataAsync("/api/messages/conversations", new { recipientId = to.UserId }, status))
            .GetProperty("conversation").GetProperty("_id").GetString()!;

    private static async Task<JsonElement> SendAsync(SwarmClient from, string conversationId, object body) =>
        (await from.PostDataAsync($"/api/messages/conversations/{conversationId}/messages", body, HttpStatusCode.Created)).GetProperty("message");

    [Fact]
    public async Task Conversation_OneToOne_MessagesUnreadAndReadReceipts()
    {
        var ada = await factory.RegisterAsync();
        var bob = await factory.RegisterAsync();
        var id = await StartAsync(ada, bob);
        // One conversation per pair: starting again (from either side) finds it.
        Assert.Equal(id, await StartAsync(bob, ada, HttpStatusCode.OK));

        var sent = await SendAsync(ada, id, new { content = "Hello!", media = new[] { new { type = "image", url = "https://example.com/a.jpg" } } });
        Assert.Equal("Hello!", sent.GetProperty("content").GetString());
        Assert.Equal(ada.Username, sent.GetProperty("sender").GetProperty("username").GetString());
        Assert.Equal("https://example.com/a.jpg", sent.GetProperty("media")[0].GetProperty("url").GetString());
        await SendAsync(ada, id, new { content = "Are you there?" });

        var unread = await bob.GetDataAsync("/api/messages/unread");
        Assert.Equal(2, unread.GetProperty("count").GetInt32());
        Assert.Equal(id, unread.GetProperty("conversations")[0].GetProperty("conversationId").GetString());
        var conversations = await bob.GetDataAsync("/api/messages/conversations?page=1");
        var conversation = conversations.GetProperty("conversations").EnumerateArray().Single();
        Assert.Equal(2, conversation.GetProperty("unreadCount").GetInt32());
        Assert.Equal("Are you there?", conversation.GetProperty("lastMessage").GetProperty("content").GetString());
        Assert.Contains(conversation.GetProperty("participants").EnumerateArray(), p => p.GetProperty("username").GetString() == ada.Username);

        // Reading the messages (newest first) reads the conversation: a read receipt for the sender.
        var messages = (await bob.GetDataAsync($"/api/messages/conversations/{id}/messages?page=1")).GetProperty("messages");
        Assert.Equal(new[] { "Are you there?", "Hello!" }, messages.EnumerateArray().Select(m => m.GetProperty("content").GetString()!).ToArray());
        Assert.Equal(0, (await bob.GetDataAsync("/api/messages/unread")).GetProperty("count").GetInt32());
        var seen = (await ada.GetDataAsync($"/api/messages/conversations/{id}/messages")).GetProperty("messages")[0];
        Assert.Equal(new[] { bob.UserId }, seen.GetProperty("readBy").EnumerateArray().Select(r => r.GetString()!).ToArray());

        // The document's content rules.
        await ada.ErrorAsync(HttpMethod.Post, $"/api/messages/conversations/{id}/messages", new { content = new string('x', 2001) }, HttpStatusCode.BadRequest, "VALIDATION_ERROR");
        await ada.ErrorAsync(HttpMethod.Post, $"/api/messages/conversations/{id}/messages", new { content = " " }, HttpStatusCode.BadRequest, "VALIDATION_ERROR");
        var five = Enumerable.Range(0, 5).Select(i => new { type = "image", url = $"https://example.com/{i}.jpg" }).ToArray();
        await ada.ErrorAsync(HttpMethod.Post, $"/api/messages/conversations/{id}/messages", new { content = "many", media = five }, HttpStatusCode.BadRequest, "VALIDATION_ERROR");
        await SendAsync(ada, id, new { content = new string('y', 2000) });

        // Only members see a conversation; nobody messages themselves.
        var eve = await factory.RegisterAsync();
        await eve.ErrorAsync(HttpMethod.Get, $"/api/messages/conversations/{id}/messages", null, HttpStatusCode.NotFound);
        await eve.ErrorAsync(HttpMethod.Post, $"/api/messages/conversations/{id}/messages", new { content = "hi" }, HttpStatusCode.NotFound);
        await eve.ErrorAsync(HttpMethod.Post, "/api/messages/conversations", new { recipientId = eve.UserId }, HttpStatusCode.BadRequest);

        // bob follows no one: ada's first messages are a request; bob's answer is a plain dm for ada.
        await NotificationTests.NotificationsAsync(bob, l => NotificationTests.Has(l, "dm_request", ada.Username), "dm_request");
        await SendAsync(bob, id, new { content = "Hi Ada" });
        var adas = await NotificationTests.NotificationsAsync(ada, l => NotificationTests.Has(l, "dm", bob.Username), "dm");
        Assert.Equal(id, adas.First(n => n.GetProperty("type").GetString() == "dm").GetProperty("targetId").GetString());
    }

    [Fact]
    public async Task Conversation_Group_MembersOnly()
    {
        var owner = await factory.RegisterAsync();
        var b = await factory.RegisterAsync();
        var c = await factory.RegisterAsync();
        var outsider = await factory.RegisterAsync();
        var group = (await owner.PostDataAsync("/api/messages/conversations/group", new { participantIds = new[] { b.UserId, c.UserId }, groupName = "Chat" },
            HttpStatusCode.Created)).GetProperty("conversation");
        Assert.True(group.GetProperty("isGroup").GetBoolean());
        Assert.Equal("Chat", group.GetProperty("name").GetString());
        Assert.Equal(3, group.GetProperty("participants").GetArrayLength());
        var id = group.GetProperty("_id").GetString()!;

        await SendAsync(c, id, new { content = "Hi all" });
        foreach (var member in new[] { owner, b })
        {
            Assert.Equal(1, (await member.GetDataAsync("/api/messages/unread")).GetProperty("count").GetInt32());
            Assert.Equal("Hi all", (await member.GetDataAsync($"/api/messages/conversations/{id}/messages")).GetProperty("messages")[0]
                .GetProperty("content").GetString());
        }
        await outsider.ErrorAsync(HttpMethod.Get, $"/api/messages/conversations/{id}/messages", null, HttpStatusCode.NotFound);
        await owner.ErrorAsync(HttpMethod.Post, "/api/messages/conversations/group", new { participantIds = Array.Empty<string>() }, HttpStatusCode.BadRequest);
        await owner.ErrorAsync(HttpMethod.Post, "/api/messages/conversations/group", new { participantIds = new[] { "nobody_here" } }, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Message_ReactAndDelete_OwnOnly()
    {
        var ada = await factory.RegisterAsync();
        var bob = await factory.RegisterAsync();
        var id = await StartAsync(ada, bob);
        var message = await SendAsync(bob, id, new { content = "React to me" });
        var messageId = message.GetProperty("_id").GetString()!;

        var added = await ada.PostDataAsync($"/api/messages/messages/{messageId}/react", new { emoji = "heart" });
        Assert.True(added.GetProperty("added").GetBoolean());
        Assert.Equal("heart", added.GetProperty("reactions")[0].GetProperty("emoji").GetString());
        Assert.Equal(1, added.GetProperty("reactions")[0].GetProperty("count").GetInt32());
        var shown = (await bob.GetDataAsync($"/api/messages/conversations/{id}/messages")).GetProperty("messages")[0];
        Assert.Equal(ada.UserId, shown.GetProperty("reactions")[0].GetProperty("users")[0].GetString());
        var removed = await ada.PostDataAsync($"/api/messages/messages/{messageId}/react", new { emoji = "heart" });
        Assert.False(removed.GetProperty("added").GetBoolean());
        Assert.Equal(0, removed.GetProperty("reactions").GetArrayLength());
        await ada.ErrorAsync(HttpMethod.Post, $"/api/messages/messages/{messageId}/react", new { emoji = "" }, HttpStatusCode.BadRequest);

        await ada.ErrorAsync(HttpMethod.Delete, $"/api/messages/{messageId}", null, HttpStatusCode.Forbidden, "NOT_MESSAGE_SENDER");
        await bob.DataAsync(HttpMethod.Delete, $"/api/messages/{messageId}");
        Assert.Equal(0, (await ada.GetDataAsync($"/api/messages/conversations/{id}/messages")).GetProperty("total").GetInt32());
        await bob.ErrorAsync(HttpMethod.Delete, $"/api/messages/{messageId}", null, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Conversation_BlockedEitherWay_Forbidden()
    {
        var ada = await factory.RegisterAsync();
        var bob = await factory.RegisterAsync();
        var carl = await factory.RegisterAsync();
        var id = await StartAsync(ada, bob);
        await bob.PostDataAsync($"/api/users/{ada.Username}/block");
        // The blocked cannot write, nor can the blocker; nor start anew.
        await ada.ErrorAsync(HttpMethod.Post, $"/api/messages/conversations/{id}/messages", new { content = "hello?" }, HttpStatusCode.Forbidden, "USER_BLOCKED");
        await bob.ErrorAsync(HttpMethod.Post, $"/api/messages/conversations/{id}/messages", new { content = "bye" }, HttpStatusCode.Forbidden, "USER_BLOCKED");
        await ada.ErrorAsync(HttpMethod.Post, "/api/messages/conversations", new { recipientId = bob.UserId }, HttpStatusCode.Forbidden, "USER_BLOCKED");
        await ada.ErrorAsync(HttpMethod.Post, "/api/messages/conversations/group", new { participantIds = new[] { bob.UserId, carl.UserId } },
            HttpStatusCode.Forbidden, "USER_BLOCKED");
        await bob.DataAsync(HttpMethod.Delete, $"/api/users/{ada.Username}/block");
        await SendAsync(ada, id, new { content = "friends again" });
    }

    [Fact]
    public async Task OpenApi_NotificationAndMessageRoutes_Described()
    {
        using var response = await factory.SendRawAsync(HttpMethod.Get, "/openapi/mindswarm.json");
        var paths = (await SwarmClient.Expect(response, HttpStatusCode.OK)).GetProperty("paths");
        foreach (var path in new[]
                 {
                     "/mindswarm/api/notifications", "/mindswarm/api/notifications/read", "/mindswarm/api/notifications/unread-count",
                     "/mindswarm/api/notifications/preferences", "/mindswarm/api/notifications/all", "/mindswarm/api/notifications/push/vapid-key",
                     "/mindswarm/api/notifications/push/subscribe", "/mindswarm/api/notifications/push/unsubscribe",
                     "/mindswarm/api/messages/conversations", "/mindswarm/api/messages/conversations/group",
                     "/mindswarm/api/messages/conversations/{id}/messages", "/mindswarm/api/messages/messages/{messageId}/react",
                     "/mindswarm/api/messages/{messageId}", "/mindswarm/api/messages/unread",
                 })
        {
            Assert.True(paths.TryGetProperty(path, out _), path + " missing");
        }
    }
}
