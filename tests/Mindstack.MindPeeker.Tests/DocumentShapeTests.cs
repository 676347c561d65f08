namespace Mindstack.MindPeeker.Tests;

/// <summary>
/// Every endpoint called the way the document's example calls it: every field the example response
/// shows is there, at the same place, with the same JSON type (string, number, boolean, object,
/// array; an example array's first element describes every element returned). Extra fields are
/// fine. Mismatches are collected so one run names them all.
/// </summary>
public sealed class DocumentShapeTests(RunningMindPeekerFactory running, MindPeekerFactory idle)
    : IClassFixture<RunningMindPeekerFactory>, IClassFixture<MindPeekerFactory>
{
    /// <summary>
    /// Values the example shows that are honestly null when the request gives nothing to base them
    /// on: the document's cue names no time, so there is no <c>time_of_event</c> to report; a node
    /// without a GPU has no <c>gpu_usage</c>.
    /// </summary>
    private static readonly HashSet<string> NullWhenUnknown =
        ["$.data.results.detailed_analysis.temporal_data.time_of_event", "$.data.metrics.gpu_usage"];

    /// <summary>Lists that stay empty because no data for them is kept: no address-to-country data, so no geography.</summary>
    private static readonly HashSet<string> EmptyWhenUnknown = ["$.data.geographic_distribution"];

    /// <summary>Example fields naming a component Mindstack does not have (no separate cache tier).</summary>
    private static readonly HashSet<string> NoSuchComponent = ["$.data.services.cache"];

    /// <summary>The document's Create Session request body.</summary>
    private static readonly object DocumentSession = new
    {
        cue = "Describe the location of the missing aircraft in the Pacific Ocean",
        session_type = "remote_viewing",
        parameters = new { duration = 1800, confidence_threshold = 0.7, analysis_types = new[] { "visual", "spatial", "temporal" }, priority = "normal" },
        metadata = new { case_id = "CASE_12345", client_reference = "REF_67890", tags = new[] { "aviation", "search", "pacific" } },
    };

    private readonly List<string> _gaps = [];

    [Fact]
    public async Task DocumentExamples_AuthUsersBillingAdminAndErrors_SameFieldsAndTypes()
    {
        var factory = idle;
        var name = "u" + Guid.NewGuid().ToString("N")[..12];
        var register = await CheckAsync(factory, "POST /auth/register", HttpMethod.Post, "/auth/register", null,
            new { email = name + "@example.com", username = name, password = "securePassword123", tier = "basic", marketing_consent = true },
            HttpStatusCode.Created);
        var token = register.GetProperty("data").GetProperty("token").GetString()!;
        var login = await CheckAsync(factory, "POST /auth/login", HttpMethod.Post, "/auth/login", null,
            new { email = name + "@example.com", password = "securePassword123" });
        var refreshToken = login.GetProperty("data").GetProperty("refresh_token").GetString()!;
        var refreshed = await CheckAsync(factory, "POST /auth/refresh", HttpMethod.Post, "/auth/refresh", null, new { refresh_token = refreshToken });
        token = refreshed.GetProperty("data").GetProperty("token").GetString()!;

        await CheckAsync(factory, "GET /users/me", HttpMethod.Get, "/users/me", token);
        await CheckAsync(factory, "PUT /users/me", HttpMethod.Put, "/users/me", token,
            new { username = "n" + name, preferences = new { notifications = false, theme = "light", language = "es" } });
        await factory.CreateSessionAsync(new PeekerUser("", "", token, ""), "dowsing");
        await CheckAsync(factory, "GET /users/me/stats", HttpMethod.Get, "/users/me/stats", token);

        await CheckAsync(factory, "POST /billing/credits/purchase", HttpMethod.Post, "/billing/credits/purchase", token,
            new { credit_package = "professional_500", payment_method_id = "pm_card_visa", quantity = 1 });
        await CheckAsync(factory, "GET /billing", HttpMethod.Get, "/billing", token);
        await CheckAsync(factory, "GET /billing/history", HttpMethod.Get, "/billing/history", token);

        var admin = await factory.RegisterUserAsync("enterprise");
        await factory.MakeAdminAsync(admin);
        await CheckAsync(factory, "GET /admin/system/status", HttpMethod.Get, "/admin/system/status", admin.Token);
        await CheckAsync(factory, "GET /admin/analytics/users", HttpMethod.Get, "/admin/analytics/users?period=month", admin.Token);

        await CheckAsync(factory, "ERROR", HttpMethod.Post, "/auth/login", null, new { email = name + "@example.com", password = "wrongPassword123" },
            HttpStatusCode.Unauthorized);
        await CheckAsync(factory, "POST /auth/logout", HttpMethod.Post, "/auth/logout", token);
        Assert.True(_gaps.Count == 0, string.Join(Environment.NewLine, _gaps));
    }

    [Fact]
    public async Task DocumentExamples_PendingSessionUpdateAndCancel_SameFieldsAndTypes()
    {
        var factory = idle;
        var user = await factory.RegisterUserAsync("professional");
        var created = await CheckAsync(factory, "POST /sessions", HttpMethod.Post, "/sessions", user.Token, DocumentSession, HttpStatusCode.Created);
        var id = created.GetProperty("data").GetProperty("id").GetString()!;
        await CheckAsync(factory, "PUT /sessions/{session_id}", HttpMethod.Put, $"/sessions/{id}", user.Token, new
        {
            parameters = new { confidence_threshold = 0.8, priority = "high" },
            metadata = new { tags = new[] { "aviation", "search", "pacific", "urgent" } },
        });
        await CheckAsync(factory, "DELETE /sessions/{session_id}", HttpMethod.Delete, $"/sessions/{id}", user.Token);
        Assert.True(_gaps.Count == 0, string.Join(Environment.NewLine, _gaps));
    }

    [Fact]
    public async Task DocumentExamples_CompletedSessionAnalysisAndWebhooks_SameFieldsAndTypes()
    {
        var factory = running;
        await using var receiver = new LoopbackReceiver();
        var user = await factory.RegisterUserAsync("professional");
        var webhook = await CheckAsync(factory, "POST /webhooks", HttpMethod.Post, "/webhooks", user.Token, new
        {
            url = receiver.Url("/webhooks/mindpeeker"),
            events = new[] { "session.completed", "session.failed", "analysis.ready" },
            secret = "your_webhook_secret",
            active = true,
            description = "Production webhook for session notifications",
        }, HttpStatusCode.Created);
        var webhookId = webhook.GetProperty("data").GetProperty("id").GetString()!;

        var id = (await CheckAsync(factory, "POST /sessions", HttpMethod.Post, "/sessions", user.Token, DocumentSession, HttpStatusCode.Created))
            .GetProperty("data").GetProperty("id").GetString()!;
        Assert.Equal("completed", (await factory.WaitForFinishAsync(user, id)).GetProperty("status").GetString());
        await CheckAsync(factory, "GET /sessions/{session_id}", HttpMethod.Get, $"/sessions/{id}", user.Token);
        await CheckAsync(factory, "GET /sessions", HttpMethod.Get, "/sessions", user.Token);
        await CheckAsync(factory, "GET /sessions/{session_id}/analysis", HttpMethod.Get, $"/sessions/{id}/analysis", user.Token);
        await CheckAsync(factory, "GET /sessions/{session_id}/analysis/history", HttpMethod.Get, $"/sessions/{id}/analysis/history", user.Token);

        // A delivery has happened, so last_triggered has a value to show.
        await receiver.WaitForAsync(r => r.Path == "/webhooks/mindpeeker", TimeSpan.FromSeconds(60));
        await Eventually.UntilAsync(
            async () => (await factory.ReadJsonAsync(await factory.SendAsync(HttpMethod.Get, "/webhooks", user.Token))).GetProperty("data").GetProperty("webhooks"),
            list => list[0].GetProperty("last_triggered").ValueKind != JsonValueKind.Null,
            "last_triggered of the delivered webhook", TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(200));
        await CheckAsync(factory, "GET /webhooks", HttpMethod.Get, "/webhooks", user.Token);
        await CheckAsync(factory, "PUT /webhooks/{webhook_id}", HttpMethod.Put, $"/webhooks/{webhookId}", user.Token, new
        {
            events = new[] { "session.completed", "session.failed", "analysis.ready", "billing.payment_succeeded" },
            active = false,
        });
        await CheckAsync(factory, "DELETE /webhooks/{webhook_id}", HttpMethod.Delete, $"/webhooks/{webhookId}", user.Token);
        Assert.True(_gaps.Count == 0, string.Join(Environment.NewLine, _gaps));
    }

    private async Task<JsonElement> CheckAsync(MindPeekerFactory factory, string example, HttpMethod method, string path, string? token,
        object? body = null, HttpStatusCode status = HttpStatusCode.OK)
    {
        var response = await factory.SendAsync(method, path, token, body);
        var actual = await factory.ReadJsonAsync(response);
        Assert.True(status == response.StatusCode, $"{example}: expected {status}, got {response.StatusCode}: {actual}");
        Compare(example, "$", JsonDocument.Parse(DocumentExamples.Responses[example]).RootElement, actual);
        return actual;
    }

    private void Compare(string example, string at, JsonElement expected, JsonElement actual)
    {
        if (actual.ValueKind == JsonValueKind.Null && NullWhenUnknown.Contains(at))
        {
            return;
        }
        if (Kind(expected) != Kind(actual))
        {
            _gaps.Add($"{example} {at}: the document shows {Kind(expected)}, the server returned {Kind(actual)} ({Shorten(actual)})");
            return;
        }
        if (expected.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in expected.EnumerateObject())
            {
                if (actual.TryGetProperty(property.Name, out var value))
                {
                    Compare(example, $"{at}.{property.Name}", property.Value, value);
                }
                else if (!NoSuchComponent.Contains($"{at}.{property.Name}"))
                {
                    _gaps.Add($"{example} {at}.{property.Name}: missing");
                }
            }
        }
        else if (expected.ValueKind == JsonValueKind.Array && expected.GetArrayLength() > 0)
        {
            if (actual.GetArrayLength() == 0 && !EmptyWhenUnknown.Contains(at))
            {
                _gaps.Add($"{example} {at}: the document shows elements, the server returned none");
            }
            var index = 0;
            foreach (var element in actual.EnumerateArray())
            {
                Compare(example, $"{at}[{index++}]", expected[0], element);
            }
        }
    }

    private static string Kind(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.True or JsonValueKind.False => "boolean",
        var kind => kind.ToString().ToLowerInvariant(),
    };

    private static string Shorten(JsonElement element) => element.GetRawText() is { Length: > 80 } text ? text[..80] + "…" : element.GetRawText();
}
