using System.Net;
using System.Text.Json;

namespace Mindstack.Platform.Tests.Http;

/// <summary>Every API answers what goes wrong in its own error shape, never a bare 500 or a stack trace.</summary>
public sealed class ErrorShapeTests(ProbeFactory factory) : IClassFixture<ProbeFactory>
{
    public static TheoryData<string> Apis => new() { "mindpeeker", "mindra", "pluginmind", "mindswarm", "mindmesh" };

    private static string BaseOf(string api) => api switch
    {
        "mindpeeker" => "/mindpeeker/v1",
        "mindra" => "/mindra",
        "pluginmind" => "/pluginmind",
        "mindswarm" => "/mindswarm/api",
        "mindmesh" => "/mindmesh",
        _ => throw new ArgumentOutOfRangeException(nameof(api)),
    };

    /// <summary>Checks the API's envelope and returns (code-or-null, message) from it.</summary>
    private static (string? Code, string Message) AssertShape(string api, JsonElement body, string requestId)
    {
        switch (api)
        {
            case "mindpeeker":
                Assert.False(body.GetProperty("success").GetBoolean());
                var error = body.GetProperty("error");
                Assert.Equal(requestId, error.GetProperty("request_id").GetString());
                Assert.True(error.TryGetProperty("timestamp", out _));
                Assert.True(error.TryGetProperty("details", out _));
                return (error.GetProperty("code").GetString(), error.GetProperty("message").GetString()!);
            case "mindra":
                Assert.Equal(requestId, body.GetProperty("requestId").GetString());
                Assert.True(body.TryGetProperty("details", out _));
                return (body.GetProperty("error").GetString(), body.GetProperty("message").GetString()!);
            case "pluginmind":
                var pm = body.GetProperty("error");
                Assert.Equal(requestId, pm.GetProperty("correlation_id").GetString());
                return (pm.GetProperty("code").GetString(), pm.GetProperty("message").GetString()!);
            case "mindswarm":
                Assert.False(body.GetProperty("success").GetBoolean());
                return (body.GetProperty("code").GetString(), body.GetProperty("error").GetString()!);
            case "mindmesh":
                return (null, body.GetProperty("detail").GetString()!);
            default:
                throw new ArgumentOutOfRangeException(nameof(api));
        }
    }

    private async Task<(HttpStatusCode Status, string? Code, string Message, string Raw)> SendAsync(
        string api, HttpMethod method, string path, string? body = null)
    {
        var requestId = "test-" + Guid.NewGuid().ToString("N")[..8];
        using var response = await factory.SendRawAsync(method, BaseOf(api) + path, body,
            h => h.Add("X-Request-ID", requestId));
        Assert.Equal(requestId, response.Headers.GetValues("X-Request-ID").Single());
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var raw = await response.Content.ReadAsStringAsync();
        var (code, message) = AssertShape(api, JsonDocument.Parse(raw).RootElement, requestId);
        return (response.StatusCode, code, message, raw);
    }

    [Theory]
    [MemberData(nameof(Apis))]
    public async Task UnknownPath_AnyApi_NotFoundInOwnShape(string api)
    {
        var (status, code, _, _) = await SendAsync(api, HttpMethod.Get, "/no/such/path");
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal(api switch { "pluginmind" => "HTTP_EXCEPTION", "mindmesh" => null, _ => "NOT_FOUND" }, code);
    }

    [Theory]
    [MemberData(nameof(Apis))]
    public async Task MalformedBody_AnyApi_BadRequestInOwnShape(string api)
    {
        var (status, code, message, _) = await SendAsync(api, HttpMethod.Post, "/__probe/echo", "{\"text\": ");
        Assert.Equal(Expected(api, malformed: true), (status, code));
        Assert.False(string.IsNullOrWhiteSpace(message));
    }

