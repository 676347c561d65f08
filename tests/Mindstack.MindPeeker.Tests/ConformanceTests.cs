using System.Text.RegularExpressions;

namespace Mindstack.MindPeeker.Tests;

/// <summary>Query parameters, timestamps and stats as a client following the document sees them (sessions never start here).</summary>
public sealed partial class ConformanceTests(MindPeekerFactory factory) : IClassFixture<MindPeekerFactory>
{
    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$")]
    private static partial Regex DocumentTimestamp();

    [Theory]
    [InlineData("/sessions?limit=abc", "limit")]
    [InlineData("/sessions?offset=1.5", "offset")]
    [InlineData("/billing/history?limit=ten", "limit")]
    [InlineData("/billing/history?offset=x", "offset")]
    public async Task List_PagingNotANumber_422InvalidFieldValueNamingTheField(string path, string field)
    {
        var user = await factory.RegisterUserAsync();
        var response = await factory.SendAsync(HttpMethod.Get, path, user.Token);
        var body = await factory.ReadJsonAsync(response);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.False(body.GetProperty("success").GetBoolean());
        Assert.Equal("INVALID_FIELD_VALUE", body.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal(field, body.GetProperty("error").GetProperty("details").GetProperty("field").GetString());
        Assert.DoesNotContain("Nullable", body.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_EmptyPagingValues_Defaults()
    {
        var user = await factory.RegisterUserAsync();
        var response = await factory.SendAsync(HttpMethod.Get, "/sessions?limit=&offset=", user.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var pagination = (await factory.ReadJsonAsync(response)).GetProperty("data").GetProperty("pagination");
        Assert.Equal(20, pagination.GetProperty("limit").GetInt32());
        Assert.Equal(0, pagination.GetProperty("offset").GetInt32());
    }

    [Fact]
    public async Task Session_CreatedThenRead_SameDocumentTimestamps()
    {
        var user = await factory.RegisterUserAsync();
        var created = await factory.CreateSessionAsync(user);
        var id = created.GetProperty("id").GetString();
        var read = (await factory.ReadJsonAsync(await factory.SendAsync(HttpMethod.Get, $"/sessions/{id}", user.Token))).GetProperty("data");
        var listed = (await factory.ReadJsonAsync(await factory.SendAsync(HttpMethod.Get, "/sessions", user.Token)))
            .GetProperty("data").GetProperty("sessions")[0];
        foreach (var field in new[] { "created_at", "estimated_completion" })
        {
            var value = created.GetProperty(field).GetString()!;
            Assert.Matches(DocumentTimestamp(), value);
            Assert.Equal(value, read.GetProperty(field).GetString());
        }
        Assert.Equal(created.GetProperty("created_at").GetString(), listed.GetProperty("created_at").GetString());
    }

    [Fact]
    public async Task Stats_FirstCallOfANewMonth_RemainingIncludesThatMonthsCredits()
    {
        await using var server = new ShiftedClockMindPeekerFactory();
        var user = await server.RegisterUserAsync();
        // A key, not the 24-hour token, still works a month on.
        var key = await server.CreateApiKeyAsync(user);
        var now = DateTime.UtcNow;
        server.Clock.Offset = new DateTime(now.Year, now.Month, 1, 0, 0, 0, DateTimeKind.Utc).AddMonths(1).AddDays(1) - now;

        async Task<JsonElement> GetAsync(string path) =>
            (await server.ReadJsonAsync(await server.SendAsync(HttpMethod.Get, path, null, headers: h => h.Add("X-API-Key", key)))).GetProperty("data");
        var stats = await GetAsync("/users/me/stats");
        // Basic: 100 at sign-up and 100 for the new month; the profile and the bill agree.
        Assert.Equal(200, stats.GetProperty("credits_remaining").GetInt64());
        Assert.Equal(200, (await GetAsync("/users/me")).GetProperty("credits").GetInt64());
        Assert.Equal(200, (await GetAsync("/billing")).GetProperty("credits").GetProperty("remaining").GetInt64());
    }

    [Fact]
    public async Task CreateAndUpdate_MetadataWithLoneSurrogate_422NamingMetadata()
    {
        var user = await factory.RegisterUserAsync();
        foreach (var metadata in new[] { "{\"note\":\"a \\ud800 b\"}", "{\"\\udc00\":1}", "{\"tags\":[\"ok\",{\"deep\":\"\\ud800\"}]}" })
        {
            var created = await factory.SendRawAsync(HttpMethod.Post, MindPeekerFactory.Base + "/sessions",
                $"{{\"cue\":\"Find the lost ring\",\"session_type\":\"dowsing\",\"metadata\":{metadata}}}", Bearer(user));
            await AssertNamesMetadataAsync(created);
        }
        // Nothing was created or held.
        var list = (await factory.ReadJsonAsync(await factory.SendAsync(HttpMethod.Get, "/sessions", user.Token))).GetProperty("data");
        Assert.Equal(0, list.GetProperty("pagination").GetProperty("total").GetInt32());
        Assert.Equal(100, await factory.CreditsAsync(user));

        var id = (await factory.CreateSessionAsync(user)).GetProperty("id").GetString();
        var updated = await factory.SendRawAsync(HttpMethod.Put, $"{MindPeekerFactory.Base}/sessions/{id}", "{\"metadata\":{\"note\":\"\\ud800\"}}", Bearer(user));
        await AssertNamesMetadataAsync(updated);
        var detail = (await factory.ReadJsonAsync(await factory.SendAsync(HttpMethod.Get, $"/sessions/{id}", user.Token))).GetProperty("data");
        Assert.Equal("CASE_12345", detail.GetProperty("metadata").GetProperty("case_id").GetString());

        static async Task AssertNamesMetadataAsync(HttpResponseMessage response)
        {
            var body = await MindPeekerFactory.AssertErrorAsync(response, HttpStatusCode.UnprocessableEntity, "INVALID_FIELD_VALUE");
            Assert.Equal("metadata", body.GetProperty("error").GetProperty("details").GetProperty("field").GetString());
        }
    }

    [Theory]
    [InlineData("/users/me/stats?end_date=9999-12-31")]
    [InlineData("/users/me/stats?start_date=2020-01-01&end_date=9999-12-31")]
    [InlineData("/billing/history?end_date=9999-12-31")]
    public async Task StatsAndHistory_EndDateLastRepresentableDay_422NamingEndDate(string path)
    {
        var user = await factory.RegisterUserAsync();
        var body = await MindPeekerFactory.AssertErrorAsync(await factory.SendAsync(HttpMethod.Get, path, user.Token),
            HttpStatusCode.UnprocessableEntity, "INVALID_FIELD_VALUE");
        Assert.Equal("end_date", body.GetProperty("error").GetProperty("details").GetProperty("field").GetString());

        // The day before is a day like any other.
        var dayBefore = await factory.SendAsync(HttpMethod.Get, path.Replace("9999-12-31", "9999-12-30", StringComparison.Ordinal), user.Token);
        Assert.Equal(HttpStatusCode.OK, dayBefore.StatusCode);
    }

    private static Action<System.Net.Http.Headers.HttpRequestHeaders> Bearer(PeekerUser user) =>
        h => h.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", user.Token);
}
