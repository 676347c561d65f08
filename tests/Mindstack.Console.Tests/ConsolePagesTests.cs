using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Mindstack.Platform.Access;
using Mindstack.Platform.Accounts;
using Mindstack.Platform.Observability;
using Mindstack.Platform.Storage;
using Mindstack.PluginMind;

namespace Mindstack.Console.Tests;

/// <summary>Runs only on PostgreSQL, where several nodes share one database.</summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        if (!TestDatabase.UsePostgres)
        {
            Skip = "needs PostgreSQL (MINDSTACK_TEST_PROVIDER=postgres): several nodes share one database only there";
        }
    }
}

/// <summary>
/// The account page's keys and tier/role forms, and the overview's request figures, over plain HTTP
/// (the HTML the browser would get).
/// </summary>
public sealed class ConsolePagesTests(ConsoleFactory factory) : IClassFixture<ConsoleFactory>
{
    [Fact]
    public async Task AccountDetail_RevokedKey_ListedWithRevokedStateAndTime()
    {
        var admin = await factory.CreateAccountAsync("admin");
        var customer = await factory.CreateAccountAsync("user");
        var revoked = await factory.CreateMindraKeyAsync(customer.Id);
        var live = await factory.CreateMindraKeyAsync(customer.Id);
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            Assert.True(await scope.ServiceProvider.GetRequiredService<IApiKeyService>().RevokeAsync(revoked.Key.Id, customer.Id));
        }
        using var client = await factory.SignedInClientAsync(admin.Email);

        var html = await client.GetStringAsync($"/console/accounts/{customer.Id}");

