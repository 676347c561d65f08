using System.Data.Common;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Tokens;
using Mindstack.Platform.Access;
using Mindstack.Platform.Accounts;
using Mindstack.Platform.Http;
using Mindstack.Platform.Storage;

namespace Mindstack.Hardening.Tests;

/// <summary>
/// The whole server as an attacker meets it: every API mounted, rate limits off (the fuzz sends
/// thousands of requests), no job workers (so nothing changes stored state behind a request's
/// back), PluginMind sign-in with a development secret, webhooks to public targets only.
/// </summary>
public sealed class HardeningFactory : MindstackFactory
{
    public const string GoogleClientId = "hardening-client.apps.googleusercontent.com";
    public const string GoogleDevSecret = "hardening-dev-secret-for-tests-only-0123456789";

    public HardeningFactory()
    {
        WithSetting("Mindstack:Limits:RateLimitsEnabled", "false");
        WithSetting("Mindstack:Jobs:Workers", "0");
        WithSetting("Mindstack:MindPeeker:StartDelayMilliseconds", "3600000");
        WithSetting("Mindstack:PluginMind:Google:ClientId", GoogleClientId);
        // Nothing listens there: RS256 tokens cannot be checked, so the fuzz uses HS256 dev tokens.
        WithSetting("Mindstack:PluginMind:Google:JwksUrl", "http://127.0.0.1:9/jwks");
        WithSetting("Mindstack:PluginMind:Google:DevSecret", GoogleDevSecret);
        WithSetting("Mindstack:PluginMind:AdminEmails:0", "admin@hardening.test");
        WithSetting("Mindstack:Mindra:CryptoDepositAddress", "0x00000000000000000000000000000000000000a1");
    }

    /// <summary>
    /// A fresh caller of each API: a MindPeeker user (JWT), a Mindra key, a PluginMind session cookie,
    /// a MindMesh user (JWT) who founded a tenant of their own and is its admin.
    /// </summary>
    public async Task<Callers> NewCallersAsync()
    {
        var name = "u" + Guid.NewGuid().ToString("N")[..12];
        using var client = CreateClient();
        using var register = await client.PostAsJsonAsync("/mindpeeker/v1/auth/register",
            new { email = name + "@example.com", username = name, password = "securePassword123", marketing_consent = true });
        Assert.Equal(HttpStatusCode.Created, register.StatusCode);
        var peeker = (await register.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("data");

        string mindraKey;
        string mindraAccount;
        await using (var scope = Services.CreateAsyncScope())
        {
            var accounts = scope.ServiceProvider.GetRequiredService<IAccountService>();
            var mindra = scope.ServiceProvider.GetRequiredService<ApiRegistry>().Find("mindra")!;
            var account = await accounts.CreateAsync(new NewAccount($"m{name}@example.com", "Str0ng!Passw0rd") { EmailVerified = true },
                mindra.Accounts!);
            await accounts.SetTierAsync(account.Id, "developer");
            var created = await scope.ServiceProvider.GetRequiredService<IApiKeyService>()
                .CreateAsync(new NewApiKey(account.Id, mindra.KeyFormat!, "fuzz"));
            mindraKey = created.PlainKey;
            mindraAccount = account.Id;
        }

        var pluginMindToken = DevIdToken("g-" + name, $"p{name}@example.com");
        using var signIn = await client.PostAsJsonAsync("/pluginmind/auth/google", new { id_token = pluginMindToken });
        Assert.Equal(HttpStatusCode.OK, signIn.StatusCode);
        var cookie = signIn.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]).Single(c => c.StartsWith("pm_session=", StringComparison.Ordinal));

