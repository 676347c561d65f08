using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;

namespace Mindstack.MindPeeker.Tests;

/// <summary>Sessions that really run: the job, the stages, the WebSocket, the settlement, webhooks.</summary>
public sealed class LifecycleTests(RunningMindPeekerFactory factory) : IClassFixture<RunningMindPeekerFactory>
{
    [Fact]
    public async Task GetSession_CompletedWithoutSpatialAnalysis_200WithoutCoordinates()
    {
        var user = await factory.RegisterUserAsync();
        var created = await factory.SendAsync(HttpMethod.Post, "/sessions", user.Token, new
        {
            cue = "Describe the location of the missing aircraft in the Pacific Ocean",
            session_type = "intuitive_analysis",
            parameters = new { duration = 60, analysis_types = new[] { "visual" } },
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await factory.ReadJsonAsync(created)).GetProperty("data").GetProperty("id").GetString()!;

        var session = await Eventually.UntilAsync(async () =>
            {
                using var response = await factory.SendAsync(HttpMethod.Get, "/sessions/" + id, user.Token);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                return (await factory.ReadJsonAsync(response)).GetProperty("data");
            },
            s => s.GetProperty("status").GetString() is "completed" or "failed", $"session {id} to finish", TimeSpan.FromSeconds(60));

        Assert.Equal("completed", session.GetProperty("status").GetString());
        var results = session.GetProperty("results");
        Assert.Equal(JsonValueKind.Object, results.ValueKind);
        Assert.True(!results.TryGetProperty("coordinates", out var coordinates) || coordinates.ValueKind == JsonValueKind.Null);
    }

    [Fact]
    public async Task Session_WholeLifeOverWebSocket_StagesPushedThenCompletedAndSettled()
    {
        var user = await factory.RegisterUserAsync();
        var created = await factory.CreateSessionAsync(user);
        var id = created.GetProperty("id").GetString()!;
        var url = created.GetProperty("websocket_url").GetString()!;
        Assert.StartsWith("ws://127.0.0.1:", url);

        using var socket = new ClientWebSocket();
        using (var connect = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            await socket.ConnectAsync(new Uri(url + "?token=" + user.Token), connect.Token);
        }
        var frames = new List<JsonElement>();
        while (frames.Count == 0 || frames[^1].GetProperty("type").GetString() is not ("session.completed" or "session.failed"))
        {
            frames.Add(await ReceiveAsync(socket));
        }
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);

        var status = frames[0];
        Assert.Equal("session.status", status.GetProperty("type").GetString());
        Assert.Equal(id, status.GetProperty("data").GetProperty("session_id").GetString());
        var live = frames.Skip(1).Select(f => f.GetProperty("type").GetString()).ToList();
        var seenStages = status.GetProperty("data").GetProperty("stages").EnumerateArray()
            .Concat(frames.Where(f => f.GetProperty("type").GetString() == "analysis.stage").Select(f => f.GetProperty("data")))
            .Select(s => s.GetProperty("stage").GetString()).Distinct().ToList();
        Assert.Equal(["initial_processing", "deep_analysis", "final_validation"], seenStages);
        if (status.GetProperty("data").GetProperty("status").GetString() == "pending")
        {
            // Connected within the start grace: the whole life arrived live, in order.
            Assert.Equal(["session.started", "analysis.stage", "analysis.stage", "analysis.stage", "session.completed"], live);
        }
        var completedFrame = frames[^1].GetProperty("data");
        Assert.Equal("completed", completedFrame.GetProperty("status").GetString());

        var detail = await factory.WaitForFinishAsync(user, id);
        Assert.Equal("completed", detail.GetProperty("status").GetString());
        var used = detail.GetProperty("credits_used").GetInt64();
        Assert.InRange(used, 1, 10);
        Assert.Equal(used, completedFrame.GetProperty("credits_used").GetInt64());
        Assert.Equal(10 - used, completedFrame.GetProperty("credits_refunded").GetInt64());
        Assert.Equal(100 - used, await factory.CreditsAsync(user));
        Assert.NotNull(detail.GetProperty("started_at").GetString());
        Assert.True(detail.GetProperty("duration").GetInt64() >= 0);
        Assert.InRange(detail.GetProperty("confidence_score").GetDouble(), 0.01, 1);

        // The document's analysis: summary, findings, coordinates for the named place, recommendations, metadata.
        var analysis = (await factory.ReadJsonAsync(await factory.SendAsync(HttpMethod.Get, $"/sessions/{id}/analysis", user.Token))).GetProperty("data");
        Assert.Equal(id, analysis.GetProperty("session_id").GetString());
        Assert.StartsWith("analysis_", analysis.GetProperty("analysis_id").GetString());
        var results = analysis.GetProperty("results");
        Assert.False(string.IsNullOrWhiteSpace(results.GetProperty("summary").GetString()));
        Assert.NotEqual(0, results.GetProperty("key_findings").GetArrayLength());
        foreach (var finding in results.GetProperty("key_findings").EnumerateArray())
        {
            Assert.InRange(finding.GetProperty("confidence").GetDouble(), 0, 1);
            Assert.False(string.IsNullOrEmpty(finding.GetProperty("type").GetString()));
        }
        var coordinates = results.GetProperty("detailed_analysis").GetProperty("spatial_data").GetProperty("coordinates");
        Assert.Equal(0.0, coordinates.GetProperty("latitude").GetDouble());
        Assert.Equal(-160.0, coordinates.GetProperty("longitude").GetDouble());
        Assert.Equal(JsonValueKind.Array, results.GetProperty("detailed_analysis").GetProperty("visual_data").ValueKind);
        Assert.True(results.GetProperty("detailed_analysis").TryGetProperty("temporal_data", out _));
        Assert.NotEqual(0, results.GetProperty("recommendations").GetArrayLength());
        Assert.Equal("rv-v2.1.0", analysis.GetProperty("metadata").GetProperty("model_version").GetString());
        Assert.True(analysis.GetProperty("metadata").GetProperty("data_points_analyzed").GetInt64() > 0);

        var history = (await factory.ReadJsonAsync(await factory.SendAsync(HttpMethod.Get, $"/sessions/{id}/analysis/history", user.Token)))
            .GetProperty("data").GetProperty("analysis_history");
        Assert.Equal(["initial_processing", "deep_analysis", "final_validation"], history.EnumerateArray().Select(h => h.GetProperty("stage").GetString()));
        Assert.All(history.EnumerateArray(), h => Assert.False(string.IsNullOrEmpty(h.GetProperty("notes").GetString())));
        Assert.Equal(detail.GetProperty("confidence_score").GetDouble(), history[2].GetProperty("confidence").GetDouble());

        await MindPeekerFactory.AssertErrorAsync(await factory.SendAsync(HttpMethod.Put, $"/sessions/{id}", user.Token, new { metadata = new { x = 1 } }),
            HttpStatusCode.Conflict, "SESSION_ALREADY_COMPLETED");
    }

