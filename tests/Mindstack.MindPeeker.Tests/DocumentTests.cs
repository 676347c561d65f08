namespace Mindstack.MindPeeker.Tests;

/// <summary>The document's endpoint list: every one is described and every protected one refuses a missing credential.</summary>
public sealed class DocumentTests(MindPeekerFactory factory) : IClassFixture<MindPeekerFactory>
{
    private static readonly (string Method, string Path)[] Endpoints =
    [
        ("post", "/auth/register"), ("post", "/auth/login"), ("post", "/auth/refresh"), ("post", "/auth/logout"),
        ("get", "/users/me"), ("put", "/users/me"), ("get", "/users/me/stats"),
        ("post", "/sessions"), ("get", "/sessions"), ("get", "/sessions/{session_id}"), ("put", "/sessions/{session_id}"),
        ("delete", "/sessions/{session_id}"), ("get", "/sessions/{session_id}/analysis"), ("get", "/sessions/{session_id}/analysis/history"),
        ("get", "/billing"), ("post", "/billing/credits/purchase"), ("get", "/billing/history"),
        ("post", "/webhooks"), ("get", "/webhooks"), ("put", "/webhooks/{webhook_id}"), ("delete", "/webhooks/{webhook_id}"),
        ("get", "/admin/system/status"), ("get", "/admin/analytics/users"),
    ];

    [Fact]
    public async Task OpenApi_EveryDocumentEndpoint_Described()
    {
        using var response = await factory.SendRawAsync(HttpMethod.Get, "/openapi/mindpeeker.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var paths = (await factory.ReadJsonAsync(response)).GetProperty("paths");
        foreach (var (method, path) in Endpoints)
        {
            Assert.True(paths.TryGetProperty(MindPeekerFactory.Base + path, out var item), $"{path} is not in the OpenAPI document");
            Assert.True(item.TryGetProperty(method, out var operation), $"{method} {path} is not in the OpenAPI document");
            Assert.False(string.IsNullOrEmpty(operation.GetProperty("summary").GetString()));
        }
    }

    [Fact]
    public async Task OpenApi_EveryDocumentEndpoint_DeclaresItsAnswerSchema()
    {
        using var response = await factory.SendRawAsync(HttpMethod.Get, "/openapi/mindpeeker.json");
        var document = await factory.ReadJsonAsync(response);
        foreach (var (method, path) in Endpoints)
        {
            var responses = document.GetProperty("paths").GetProperty(MindPeekerFactory.Base + path).GetProperty(method).GetProperty("responses");
            var success = responses.EnumerateObject().FirstOrDefault(r => r.Name.StartsWith('2'));
            Assert.True(success.Value.ValueKind == JsonValueKind.Object, $"{method} {path} declares no success answer");
            Assert.True(success.Value.TryGetProperty("content", out var content)
                && content.GetProperty("application/json").GetProperty("schema").TryGetProperty("$ref", out _),
                $"{method} {path} declares no named answer schema");
        }
    }

    [Fact]
    public async Task OpenApi_SessionSocket_DescribedAtItsMountedPath()
    {
        using var response = await factory.SendRawAsync(HttpMethod.Get, "/openapi/mindpeeker.json");
        var paths = (await factory.ReadJsonAsync(response)).GetProperty("paths");
        Assert.True(paths.TryGetProperty(MindPeekerFactory.Base + "/ws/{session_id}", out var item), "/ws/{session_id} is not in the OpenAPI document");
        var operation = item.GetProperty("get");
        Assert.False(string.IsNullOrEmpty(operation.GetProperty("summary").GetString()));
        Assert.Equal("session_id", operation.GetProperty("parameters")[0].GetProperty("name").GetString());
        Assert.True(operation.GetProperty("responses").TryGetProperty("101", out _));
    }

    [Fact]
    public async Task EveryProtectedEndpoint_NoCredential_401TokenInvalid()
    {
        foreach (var (method, path) in Endpoints.Where(e => !e.Path.StartsWith("/auth/", StringComparison.Ordinal) || e.Path == "/auth/logout"))
        {
            var concrete = path.Replace("{session_id}", "session_x", StringComparison.Ordinal).Replace("{webhook_id}", "webhook_x", StringComparison.Ordinal);
            var response = await factory.SendAsync(new HttpMethod(method.ToUpperInvariant()), concrete, null, method is "post" or "put" ? new { } : null);
            await MindPeekerFactory.AssertErrorAsync(response, HttpStatusCode.Unauthorized, "TOKEN_INVALID");
        }
    }
}
