using System.Net;
using System.Net.Http.Headers;

namespace Mindstack.MindMesh.Tests;

public sealed class AuthAndTenantTests(MindMeshFactory factory) : IClassFixture<MindMeshFactory>
{
    [Fact]
    public async Task Register_NewUser_FoundsTenantAsAdminWithFifteenMinuteToken()
    {
        using var client = factory.CreateClient();
        using var response = await client.PostAsync("/mindmesh/auth/register", MindMeshFactory.Json(new
        {
            email = "founder@acme.example",
            username = "founder",
            password = "Str0ng!Passw0rd",
            full_name = "Ada Founder",
        }));
        var json = await MeshClient.Expect(response, HttpStatusCode.Created);
        Assert.Equal("bearer", json.GetProperty("token_type").GetString());
        Assert.Equal(900, json.GetProperty("expires_in").GetInt32());
        var user = json.GetProperty("user");
        Assert.Equal("admin", user.GetProperty("role").GetString());
        Assert.Equal("Ada Founder", user.GetProperty("full_name").GetString());
        Assert.StartsWith("tenant_", user.GetProperty("tenant_id").GetString());
        Assert.Contains("approve:actions", user.GetProperty("permissions").EnumerateArray().Select(p => p.GetString()));
    }

    [Fact]
    public async Task Register_InviteCode_JoinsTheTenantAsUser()
    {
        var owner = await factory.RegisterAsync();
        var me = await owner.GetJsonAsync("/auth/me");
        var code = me.GetProperty("tenant").GetProperty("invite_code").GetString()!;

        var member = await factory.RegisterAsync(code);
        Assert.Equal(owner.TenantId, member.TenantId);
        var memberMe = await member.GetJsonAsync("/auth/me");
        Assert.Equal("user", memberMe.GetProperty("role").GetString());
        // Only admins see the invite code.
        Assert.Equal(System.Text.Json.JsonValueKind.Null, memberMe.GetProperty("tenant").GetProperty("invite_code").ValueKind);
        Assert.Equal("L1", memberMe.GetProperty("settings").GetProperty("autonomy_level").GetString());
    }

    [Fact]
    public async Task Register_UnknownInviteCode_422NamingIt()
    {
        using var client = factory.CreateClient();
        using var response = await client.PostAsync("/mindmesh/auth/register", MindMeshFactory.Json(new
        {
            email = "joiner@example.com",
            username = "joiner1",
            password = "Str0ng!Passw0rd",
            invite_code = "inv_nope",
        }));
        var json = await MeshClient.ExpectDetail(response, HttpStatusCode.UnprocessableEntity);
        Assert.Equal("invite_code", json.GetProperty("errors")[0].GetProperty("field").GetString());
    }

