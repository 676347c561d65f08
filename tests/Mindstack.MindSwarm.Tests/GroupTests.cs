using System.Net;
using System.Text.Json;

namespace Mindstack.MindSwarm.Tests;

public sealed class GroupTests(MindSwarmFactory factory) : IClassFixture<MindSwarmFactory>
{
    private static string Name() => "Group " + Guid.NewGuid().ToString("N")[..8];

    private static async Task<JsonElement> CreateAsync(SwarmClient owner, string privacy = "public", string? name = null) =>
        (await owner.PostDataAsync("/api/groups", new { name = name ?? Name(), description = "About things", privacy }, HttpStatusCode.Created))
            .GetProperty("group");

    /// <summary>A public group with an owner, an admin, a moderator and two members.</summary>
    private async Task<(string Id, SwarmClient Owner, SwarmClient Admin, SwarmClient Moderator, SwarmClient Member, SwarmClient Other)> StaffedAsync()
    {
        var owner = await factory.RegisterAsync();
        var group = await CreateAsync(owner);
        var id = group.GetProperty("id").GetString()!;
        var admin = await factory.RegisterAsync();
        var moderator = await factory.RegisterAsync();
        var member = await factory.RegisterAsync();
        var other = await factory.RegisterAsync();
        foreach (var user in new[] { admin, moderator, member, other })
        {
            Assert.Equal("active", (await user.PostDataAsync($"/api/groups/{id}/join")).GetProperty("status").GetString());
        }
        await owner.PutDataAsync($"/api/groups/{id}/members/{admin.UserId}/role", new { role = "admin" });
        await owner.PutDataAsync($"/api/groups/{id}/members/{moderator.UserId}/role", new { role = "moderator" });
        return (id, owner, admin, moderator, member, other);
    }

    [Fact]
    public async Task CreateAndRead_PublicGroup_BySlugIdSearchAndUser()
    {
        var owner = await factory.RegisterAsync();
        var name = Name();
        var group = await CreateAsync(owner, name: name);
        var slug = group.GetProperty("slug").GetString()!;
        Assert.Equal(name.ToLowerInvariant().Replace(' ', '-'), slug);
        Assert.Equal("owner", group.GetProperty("role").GetString());
        Assert.Equal(1, group.GetProperty("memberCount").GetInt32());

        var anonymous = factory.Anonymous();
        Assert.Equal(group.GetProperty("id").GetString(), (await anonymous.GetDataAsync($"/api/groups/{slug}")).GetProperty("group").GetProperty("id").GetString());
        var found = await anonymous.GetDataAsync("/api/groups/search?q=" + Uri.EscapeDataString(name[6..]));
        Assert.Equal([slug], found.GetProperty("groups").EnumerateArray().Select(g => g.GetProperty("slug").GetString()));
        var mine = await anonymous.GetDataAsync($"/api/groups/user/{owner.UserId}");
        Assert.Contains(slug, mine.GetProperty("groups").EnumerateArray().Select(g => g.GetProperty("slug").GetString()));

        await owner.ErrorAsync(HttpMethod.Post, "/api/groups", new { name = "ab" }, HttpStatusCode.BadRequest, "VALIDATION_ERROR");
        await owner.ErrorAsync(HttpMethod.Post, "/api/groups", new { name = "Valid name", privacy = "hidden" }, HttpStatusCode.BadRequest, "VALIDATION_ERROR");
        await anonymous.ErrorAsync(HttpMethod.Get, "/api/groups/no-such-group", null, HttpStatusCode.NotFound, "GROUP_NOT_FOUND");
    }

