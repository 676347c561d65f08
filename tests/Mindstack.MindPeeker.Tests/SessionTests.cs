namespace Mindstack.MindPeeker.Tests;

public sealed class SessionTests(MindPeekerFactory factory) : IClassFixture<MindPeekerFactory>
{
    [Fact]
    public async Task Create_ValidRequest_201PendingWithHeldCredits()
    {
        var user = await factory.RegisterUserAsync();
        var session = await factory.CreateSessionAsync(user);
        Assert.StartsWith("session_", session.GetProperty("id").GetString());
        Assert.Equal("pending", session.GetProperty("status").GetString());
        Assert.Equal(10, session.GetProperty("credits_required").GetInt64());
        Assert.Equal(0.7, session.GetProperty("parameters").GetProperty("confidence_threshold").GetDouble());
        Assert.Equal($"ws://localhost/mindpeeker/v1/ws/{session.GetProperty("id").GetString()}", session.GetProperty("websocket_url").GetString());
        Assert.True(session.GetProperty("estimated_completion").GetDateTime() > session.GetProperty("created_at").GetDateTime());
        Assert.Equal(90, await factory.CreditsAsync(user));
    }

    [Fact]
    public async Task Create_InvalidFields_422WithDocumentCodes()
    {
        var user = await factory.RegisterUserAsync();
        await MindPeekerFactory.AssertErrorAsync(await factory.SendAsync(HttpMethod.Post, "/sessions", user.Token, new { session_type = "dowsing" }),
            HttpStatusCode.UnprocessableEntity, "MISSING_REQUIRED_FIELD");
        await MindPeekerFactory.AssertErrorAsync(await factory.SendAsync(HttpMethod.Post, "/sessions", user.Token, new { cue = "x", session_type = "astrology" }),
            HttpStatusCode.UnprocessableEntity, "INVALID_FIELD_VALUE");
        await MindPeekerFactory.AssertErrorAsync(await factory.SendAsync(HttpMethod.Post, "/sessions", user.Token, new { cue = new string('a', 2001), session_type = "dowsing" }),
            HttpStatusCode.UnprocessableEntity, "FIELD_TOO_LONG");
        await MindPeekerFactory.AssertErrorAsync(await factory.SendAsync(HttpMethod.Post, "/sessions", user.Token,
            new { cue = "x", session_type = "dowsing", parameters = new { confidence_threshold = 1.5 } }),
            HttpStatusCode.UnprocessableEntity, "INVALID_FIELD_VALUE");
        Assert.Equal(100, await factory.CreditsAsync(user));
    }

    [Fact]
    public async Task Create_CreditsExhausted_402InsufficientCredits()
    {
        var user = await factory.RegisterUserAsync();
        for (var i = 0; i < 10; i++)
        {
            await factory.CreateSessionAsync(user);
        }
        Assert.Equal(0, await factory.CreditsAsync(user));
        await MindPeekerFactory.AssertErrorAsync(
            await factory.SendAsync(HttpMethod.Post, "/sessions", user.Token, new { cue = "one more", session_type = "intuitive_analysis" }),
            (HttpStatusCode)402, "INSUFFICIENT_CREDITS");
    }

    [Fact]
    public async Task GetAndHistory_OwnSession_DetailsAndEmptyHistory()
    {
        var user = await factory.RegisterUserAsync();
        var id = (await factory.CreateSessionAsync(user)).GetProperty("id").GetString();
        var detail = (await factory.ReadJsonAsync(await factory.SendAsync(HttpMethod.Get, $"/sessions/{id}", user.Token))).GetProperty("data");
        Assert.Equal(id, detail.GetProperty("id").GetString());
        Assert.Equal("CASE_12345", detail.GetProperty("metadata").GetProperty("case_id").GetString());
        var history = (await factory.ReadJsonAsync(await factory.SendAsync(HttpMethod.Get, $"/sessions/{id}/analysis/history", user.Token))).GetProperty("data");
        Assert.Equal(JsonValueKind.Array, history.GetProperty("analysis_history").ValueKind);
        await MindPeekerFactory.AssertErrorAsync(await factory.SendAsync(HttpMethod.Get, $"/sessions/{id}/analysis", user.Token),
            HttpStatusCode.NotFound, "ANALYSIS_NOT_READY");
    }