    [Fact]
    public async Task List_SortByCompletedAtOrConfidence_UnfinishedSessionsLastBothWays()
    {
        var user = await factory.RegisterUserAsync("professional");
        var first = (await factory.CreateSessionAsync(user, "intuitive_analysis")).GetProperty("id").GetString()!;
        var second = (await factory.CreateSessionAsync(user, "intuitive_analysis")).GetProperty("id").GetString()!;
        await factory.WaitForFinishAsync(user, first);
        await factory.WaitForFinishAsync(user, second);
        // Created now, it waits out the start grace: no completed_at and no confidence_score yet.
        var pending = (await factory.CreateSessionAsync(user, "dowsing")).GetProperty("id").GetString()!;

        foreach (var sortBy in new[] { "completed_at", "confidence_score" })
        {
            foreach (var order in new[] { "asc", "desc" })
            {
                var sessions = (await factory.ReadJsonAsync(await factory.SendAsync(HttpMethod.Get, $"/sessions?sort_by={sortBy}&order={order}",
                    user.Token))).GetProperty("data").GetProperty("sessions").EnumerateArray().ToList();
                Assert.Equal(3, sessions.Count);
                Assert.Equal(pending, sessions[^1].GetProperty("id").GetString());
                var values = sessions.Take(2).Select(s => s.GetProperty(sortBy)).ToList();
                Assert.All(values, v => Assert.NotEqual(JsonValueKind.Null, v.ValueKind));
                var ordered = sortBy == "completed_at"
                    ? values[0].GetDateTime() <= values[1].GetDateTime()
                    : values[0].GetDouble() <= values[1].GetDouble();
                Assert.True(order == "asc" ? ordered : !ordered || values[0].ToString() == values[1].ToString(),
                    $"{sortBy} {order}: {values[0]} then {values[1]}");
            }
        }
        await factory.SendAsync(HttpMethod.Delete, $"/sessions/{pending}", user.Token);
    }

