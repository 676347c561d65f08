using Microsoft.Extensions.DependencyInjection;
using Mindstack.Platform.Http;
using Mindstack.Platform.Jobs;
using Mindstack.Platform.Search;
using Mindstack.Platform.Storage;

namespace Mindstack.Platform.Tests.Search;

/// <summary>The platform's hybrid search inside a server, on the matrix's database (SQLite or PostgreSQL).</summary>
public sealed class HybridSearchTests(PlatformFactory factory) : IClassFixture<PlatformFactory>
{
    private const string Collection = "tests.documents";

    [Fact]
    public async Task SearchAsync_Paraphrase_RanksSemanticMatchAboveKeywordOnlyDistractor()
    {
        var scope = NewScope();
        await UpsertAsync(factory, new SearchDocument(Collection, scope, "cat", "A cat sat on the mat"));
        await UpsertAsync(factory, new SearchDocument(Collection, scope, "distractor", "Rug cleaning prices went up again this quarter"));
        await UpsertAsync(factory, new SearchDocument(Collection, scope, "tax", "The tax filing deadline is the fifteenth of April"));

        var hits = await SearchAsync(factory, new SearchQuery(Collection, scope, "kitten on a rug"));

        Assert.Equal("cat", hits[0].Id);
        Assert.Contains(hits, h => h.Id == "distractor");
        Assert.DoesNotContain(hits, h => h.Id == "tax");
        Assert.All(hits, h => Assert.InRange(h.Score, 0, 1));
        // Matched only by meaning: the text's start, nothing emphasized. Matched by a word: it is.
        Assert.Equal("A cat sat on the mat", hits[0].Highlight);
        Assert.Equal("<em>Rug</em> cleaning prices went up again this quarter", hits.Single(h => h.Id == "distractor").Highlight);
    }

    [Fact]
    public async Task SearchAsync_OtherScope_SeesNothingOfIt()
    {
        var mine = NewScope();
        var theirs = NewScope();
        await UpsertAsync(factory, new SearchDocument(Collection, theirs, "secret", "The launch date of project falcon is March"));
        await UpsertAsync(factory, new SearchDocument("tests.other", mine, "secret", "The launch date of project falcon is March"));

        Assert.Empty(await SearchAsync(factory, new SearchQuery(Collection, mine, "project falcon launch date")));
        Assert.Single(await SearchAsync(factory, new SearchQuery(Collection, theirs, "project falcon launch date")));
    }

    [Fact]
    public async Task SearchAsync_FacetFilter_OnlyDocumentsWithAllowedValues()
    {
        var scope = NewScope();
        await UpsertAsync(factory, new SearchDocument(Collection, scope, "email", "Invoice for the March consulting work",
            Facets(("type", "email"), ("sensitivity", "private"))));
        await UpsertAsync(factory, new SearchDocument(Collection, scope, "note", "Invoice for the March consulting work, a copy",
            Facets(("type", "note"), ("sensitivity", "private"))));
        await UpsertAsync(factory, new SearchDocument(Collection, scope, "bare", "Invoice for the March consulting work, again"));

        var emails = await SearchAsync(factory, new SearchQuery(Collection, scope, "consulting invoice",
            Facets: new Dictionary<string, IReadOnlyCollection<string>> { ["type"] = ["email"] }));
        var either = await SearchAsync(factory, new SearchQuery(Collection, scope, "consulting invoice",
            Facets: new Dictionary<string, IReadOnlyCollection<string>> { ["type"] = ["email", "note"], ["sensitivity"] = ["private"] }));
        var none = await SearchAsync(factory, new SearchQuery(Collection, scope, "consulting invoice",
            Facets: new Dictionary<string, IReadOnlyCollection<string>> { ["sensitivity"] = ["public"] }));

        Assert.Equal(["email"], emails.Select(h => h.Id));
        Assert.Equal(["email", "note"], either.Select(h => h.Id).Order());
        Assert.Empty(none);
    }

