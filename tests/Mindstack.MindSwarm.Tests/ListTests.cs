using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Mindstack.MindSwarm.Tests;

public sealed class ListTests(MindSwarmFactory factory) : IClassFixture<MindSwarmFactory>
{
    private static async Task<string> CreateAsync(SwarmClient owner, string name = "Favorites", bool isPrivate = false) =>
        (await owner.PostDataAsync("/api/lists", new { name, description = "People", isPrivate }, HttpStatusCode.Created))
            .GetProperty("list").GetProperty("id").GetString()!;

    [Fact]
    public async Task Create_TwentyFirstList_Refused()
    {
        var owner = await factory.RegisterAsync();
        for (var i = 0; i < 20; i++)
        {
            await CreateAsync(owner, $"List {i}");
        }
        await owner.ErrorAsync(HttpMethod.Post, "/api/lists", new { name = "One too many" }, HttpStatusCode.BadRequest, "LIST_LIMIT_REACHED");
        Assert.Equal(20, (await owner.GetDataAsync("/api/lists")).GetProperty("lists").GetArrayLength());
        await owner.ErrorAsync(HttpMethod.Post, "/api/lists", new { name = "" }, HttpStatusCode.BadRequest, "VALIDATION_ERROR");
    }

    [Fact]
    public async Task AddMember_FiveHundredFirst_Refused()
    {
        var owner = await factory.RegisterAsync();
        var first = await factory.RegisterAsync();
        var extra = await factory.RegisterAsync();
        var listId = await CreateAsync(owner);
        // 499 members seeded directly: registering 500 accounts over HTTP would prove nothing more.
        using (var scope = factory.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<Mindstack.Platform.Storage.MindstackDbContext>();
            var now = DateTime.UtcNow;
            for (var i = 0; i < 499; i++)
            {
                var account = $"seeded_{listId}_{i}";
                var slot = i + 1;
                await db.Database.ExecuteSqlAsync(
                    $"INSERT INTO mindswarm_list_members (list_id, account_id, added_at, slot) VALUES ({listId}, {account}, {now}, {slot})");
            }
        }
        Assert.Equal(500, (await owner.PostDataAsync($"/api/lists/{listId}/members", new { userId = first.UserId })).GetProperty("memberCount").GetInt32());
        await owner.ErrorAsync(HttpMethod.Post, $"/api/lists/{listId}/members", new { userId = extra.UserId }, HttpStatusCode.BadRequest,
            "LIST_MEMBER_LIMIT_REACHED");
        // Adding someone already on the list is not a new member.
        await owner.PostDataAsync($"/api/lists/{listId}/members", new { userId = first.UserId });
        await owner.DataAsync(HttpMethod.Delete, $"/api/lists/{listId}/members/{first.UserId}");
        var added = await owner.PostDataAsync($"/api/lists/{listId}/members", new { userId = extra.Username });
        Assert.Equal(500, added.GetProperty("memberCount").GetInt32());
    }

    [Fact]
    public async Task Create_TwentyFirstListConcurrently_Refused()
    {
        var owner = await factory.RegisterAsync();
        for (var i = 0; i < 17; i++)
        {
            await CreateAsync(owner, $"List {i}");
        }
        // Six at once for the last three places: the cap holds under concurrency.
        var attempts = await Task.WhenAll(Enumerable.Range(0, 6).Select(async i =>
        {
            using var response = await owner.SendAsync(HttpMethod.Post, "/api/lists", new { name = $"Race {i}" });
            return (response.StatusCode, Body: await response.Content.ReadAsStringAsync());
        }));
        Assert.Equal(3, attempts.Count(a => a.StatusCode == HttpStatusCode.Created));
        Assert.All(attempts.Where(a => a.StatusCode != HttpStatusCode.Created), a =>
        {
            Assert.Equal(HttpStatusCode.BadRequest, a.StatusCode);
            Assert.Contains("LIST_LIMIT_REACHED", a.Body, StringComparison.Ordinal);
        });
        Assert.Equal(20, (await owner.GetDataAsync("/api/lists")).GetProperty("lists").GetArrayLength());
        // Deleting one frees its place.
        var first = (await owner.GetDataAsync("/api/lists")).GetProperty("lists")[0].GetProperty("id").GetString();
        await owner.DataAsync(HttpMethod.Delete, $"/api/lists/{first}");
        await CreateAsync(owner, "Again");
    }

    [Fact]
    public async Task AddMember_FiveHundredFirstConcurrently_Refused()
    {
        var owner = await factory.RegisterAsync();
        var listId = await CreateAsync(owner);
        using (var scope = factory.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<Mindstack.Platform.Storage.MindstackDbContext>();
            var now = DateTime.UtcNow;
            for (var i = 0; i < 496; i++)
            {
                var account = $"seeded_{listId}_{i}";
                var slot = i + 1;
                await db.Database.ExecuteSqlAsync(
                    $"INSERT INTO mindswarm_list_members (list_id, account_id, added_at, slot) VALUES ({listId}, {account}, {now}, {slot})");
            }
        }
        var candidates = new List<SwarmClient>();
        for (var i = 0; i < 8; i++)
        {
            candidates.Add(await factory.RegisterAsync());
        }
        // Eight at once for the last four places.
        var attempts = await Task.WhenAll(candidates.Select(async c =>
        {
            using var response = await owner.SendAsync(HttpMethod.Post, $"/api/lists/{listId}/members", new { userId = c.UserId });
            return (response.StatusCode, Body: await response.Content.ReadAsStringAsync());
        }));
        Assert.Equal(4, attempts.Count(a => a.StatusCode == HttpStatusCode.OK));
        Assert.All(attempts.Where(a => a.StatusCode != HttpStatusCode.OK), a =>
        {
            Assert.Equal(HttpStatusCode.BadRequest, a.StatusCode);
            Assert.Contains("LIST_MEMBER_LIMIT_REACHED", a.Body, StringComparison.Ordinal);
        });
        using (var scope = factory.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<Mindstack.Platform.Storage.MindstackDbContext>();
            Assert.Equal(500, await db.Database.SqlQuery<int>($"SELECT COUNT(*) AS \"Value\" FROM mindswarm_list_members WHERE list_id = {listId}").SingleAsync());
        }
    }