        return new Callers(
            peeker.GetProperty("token").GetString()!,
            peeker.GetProperty("user").GetProperty("id").GetString()!,
            mindraKey,
            mindraAccount,
            cookie,
            await RegisterMeshAsync(client, $"h{name}@example.com"));
    }

    /// <summary>
    /// Registers a MindMesh user and returns its access token: the founder (admin) of a new tenant,
    /// or with <paramref name="inviteCode"/> a member (role <c>user</c>) of that tenant.
    /// </summary>
    public static async Task<string> RegisterMeshAsync(HttpClient client, string email, string? inviteCode = null)
    {
        using var register = await client.PostAsJsonAsync("/mindmesh/auth/register",
            new { email, username = email.Split('@')[0][..Math.Min(32, email.IndexOf('@'))], password = "Str0ng!Passw0rd", full_name = "Hardening", invite_code = inviteCode });
        var body = await register.Content.ReadAsStringAsync();
        Assert.True(register.StatusCode == HttpStatusCode.Created, $"MindMesh register → {(int)register.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("access_token").GetString()!;
    }

    /// <summary>An HS256 Google-shaped ID token signed with the development secret.</summary>
    public static string DevIdToken(string subject, string email) =>
        GoogleIdTokens.Create(new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(GoogleDevSecret)), SecurityAlgorithms.HmacSha256),
            subject, email, GoogleClientId);

    /// <summary>
    /// A digest of every stored row that a request may change, per table. Tables that only
    /// record that something was asked (audit, counters, login failures, idempotency, queues)
    /// are left out: a refused request may rightly write those.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, string>> StoredStateAsync()
    {
        await using var scope = Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MindstackDbContext>();
        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync();
        try
        {
            var tables = new List<string>();
            await using (var list = connection.CreateCommand())
            {
                list.CommandText = db.Database.IsNpgsql()
                    ? "SELECT tablename FROM pg_catalog.pg_tables WHERE schemaname = current_schema()"
                    : "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'";
                await using var reader = await list.ExecuteReaderAsync();
                while (await reader.ReadAsync())
                {
                    tables.Add(reader.GetString(0));
                }
            }
            tables = [.. tables.Where(t => !IsRecordOfAsking(t)).Order(StringComparer.Ordinal)];
            var state = new SortedDictionary<string, string>(StringComparer.Ordinal);
            if (tables.Count == 0)
            {
                return state;
            }
            // Every table in one batch: the fuzz takes two snapshots per refused write, and on
            // PostgreSQL a query per table (a network round trip each) made the run twice as long.
            await using var command = connection.CreateCommand();
            command.CommandText = string.Join(";\n", tables.Select(t => $"SELECT * FROM \"{t}\""));
            await using (var rows = await command.ExecuteReaderAsync())
            {
                foreach (var table in tables)
                {
                    state[table] = await DigestAsync(rows);
                    await rows.NextResultAsync();
                }
            }
            return state;
        }
        finally
        {
            await connection.CloseAsync();
        }
    }

    private static bool IsRecordOfAsking(string table) =>
        table.StartsWith("__", StringComparison.Ordinal)
        || table.StartsWith("limits_", StringComparison.Ordinal)
        || table.StartsWith("jobs_", StringComparison.Ordinal)
        || table.StartsWith("audit_", StringComparison.Ordinal)
        || table.StartsWith("events_", StringComparison.Ordinal)
        || table.StartsWith("realtime_", StringComparison.Ordinal)
        // Each node's request counts per minute and its heartbeat: the operator console's figures.
        || table is "observability_request_minutes" or "observability_nodes"
        || table.EndsWith("_usage", StringComparison.Ordinal)
        || table.EndsWith("_usage_months", StringComparison.Ordinal)
        || table.EndsWith("_query_logs", StringComparison.Ordinal)
        || table is "accounts_login_failures" or "accounts_secrets" or "webhooks_attempts" or "webhooks_deliveries";

    /// <summary>A digest of the rows of the reader's current result (one table's).</summary>
    private static async Task<string> DigestAsync(DbDataReader reader)
    {
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            var row = new StringBuilder();
            for (var i = 0; i < reader.FieldCount; i++)
            {
                // When a key was last used records the asking (written at most once a minute by
                // whichever request authenticates, refused or not), not what was stored.
                if (reader.GetName(i) == "last_used_at")
                {
                    continue;
                }
                row.Append(reader.GetName(i)).Append('=').Append(reader.IsDBNull(i) ? "∅" : Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture)).Append('|');
            }
            rows.Add(row.ToString());
        }
        rows.Sort(StringComparer.Ordinal);
        return $"{rows.Count}:{Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', rows))))[..16]}";
    }

    /// <summary>Sends one request with the caller's credential for the API that owns the path.</summary>
    public async Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string path, Callers? callers,
        HttpContent? content = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        callers?.Apply(request);
        return await client.SendAsync(request);
    }
}

/// <summary>One caller of each API, with the credential each accepts.</summary>
public sealed record Callers(string PeekerToken, string PeekerAccountId, string MindraKey, string MindraAccountId, string PluginMindCookie,
    string MeshToken)
{
    public void Apply(HttpRequestMessage request)
    {
        var path = request.RequestUri!.OriginalString;
        if (path.StartsWith("/mindpeeker", StringComparison.Ordinal))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", PeekerToken);
        }
        else if (path.StartsWith("/mindra", StringComparison.Ordinal))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", MindraKey);
        }
        else if (path.StartsWith("/pluginmind", StringComparison.Ordinal))
        {
            request.Headers.Add("Cookie", PluginMindCookie);
        }
        else if (path.StartsWith("/mindmesh", StringComparison.Ordinal))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", MeshToken);
        }
    }
}