        var revokedRow = KeyRow(html, revoked.Key.Prefix);
        Assert.Contains("class=\"revoked\"", revokedRow, StringComparison.Ordinal);
        Assert.Matches(@"<td>revoked</td>\s*<td>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d</td>\s*<td>[^<]*</td>\s*<td>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d</td>", revokedRow);
        Assert.Contains("console test key", revokedRow, StringComparison.Ordinal);
        Assert.DoesNotContain("Revoke key", revokedRow, StringComparison.Ordinal);
        var liveRow = KeyRow(html, live.Key.Prefix);
        Assert.Contains("<td>active</td>", liveRow, StringComparison.Ordinal);
        Assert.Contains("Revoke key " + live.Key.Prefix, liveRow, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AccountDetail_TierForm_OffersTheDeclaredTiers()
    {
        var admin = await factory.CreateAccountAsync("admin");
        var customer = await factory.CreateAccountAsync("user");
        using var client = await factory.SignedInClientAsync(admin.Email);

        var html = await client.GetStringAsync($"/console/accounts/{customer.Id}");

        var select = Regex.Match(html, "<select id=\"tier\" name=\"tier\">(.*?)</select>", RegexOptions.Singleline);
        Assert.True(select.Success, "no tier select on the page");
        var options = Regex.Matches(select.Groups[1].Value, "<option value=\"([^\"]+)\"").Select(m => m.Groups[1].Value).ToList();
        // MindPeeker's and Mindra's declared tiers, PluginMind's subscription tiers, and the default tier of the APIs without tiers of their own.
        Assert.Superset(new HashSet<string>(["basic", "professional", "enterprise", "developer", "business", "free", "pro"], StringComparer.OrdinalIgnoreCase),
            new HashSet<string>(options, StringComparer.OrdinalIgnoreCase));
        Assert.Contains("pro", options);
        Assert.Equal(options.Count, options.Distinct(StringComparer.OrdinalIgnoreCase).Count());
        var roles = Regex.Match(html, "<select id=\"role\" name=\"role\">(.*?)</select>", RegexOptions.Singleline).Groups[1].Value;
        Assert.Equal(AccountRoles.All, Regex.Matches(roles, "<option value=\"([^\"]+)\"").Select(m => m.Groups[1].Value));
    }

    [Fact]
    public async Task SetTier_DeclaredTier_Changed()
    {
        var admin = await factory.CreateAccountAsync("admin");
        var customer = await factory.CreateAccountAsync("user");
        using var client = await factory.SignedInClientAsync(admin.Email);

        using var response = await PostAsync(client, customer.Id, "tier", "tier", "Business");

        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        Assert.Contains("notice=", response.Headers.Location!.ToString(), StringComparison.Ordinal);
        Assert.Equal("business", (await FindAsync(customer.Id)).Tier);
    }

    [Fact]
    public async Task SetTier_PluginMindPro_PluginMindUsageShowsProQuota()
    {
        var admin = await factory.CreateAccountAsync("admin");
        var customer = await factory.CreateAccountAsync("user");
        using var console = await factory.SignedInClientAsync(admin.Email);
        var cookie = await PluginMindSessionAsync(customer.Id);
        var before = await PluginMindUsageAsync(cookie);
        // Made with Mindra's default tier, which PluginMind meters as its free quota.
        Assert.NotEqual("pro", before.GetProperty("subscription_tier").GetString());
        Assert.Equal(10, before.GetProperty("queries_limit").GetInt32());
        Assert.Matches(@"<option value=""pro""[^>]*>pro \([^)]*pluginmind[^)]*\)</option>", await console.GetStringAsync($"/console/accounts/{customer.Id}"));

        using var response = await PostAsync(console, customer.Id, "tier", "tier", "pro");

        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        Assert.Contains("notice=", response.Headers.Location!.ToString(), StringComparison.Ordinal);
        // The same session, read again: the change reached PluginMind's cached caller too.
        var after = await PluginMindUsageAsync(cookie);
        Assert.Equal("pro", after.GetProperty("subscription_tier").GetString());
        Assert.Equal(1_000, after.GetProperty("queries_limit").GetInt32());
        Assert.True(after.GetProperty("can_make_query").GetBoolean());
    }

    [Fact]
    public async Task SetTier_UndeclaredTierPostedByHand_RefusedWithMessageAndUnchanged()
    {
        var admin = await factory.CreateAccountAsync("admin");
        var customer = await factory.CreateAccountAsync("user");
        var before = (await FindAsync(customer.Id)).Tier;
        using var client = await factory.SignedInClientAsync(admin.Email);

        using var response = await PostAsync(client, customer.Id, "tier", "tier", "platinum");

        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        var page = await client.GetStringAsync(response.Headers.Location!.ToString());
        Assert.Contains("&#x27;platinum&#x27; is not a tier any API declares", page, StringComparison.Ordinal);
        Assert.Equal(before, (await FindAsync(customer.Id)).Tier);
    }

    [Fact]
    public async Task SetRole_UnknownRolePostedByHand_RefusedWithMessageAndUnchanged()
    {
        var admin = await factory.CreateAccountAsync("admin");
        var customer = await factory.CreateAccountAsync("user");
        using var client = await factory.SignedInClientAsync(admin.Email);

        using var response = await PostAsync(client, customer.Id, "role", "role", "superuser");

        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        var page = await client.GetStringAsync(response.Headers.Location!.ToString());
        Assert.Contains("Role must be one of user, moderator, admin", page, StringComparison.Ordinal);
        Assert.Equal(AccountRoles.User, (await FindAsync(customer.Id)).Role);
    }

    [Fact]
    public async Task Overview_RequestsAnswered_CountedAndThisNodeListedLive()
    {
        var admin = await factory.CreateAccountAsync("admin");
        using var client = await factory.SignedInClientAsync(admin.Email);
        var nodeId = factory.Services.GetRequiredService<NodeRequestCounts>().NodeId;
        var before = MindraRequests(await client.GetStringAsync("/console"));

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, await factory.MindraWalletStatusAsync("mk_not_a_key"));
        }
        var html = await client.GetStringAsync("/console");