    [Fact]
    public async Task RoleMatrix_EachRole_AllowedAndRefusedActions()
    {
        var (id, owner, admin, moderator, member, other) = await StaffedAsync();

        // Edit the group: owner and admin only.
        await admin.PutDataAsync($"/api/groups/{id}", new { description = "By the admin" });
        await moderator.ErrorAsync(HttpMethod.Put, $"/api/groups/{id}", new { description = "x" }, HttpStatusCode.Forbidden, "GROUP_PERMISSION_DENIED");
        await member.ErrorAsync(HttpMethod.Put, $"/api/groups/{id}", new { description = "x" }, HttpStatusCode.Forbidden, "GROUP_PERMISSION_DENIED");

        // Roles: a member or a moderator changes none; an admin cannot make admins nor touch admins; ownership is never given.
        await member.ErrorAsync(HttpMethod.Put, $"/api/groups/{id}/members/{other.UserId}/role", new { role = "moderator" }, HttpStatusCode.Forbidden,
            "GROUP_PERMISSION_DENIED");
        await moderator.ErrorAsync(HttpMethod.Put, $"/api/groups/{id}/members/{other.UserId}/role", new { role = "moderator" }, HttpStatusCode.Forbidden,
            "GROUP_PERMISSION_DENIED");
        await admin.ErrorAsync(HttpMethod.Put, $"/api/groups/{id}/members/{other.UserId}/role", new { role = "admin" }, HttpStatusCode.Forbidden,
            "GROUP_PERMISSION_DENIED");
        await admin.ErrorAsync(HttpMethod.Put, $"/api/groups/{id}/members/{owner.UserId}/role", new { role = "member" }, HttpStatusCode.Forbidden,
            "GROUP_PERMISSION_DENIED");
        await owner.ErrorAsync(HttpMethod.Put, $"/api/groups/{id}/members/{other.UserId}/role", new { role = "owner" }, HttpStatusCode.BadRequest,
            "VALIDATION_ERROR");
        var promoted = await admin.PutDataAsync($"/api/groups/{id}/members/{other.UserId}/role", new { role = "moderator" });
        Assert.Equal("moderator", promoted.GetProperty("role").GetString());
        Assert.Equal(3, await factory.EventCount("group-role-changed", id)); // the admin's and the moderator's promotions, then this one
        await owner.PutDataAsync($"/api/groups/{id}/members/{other.UserId}/role", new { role = "member" });

        // Remove and ban: only someone ranked below you.
        await member.ErrorAsync(HttpMethod.Delete, $"/api/groups/{id}/members/{other.UserId}", null, HttpStatusCode.Forbidden, "GROUP_PERMISSION_DENIED");
        await moderator.ErrorAsync(HttpMethod.Delete, $"/api/groups/{id}/members/{admin.UserId}", null, HttpStatusCode.Forbidden, "GROUP_PERMISSION_DENIED");
        await moderator.ErrorAsync(HttpMethod.Post, $"/api/groups/{id}/ban/{admin.UserId}", new { reason = "no" }, HttpStatusCode.Forbidden,
            "GROUP_PERMISSION_DENIED");
        await admin.ErrorAsync(HttpMethod.Post, $"/api/groups/{id}/ban/{owner.UserId}", new { reason = "no" }, HttpStatusCode.Forbidden,
            "GROUP_PERMISSION_DENIED");
        await member.ErrorAsync(HttpMethod.Post, $"/api/groups/{id}/ban/{other.UserId}", new { reason = "no" }, HttpStatusCode.Forbidden,
            "GROUP_PERMISSION_DENIED");
        await moderator.DataAsync(HttpMethod.Delete, $"/api/groups/{id}/members/{other.UserId}");
        await admin.DataAsync(HttpMethod.Delete, $"/api/groups/{id}/members/{moderator.UserId}");
        await owner.DataAsync(HttpMethod.Delete, $"/api/groups/{id}/members/{admin.UserId}");

        // Invites in a public group: any member. The owner cannot leave; a member can.
        Assert.False(string.IsNullOrEmpty((await member.PostDataAsync($"/api/groups/{id}/invite", null, HttpStatusCode.Created))
            .GetProperty("inviteCode").GetString()));
        await owner.ErrorAsync(HttpMethod.Post, $"/api/groups/{id}/leave", new { }, HttpStatusCode.BadRequest, "OWNER_CANNOT_LEAVE");
        await member.PostDataAsync($"/api/groups/{id}/leave");
        var members = await owner.GetDataAsync($"/api/groups/{id}/members");
        Assert.Equal([owner.UserId], members.GetProperty("members").EnumerateArray().Select(m => m.GetProperty("user").GetProperty("id").GetString()));
        Assert.Equal(1, (await owner.GetDataAsync($"/api/groups/{id}")).GetProperty("group").GetProperty("memberCount").GetInt32());
    }