    [Fact]
    public async Task Create_AfterACompletedSession_EstimatedCompletionIsItsCreationToCompletionTime()
    {
        // A server of its own, so the only timing of the type is this test's.
        await using var server = new RunningMindPeekerFactory();
        var user = await server.RegisterUserAsync();
        var first = await server.CreateSessionAsync(user, "intuitive_analysis");
        Assert.Equal(30 + 1.5, (first.GetProperty("estimated_completion").GetDateTime() - first.GetProperty("created_at").GetDateTime()).TotalSeconds);
        var done = await server.WaitForFinishAsync(user, first.GetProperty("id").GetString()!);
        var took = (done.GetProperty("completed_at").GetDateTime() - done.GetProperty("created_at").GetDateTime()).TotalSeconds;

        var next = await server.CreateSessionAsync(user, "intuitive_analysis");
        var estimated = (next.GetProperty("estimated_completion").GetDateTime() - next.GetProperty("created_at").GetDateTime()).TotalSeconds;
        // The start grace is part of the measured time already; it is not added a second time.
        Assert.Contains(estimated, new[] { Math.Ceiling(took - 0.002), Math.Ceiling(took + 0.002) });
    }

    [Fact]
    public async Task Session_HighThresholdNoPlace_FlaggedButReturnedWithoutCoordinates()
    {
        var user = await factory.RegisterUserAsync();
        var response = await factory.SendAsync(HttpMethod.Post, "/sessions", user.Token, new
        {
            cue = "Will the new product launch succeed next quarter?",
            session_type = "precognition",
            parameters = new { confidence_threshold = 0.99, analysis_types = new[] { "spatial", "temporal" } },
        });
        var id = (await factory.ReadJsonAsync(response)).GetProperty("data").GetProperty("id").GetString()!;
        var detail = await factory.WaitForFinishAsync(user, id);
        Assert.Equal("completed", detail.GetProperty("status").GetString());
        Assert.True(detail.GetProperty("results").GetProperty("below_confidence_threshold").GetBoolean());
        var results = (await factory.ReadJsonAsync(await factory.SendAsync(HttpMethod.Get, $"/sessions/{id}/analysis", user.Token)))
            .GetProperty("data").GetProperty("results");
        Assert.True(results.GetProperty("below_confidence_threshold").GetBoolean());
        Assert.False(results.GetProperty("detailed_analysis").GetProperty("spatial_data").TryGetProperty("coordinates", out _));
        Assert.False(results.GetProperty("detailed_analysis").TryGetProperty("visual_data", out _));
    }

    [Fact]
    public async Task Webhook_SessionCompleted_SignedDeliveryVerifiedIndependently()
    {
        await using var receiver = new LoopbackReceiver();
        var user = await factory.RegisterUserAsync();
        var created = await factory.SendAsync(HttpMethod.Post, "/webhooks", user.Token, new
        {
            url = receiver.Url("/webhooks/mindpeeker"),
            events = new[] { "session.completed", "analysis.ready" },
            active = true,
            description = "test",
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var secret = (await factory.ReadJsonAsync(created)).GetProperty("data").GetProperty("secret").GetString()!;
        Assert.StartsWith("whsec_", secret);

        var id = (await factory.CreateSessionAsync(user, "dowsing", "Find the water source under the farm in Texas")).GetProperty("id").GetString()!;
        var delivery = await receiver.WaitForAsync(r => r.Text.Contains("\"session.completed\"", StringComparison.Ordinal));
        var expected = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), delivery.Body));
        Assert.Equal(expected, delivery.Headers["X-MindPeeker-Signature"]);
        var payload = JsonDocument.Parse(delivery.Body).RootElement;
        Assert.Equal("session.completed", payload.GetProperty("event").GetString());
        Assert.Equal(id, payload.GetProperty("data").GetProperty("session_id").GetString());
        Assert.Equal("completed", payload.GetProperty("data").GetProperty("status").GetString());
        await receiver.WaitForAsync(r => r.Text.Contains("\"analysis.ready\"", StringComparison.Ordinal));