    [Fact]
    public async Task PrivateList_Others_NotFound()
    {
        var owner = await factory.RegisterAsync();
        var other = await factory.RegisterAsync();
        var listId = await CreateAsync(owner, "Secret", isPrivate: true);
        Assert.True((await owner.GetDataAsync($"/api/lists/{listId}")).GetProperty("list").GetProperty("isPrivate").GetBoolean());
        await other.ErrorAsync(HttpMethod.Get, $"/api/lists/{listId}", null, HttpStatusCode.NotFound, "LIST_NOT_FOUND");
        await other.ErrorAsync(HttpMethod.Get, $"/api/lists/{listId}/timeline", null, HttpStatusCode.NotFound, "LIST_NOT_FOUND");
        await other.ErrorAsync(HttpMethod.Post, $"/api/lists/{listId}/subscribe", new { }, HttpStatusCode.NotFound, "LIST_NOT_FOUND");
        await other.ErrorAsync(HttpMethod.Put, $"/api/lists/{listId}", new { name = "Mine now" }, HttpStatusCode.NotFound, "LIST_NOT_FOUND");
        await factory.Anonymous().ErrorAsync(HttpMethod.Get, $"/api/lists/{listId}", null, HttpStatusCode.NotFound, "LIST_NOT_FOUND");
    }

    [Fact]
    public async Task Subscribe_PublicList_ListedThenGoneWhenMadePrivate()
    {
        var owner = await factory.RegisterAsync();
        var fan = await factory.RegisterAsync();
        var listId = await CreateAsync(owner);
        await fan.ErrorAsync(HttpMethod.Put, $"/api/lists/{listId}", new { name = "Mine now" }, HttpStatusCode.Forbidden, "NOT_LIST_OWNER");
        await owner.ErrorAsync(HttpMethod.Post, $"/api/lists/{listId}/subscribe", new { }, HttpStatusCode.BadRequest, "OWN_LIST");
        var subscribed = await fan.PostDataAsync($"/api/lists/{listId}/subscribe");
        Assert.Equal(1, subscribed.GetProperty("subscriberCount").GetInt32());
        var mine = await fan.GetDataAsync("/api/lists");
        Assert.Equal([listId], mine.GetProperty("subscribed").EnumerateArray().Select(l => l.GetProperty("id").GetString()));
        Assert.True(mine.GetProperty("subscribed")[0].GetProperty("isSubscribed").GetBoolean());
        await fan.DataAsync(HttpMethod.Delete, $"/api/lists/{listId}/subscribe");
        await fan.PostDataAsync($"/api/lists/{listId}/subscribe");

        await owner.PutDataAsync($"/api/lists/{listId}", new { isPrivate = true });
        Assert.Equal(0, (await fan.GetDataAsync("/api/lists")).GetProperty("subscribed").GetArrayLength());
        await owner.DataAsync(HttpMethod.Delete, $"/api/lists/{listId}");
        await owner.ErrorAsync(HttpMethod.Get, $"/api/lists/{listId}", null, HttpStatusCode.NotFound, "LIST_NOT_FOUND");
    }

    [Fact]
    public async Task Timeline_Cursor_MembersPostsNewestFirstWithoutGaps()
    {
        var owner = await factory.RegisterAsync();
        var a = await factory.RegisterAsync();
        var b = await factory.RegisterAsync();
        var outsider = await factory.RegisterAsync();
        var listId = await CreateAsync(owner);
        await owner.PostDataAsync($"/api/lists/{listId}/members", new { userId = a.UserId });
        await owner.PostDataAsync($"/api/lists/{listId}/members", new { userId = b.Username });
        var tag = Guid.NewGuid().ToString("N")[..6];
        for (var i = 0; i < 5; i++)
        {
            await (i % 2 == 0 ? a : b).PostAsync(new { content = $"{tag}{i}" });
        }
        await outsider.PostAsync(new { content = $"{tag}x" });
        var blocker = await factory.RegisterAsync();
        await owner.PostDataAsync($"/api/lists/{listId}/members", new { userId = blocker.UserId });
        await blocker.PostAsync(new { content = $"{tag}blocked" });
        await blocker.PostDataAsync($"/api/users/{owner.Username}/block");

        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = await owner.GetDataAsync($"/api/lists/{listId}/timeline?limit=2" + (cursor is null ? "" : "&cursor=" + cursor));
            seen.AddRange(page.GetProperty("posts").EnumerateArray().Select(p => p.GetProperty("content").GetString()!));
            cursor = page.GetProperty("nextCursor").GetString();
        }
        while (cursor is not null);
        Assert.Equal([$"{tag}4", $"{tag}3", $"{tag}2", $"{tag}1", $"{tag}0"], seen);
        await owner.ErrorAsync(HttpMethod.Get, $"/api/lists/{listId}/timeline?page=2", null, HttpStatusCode.BadRequest, "VALIDATION_ERROR");

        await owner.DataAsync(HttpMethod.Delete, $"/api/lists/{listId}/members/{b.UserId}");
        var after = await owner.GetDataAsync($"/api/lists/{listId}/timeline?limit=50");
        Assert.Equal([$"{tag}4", $"{tag}2", $"{tag}0"], after.GetProperty("posts").EnumerateArray().Select(p => p.GetProperty("content").GetString()));
    }
}