    [Fact]
    public async Task PrivateGroup_JoinRequest_ApprovedOrDeniedByModerators()
    {
        var owner = await factory.RegisterAsync();
        var id = (await CreateAsync(owner, "private")).GetProperty("id").GetString()!;
        var moderator = await factory.RegisterAsync();
        var asker = await factory.RegisterAsync();
        var denied = await factory.RegisterAsync();

        // The owner lets the moderator in and promotes them.
        await moderator.PostDataAsync($"/api/groups/{id}/join");
        await owner.PostDataAsync($"/api/groups/{id}/requests/{moderator.UserId}/approve");
        await owner.PutDataAsync($"/api/groups/{id}/members/{moderator.UserId}/role", new { role = "moderator" });

        var asked = await asker.PostDataAsync($"/api/groups/{id}/join");
        Assert.Equal("pending", asked.GetProperty("status").GetString());
        await denied.PostDataAsync($"/api/groups/{id}/join");
        // Listed, but members and posts are for members.
        Assert.Equal("pending", (await asker.GetDataAsync($"/api/groups/{id}")).GetProperty("group").GetProperty("membershipStatus").GetString());
        await asker.ErrorAsync(HttpMethod.Get, $"/api/groups/{id}/posts", null, HttpStatusCode.Forbidden, "GROUP_PRIVATE");
        await asker.ErrorAsync(HttpMethod.Post, $"/api/groups/{id}/posts", new { content = "let me in" }, HttpStatusCode.Forbidden, "NOT_A_MEMBER");
        await asker.ErrorAsync(HttpMethod.Get, $"/api/groups/{id}/requests", null, HttpStatusCode.Forbidden, "GROUP_PERMISSION_DENIED");

        var requests = await moderator.GetDataAsync($"/api/groups/{id}/requests");
        Assert.Equal(2, requests.GetProperty("total").GetInt32());
        await moderator.PostDataAsync($"/api/groups/{id}/requests/{asker.UserId}/approve");
        await moderator.PostDataAsync($"/api/groups/{id}/requests/{denied.UserId}/deny");
        await moderator.ErrorAsync(HttpMethod.Post, $"/api/groups/{id}/requests/{denied.UserId}/approve", new { }, HttpStatusCode.NotFound,
            "JOIN_REQUEST_NOT_FOUND");

        var post = (await asker.PostDataAsync($"/api/groups/{id}/posts", new { content = "inside now" }, HttpStatusCode.Created)).GetProperty("post");
        Assert.Equal(["inside now"], (await asker.GetDataAsync($"/api/groups/{id}/posts")).GetProperty("posts").EnumerateArray()
            .Select(p => p.GetProperty("content").GetString()));
        // A private group's post is not readable by id outside the group.
        await denied.ErrorAsync(HttpMethod.Get, $"/api/posts/{post.GetProperty("shortId").GetString()}", null, HttpStatusCode.NotFound);
        Assert.Equal(2, await factory.EventCount("group-posted", id)); // owner and moderator
        Assert.Equal(1, await factory.EventCount("group-post", id));
        Assert.Equal(3, (await owner.GetDataAsync($"/api/groups/{id}")).GetProperty("group").GetProperty("memberCount").GetInt32());
    }

