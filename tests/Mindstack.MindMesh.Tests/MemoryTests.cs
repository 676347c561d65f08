using System.Net;

namespace Mindstack.MindMesh.Tests;

public sealed class MemoryTests(MindMeshFactory factory) : IClassFixture<MindMeshFactory>
{
    [Fact]
    public async Task Search_Paraphrase_RanksAboveAKeywordOnlyMatchWithHighlights()
    {
        var user = await factory.RegisterAsync();
        await Upsert(user, "notes://cat", "A cat sat on the mat");
        await Upsert(user, "notes://rug", "Rug cleaning prices went up again this quarter");
        await Upsert(user, "notes://tax", "The tax filing deadline is the fifteenth of April");

        var found = await user.GetJsonAsync("/memory/search?q=kitten%20on%20a%20rug");
        Assert.Equal("kitten on a rug", found.GetProperty("query").GetString());
        var results = found.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal("notes://cat", results[0].GetProperty("item").GetProperty("source_uri").GetString());
        var rug = results.Single(r => r.GetProperty("item").GetProperty("source_uri").GetString() == "notes://rug");
        Assert.Contains("<em>", rug.GetProperty("highlights").GetProperty("content")[0].GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(results, r => r.GetProperty("item").GetProperty("source_uri").GetString() == "notes://tax");
        Assert.All(results, r => Assert.InRange(r.GetProperty("score").GetDouble(), 0, 1));
        Assert.Equal(results.Count, found.GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task Upsert_SameHashThenNewContent_UnchangedThenUpdated()
    {
        var user = await factory.RegisterAsync();
        var first = await user.PostJsonAsync("/memory/upsert", new { source_uri = "gmail://message/1", app = "gmail", content = "Budget review moved to Friday", hash = "sha256:aaa" });
        Assert.Equal("Document indexed successfully", first.GetProperty("message").GetString());
        var same = await user.PostJsonAsync("/memory/upsert", new { source_uri = "gmail://message/1", app = "gmail", content = "Budget review moved to Friday", hash = "sha256:aaa" });
        Assert.Equal(first.GetProperty("document_id").GetString(), same.GetProperty("document_id").GetString());
        Assert.Equal("Document unchanged (same hash)", same.GetProperty("message").GetString());
        var changed = await user.PostJsonAsync("/memory/upsert", new { source_uri = "gmail://message/1", app = "gmail", content = "Budget review moved to Monday", hash = "sha256:bbb" });
        Assert.Equal("Document updated and indexed", changed.GetProperty("message").GetString());

        var documents = await user.GetJsonAsync("/memory/documents?app=gmail&is_indexed=true");
        var document = Assert.Single(documents.GetProperty("items").EnumerateArray());
        Assert.Equal("Budget review moved to Monday", document.GetProperty("content").GetString());
    }

    [Fact]
    public async Task Upsert_PeopleAndOrganizations_BecomeEntities()
    {
        var user = await factory.RegisterAsync();
        await user.PostJsonAsync("/memory/upsert", new
        {
            source_uri = "docs://meeting-1",
            title = "Partnership call",
            content = "Maria Garcia from Microsoft met John Smith to discuss the partnership. Maria Garcia will send the contract.",
        });
        var people = await user.GetJsonAsync("/memory/entities?type=person");
        var names = people.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("name").GetString()).ToList();
        Assert.Contains("Maria Garcia", names);
        var organizations = await user.GetJsonAsync("/memory/entities?type=organization&is_active=true");
        Assert.Contains("Microsoft", organizations.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("name").GetString()));
    }

    [Fact]
    public async Task Search_ConfidentialAndOtherTenants_OnlyWhatTheCallerMaySee()
    {
        var owner = await factory.RegisterAsync();
        var code = (await owner.GetJsonAsync("/auth/me")).GetProperty("tenant").GetProperty("invite_code").GetString()!;
        var member = await factory.RegisterAsync(code);
        var stranger = await factory.RegisterAsync();
        await Upsert(owner, "hr://salaries", "Salary bands for the engineering team", "confidential");
        await Upsert(owner, "wiki://team", "The engineering team meets every Tuesday", "private");

        var asOwner = await owner.GetJsonAsync("/memory/search?q=engineering%20team");
        Assert.Equal(2, asOwner.GetProperty("total").GetInt32());
        var asMember = await member.GetJsonAsync("/memory/search?q=engineering%20team");
        Assert.Equal("wiki://team", Assert.Single(asMember.GetProperty("results").EnumerateArray()).GetProperty("item").GetProperty("source_uri").GetString());
        var asStranger = await stranger.GetJsonAsync("/memory/search?q=engineering%20team");
        Assert.Equal(0, asStranger.GetProperty("total").GetInt32());
        var filtered = await owner.GetJsonAsync("/memory/search?q=engineering%20team&sensitivity=confidential&type=document");
        Assert.Equal(1, filtered.GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task Search_TagsAndOwner_Filter()
    {
        var user = await factory.RegisterAsync();
        await user.PostJsonAsync("/memory/upsert", new
        {
            source_uri = "gmail://2",
            owner = "ana@example.com",
            content = "Project update for the launch",
            metadata = new { labels = new[] { "Important", "Project" } },
        });
        await user.PostJsonAsync("/memory/upsert", new { source_uri = "gmail://3", owner = "bob@example.com", content = "Project update for the launch party" });
        var tagged = await user.GetJsonAsync("/memory/search?q=project%20update&tags=important,project");
        Assert.Equal("gmail://2", Assert.Single(tagged.GetProperty("results").EnumerateArray()).GetProperty("item").GetProperty("source_uri").GetString());
        var owned = await user.GetJsonAsync("/memory/search?q=project%20update&owner=bob@example.com");
        Assert.Equal("gmail://3", Assert.Single(owned.GetProperty("results").EnumerateArray()).GetProperty("item").GetProperty("source_uri").GetString());
    }

    [Theory]
    [InlineData("/memory/search", "q")]
    [InlineData("/memory/search?q=x&limit=101", "limit")]
    [InlineData("/memory/search?q=x&type=file", "type")]
    [InlineData("/memory/search?q=x&date_from=yesterday", "date_from")]
    [InlineData("/memory/entities?type=place", "type")]
    [InlineData("/memory/documents?is_indexed=maybe", "is_indexed")]
    public async Task Memory_BadQuery_422NamingTheParameter(string path, string field)
    {
        var user = await factory.RegisterAsync();
        using var response = await user.SendAsync(HttpMethod.Get, path);
        var json = await MeshClient.ExpectDetail(response, HttpStatusCode.UnprocessableEntity);
        Assert.Equal(field, json.GetProperty("errors")[0].GetProperty("field").GetString());
    }

    [Fact]
    public async Task Upsert_BadFields_422()
    {
        var user = await factory.RegisterAsync();
        using var response = await user.SendAsync(HttpMethod.Post, "/memory/upsert", new { source_uri = "", content = "x", sensitivity = "secret", ttl_days = 0 });
        var json = await MeshClient.ExpectDetail(response, HttpStatusCode.UnprocessableEntity);
        var fields = json.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("field").GetString()).ToList();
        Assert.Equal(["source_uri", "sensitivity", "ttl_days"], fields);
    }

    [Fact]
    public async Task Run_Reflector_WritesAnEpisodeTheNextRunReads()
    {
        var user = await factory.RegisterAsync();
        await Upsert(user, "wiki://pricing", "Our pricing strategy: premium tier at 49 dollars per month");
        var first = await user.StartGoalAsync("Research our pricing strategy", "L3");
        var run = await user.WaitForStatusAsync(first, "completed");
        var items = run.GetProperty("checkpoints").GetProperty("memory_reader").GetProperty("result").GetProperty("items");
        Assert.Contains(items.EnumerateArray(), i => i.GetProperty("type").GetString() == "document");

        var episodes = await user.GetJsonAsync("/memory/episodes?type=note");
        Assert.Equal(first, Assert.Single(episodes.GetProperty("items").EnumerateArray()).GetProperty("run_id").GetString());
        var second = await user.StartGoalAsync("Research our pricing strategy again", "L3");
        var next = await user.WaitForStatusAsync(second, "completed");
        Assert.Contains(next.GetProperty("checkpoints").GetProperty("memory_reader").GetProperty("result").GetProperty("items").EnumerateArray(),
            i => i.GetProperty("type").GetString() == "episode");
    }

    private static Task<System.Text.Json.JsonElement> Upsert(MeshClient user, string uri, string content, string sensitivity = "private") =>
        user.PostJsonAsync("/memory/upsert", new { source_uri = uri, content, sensitivity });
}