    [Fact]
    public async Task SearchAsync_DateRange_OnlyDocumentsInsideIt()
    {
        var scope = NewScope();
        var day = new DateTimeOffset(2026, 6, 1, 0, 0, 0, TimeSpan.Zero);
        await UpsertAsync(factory, new SearchDocument(Collection, scope, "may", "Weekly status report for the platform team", Timestamp: day.AddDays(-10)));
        await UpsertAsync(factory, new SearchDocument(Collection, scope, "june", "Weekly status report for the platform team, again", Timestamp: day.AddDays(10)));
        await UpsertAsync(factory, new SearchDocument(Collection, scope, "undated", "Weekly status report for the platform team, undated"));

        var june = await SearchAsync(factory, new SearchQuery(Collection, scope, "status report", From: day));
        var may = await SearchAsync(factory, new SearchQuery(Collection, scope, "status report", To: day));
        var exact = await SearchAsync(factory, new SearchQuery(Collection, scope, "status report", From: day.AddDays(10), To: day.AddDays(10)));
        var all = await SearchAsync(factory, new SearchQuery(Collection, scope, "status report"));

        Assert.Equal(["june"], june.Select(h => h.Id));
        Assert.Equal(["may"], may.Select(h => h.Id));
        Assert.Equal(["june"], exact.Select(h => h.Id));
        Assert.Equal(3, all.Count);
    }

    [Fact]
    public async Task DeleteAsync_Document_NoLongerFound()
    {
        var scope = NewScope();
        await UpsertAsync(factory, new SearchDocument(Collection, scope, "keep", "Quarterly revenue grew thanks to renewals"));
        await UpsertAsync(factory, new SearchDocument(Collection, scope, "drop", "Quarterly revenue fell after the price change"));
        await SearchAsync(factory, new SearchQuery(Collection, scope, "quarterly revenue"));

        await WithSearchAsync(factory, s => s.DeleteAsync(Collection, scope, "drop", CancellationToken.None));
        await WithSearchAsync(factory, s => s.DeleteAsync(Collection, scope, "never-there", CancellationToken.None));

        Assert.Equal(["keep"], (await SearchAsync(factory, new SearchQuery(Collection, scope, "quarterly revenue"))).Select(h => h.Id));
    }

    [Fact]
    public async Task UpsertAsync_ChangedText_ReEmbedsAndReindexes()
    {
        var scope = NewScope();
        await UpsertAsync(factory, new SearchDocument(Collection, scope, "doc", "Our office dog loves long walks in the park"));
        Assert.Single(await SearchAsync(factory, new SearchQuery(Collection, scope, "puppy going for a stroll")));

        await UpsertAsync(factory, new SearchDocument(Collection, scope, "doc", "The server migration to PostgreSQL finished overnight"));

        Assert.Empty(await SearchAsync(factory, new SearchQuery(Collection, scope, "puppy going for a stroll")));
        var hits = await SearchAsync(factory, new SearchQuery(Collection, scope, "moving our database to Postgres"));
        Assert.Equal("doc", Assert.Single(hits).Id);
    }

    [Fact]
    public async Task SearchAsync_LimitAndMinScore_Respected()
    {
        var scope = NewScope();
        for (var i = 0; i < 5; i++)
        {
            await UpsertAsync(factory, new SearchDocument(Collection, scope, $"d{i}", $"Meeting notes about the budget, part {i}"));
        }

        var two = await SearchAsync(factory, new SearchQuery(Collection, scope, "budget meeting notes", Limit: 2));
        var strict = await SearchAsync(factory, new SearchQuery(Collection, scope, "budget meeting notes", MinScore: 0.99));

        Assert.Equal(2, two.Count);
        Assert.True(two[0].Score >= two[1].Score);
        Assert.All(strict, h => Assert.True(h.Score >= 0.99));
        Assert.True(strict.Count <= 1);
        var problem = await Assert.ThrowsAsync<Problem>(() => SearchAsync(factory, new SearchQuery(Collection, scope, "budget", Limit: 0)));
        Assert.Equal(ProblemKind.Validation, problem.Kind);
    }