    [Fact]
    public async Task SecretGroup_NonMembers_SeeNothingAndJoinOnlyByInvite()
    {
        var owner = await factory.RegisterAsync();
        var name = Name();
        var group = await CreateAsync(owner, "secret", name);
        var id = group.GetProperty("id").GetString()!;
        var slug = group.GetProperty("slug").GetString()!;
        var outsider = await factory.RegisterAsync();

        await outsider.ErrorAsync(HttpMethod.Get, $"/api/groups/{slug}", null, HttpStatusCode.NotFound, "GROUP_NOT_FOUND");
        await outsider.ErrorAsync(HttpMethod.Get, $"/api/groups/{id}/members", null, HttpStatusCode.NotFound, "GROUP_NOT_FOUND");
        await outsider.ErrorAsync(HttpMethod.Get, $"/api/groups/{id}/posts", null, HttpStatusCode.NotFound, "GROUP_NOT_FOUND");
        await outsider.ErrorAsync(HttpMethod.Post, $"/api/groups/{id}/join", new { }, HttpStatusCode.NotFound, "GROUP_NOT_FOUND");
        Assert.Equal(0, (await outsider.GetDataAsync("/api/groups/search?q=" + Uri.EscapeDataString(name))).GetProperty("total").GetInt32());
        Assert.DoesNotContain(id, (await outsider.GetDataAsync("/api/groups?limit=100")).GetProperty("groups").EnumerateArray()
            .Select(g => g.GetProperty("id").GetString()));
        Assert.Equal(0, (await outsider.GetDataAsync($"/api/groups/user/{owner.Username}")).GetProperty("total").GetInt32());
        Assert.Equal(1, (await owner.GetDataAsync("/api/groups/search?q=" + Uri.EscapeDataString(name))).GetProperty("total").GetInt32());

        var invite = await owner.PostDataAsync($"/api/groups/{id}/invite", new { userId = outsider.UserId }, HttpStatusCode.Created);
        Assert.Equal(1, await factory.EventCount("group-invited", id));
        var joined = await outsider.PostDataAsync($"/api/groups/join/{invite.GetProperty("inviteCode").GetString()}");
        Assert.Equal("active", joined.GetProperty("status").GetString());
        Assert.Equal(slug, (await outsider.GetDataAsync($"/api/groups/{slug}")).GetProperty("group").GetProperty("slug").GetString());
        // A member cannot invite to a secret group; a used-up code is refused.
        await outsider.ErrorAsync(HttpMethod.Post, $"/api/groups/{id}/invite", new { }, HttpStatusCode.Forbidden, "GROUP_PERMISSION_DENIED");
        var third = await factory.RegisterAsync();
        await third.ErrorAsync(HttpMethod.Post, $"/api/groups/join/{invite.GetProperty("inviteCode").GetString()}", new { }, HttpStatusCode.NotFound,
            "INVITE_INVALID");
    }

    [Fact]
    public async Task Ban_MemberBanned_CannotRejoinPostsHiddenUntilUnbanned()
    {
        var (id, owner, _, moderator, member, other) = await StaffedAsync();
        await member.PostDataAsync($"/api/groups/{id}/posts", new { content = "before the ban" }, HttpStatusCode.Created);
        await other.PostDataAsync($"/api/groups/{id}/posts", new { content = "still here" }, HttpStatusCode.Created);

        var banned = await moderator.PostDataAsync($"/api/groups/{id}/ban/{member.UserId}", new { reason = "Spam" });
        Assert.True(banned.GetProperty("banned").GetBoolean());
        await member.ErrorAsync(HttpMethod.Post, $"/api/groups/{id}/join", new { }, HttpStatusCode.Forbidden, "GROUP_BANNED");
        await member.ErrorAsync(HttpMethod.Post, $"/api/groups/{id}/posts", new { content = "let me back" }, HttpStatusCode.Forbidden, "GROUP_BANNED");
        var code = (await owner.PostDataAsync($"/api/groups/{id}/invite", null, HttpStatusCode.Created)).GetProperty("inviteCode").GetString();
        await member.ErrorAsync(HttpMethod.Post, $"/api/groups/join/{code}", new { }, HttpStatusCode.Forbidden, "GROUP_BANNED");
        Assert.Equal(["still here"], (await owner.GetDataAsync($"/api/groups/{id}/posts")).GetProperty("posts").EnumerateArray()
            .Select(p => p.GetProperty("content").GetString()));

        await moderator.DataAsync(HttpMethod.Delete, $"/api/groups/{id}/ban/{member.UserId}");
        await moderator.ErrorAsync(HttpMethod.Delete, $"/api/groups/{id}/ban/{member.UserId}", null, HttpStatusCode.NotFound, "BAN_NOT_FOUND");
        await member.PostDataAsync($"/api/groups/join/{code}");
        Assert.Equal(2, (await owner.GetDataAsync($"/api/groups/{id}/posts")).GetProperty("posts").GetArrayLength());
    }

