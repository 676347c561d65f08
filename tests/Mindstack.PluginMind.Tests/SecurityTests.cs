using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Mindstack.Platform.Accounts;
using Mindstack.Platform.Http;

namespace Mindstack.PluginMind.Tests;

/// <summary>The findings of an adversarial run (issue 19): sign-in, Google keys, async jobs, cookie requests.</summary>
public sealed class SecurityTests(PluginMindFactory factory) : IClassFixture<PluginMindFactory>
{
    private const string Base = PluginMindFactory.Base;

    public static TheoryData<string> UnverifiedEmails() => ["false", "\"false\"", "\"true\"", "missing"];

    [Theory]
    [MemberData(nameof(UnverifiedEmails))]
    public async Task GoogleSignIn_EmailNotVerifiedByGoogle_401AndNoSession(string emailVerified)
    {
        object claim = emailVerified switch
        {
            "false" => false,
            "\"false\"" => "false",
            "\"true\"" => "true",
            _ => GoogleStandIn.NoClaim,
        };
        foreach (var token in new[]
        {
            factory.Google.IdToken("g-unverified", "unverified@example.test", emailVerified: claim),
            factory.Google.DevToken("g-unverified", "unverified@example.test", emailVerified: claim),
        })
        {
            using var client = factory.Browser();
            using var response = await client.PostAsJsonAsync($"{Base}/auth/google", new { id_token = token });
            await factory.ErrorAsync(response, HttpStatusCode.Unauthorized, "AUTHENTICATION_FAILED");
            Assert.False(response.Headers.Contains("Set-Cookie"));
        }
    }

    [Fact]
    public async Task GoogleSignIn_EmailOfAnUnverifiedMindPeekerAccount_NeverJoinsIt()
    {
        var email = $"victim-{Guid.NewGuid():N}@example.test";
        using (var registered = await factory.SendRawAsync(HttpMethod.Post, "/mindpeeker/v1/auth/register",
            $$"""{"email":"{{email}}","username":"victim{{Guid.NewGuid().ToString("N")[..8]}}","password":"securePassword123"}"""))
        {
            Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        }

        using var client = factory.Browser();
        // Google not vouching for the address: refused outright.
        using (var unverified = await client.PostAsJsonAsync($"{Base}/auth/google",
            new { id_token = factory.Google.IdToken("g-attacker", email, emailVerified: false) }))
        {
            await factory.ErrorAsync(unverified, HttpStatusCode.Unauthorized, "AUTHENTICATION_FAILED");
        }
        // Google vouching for it, but nobody proved it to us on the existing account: not joined either.
        using (var verified = await client.PostAsJsonAsync($"{Base}/auth/google",
            new { id_token = factory.Google.IdToken("g-google-owner", email) }))
        {
            var error = await factory.ErrorAsync(verified, HttpStatusCode.Conflict, "HTTP_EXCEPTION");
            Assert.Contains("not been verified", error.GetProperty("message").GetString(), StringComparison.Ordinal);
            Assert.False(verified.Headers.Contains("Set-Cookie"));
        }
        using var logs = await client.GetAsync($"{Base}/query-logs");
        await factory.ErrorAsync(logs, HttpStatusCode.Unauthorized, "HTTP_EXCEPTION");
    }