        var list = (await factory.ReadJsonAsync(await factory.SendAsync(HttpMethod.Get, "/webhooks", user.Token))).GetProperty("data").GetProperty("webhooks");
        Assert.NotEqual(JsonValueKind.Null, list[0].GetProperty("last_triggered").ValueKind);
    }

    [Fact]
    public async Task Credits_CompletedCancelledAndPurchased_AlwaysAddUp()
    {
        var user = await factory.RegisterUserAsync("professional");
        var purchase = await factory.SendAsync(HttpMethod.Post, "/billing/credits/purchase", user.Token,
            new { credit_package = "basic_100", payment_method_id = "pm_card_visa", quantity = 1 });
        Assert.Equal(HttpStatusCode.OK, purchase.StatusCode);
        var ids = new List<string>();
        foreach (var type in new[] { "remote_viewing", "dowsing", "precognition", "intuitive_analysis" })
        {
            ids.Add((await factory.CreateSessionAsync(user, type)).GetProperty("id").GetString()!);
        }
        // Cancelled within the start grace, or already finished (then 409): either way the books must balance.
        var cancel = await factory.SendAsync(HttpMethod.Delete, $"/sessions/{ids[1]}", user.Token);
        Assert.True(cancel.StatusCode is HttpStatusCode.OK or HttpStatusCode.Conflict);

        foreach (var id in ids)
        {
            await factory.WaitForFinishAsync(user, id);
        }
        var credits = (await factory.BillingAsync(user)).GetProperty("credits");
        AssertBalanced(credits, 1000, 100);
        Assert.Equal(0, credits.GetProperty("held").GetInt64());
        Assert.Equal(10 + 8 + 12 + 5, credits.GetProperty("charged").GetInt64());
        Assert.Equal(credits.GetProperty("remaining").GetInt64(), await factory.CreditsAsync(user));
        var stats = (await factory.ReadJsonAsync(await factory.SendAsync(HttpMethod.Get, "/users/me/stats", user.Token))).GetProperty("data");
        Assert.Equal(credits.GetProperty("used").GetInt64(), stats.GetProperty("credits_used").GetInt64());
        Assert.Equal(credits.GetProperty("remaining").GetInt64(), stats.GetProperty("credits_remaining").GetInt64());
    }

    /// <summary>held + used + refunded = charged, and what remains is what came in less what went out.</summary>
    private static void AssertBalanced(JsonElement credits, long included, long purchased)
    {
        var held = credits.GetProperty("held").GetInt64();
        var used = credits.GetProperty("used").GetInt64();
        var refunded = credits.GetProperty("refunded").GetInt64();
        Assert.Equal(credits.GetProperty("charged").GetInt64(), held + used + refunded);
        Assert.Equal(included, credits.GetProperty("included").GetInt64());
        Assert.Equal(purchased, credits.GetProperty("purchased").GetInt64());
        Assert.Equal(included + purchased - used - held, credits.GetProperty("remaining").GetInt64());
    }

    [Fact]
    public async Task WebSocket_NoTokenOrAnotherAccountsSession_401Or404BeforeUpgrade()
    {
        var owner = await factory.RegisterUserAsync();
        var other = await factory.RegisterUserAsync();
        var url = (await factory.CreateSessionAsync(owner, "intuitive_analysis")).GetProperty("websocket_url").GetString()!;

        using var anonymous = new ClientWebSocket();
        anonymous.Options.CollectHttpResponseDetails = true;
        await Assert.ThrowsAsync<WebSocketException>(() => anonymous.ConnectAsync(new Uri(url), CancellationToken.None));
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.HttpStatusCode);

        using var stranger = new ClientWebSocket();
        stranger.Options.CollectHttpResponseDetails = true;
        stranger.Options.SetRequestHeader("Authorization", "Bearer " + other.Token);
        await Assert.ThrowsAsync<WebSocketException>(() => stranger.ConnectAsync(new Uri(url), CancellationToken.None));
        Assert.Equal(HttpStatusCode.NotFound, stranger.HttpStatusCode);

        // The owner may also use the X-API-Key header.
        using var keyed = new ClientWebSocket();
        keyed.Options.SetRequestHeader("X-API-Key", await factory.CreateApiKeyAsync(owner));
        await keyed.ConnectAsync(new Uri(url), CancellationToken.None);
        Assert.Equal("session.status", (await ReceiveAsync(keyed)).GetProperty("type").GetString());
    }

    private static async Task<JsonElement> ReceiveAsync(WebSocket socket)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, timeout.Token);
            Assert.NotEqual(WebSocketMessageType.Close, result.MessageType);
            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage)
            {
                return JsonDocument.Parse(message.ToArray()).RootElement.Clone();
            }
        }
    }
}