    [Fact]
    public async Task AnotherAccount_EverySessionRoute_404SessionNotFound()
    {
        var owner = await factory.RegisterUserAsync();
        var other = await factory.RegisterUserAsync();
        var id = (await factory.CreateSessionAsync(owner)).GetProperty("id").GetString();
        foreach (var (method, path) in new[]
        {
            (HttpMethod.Get, $"/sessions/{id}"), (HttpMethod.Put, $"/sessions/{id}"), (HttpMethod.Delete, $"/sessions/{id}"),
            (HttpMethod.Get, $"/sessions/{id}/analysis"), (HttpMethod.Get, $"/sessions/{id}/analysis/history"),
        })
        {
            await MindPeekerFactory.AssertErrorAsync(await factory.SendAsync(method, path, other.Token, method == HttpMethod.Put ? new { } : null),
                HttpStatusCode.NotFound, "SESSION_NOT_FOUND");
        }
        var list = (await factory.ReadJsonAsync(await factory.SendAsync(HttpMethod.Get, "/sessions", other.Token))).GetProperty("data");
        Assert.Equal(0, list.GetProperty("pagination").GetProperty("total").GetInt32());
        Assert.Equal(90, await factory.CreditsAsync(owner));
    }

    [Fact]
    public async Task List_FiltersSortAndPaging_DocumentPagination()
    {
        var user = await factory.RegisterUserAsync();
        var first = (await factory.CreateSessionAsync(user, "dowsing")).GetProperty("id").GetString();
        await factory.CreateSessionAsync(user, "precognition");
        var last = (await factory.CreateSessionAsync(user, "dowsing")).GetProperty("id").GetString();

        var page = (await factory.ReadJsonAsync(await factory.SendAsync(HttpMethod.Get, "/sessions?limit=2&offset=0", user.Token))).GetProperty("data");
        Assert.Equal(last, page.GetProperty("sessions")[0].GetProperty("id").GetString());
        Assert.Equal(2, page.GetProperty("sessions").GetArrayLength());
        Assert.True(page.GetProperty("pagination").GetProperty("has_more").GetBoolean());
        Assert.Equal(3, page.GetProperty("pagination").GetProperty("total").GetInt32());

        var dowsing = (await factory.ReadJsonAsync(await factory.SendAsync(HttpMethod.Get,
            "/sessions?session_type=dowsing&status=pending&sort_by=created_at&order=asc", user.Token))).GetProperty("data");
        Assert.Equal([first, last], dowsing.GetProperty("sessions").EnumerateArray().Select(s => s.GetProperty("id").GetString()));
        Assert.False(dowsing.GetProperty("pagination").GetProperty("has_more").GetBoolean());

        await MindPeekerFactory.AssertErrorAsync(await factory.SendAsync(HttpMethod.Get, "/sessions?limit=101", user.Token),
            HttpStatusCode.UnprocessableEntity, "INVALID_FIELD_VALUE");
        await MindPeekerFactory.AssertErrorAsync(await factory.SendAsync(HttpMethod.Get, "/sessions?sort_by=cue", user.Token),
            HttpStatusCode.UnprocessableEntity, "INVALID_FIELD_VALUE");
    }

    [Fact]
    public async Task UpdateThenCancel_PendingSession_MergedThenRefundedThen409()
    {
        var user = await factory.RegisterUserAsync();
        var id = (await factory.CreateSessionAsync(user)).GetProperty("id").GetString();
        var updated = await factory.SendAsync(HttpMethod.Put, $"/sessions/{id}", user.Token, new
        {
            parameters = new { confidence_threshold = 0.8, priority = "high" },
            metadata = new { tags = new[] { "aviation", "urgent" } },
        });
        var data = (await factory.ReadJsonAsync(updated)).GetProperty("data");
        Assert.Equal(0.8, data.GetProperty("parameters").GetProperty("confidence_threshold").GetDouble());
        Assert.Equal("high", data.GetProperty("parameters").GetProperty("priority").GetString());
        Assert.Equal(1800, data.GetProperty("parameters").GetProperty("duration").GetInt32());
        Assert.Equal("CASE_12345", data.GetProperty("metadata").GetProperty("case_id").GetString());
        Assert.Equal(2, data.GetProperty("metadata").GetProperty("tags").GetArrayLength());

        var cancel = await factory.ReadJsonAsync(await factory.SendAsync(HttpMethod.Delete, $"/sessions/{id}", user.Token));
        Assert.Equal("Session cancelled successfully", cancel.GetProperty("message").GetString());
        Assert.Equal(10, cancel.GetProperty("refund").GetProperty("credits_refunded").GetInt64());
        Assert.Equal("User cancellation", cancel.GetProperty("refund").GetProperty("refund_reason").GetString());
        Assert.Equal(100, await factory.CreditsAsync(user));

        await MindPeekerFactory.AssertErrorAsync(await factory.SendAsync(HttpMethod.Put, $"/sessions/{id}", user.Token, new { }),
            HttpStatusCode.Conflict, "SESSION_ALREADY_COMPLETED");
        await MindPeekerFactory.AssertErrorAsync(await factory.SendAsync(HttpMethod.Delete, $"/sessions/{id}", user.Token),
            HttpStatusCode.Conflict, "SESSION_ALREADY_COMPLETED");
    }