    [Fact]
    public async Task GoogleSignIn_EmailOfAVerifiedAccount_JoinsThatAccount()
    {
        var email = $"verified-{Guid.NewGuid():N}@example.test";
        string accountId;
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var accounts = scope.ServiceProvider.GetRequiredService<IAccountService>();
            accountId = (await accounts.CreateAsync(new NewAccount(email, "securePassword123") { EmailVerified = true }, scope.ServiceProvider.GetRequiredService<ApiRegistry>().Find("mindpeeker")!.Accounts!)).Id;
        }
        var (_, user) = await factory.SignInAsync(email);
        Assert.Equal(accountId, user.GetProperty("id").GetString());
    }

    [Fact]
    public async Task GoogleSignIn_UnsignedToken_401WithoutFetchingKeys()
    {
        var before = factory.Google.Fetches;
        for (var i = 0; i < 3; i++)
        {
            using var client = factory.Browser();
            using var response = await client.PostAsJsonAsync($"{Base}/auth/google",
                new { id_token = GoogleStandIn.UnsignedToken("g-none", "none@example.test") });
            var error = await factory.ErrorAsync(response, HttpStatusCode.Unauthorized, "AUTHENTICATION_FAILED");
            Assert.Contains("algorithm", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        }
        Assert.Equal(before, factory.Google.Fetches);
    }

    [Fact]
    public async Task GoogleSignIn_UnknownKeyId_401AndAtMostOneRefetch()
    {
        await factory.SignInAsync();
        var before = factory.Google.Fetches;
        Assert.True(before >= 1);
        for (var i = 0; i < 5; i++)
        {
            using var client = factory.Browser();
            using var response = await client.PostAsJsonAsync($"{Base}/auth/google",
                new { id_token = GoogleStandIn.ForeignToken("g-kid", "kid@example.test", keyId: "kid-" + i) });
            await factory.ErrorAsync(response, HttpStatusCode.Unauthorized, "AUTHENTICATION_FAILED");
        }
        Assert.InRange(factory.Google.Fetches - before, 0, 1);
    }

    [Fact]
    public async Task GoogleSignIn_KeysUnavailable_503WithoutAFetchPerRequest()
    {
        using var offline = new PluginMindFactory();
        offline.Google.Failing = HttpStatusCode.InternalServerError;
        for (var i = 0; i < 4; i++)
        {
            using var client = offline.Browser();
            using var response = await client.PostAsJsonAsync($"{Base}/auth/google",
                new { id_token = offline.Google.IdToken("g-offline", "offline@example.test") });
            await offline.ErrorAsync(response, HttpStatusCode.ServiceUnavailable, "SERVICE_UNAVAILABLE");
        }
        // One failed fetch; the next waits out the back-off instead of following every request.
        Assert.Equal(1, offline.Google.Fetches);

        using var browser = offline.Browser();
        using var unsigned = await browser.PostAsJsonAsync($"{Base}/auth/google",
            new { id_token = GoogleStandIn.UnsignedToken("g-offline", "offline@example.test") });
        await offline.ErrorAsync(unsigned, HttpStatusCode.Unauthorized, "AUTHENTICATION_FAILED");
    }

    [Fact]
    public async Task AnalyzeAsync_SignedInUsersJob_ReadableOnlyByThatUserOrAnAdmin()
    {
        var (owner, _) = await factory.SignInAsync();
        var (stranger, _) = await factory.SignInAsync();
        var (admin, _) = await factory.SignInAsync("admin@example.test", "g-admin-security");
        using var created = await owner.PostAsJsonAsync($"{Base}/analyze-async", new { user_input = "my private question", analysis_type = "chat" });
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        var jobId = (await factory.ReadJsonAsync(created)).GetProperty("job_id").GetString();

        using (var anonymous = await factory.SendRawAsync(HttpMethod.Get, $"{Base}/analyze-async/{jobId}"))
        {
            await factory.ErrorAsync(anonymous, HttpStatusCode.NotFound, "JOB_NOT_FOUND");
        }
        using (var theirs = await stranger.GetAsync($"{Base}/analyze-async/{jobId}"))
        {
            await factory.ErrorAsync(theirs, HttpStatusCode.NotFound, "JOB_NOT_FOUND");
        }
        foreach (var allowed in new[] { owner, admin })
        {
            using var read = await allowed.GetAsync($"{Base}/analyze-async/{jobId}");
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
            Assert.Equal(jobId, (await factory.ReadJsonAsync(read)).GetProperty("job_id").GetString());
        }
    }

    [Fact]
    public async Task AnalyzeAsync_AnonymousPastTheDailyQuota_429QueryLimitExceededWhileSignedInUsersGoOn()
    {
        using var limited = new PluginMindFactory();
        limited.WithSetting("Mindstack:PluginMind:AnonymousQueriesPerDay", "2");
        limited.WithSetting("Mindstack:Jobs:Workers", "0");
        var body = """{"user_input":"Is bitcoin a hedge?","analysis_type":"crypto"}""";
        var ids = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            using var accepted = await limited.SendRawAsync(HttpMethod.Post, $"{Base}/analyze-async", body);
            Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
            ids.Add((await limited.ReadJsonAsync(accepted)).GetProperty("job_id").GetString()!);
        }
        using (var refused = await limited.SendRawAsync(HttpMethod.Post, $"{Base}/analyze-async", body))
        {
            await limited.ErrorAsync(refused, HttpStatusCode.TooManyRequests, "QUERY_LIMIT_EXCEEDED");
            var retryAfter = int.Parse(refused.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture);
            Assert.InRange(retryAfter, 1, 24 * 60 * 60);
        }
        // An anonymous job's id stays its capability.
        using (var read = await limited.SendRawAsync(HttpMethod.Get, $"{Base}/analyze-async/{ids[0]}"))
        {
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        }
        var (client, _) = await limited.SignInAsync();
        using var signedIn = await client.PostAsJsonAsync($"{Base}/analyze-async", new { user_input = "Is bitcoin a hedge?", analysis_type = "crypto" });
        Assert.Equal(HttpStatusCode.OK, signedIn.StatusCode);
    }

    [Fact]
    public async Task AnalyzeAsync_AnonymousUseTurnedOff_401HttpException()
    {
        using var closed = new PluginMindFactory();
        closed.WithSetting("Mindstack:PluginMind:AnonymousQueriesPerDay", "0");
        closed.WithSetting("Mindstack:Jobs:Workers", "0");
        using var refused = await closed.SendRawAsync(HttpMethod.Post, $"{Base}/analyze-async", """{"user_input":"hello","analysis_type":"chat"}""");
        await closed.ErrorAsync(refused, HttpStatusCode.Unauthorized, "HTTP_EXCEPTION");

        var (client, _) = await closed.SignInAsync();
        using var signedIn = await client.PostAsJsonAsync($"{Base}/analyze-async", new { user_input = "hello", analysis_type = "chat" });
        Assert.Equal(HttpStatusCode.OK, signedIn.StatusCode);
    }

    [Theory]
    [InlineData("application/x-www-form-urlencoded", "user_input=hello&analysis_type=chat")]
    [InlineData("multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"user_input\"\r\n\r\nhello\r\n--x--\r\n")]
    [InlineData("text/plain", """{"user_input":"hello","analysis_type":"chat"}""")]
    public async Task CookieRequest_BodyNotJson_415AndNothingDone(string contentType, string body)
    {
        var (client, _) = await factory.SignInAsync();
        foreach (var path in new[] { "/analyze-async", "/process", "/auth/logout" })
        {
            using var content = new StringContent(body, Encoding.UTF8);
            content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);
            using var response = await client.PostAsync(Base + path, content);
            await factory.ErrorAsync(response, HttpStatusCode.UnsupportedMediaType, "HTTP_EXCEPTION");
        }
        // Nothing ran and the session lives on.
        using var usage = await client.GetAsync($"{Base}/me/usage");
        Assert.Equal(HttpStatusCode.OK, usage.StatusCode);
        Assert.Equal(0, (await factory.ReadJsonAsync(usage)).GetProperty("queries_used").GetInt32());
        using var jobs = await client.GetAsync($"{Base}/jobs");
        Assert.Equal(0, (await factory.ReadJsonAsync(jobs)).GetProperty("total_jobs").GetInt32());
    }
}
