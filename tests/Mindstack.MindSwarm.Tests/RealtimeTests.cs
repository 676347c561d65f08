using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Mindstack.Platform.Accounts;
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

/// <summary>MindSwarm on a real main port and a port of its own, where its paths are served at the root.</summary>
public sealed class MindSwarmOwnPortFactory : MindSwarmFactory
{
    public MindSwarmOwnPortFactory()
    {
        OwnPort = FreePort();
        // Explicit listeners replace the server's URLs (where an own port is otherwise added), so both are named here.
        UseKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, 0);
            kestrel.Listen(IPAddress.Loopback, OwnPort);
        });
        WithSetting("Mindstack:Apis:MindSwarm:Port", OwnPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    public int OwnPort { get; }

    /// <summary>Starts the server; the factory's clients then speak to the main port, and this is the own one.</summary>
    public Uri OwnAddress
    {
        get
        {
            StartServer();
            ClientOptions.BaseAddress = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
                .Select(a => new Uri(a.Replace("[::]", "127.0.0.1", StringComparison.Ordinal)))
                .First(a => a.Port != OwnPort);
            return new Uri($"http://127.0.0.1:{OwnPort}");
        }
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>Section 21 on MindSwarm's own port: the stock client at <c>/socket.io/</c>, as the document writes it.</summary>
public sealed class OwnPortRealtimeTests(MindSwarmOwnPortFactory factory) : IClassFixture<MindSwarmOwnPortFactory>
{
    [Fact]
    public async Task Socket_OnOwnPortAtSocketIoRoot_ConnectsAndReceivesEvents()
    {
        var ownAddress = factory.OwnAddress;
        var ada = await factory.RegisterAsync();
        var bob = await factory.RegisterAsync();
        await using var socket = SocketIoNodeClient.Start(ownAddress, "/socket.io/", ada.AccessToken!);
        await socket.WaitForKindAsync("connect");

        await bob.PostDataAsync($"/api/users/{ada.Username}/follow");
        var notification = (await socket.WaitForEventAsync("notification", args => args[0].GetProperty("type").GetString() == "follow"))
            .GetProperty("args")[0];
        Assert.Equal(bob.Username, notification.GetProperty("sender").GetProperty("username").GetString());

        // The same port's REST paths are at the root too, and a bad token is refused there as well.
        using var own = new HttpClient { BaseAddress = factory.OwnAddress };
        using var feed = await own.GetAsync("/api/posts/feed?type=algorithm");
        Assert.Equal(HttpStatusCode.OK, feed.StatusCode);
        await using var stranger = SocketIoNodeClient.Start(factory.OwnAddress, "/socket.io/", "not-a-token");
        await stranger.WaitForKindAsync("connect_error");
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
    public async Task Socket_AccountBannedOrSuspended_DisconnectedAtOnce()
    {
        var moderator = await factory.RegisterAsync();
        using (var scope = factory.Services.CreateScope())
        {
            await scope.ServiceProvider.GetRequiredService<IAccountService>().SetRoleAsync(moderator.UserId, AccountRoles.Moderator);
        }
        var banned = await factory.RegisterAsync();
        var suspended = await factory.RegisterAsync();
        var shadowed = await factory.RegisterAsync();
        await using var bannedSocket = await ConnectAsync(banned.AccessToken!);
        await using var suspendedSocket = await ConnectAsync(suspended.AccessToken!);
        await using var shadowedSocket = await ConnectAsync(shadowed.AccessToken!);

        await moderator.PostDataAsync("/api/moderation/bans", new { userId = banned.UserId, type = "temporary", duration = "1d", reason = "Spam" },
            HttpStatusCode.Created);
        // A server disconnect: the stock client does not reconnect on its own.
        Assert.Equal("io server disconnect", (await bannedSocket.WaitForKindAsync("disconnect")).GetProperty("reason").GetString());

        using (var scope = factory.Services.CreateScope())
        {
            await scope.ServiceProvider.GetRequiredService<IAccountService>().SetStatusAsync(suspended.UserId, AccountStatus.Suspended);
        }
        Assert.Equal("io server disconnect", (await suspendedSocket.WaitForKindAsync("disconnect")).GetProperty("reason").GetString());

        // A shadow ban is not to be noticed: the socket stays and still receives its events.
        await moderator.PostDataAsync("/api/moderation/bans", new { userId = shadowed.UserId, type = "shadow", reason = "Spam" }, HttpStatusCode.Created);
        var fan = await factory.RegisterAsync();
        await fan.PostDataAsync($"/api/users/{shadowed.Username}/follow");
        await shadowedSocket.WaitForEventAsync("notification", args => args[0].GetProperty("type").GetString() == "follow");
        Assert.DoesNotContain(shadowedSocket.Lines, l => l.GetProperty("kind").GetString() == "disconnect");
    }

    [Fact]
    public async Task Socket_DeveloperKeyOwnerBanned_DisconnectedAtOnceAndRefusedAfter()
    {
        var moderator = await factory.RegisterAsync();
        using (var scope = factory.Services.CreateScope())
        {
            await scope.ServiceProvider.GetRequiredService<IAccountService>().SetRoleAsync(moderator.UserId, AccountRoles.Moderator);
        }
        var owner = await factory.RegisterAsync();
        var key = (await owner.PostDataAsync("/api/developer/apps", new { name = "Banned bot" }, HttpStatusCode.Created)).GetProperty("apiKey").GetString()!;
        await using var bot = await ConnectAsync(key);
        // An owner signed out everywhere: no session is left for the ban to revoke, and its key's socket still closes.
        var idle = await factory.RegisterAsync();
        var idleKey = (await idle.PostDataAsync("/api/developer/apps", new { name = "Idle bot" }, HttpStatusCode.Created)).GetProperty("apiKey").GetString()!;
        await using var idleBot = await ConnectAsync(idleKey);
        await idle.PostDataAsync("/api/auth/logout");

        await moderator.PostDataAsync("/api/moderation/bans", new { userId = owner.UserId, type = "temporary", duration = "1d", reason = "Spam bot" },
            HttpStatusCode.Created);
        Assert.Equal("io server disconnect", (await bot.WaitForKindAsync("disconnect")).GetProperty("reason").GetString());
        await moderator.PostDataAsync("/api/moderation/bans", new { userId = idle.UserId, type = "permanent", reason = "Spam bot" }, HttpStatusCode.Created);
        Assert.Equal("io server disconnect", (await idleBot.WaitForKindAsync("disconnect")).GetProperty("reason").GetString());

        // While the ban lasts the key opens no new socket either.
        await using var again = SocketIoNodeClient.Start(factory.BaseAddress, SocketPath, key);
        await again.WaitForKindAsync("connect_error");
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
