using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Mindstack.Platform.Tests.Realtime;

namespace Mindstack.MindSwarm.Tests;

/// <summary>MindSwarm on a real port, for the stock socket.io-client.</summary>
public sealed class MindSwarmSocketFactory : MindSwarmFactory
{
    public MindSwarmSocketFactory()
    {
        UseKestrel(0);
        WithSetting("urls", "http://127.0.0.1:0");
    }

    public Uri BaseAddress
    {
        get
        {
            StartServer();
            var address = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            return new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
        }
    }
}

/// <summary>Section 21 with the stock <c>socket.io-client</c> at <c>/mindswarm/socket.io/</c>, <c>auth: {token}</c>.</summary>
public sealed class RealtimeTests(MindSwarmSocketFactory factory) : IClassFixture<MindSwarmSocketFactory>
{
    private const string SocketPath = "/mindswarm/socket.io/";

    private async Task<SocketIoNodeClient> ConnectAsync(string token)
    {
        var client = SocketIoNodeClient.Start(factory.BaseAddress, SocketPath, token);
        await client.WaitForKindAsync("connect");
        return client;
    }

    [Fact]
    public async Task Socket_MessagesTypingAndNotifications_Delivered()
    {
        var ada = await factory.RegisterAsync();
        var bob = await factory.RegisterAsync();
        var eve = await factory.RegisterAsync();
        await bob.PostDataAsync($"/api/users/{ada.Username}/follow");
        await using var adaSocket = await ConnectAsync(ada.AccessToken!);
        await using var bobSocket = await ConnectAsync(bob.AccessToken!);
        await using var eveSocket = await ConnectAsync(eve.AccessToken!);

        // new-message, to both members.
        var conversationId = (await bob.PostDataAsync("/api/messages/conversations", new { recipientId = ada.UserId }, HttpStatusCode.Created))
            .GetProperty("conversation").GetProperty("_id").GetString()!;
        await bob.PostDataAsync($"/api/messages/conversations/{conversationId}/messages", new { content = "Live hello" }, HttpStatusCode.Created);
        var received = await adaSocket.WaitForEventAsync("new-message");
        var message = received.GetProperty("args")[0];
        Assert.Equal("Live hello", message.GetProperty("content").GetString());
        Assert.Equal(conversationId, message.GetProperty("conversationId").GetString());
        Assert.Equal(bob.Username, message.GetProperty("sender").GetProperty("username").GetString());

        // typing: client → server → the other member only.
        var ack = await bobSocket.EmitWithAckAsync("typing", new { conversationId, isTyping = true });
        Assert.True(ack[0].GetProperty("ok").GetBoolean());
        var typing = (await adaSocket.WaitForEventAsync("typing")).GetProperty("args")[0];
        Assert.Equal(conversationId, typing.GetProperty("conversationId").GetString());
        Assert.Equal(bob.UserId, typing.GetProperty("userId").GetString());
        Assert.True(typing.GetProperty("isTyping").GetBoolean());
        // A non-member cannot type into it.
        var refused = await eveSocket.EmitWithAckAsync("typing", new { conversationId });
        Assert.Equal("CONVERSATION_NOT_FOUND", refused[0].GetProperty("error").GetProperty("code").GetString());

        // Reading and reacting reach the sender.
        await ada.GetDataAsync($"/api/messages/conversations/{conversationId}/messages");
        var read = (await bobSocket.WaitForEventAsync("messages-read")).GetProperty("args")[0];
        Assert.Equal(ada.UserId, read.GetProperty("userId").GetString());
        await ada.PostDataAsync($"/api/messages/messages/{message.GetProperty("_id").GetString()}/react", new { emoji = "heart" });
        var reaction = (await bobSocket.WaitForEventAsync("message-reaction")).GetProperty("args")[0];
        Assert.Equal("heart", reaction.GetProperty("emoji").GetString());

        // notification (ada follows bob) and post-liked (ada likes bob's post), to bob.
        await ada.PostDataAsync($"/api/users/{bob.Username}/follow");
        var notification = (await bobSocket.WaitForEventAsync("notification", args => args[0].GetProperty("type").GetString() == "follow"))
            .GetProperty("args")[0];
        Assert.Equal(ada.Username, notification.GetProperty("sender").GetProperty("username").GetString());
        var post = await bob.PostAsync(new { content = "Like me live" });
        await ada.PostDataAsync($"/api/posts/{post.GetProperty("_id").GetString()}/like");
        await bobSocket.WaitForEventAsync("post-liked");

        // post-created, to a follower's socket (bob followed ada before connecting).
        await ada.PostAsync(new { content = "For my followers" });
        var created = (await bobSocket.WaitForEventAsync("post-created")).GetProperty("args")[0];
        Assert.Equal("For my followers", created.GetProperty("content").GetString());

        // Nothing of this conversation reached the outsider.
        Assert.DoesNotContain(eveSocket.Lines, l => l.GetProperty("kind").GetString() == "event"
            && l.GetProperty("name").GetString() is "new-message" or "typing" or "messages-read");
    }

    [Fact]
    public async Task Socket_DeveloperKeyOrBadToken_AcceptedOrRefused()
    {
        var owner = await factory.RegisterAsync();
        var key = (await owner.PostDataAsync("/api/developer/apps", new { name = "Live bot" }, HttpStatusCode.Created)).GetProperty("apiKey").GetString()!;
        await using var bot = await ConnectAsync(key);
        var fan = await factory.RegisterAsync();
        await fan.PostDataAsync($"/api/users/{owner.Username}/follow");
        await bot.WaitForEventAsync("notification", args => args[0].GetProperty("type").GetString() == "follow");

        await using var stranger = SocketIoNodeClient.Start(factory.BaseAddress, SocketPath, "not-a-token");
        await stranger.WaitForKindAsync("connect_error");
    }
}