    [Theory]
    [MemberData(nameof(Apis))]
    public async Task WellFormedBody_AnyApi_ReadWithApiNaming(string api)
    {
        using var response = await factory.SendRawAsync(HttpMethod.Post, BaseOf(api) + "/__probe/echo", "{\"text\":\"hi\"}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("hi", (await factory.ReadJsonAsync(response)).GetProperty("text").GetString());
    }

    [Theory]
    [MemberData(nameof(Apis))]
    public async Task MissingCredential_AnyApi_UnauthorizedInOwnShape(string api)
    {
        var (status, code, _, _) = await SendAsync(api, HttpMethod.Get, "/__probe/protected");
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal(api switch
        {
            "mindpeeker" => "TOKEN_INVALID",
            "pluginmind" => "AUTHENTICATION_FAILED",
            "mindmesh" => null,
            _ => "UNAUTHORIZED",
        }, code);
    }

    [Theory]
    [MemberData(nameof(Apis))]
    public async Task UnhandledException_AnyApi_500WithoutDetails(string api)
    {
        var (status, _, message, raw) = await SendAsync(api, HttpMethod.Get, "/__probe/crash");
        Assert.Equal(HttpStatusCode.InternalServerError, status);
        Assert.DoesNotContain("secret internal detail", raw, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", raw, StringComparison.Ordinal);
        Assert.False(string.IsNullOrWhiteSpace(message));
    }

    [Theory]
    [MemberData(nameof(Apis))]
    public async Task TooLargeBody_AnyApi_413InOwnShape(string api)
    {
        var big = "{\"text\":\"" + new string('x', 1024 * 1024 + 10) + "\"}";
        var (status, code, _, _) = await SendAsync(api, HttpMethod.Post, "/__probe/echo", big);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        if (api == "pluginmind")
        {
            Assert.Equal("REQUEST_TOO_LARGE", code);
        }
    }

    [Theory]
    [MemberData(nameof(Apis))]
    public async Task WrongMethod_AnyApi_405InOwnShape(string api)
    {
        var (status, _, _, _) = await SendAsync(api, HttpMethod.Delete, "/__probe/echo");
        Assert.Equal(HttpStatusCode.MethodNotAllowed, status);
    }

    [Theory]
    [MemberData(nameof(Apis))]
    public async Task NulInBody_AnyApi_ValidationInOwnShapeNamingTheField(string api)
    {
        var (status, _, _, raw) = await SendAsync(api, HttpMethod.Post, "/__probe/echo", "{\"text\":\"a\\u0000b\"}");
        Assert.Equal(api is "mindra" or "mindswarm" ? HttpStatusCode.BadRequest : HttpStatusCode.UnprocessableEntity, status);
        Assert.True(raw.Contains("NUL", StringComparison.Ordinal) && raw.Contains("text", StringComparison.Ordinal), raw);

        // An unpaired surrogate escape is not text at all: the JSON reader refuses it as a malformed body.
        var (loneStatus, _, _, _) = await SendAsync(api, HttpMethod.Post, "/__probe/echo", "{\"text\":\"lone \\ud800 surrogate\"}");
        Assert.True(loneStatus is HttpStatusCode.BadRequest or HttpStatusCode.UnprocessableEntity, loneStatus.ToString());

        // A well-formed pair (an emoji, escaped or not) is text like any other.
        using var emoji = await factory.SendRawAsync(HttpMethod.Post, BaseOf(api) + "/__probe/echo", "{\"text\":\"\\ud83d\\ude00 \ud83d\ude00\"}");
        Assert.Equal(HttpStatusCode.OK, emoji.StatusCode);
        Assert.Equal("\ud83d\ude00 \ud83d\ude00", (await factory.ReadJsonAsync(emoji)).GetProperty("text").GetString());
    }

    [Theory]
    [MemberData(nameof(Apis))]
    public async Task NulTextReachingTheDatabase_AnyApi_NeverA500(string api)
    {
        if (TestDatabase.UsePostgres)
        {
            var (status, _, _, raw) = await SendAsync(api, HttpMethod.Get, "/__probe/store?text=a%00b");
            // PostgreSQL's text cannot hold NUL: its refusal is the caller's mistake, in the API's shape.
            Assert.Equal(api is "mindra" or "mindswarm" ? HttpStatusCode.BadRequest : HttpStatusCode.UnprocessableEntity, status);
            Assert.Contains("NUL", raw, StringComparison.Ordinal);
        }
        else
        {
            // SQLite holds it: the value comes back as it went in.
            using var response = await factory.SendRawAsync(HttpMethod.Get, BaseOf(api) + "/__probe/store?text=a%00b");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("a\0b", (await factory.ReadJsonAsync(response)).GetProperty("text").GetString());
        }
    }

    [Fact]
    public async Task Validation_MindMesh_ListsFieldErrors()
    {
        using var response = await factory.SendRawAsync(HttpMethod.Get, "/mindmesh/__probe/invalid");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var body = await factory.ReadJsonAsync(response);
        Assert.Equal("Request validation failed", body.GetProperty("detail").GetString());
        var error = Assert.Single(body.GetProperty("errors").EnumerateArray());
        Assert.Equal("email", error.GetProperty("field").GetString());
    }

    [Fact]
    public async Task Validation_MindPeeker_DetailsNameTheField()
    {
        using var response = await factory.SendRawAsync(HttpMethod.Get, "/mindpeeker/v1/__probe/invalid");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var details = (await factory.ReadJsonAsync(response)).GetProperty("error").GetProperty("details");
        Assert.Equal("email", details.GetProperty("field").GetString());
        Assert.Equal("Invalid email format", details.GetProperty("reason").GetString());
    }

    [Theory]
    [MemberData(nameof(Apis))]
    public async Task WrongTypeInBody_AnyApi_ValidationNamingTheField(string api)
    {
        var (status, code, _, raw) = await SendAsync(api, HttpMethod.Post, "/__probe/echo", "{\"text\":\"hi\",\"options\":{\"count\":\"many\"}}");
        AssertValidation(api, status, code);
        Assert.Contains("must be an integer", raw, StringComparison.Ordinal);
        Assert.Contains("options.count", raw, StringComparison.Ordinal);

        var (topStatus, topCode, _, topRaw) = await SendAsync(api, HttpMethod.Post, "/__probe/echo", "{\"text\":42}");
        AssertValidation(api, topStatus, topCode);
        Assert.Contains("text must be a string", topRaw, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Apis))]
    public async Task WrongTypeInQuery_AnyApi_ValidationNamingTheParameter(string api)
    {
        var (status, code, _, raw) = await SendAsync(api, HttpMethod.Get, "/__probe/paged?limit=ten");
        AssertValidation(api, status, code);
        Assert.Contains("limit", raw, StringComparison.Ordinal);

        using var fine = await factory.SendRawAsync(HttpMethod.Get, BaseOf(api) + "/__probe/paged?limit=10");
        Assert.Equal(HttpStatusCode.OK, fine.StatusCode);
    }

    private static void AssertValidation(string api, HttpStatusCode status, string? code) =>
        Assert.Equal(Expected(api, malformed: false), (status, code));

    /// <summary>Each API's status and code for a body that is not JSON, or for a field that is wrong.</summary>
    private static (HttpStatusCode Status, string? Code) Expected(string api, bool malformed) => api switch
    {
        "mindpeeker" => malformed ? (HttpStatusCode.BadRequest, "INVALID_REQUEST_BODY") : (HttpStatusCode.UnprocessableEntity, "INVALID_FIELD_VALUE"),
        "mindra" => (HttpStatusCode.BadRequest, "INVALID_REQUEST"),
        "pluginmind" => (HttpStatusCode.UnprocessableEntity, "INVALID_INPUT"),
        "mindswarm" => (HttpStatusCode.BadRequest, "VALIDATION_ERROR"),
        _ => (HttpStatusCode.UnprocessableEntity, null),
    };
}