    [Fact]
    public async Task SearchAsync_HtmlInText_EscapedAroundEmphasis()
    {
        var scope = NewScope();
        await UpsertAsync(factory, new SearchDocument(Collection, scope, "html", "<script>alert(1)</script> & the cats' dinner"));

        var hit = Assert.Single(await SearchAsync(factory, new SearchQuery(Collection, scope, "cats dinner")));

        Assert.Equal("&lt;script&gt;alert(1)&lt;/script&gt; &amp; the <em>cats</em>&#39; <em>dinner</em>", hit.Highlight);
    }

    [Fact]
    public async Task Health_AfterEmbedding_ReportsMiniLmLoaded()
    {
        await SearchAsync(factory, new SearchQuery(Collection, NewScope(), "anything at all"));

        using var response = await factory.SendRawAsync(HttpMethod.Get, "/health");
        var data = (await factory.ReadJsonAsync(response)).GetProperty("components").GetProperty("ai_engine").GetProperty("data");

        Assert.Equal("all-MiniLM-L6-v2", data.GetProperty("embedding_model").GetString());
        Assert.Equal("loaded", data.GetProperty("embedding_model_state").GetString());
    }

    [Fact]
    public async Task SearchAsync_MoreMatchesThanRankedAtOnce_EveryTermMatchFirstAndSmallScopeStillFound()
    {
        var large = NewScope();
        var small = NewScope();
        // Written first, so they are the oldest: outside the newest matches the bounded leg ranks.
        await InsertAsync(small, "mine", "Invoice for the office chairs");
        await InsertAsync(large, "all-terms", "March invoice for the consulting work");
        await InsertAsync(large, Enumerable.Range(0, HybridSearch.RankAllBelow + 100).Select(i => ($"n{i}", $"Invoice number {i} for office supplies")));

        var hits = await SearchAsync(factory, new SearchQuery(Collection, large, "consulting invoice march"));
        var mine = await SearchAsync(factory, new SearchQuery(Collection, small, "office invoice"));

        Assert.Equal("all-terms", hits[0].Id);
        Assert.Equal(10, hits.Count);
        Assert.Equal(["mine"], mine.Select(h => h.Id));
    }

    /// <summary>Rows written as a bulk load would (no embedding): the full-text leg alone finds them.</summary>
    private Task InsertAsync(string scope, string id, string text) => InsertAsync(scope, [(id, text)]);

    private async Task InsertAsync(string scope, IEnumerable<(string Id, string Text)> documents)
    {
        _ = factory.Server;
        await using var services = factory.Services.CreateAsyncScope();
        var db = services.ServiceProvider.GetRequiredService<MindstackDbContext>();
        await using var transaction = await db.Database.BeginTransactionAsync();
        foreach (var (id, text) in documents)
        {
            await db.ExecuteAsync(
                "INSERT INTO search_documents (collection, scope, id, text, version) VALUES (@c, @s, @id, @text, 1)",
                new Dictionary<string, object?> { ["c"] = Collection, ["s"] = scope, ["id"] = id, ["text"] = text }, CancellationToken.None);
        }
        await transaction.CommitAsync();
    }

    internal static string NewScope() => "tenant_" + Guid.NewGuid().ToString("N")[..12];

    internal static IReadOnlyDictionary<string, string> Facets(params (string Name, string Value)[] pairs) =>
        pairs.ToDictionary(p => p.Name, p => p.Value);

    internal static Task UpsertAsync(PlatformFactory node, SearchDocument document) =>
        WithSearchAsync(node, s => s.UpsertAsync(document, CancellationToken.None));

    internal static async Task<IReadOnlyList<SearchHit>> SearchAsync(PlatformFactory node, SearchQuery query)
    {
        IReadOnlyList<SearchHit> hits = [];
        await WithSearchAsync(node, async s => hits = await s.SearchAsync(query, CancellationToken.None));
        return hits;
    }

