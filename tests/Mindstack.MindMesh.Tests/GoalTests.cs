using System.Net;

namespace Mindstack.MindMesh.Tests;

public sealed class GoalTests(MindMeshFactory factory) : IClassFixture<MindMeshFactory>
{
    [Fact]
    public async Task CreateGoal_Valid_201DraftInTheCallersTenant()
    {
        var user = await factory.RegisterAsync();
        var goal = await user.PostJsonAsync("/goals", new
        {
            text = "Research and implement new AI features",
            autonomy_level = "L2",
            constraints = new { budget = 25000, team = new[] { "user_123" } },
            priority = "medium",
            due_date = "2030-03-31T23:59:59Z",
            estimated_hours = 60,
        }, HttpStatusCode.Created);
        Assert.StartsWith("goal_", goal.GetProperty("id").GetString());
        Assert.Equal(user.TenantId, goal.GetProperty("tenant_id").GetString());
        Assert.Equal(user.UserId, goal.GetProperty("created_by").GetString());
        Assert.Equal("draft", goal.GetProperty("status").GetString());
        Assert.Equal(25000, goal.GetProperty("constraints").GetProperty("budget").GetInt32());
        Assert.Equal(60, goal.GetProperty("estimated_hours").GetDouble());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, goal.GetProperty("actual_hours").ValueKind);
    }

    [Theory]
    [InlineData("""{"text":"x","autonomy_level":"L9"}""", "autonomy_level")]
    [InlineData("""{"text":"x","priority":"asap"}""", "priority")]
    [InlineData("""{"text":""}""", "text")]
    [InlineData("""{"text":"x","due_date":"soon"}""", "due_date")]
    [InlineData("""{"text":"x","estimated_hours":"many"}""", "estimated_hours")]
    [InlineData("""{"text":"x","constraints":[1]}""", "constraints")]
    [InlineData("""{"text":"x","constraints":{"budget":"big"}}""", "constraints.budget")]
    public async Task CreateGoal_InvalidField_422NamingTheField(string body, string field)
    {
        var user = await factory.RegisterAsync();
        using var response = await user.SendAsync(HttpMethod.Post, "/goals", body);
        var json = await MeshClient.ExpectDetail(response, HttpStatusCode.UnprocessableEntity);
        Assert.Contains(field, json.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("field").GetString()));
    }

    [Fact]
    public async Task CreateGoal_NotJson_422()
    {
        var user = await factory.RegisterAsync();
        using var response = await user.SendAsync(HttpMethod.Post, "/goals", "{not json");
        await MeshClient.ExpectDetail(response, HttpStatusCode.UnprocessableEntity);
    }

    [Fact]
    public async Task ListGoals_FiltersSortAndPages()
    {
        var user = await factory.RegisterAsync();
        await user.CreateGoalAsync("Plan the product launch", "L2", priority: "high");
        await user.CreateGoalAsync("Write the launch blog post", "L1", priority: "low");
        await user.CreateGoalAsync("Analyze churn numbers", "L2", priority: "urgent");

        var page = await user.GetJsonAsync("/goals?size=2&page=1&sort_by=priority&sort_order=desc");
        Assert.Equal(3, page.GetProperty("total").GetInt32());
        Assert.Equal(2, page.GetProperty("size").GetInt32());
        Assert.Equal(2, page.GetProperty("pages").GetInt32());
        Assert.Equal(["urgent", "high"], page.GetProperty("items").EnumerateArray().Select(g => g.GetProperty("priority").GetString()));

        var search = await user.GetJsonAsync("/goals?search=LAUNCH&autonomy_level=L2");
        Assert.Equal("Plan the product launch", Assert.Single(search.GetProperty("items").EnumerateArray()).GetProperty("text").GetString());
        var drafts = await user.GetJsonAsync("/goals?status=draft&priority=low");
        Assert.Equal(1, drafts.GetProperty("total").GetInt32());
    }

    [Theory]
    [InlineData("size=101", "size")]
    [InlineData("page=0", "page")]
    [InlineData("status=done", "status")]
    [InlineData("sort_by=text", "sort_by")]
    public async Task ListGoals_BadQuery_422NamingTheParameter(string query, string field)
    {
        var user = await factory.RegisterAsync();
        using var response = await user.SendAsync(HttpMethod.Get, "/goals?" + query);
        var json = await MeshClient.ExpectDetail(response, HttpStatusCode.UnprocessableEntity);
        Assert.Equal(field, json.GetProperty("errors")[0].GetProperty("field").GetString());
    }

    [Fact]
    public async Task UpdateAndDeleteGoal_Owner_ChangedThenGone()
    {
        var user = await factory.RegisterAsync();
        var id = (await user.CreateGoalAsync("Draft the hiring plan")).GetProperty("id").GetString();
        using var put = await user.SendAsync(HttpMethod.Put, $"/goals/{id}", new { text = "Updated goal description", priority = "urgent", estimated_hours = 100 });
        var updated = await MeshClient.Expect(put, HttpStatusCode.OK);
        Assert.Equal("Updated goal description", updated.GetProperty("text").GetString());
        Assert.Equal("urgent", updated.GetProperty("priority").GetString());

        using var delete = await user.SendAsync(HttpMethod.Delete, $"/goals/{id}");
        var message = await MeshClient.Expect(delete, HttpStatusCode.OK);
        Assert.Equal("Goal deleted successfully", message.GetProperty("message").GetString());
        using var gone = await user.SendAsync(HttpMethod.Get, $"/goals/{id}");
        await MeshClient.ExpectDetail(gone, HttpStatusCode.NotFound);
    }
}