        Assert.True(MindraRequests(html) >= before + 3, $"mindra requests went from {before} to {MindraRequests(html)}");
        Assert.Contains($"answered by node <code>{nodeId}</code>", html, StringComparison.Ordinal);
        Assert.Matches($@"<code>{Regex.Escape(nodeId)}</code> \(this node\)</th>\s*<td class=""good"">live</td>", html);
    }

    [PostgresFact]
    public async Task Overview_TwoNodes_SumsEveryNodeAndListsBoth()
    {
        var admin = await factory.CreateAccountAsync("admin");
        using var client = await factory.SignedInClientAsync(admin.Email);
        var before = MindraRequests(await client.GetStringAsync("/console"));
        var other = "node-b-" + Guid.NewGuid().ToString("N")[..6];
        var nodeB = MindstackFactory.OnSharedDatabase(factory.Database).WithSetting("Mindstack:Jobs:NodeId", other);
        try
        {
            using (var api = nodeB.CreateClient())
            {
                for (var i = 0; i < 4; i++)
                {
                    using var answer = await api.GetAsync("/mindra/v1/wallet");
                    Assert.Equal(HttpStatusCode.Unauthorized, answer.StatusCode);
                }
            }
            // Node B writes its counts in its next batch; the test does not wait for the timer.
            await nodeB.Services.GetRequiredService<IUsageCounters>().FlushAsync();

            var html = await Eventually.UntilAsync(() => client.GetStringAsync("/console"),
                page => page.Contains($"<code>{other}</code></th>", StringComparison.Ordinal), "node B's heartbeat on the overview");

            Assert.True(MindraRequests(html) >= before + 4, $"mindra requests went from {before} to {MindraRequests(html)}");
            Assert.Matches($@"<code>{Regex.Escape(other)}</code></th>\s*<td class=""good"">live</td>", html);
            Assert.Matches(@"Summed over every node \([2-9] live\)", html);
        }
        finally
        {
            await nodeB.DisposeAsync();
        }

        // Stopped, node B leaves the live list at once, but what it answered this hour still counts.
        var after = await client.GetStringAsync("/console");
        Assert.Matches($@"<code>{Regex.Escape(other)}</code></th>\s*<td class=""bad"">gone</td>", after);
        Assert.True(MindraRequests(after) >= before + 4);
    }

    private static string KeyRow(string html, string prefix)
    {
        var row = Regex.Match(html, $@"<tr[^>]*>\s*<td><code>{Regex.Escape(prefix)}…</code></td>.*?</tr>", RegexOptions.Singleline);
        Assert.True(row.Success, $"no row for key {prefix}");
        return row.Value;
    }

    /// <summary>The overview's mindra request count, 0 when it has no row yet.</summary>
    private static long MindraRequests(string html)
    {
        var row = Regex.Match(html, @"<th scope=""row"">mindra</th>\s*<td class=""num"">(\d+)</td>");
        return row.Success ? long.Parse(row.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;
    }

    private async Task<HttpResponseMessage> PostAsync(HttpClient client, string accountId, string action, string field, string value)
    {
        var token = await ConsoleFactory.FormTokenAsync(client, $"/console/accounts/{accountId}");
        return await client.PostAsync($"/console/accounts/{accountId}/{action}",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["__console_token"] = token, [field] = value }));
    }

    /// <summary>A PluginMind session of the account, as its <c>pm_session</c> cookie (what <c>/auth/google</c> would set).</summary>
    private async Task<string> PluginMindSessionAsync(string accountId)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var account = await FindAsync(accountId);
        var tokens = await scope.ServiceProvider.GetRequiredService<ISessionService>()
            .StartSessionAsync(account, PluginMindApi.Definition.Accounts!, "test");
        return tokens.AccessToken.Token;
    }

    private async Task<JsonElement> PluginMindUsageAsync(string cookie)
    {
        // No cookie container: the session cookie goes as the header a browser would send.
        using var client = new HttpClient(new SocketsHttpHandler { UseCookies = false }) { BaseAddress = factory.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/pluginmind/me/usage");
        request.Headers.Add("Cookie", "pm_session=" + cookie);
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"/pluginmind/me/usage answered {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private async Task<Account> FindAsync(string id)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        return (await scope.ServiceProvider.GetRequiredService<IAccountService>().FindAsync(id))!;
    }
}