    internal static async Task WithSearchAsync(PlatformFactory node, Func<IHybridSearch, Task> use)
    {
        _ = node.Server;
        await using var scope = node.Services.CreateAsyncScope();
        await use(scope.ServiceProvider.GetRequiredService<IHybridSearch>());
    }
}

/// <summary>Two nodes (two servers) on one database: each holds its own vectors and still sees the other's writes.</summary>
public sealed class HybridSearchTwoNodeTests : IAsyncLifetime
{
    private readonly TestDatabase _database = PlatformFactory.CreateDatabase();
    private PlatformFactory _first = null!;
    private PlatformFactory _second = null!;

    public Task InitializeAsync()
    {
        _first = PlatformFactory.OnSharedDatabase(_database);
        _second = PlatformFactory.OnSharedDatabase(_database);
        _ = _first.Server;
        _ = _second.Server;
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        _first.Dispose();
        _second.Dispose();
        _database.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task SearchAsync_OtherNodeUpsertsUpdatesAndDeletes_SeenHere()
    {
        const string collection = "tests.documents";
        var scope = HybridSearchTests.NewScope();
        await HybridSearchTests.UpsertAsync(_first, new SearchDocument(collection, scope, "a", "Holiday schedule for the support team"));
        // The second node now holds the scope's vectors in memory.
        Assert.Single(await HybridSearchTests.SearchAsync(_second, new SearchQuery(collection, scope, "support team holidays")));

        await HybridSearchTests.UpsertAsync(_first, new SearchDocument(collection, scope, "b", "Vacation calendar of the helpdesk staff"));
        var afterInsert = await HybridSearchTests.SearchAsync(_second, new SearchQuery(collection, scope, "support team holidays"));
        await HybridSearchTests.UpsertAsync(_first, new SearchDocument(collection, scope, "a", "Parking garage closes early on Friday"));
        var afterUpdate = await HybridSearchTests.SearchAsync(_second, new SearchQuery(collection, scope, "support team holidays"));
        await HybridSearchTests.WithSearchAsync(_first, s => s.DeleteAsync(collection, scope, "b", CancellationToken.None));
        var afterDelete = await HybridSearchTests.SearchAsync(_second, new SearchQuery(collection, scope, "vacation calendar helpdesk"));

        Assert.Equal(["a", "b"], afterInsert.Select(h => h.Id).Order());
        Assert.Equal(["b"], afterUpdate.Select(h => h.Id));
        Assert.Empty(afterDelete);
    }
}

/// <summary>The hashed embedder forced (as when the model cannot load): search still works on it.</summary>
public sealed class HashEmbedderFactory : PlatformFactory
{
    public HashEmbedderFactory() => WithSetting("Mindstack:Ai:LocalEmbedder", "hash");
}

public sealed class HybridSearchFallbackTests(HashEmbedderFactory factory) : IClassFixture<HashEmbedderFactory>
{
    [Fact]
    public async Task SearchAsync_HashEmbedderForced_FindsByWordsAndReportsModel()
    {
        var scope = HybridSearchTests.NewScope();
        await HybridSearchTests.UpsertAsync(factory, new SearchDocument("tests.documents", scope, "reset", "How to reset your password"));
        await HybridSearchTests.UpsertAsync(factory, new SearchDocument("tests.documents", scope, "lunch", "Team lunch on Friday"));

        var hits = await HybridSearchTests.SearchAsync(factory, new SearchQuery("tests.documents", scope, "password reset link"));
        using var response = await factory.SendRawAsync(HttpMethod.Get, "/health");
        var data = (await factory.ReadJsonAsync(response)).GetProperty("components").GetProperty("ai_engine").GetProperty("data");

        Assert.Equal("reset", hits[0].Id);
        Assert.DoesNotContain(hits, h => h.Id == "lunch");
        Assert.Equal("hash-ngram-embed-384", data.GetProperty("embedding_model").GetString());
        Assert.Equal("forced", data.GetProperty("embedding_model_state").GetString());
        Assert.Equal("hash-ngram-embed-384", data.GetProperty("operations").GetProperty("embed").GetProperty("model").GetString());
    }
}