    [Fact]
    public async Task GroupFeed_CursorBlocksAndMutes_PagesWithoutGapsAndHidesHidden()
    {
        var (id, owner, _, _, member, other) = await StaffedAsync();
        var tag = Guid.NewGuid().ToString("N")[..6];
        for (var i = 0; i < 5; i++)
        {
            await member.PostDataAsync($"/api/groups/{id}/posts", new { content = $"{tag}{i} @{owner.Username}" }, HttpStatusCode.Created);
        }
        await other.PostDataAsync($"/api/groups/{id}/posts", new { content = "muted one" }, HttpStatusCode.Created);
        await owner.PostDataAsync($"/api/users/{other.Username}/mute");
        Assert.Equal(5, await factory.EventCount("group-mentioned", id));
        // Group posts stay out of the public feeds.
        Assert.DoesNotContain((await owner.GetDataAsync("/api/posts/feed?type=human&limit=50")).GetProperty("posts").EnumerateArray(),
            p => p.GetProperty("content").GetString()!.StartsWith(tag, StringComparison.Ordinal));

        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = await owner.GetDataAsync($"/api/groups/{id}/posts?limit=2" + (cursor is null ? "" : "&cursor=" + cursor));
            seen.AddRange(page.GetProperty("posts").EnumerateArray().Select(p => p.GetProperty("content").GetString()!.Split(' ')[0]));
            cursor = page.GetProperty("nextCursor").GetString();
        }
        while (cursor is not null);
        Assert.Equal([$"{tag}4", $"{tag}3", $"{tag}2", $"{tag}1", $"{tag}0"], seen);
        await owner.ErrorAsync(HttpMethod.Get, $"/api/groups/{id}/posts?cursor=nonsense", null, HttpStatusCode.BadRequest, "VALIDATION_ERROR");
    }

    [Fact]
    public async Task GroupPost_MentionsAndRoleChange_NotifyMembersOnly()
    {
        var (id, owner, admin, _, member, _) = await StaffedAsync();
        var outsider = await factory.RegisterAsync();
        await owner.PostDataAsync($"/api/groups/{id}/posts", new { content = $"Hi @{member.Username} and @{outsider.Username}" }, HttpStatusCode.Created);

        var list = await NotificationTests.NotificationsAsync(member,
            l => NotificationTests.Has(l, "group_mention", owner.Username) && NotificationTests.Has(l, "group_post", owner.Username), "group mention and post");
        Assert.DoesNotContain(list, n => n.GetProperty("type").GetString() == "mention");
        await NotificationTests.NotificationsAsync(admin, l => NotificationTests.Has(l, "group_role_change", owner.Username), "role change");
        // The outsider's mention was written before the members' events: by now it would be there.
        var outsiders = (await outsider.GetDataAsync("/api/notifications")).GetProperty("notifications").EnumerateArray();
        Assert.DoesNotContain(outsiders, n => n.GetProperty("type").GetString() is "mention" or "group_mention");
    }
}