    [Fact]
    public async Task Register_MissingFields_422ListsEachField()
    {
        using var client = factory.CreateClient();
        using var response = await client.PostAsync("/mindmesh/auth/register", MindMeshFactory.Json(new { email = "" }));
        var json = await MeshClient.ExpectDetail(response, HttpStatusCode.UnprocessableEntity, "Request validation failed");
        var fields = json.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("field").GetString()).ToList();
        Assert.Equal(["email", "password", "username"], fields);
    }

    [Fact]
    public async Task Login_RightAndWrongPassword_TokensOr401Detail()
    {
        var user = await factory.RegisterAsync();
        using var client = factory.CreateClient();
        using var ok = await client.PostAsync("/mindmesh/auth/login", MindMeshFactory.Json(new { email = user.Email, password = "Str0ng!Passw0rd" }));
        var json = await MeshClient.Expect(ok, HttpStatusCode.OK);
        Assert.Equal(user.TenantId, json.GetProperty("user").GetProperty("tenant_id").GetString());

        using var wrong = await client.PostAsync("/mindmesh/auth/login", MindMeshFactory.Json(new { email = user.Email, password = "nope-nope-nope" }));
        await MeshClient.ExpectDetail(wrong, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Refresh_ReplayedToken_401AndFamilyRevoked()
    {
        var user = await factory.RegisterAsync();
        using var client = factory.CreateClient();
        using var first = await client.PostAsync("/mindmesh/auth/refresh", MindMeshFactory.Json(new { refresh_token = user.RefreshToken }));
        var rotated = await MeshClient.Expect(first, HttpStatusCode.OK);
        Assert.Equal(900, rotated.GetProperty("expires_in").GetInt32());
        Assert.NotEqual(user.RefreshToken, rotated.GetProperty("refresh_token").GetString());

        using var replay = await client.PostAsync("/mindmesh/auth/refresh", MindMeshFactory.Json(new { refresh_token = user.RefreshToken }));
        await MeshClient.ExpectDetail(replay, HttpStatusCode.Unauthorized);
        // The replay revoked the family: the rotated token is spent too.
        using var after = await client.PostAsync("/mindmesh/auth/refresh",
            MindMeshFactory.Json(new { refresh_token = rotated.GetProperty("refresh_token").GetString() }));
        await MeshClient.ExpectDetail(after, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Me_NoOrBadToken_401Detail()
    {
        using var client = factory.CreateClient();
        using var none = await client.GetAsync("/mindmesh/auth/me");
        await MeshClient.ExpectDetail(none, HttpStatusCode.Unauthorized);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/mindmesh/goals");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "not-a-jwt");
        using var bad = await client.SendAsync(request);
        await MeshClient.ExpectDetail(bad, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Decide_MemberWithoutApprovePermission_403InsufficientPermissions()
    {
        var owner = await factory.RegisterAsync();
        var code = (await owner.GetJsonAsync("/auth/me")).GetProperty("tenant").GetProperty("invite_code").GetString()!;
        var member = await factory.RegisterAsync(code);
        var runId = await owner.StartGoalAsync("Write a short note about our roadmap", "L0");
        var approval = (await owner.WaitForApprovalsAsync(runId))[0];

        // The member reads the tenant's runs but may not decide or read the audit.
        await member.GetJsonAsync($"/runs/{runId}");
        using var decide = await member.SendAsync(HttpMethod.Post, $"/approvals/{approval.GetProperty("id").GetString()}", new { decision = "approve" });
        await MeshClient.ExpectDetail(decide, HttpStatusCode.Forbidden, "Insufficient permissions");
        using var audit = await member.SendAsync(HttpMethod.Get, "/audit/logs");
        await MeshClient.ExpectDetail(audit, HttpStatusCode.Forbidden, "Insufficient permissions");
        await owner.SendAsync(HttpMethod.Delete, $"/runs/{runId}");
    }

    [Fact]
    public async Task Resources_OfAnotherTenant_404()
    {
        var owner = await factory.RegisterAsync();
        var stranger = await factory.RegisterAsync();
        var goal = await owner.CreateGoalAsync("Research competitors' pricing", "L3");
        var goalId = goal.GetProperty("id").GetString();
        var runId = await owner.StartGoalAsync("Summarize last week's notes", "L3");

        foreach (var (method, path) in new[]
        {
            (HttpMethod.Get, $"/goals/{goalId}"), (HttpMethod.Put, $"/goals/{goalId}"), (HttpMethod.Delete, $"/goals/{goalId}"),
            (HttpMethod.Post, $"/goals/{goalId}/start"), (HttpMethod.Get, $"/runs/{runId}"), (HttpMethod.Post, $"/runs/{runId}/pause"),
            (HttpMethod.Delete, $"/runs/{runId}"), (HttpMethod.Get, $"/audit/{runId}"),
        })
        {
            using var response = await stranger.SendAsync(method, path, method == HttpMethod.Get || method == HttpMethod.Delete ? null : new { });
            await MeshClient.ExpectDetail(response, HttpStatusCode.NotFound);
        }
        var list = await stranger.GetJsonAsync("/goals");
        Assert.Equal(0, list.GetProperty("total").GetInt32());
        var runs = await stranger.GetJsonAsync("/runs");
        Assert.Equal(0, runs.GetProperty("total").GetInt32());
    }
}

public sealed class RateLimitTests(LimitedMindMeshFactory factory) : IClassFixture<LimitedMindMeshFactory>
{
    [Fact]
    public async Task Requests_DocumentClasses_XRateLimitHeadersAnd429()
    {
        var user = await factory.RegisterAsync();
        using var read = await user.SendAsync(HttpMethod.Get, "/goals");
        Assert.Equal("100", read.Headers.GetValues("X-RateLimit-Limit").Single());
        Assert.Equal("99", read.Headers.GetValues("X-RateLimit-Remaining").Single());
        Assert.True(long.Parse(read.Headers.GetValues("X-RateLimit-Reset").Single(), System.Globalization.CultureInfo.InvariantCulture) > 1_600_000_000);
        using var write = await user.SendAsync(HttpMethod.Post, "/goals", new { text = "Plan the offsite" });
        Assert.Equal("20", write.Headers.GetValues("X-RateLimit-Limit").Single());

        // Auth: 5 a minute per address; the sixth within a window is refused (a window may turn over once meanwhile).
        using var client = factory.CreateClient();
        for (var i = 0; i < 12; i++)
        {
            using var login = await client.PostAsync("/mindmesh/auth/login", MindMeshFactory.Json(new { email = user.Email, password = "Str0ng!Passw0rd" }));
            if (login.StatusCode == HttpStatusCode.TooManyRequests)
            {
                await MeshClient.ExpectDetail(login, HttpStatusCode.TooManyRequests);
                Assert.True(login.Headers.Contains("Retry-After"));
                return;
            }
            await MeshClient.Expect(login, HttpStatusCode.OK);
        }
        Assert.Fail("No login was refused");
    }
}