    [Fact]
    public async Task Update_ConcurrentEdits_NoneLost()
    {
        var user = await factory.RegisterUserAsync();
        var id = (await factory.CreateSessionAsync(user)).GetProperty("id").GetString();
        var responses = await Task.WhenAll(Enumerable.Range(0, 5).Select(i =>
            factory.SendAsync(HttpMethod.Put, $"/sessions/{id}", user.Token, new { metadata = new Dictionary<string, object> { [$"k{i}"] = i } })));
        foreach (var response in responses)
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        var metadata = (await factory.ReadJsonAsync(await factory.SendAsync(HttpMethod.Get, $"/sessions/{id}", user.Token)))
            .GetProperty("data").GetProperty("metadata");
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(i, metadata.GetProperty($"k{i}").GetInt32());
        }
    }

    [Fact]
    public async Task Update_RacingCancel_EitherLandsBeforeOr409_CreditsWhole()
    {
        var user = await factory.RegisterUserAsync();
        var id = (await factory.CreateSessionAsync(user)).GetProperty("id").GetString();
        var updates = Enumerable.Range(0, 4).Select(i =>
            factory.SendAsync(HttpMethod.Put, $"/sessions/{id}", user.Token, new { parameters = new { priority = "high" }, metadata = new { n = i } })).ToList();
        var cancel = factory.SendAsync(HttpMethod.Delete, $"/sessions/{id}", user.Token);
        Assert.Equal(HttpStatusCode.OK, (await cancel).StatusCode);
        foreach (var update in await Task.WhenAll(updates))
        {
            if (update.StatusCode != HttpStatusCode.OK)
            {
                await MindPeekerFactory.AssertErrorAsync(update, HttpStatusCode.Conflict, "SESSION_ALREADY_COMPLETED");
            }
        }
        var session = (await factory.ReadJsonAsync(await factory.SendAsync(HttpMethod.Get, $"/sessions/{id}", user.Token))).GetProperty("data");
        Assert.Equal("cancelled", session.GetProperty("status").GetString());
        Assert.Equal(100, await factory.CreditsAsync(user));
    }

    [Fact]
    public async Task Update_WrongTypeInParameters_422NamingTheField()
    {
        var user = await factory.RegisterUserAsync();
        var id = (await factory.CreateSessionAsync(user)).GetProperty("id").GetString();
        var response = await factory.SendAsync(HttpMethod.Put, $"/sessions/{id}", user.Token, new { parameters = new { duration = "long" } });
        var error = await MindPeekerFactory.AssertErrorAsync(response, HttpStatusCode.UnprocessableEntity, "INVALID_FIELD_VALUE");
        Assert.Equal("parameters.duration", error.GetProperty("error").GetProperty("details").GetProperty("field").GetString());
        var session = (await factory.ReadJsonAsync(await factory.SendAsync(HttpMethod.Get, $"/sessions/{id}", user.Token))).GetProperty("data");
        Assert.Equal(1800, session.GetProperty("parameters").GetProperty("duration").GetInt32());
    }
}

public sealed class RateLimitTests(LimitedMindPeekerFactory factory) : IClassFixture<LimitedMindPeekerFactory>
{
    [Fact]
    public async Task BasicTier_OverPerMinuteLimit_429RateLimitExceeded()
    {
        // Limits use windows aligned to the clock minute: start early in a minute so the burst
        // cannot straddle a window boundary on a slow machine.
        await Eventually.EarlyInAMinuteAsync();
        var user = await factory.RegisterUserAsync();
        HttpResponseMessage? refused = null;
        for (var i = 0; i < 102 && refused is null; i++)
        {
            var response = await factory.SendAsync(HttpMethod.Get, "/sessions", user.Token);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                refused = response;
            }
            else
            {
                Assert.Equal("100", response.Headers.GetValues("X-RateLimit-Limit").First());
            }
        }
        Assert.NotNull(refused);
        Assert.True(refused.Headers.Contains("Retry-After"));
        await MindPeekerFactory.AssertErrorAsync(refused, HttpStatusCode.TooManyRequests, "RATE_LIMIT_EXCEEDED");
    }
}
