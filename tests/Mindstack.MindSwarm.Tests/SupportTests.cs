using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Mindstack.Platform.Accounts;

namespace Mindstack.MindSwarm.Tests;

public sealed class SupportTests(MindSwarmFactory factory) : IClassFixture<MindSwarmFactory>
{
    private static object Ticket(string subject = "Bug report", string category = "bug") =>
        new { subject, content = "The feed does not load after an update.", category };

    /// <summary>A new user with the platform's moderator role, signed in again so the token carries it.</summary>
    private async Task<SwarmClient> StaffAsync()
    {
        var staff = await factory.RegisterAsync();
        using (var scope = factory.Services.CreateScope())
        {
            await scope.ServiceProvider.GetRequiredService<IAccountService>().SetRoleAsync(staff.UserId, AccountRoles.Moderator);
        }
        var session = await factory.Anonymous().PostDataAsync("/api/auth/login", new { login = staff.Username, password = staff.Password });
        return new SwarmClient(factory, session.GetProperty("accessToken").GetString()) { Username = staff.Username, UserId = staff.UserId };
    }

    [Fact]
    public async Task Ticket_MainFlow_RepliesStaffRepliesAndFilters()
    {
        var user = await factory.RegisterAsync();
        var staff = await StaffAsync();
        var ticket = (await user.PostDataAsync("/api/support", Ticket(), HttpStatusCode.Created)).GetProperty("ticket");
        var id = ticket.GetProperty("_id").GetString();
        Assert.Equal("open", ticket.GetProperty("status").GetString());
        Assert.Equal("bug", ticket.GetProperty("category").GetString());
        // The site's client sends description instead of content.
        await user.PostDataAsync("/api/support", new { subject = "Idea", description = "Dark mode please", category = "feature" }, HttpStatusCode.Created);

        var reply = await user.PostDataAsync($"/api/support/{id}/reply", new { content = "It happens on every reload." }, HttpStatusCode.Created);
        Assert.False(reply.GetProperty("reply").GetProperty("isStaff").GetBoolean());
        var staffReply = await staff.PostDataAsync($"/api/support/{id}/reply", new { message = "We are looking into it." }, HttpStatusCode.Created);
        Assert.True(staffReply.GetProperty("reply").GetProperty("isStaff").GetBoolean());

        var full = (await user.GetDataAsync($"/api/support/{id}")).GetProperty("ticket");
        Assert.Equal(["It happens on every reload.", "We are looking into it."],
            full.GetProperty("replies").EnumerateArray().Select(r => r.GetProperty("content").GetString()));
        Assert.Equal(staff.Username, full.GetProperty("replies")[1].GetProperty("author").GetProperty("username").GetString());

        var mine = await user.GetDataAsync("/api/support/my-tickets");
        Assert.Equal(2, mine.GetProperty("total").GetInt32());
        Assert.Equal(2, mine.GetProperty("openCount").GetInt32());
        var bugs = await user.GetDataAsync("/api/support/my-tickets?category=bug&status=open");
        Assert.Equal([id], bugs.GetProperty("tickets").EnumerateArray().Select(t => t.GetProperty("_id").GetString()));
        var paged = await user.GetDataAsync("/api/support/my-tickets?limit=1&page=2");
        Assert.Single(paged.GetProperty("tickets").EnumerateArray());
        Assert.False(paged.GetProperty("hasMore").GetBoolean());
        var all = await staff.GetDataAsync($"/api/support/admin/all?userId={user.UserId}&category=feature");
        Assert.Equal(["Idea"], all.GetProperty("tickets").EnumerateArray().Select(t => t.GetProperty("subject").GetString()));

        var stranger = await factory.RegisterAsync();
        await stranger.ErrorAsync(HttpMethod.Get, $"/api/support/{id}", null, HttpStatusCode.NotFound, "TICKET_NOT_FOUND");
        await stranger.ErrorAsync(HttpMethod.Post, $"/api/support/{id}/reply", new { content = "me too" }, HttpStatusCode.NotFound, "TICKET_NOT_FOUND");
        await user.ErrorAsync(HttpMethod.Post, "/api/support", new { subject = "x", content = "y", category = "spam" }, HttpStatusCode.BadRequest,
            "VALIDATION_ERROR");
        await user.ErrorAsync(HttpMethod.Post, "/api/support", new { subject = "x", category = "bug" }, HttpStatusCode.BadRequest, "VALIDATION_ERROR");
        await factory.Anonymous().ErrorAsync(HttpMethod.Get, "/api/support/my-tickets", null, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Create_SixthOpenTicketConcurrently_Refused()
    {
        var user = await factory.RegisterAsync();
        // Seven at once: the cap holds under concurrency (five land, two are refused).
        var attempts = await Task.WhenAll(Enumerable.Range(0, 7).Select(async i =>
        {
            using var response = await user.SendAsync(HttpMethod.Post, "/api/support", Ticket("Ticket " + i));
            return (response.StatusCode, Body: await response.Content.ReadAsStringAsync());
        }));
        Assert.Equal(5, attempts.Count(a => a.StatusCode == HttpStatusCode.Created));
        Assert.All(attempts.Where(a => a.StatusCode != HttpStatusCode.Created), a =>
        {
            Assert.Equal(HttpStatusCode.BadRequest, a.StatusCode);
            Assert.Contains("TICKET_LIMIT_REACHED", a.Body, StringComparison.Ordinal);
        });
        await user.ErrorAsync(HttpMethod.Post, "/api/support", Ticket(), HttpStatusCode.BadRequest, "TICKET_LIMIT_REACHED");

        // A resolved ticket frees its place; reopening it then is refused while five are open again.
        var staff = await StaffAsync();
        var first = (await user.GetDataAsync("/api/support/my-tickets")).GetProperty("tickets")[0].GetProperty("_id").GetString();
        await staff.PutDataAsync($"/api/support/{first}/status", new { status = "resolved" });
        await user.PostDataAsync("/api/support", Ticket("Another"), HttpStatusCode.Created);
        await staff.ErrorAsync(HttpMethod.Put, $"/api/support/{first}/status", new { status = "open" }, HttpStatusCode.BadRequest, "TICKET_LIMIT_REACHED");
        Assert.Equal(5, (await user.GetDataAsync("/api/support/my-tickets?status=open")).GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task StaffRoutes_AsUser_Forbidden()
    {
        var user = await factory.RegisterAsync();
        var id = (await user.PostDataAsync("/api/support", Ticket(), HttpStatusCode.Created)).GetProperty("ticket").GetProperty("_id").GetString();
        await user.ErrorAsync(HttpMethod.Get, "/api/support/admin/all", null, HttpStatusCode.Forbidden);
        await user.ErrorAsync(HttpMethod.Put, $"/api/support/{id}/status", new { status = "closed" }, HttpStatusCode.Forbidden);
        Assert.Equal("open", (await user.GetDataAsync($"/api/support/{id}")).GetProperty("ticket").GetProperty("status").GetString());
    }

    [Fact]
    public async Task SetStatus_ByStaff_OwnerNotifiedAndClosedRefusesReplies()
    {
        var user = await factory.RegisterAsync();
        var staff = await StaffAsync();
        var id = (await user.PostDataAsync("/api/support", Ticket("Cannot log in", "account"), HttpStatusCode.Created))
            .GetProperty("ticket").GetProperty("_id").GetString();
        var updated = (await staff.PutDataAsync($"/api/support/{id}/status", new { status = "in_progress" })).GetProperty("ticket");
        Assert.Equal("in_progress", updated.GetProperty("status").GetString());
        await staff.PutDataAsync($"/api/support/{id}/status", new { status = "closed" });
        await staff.ErrorAsync(HttpMethod.Put, $"/api/support/{id}/status", new { status = "done" }, HttpStatusCode.BadRequest, "VALIDATION_ERROR");

        var notifications = await Eventually.UntilAsync(
            async () => (await user.GetDataAsync("/api/notifications")).GetProperty("notifications").EnumerateArray()
                .Where(n => n.GetProperty("targetId").GetString() == id).ToList(),
            list => list.Count == 2, "two status notifications");
        Assert.Contains(notifications, n => n.GetProperty("message").GetString()!.Contains("is now in progress", StringComparison.Ordinal));
        Assert.Contains(notifications, n => n.GetProperty("message").GetString()!.Contains("is now closed", StringComparison.Ordinal));
        await user.ErrorAsync(HttpMethod.Post, $"/api/support/{id}/reply", new { content = "still broken" }, HttpStatusCode.BadRequest, "TICKET_CLOSED");
        Assert.Equal(0, (await user.GetDataAsync("/api/support/my-tickets")).GetProperty("openCount").GetInt32());
    }
}
