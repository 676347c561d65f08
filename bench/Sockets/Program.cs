using System.Data.Common;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

// The Socket.IO scenario's fixtures, against a running server (bench.sh starts it; its migrations made the
// tables): loads --accounts MindSwarm accounts straight into the server's database, every one but the
// first following the first (the author), then signs each in through the API and writes
// {"author": token, "followers": [token, …]} to --out for driver.js, which opens the sockets.
// The password hash is made with --iterations PBKDF2 rounds (the server is started with the same
// Mindstack:Auth:PasswordIterations, so sign-in does not rehash): a thousand sign-ins then take seconds.
// Usage: dotnet Mindstack.Bench.Sockets.dll --url http://127.0.0.1:PORT --provider sqlite|postgres
//        --connection CONN --out tokens.json [--accounts 1000] [--iterations 1000]
var url = Option("--url") ?? throw new ArgumentException("--url is required");
var provider = Option("--provider") ?? "sqlite";
var connectionString = Option("--connection") ?? throw new ArgumentException("--connection is required");
var output = Option("--out") ?? throw new ArgumentException("--out is required");
var accounts = Int("--accounts", 1000);
var iterations = Int("--iterations", 1000);
const string Password = "BenchPass1234!";
var now = DateTime.UtcNow;

await using (var db = Open())
{
    var hash = new PasswordHasher<object>(Options.Create(new PasswordHasherOptions { IterationCount = iterations }))
        .HashPassword(new object(), Password);
    var created = now.AddDays(-60);
    await BulkLoader.LoadAsync(db, "accounts_accounts",
        ["id", "email", "normalized_email", "username", "normalized_username", "password_hash", "status", "email_verified", "role", "tier",
         "created_at", "two_factor_enabled", "two_factor_last_step"],
        accounts, i => [AccountId(i), Username(i) + "@bench.example", Username(i) + "@bench.example", Username(i), Username(i), hash, "active", true, "user", "free",
            created, false, 0L]);
    await BulkLoader.LoadAsync(db, "mindswarm_profiles",
        ["account_id", "display_name", "social_links_json", "crypto_addresses_json", "badges", "settings_json", "is_private", "referral_code",
         "follower_count", "following_count", "post_count", "created_at", "updated_at"],
        accounts, i => [AccountId(i), "Socket " + i.ToString(CultureInfo.InvariantCulture), "{}", "{}", "", "{}", false, "SOCK" + i.ToString("D7", CultureInfo.InvariantCulture),
            i == 0 ? accounts - 1 : 0, i == 0 ? 0 : 1, 0, created, created]);
    await BulkLoader.LoadAsync(db, "mindswarm_follows", ["id", "follower_id", "following_id", "status", "created_at"],
        accounts - 1, i => ["sock_follow_" + i.ToString("D7", CultureInfo.InvariantCulture), AccountId(i + 1), AccountId(0), "accepted", created]);
}
Progress($"{accounts} accounts loaded, {accounts - 1} following {Username(0)}");

using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 8 })
{
    BaseAddress = new Uri(url.TrimEnd('/') + "/mindswarm/"),
    Timeout = TimeSpan.FromSeconds(60),
};
var tokens = new string[accounts];
var next = -1;
await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
{
    int i;
    while ((i = Interlocked.Increment(ref next)) < accounts)
    {
        using var response = await http.PostAsJsonAsync("api/auth/login", new { login = Username(i), password = Password });
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"login of {Username(i)} answered {(int)response.StatusCode}: {text}");
        }
        tokens[i] = JsonDocument.Parse(text).RootElement.GetProperty("data").GetProperty("accessToken").GetString()!;
    }
}));
await File.WriteAllTextAsync(output, JsonSerializer.Serialize(new { author = tokens[0], followers = tokens[1..] }));
Progress($"{accounts} accounts signed in");
return 0;

DbConnection Open() => BulkLoader.Open(provider, connectionString);

static string AccountId(int i) => "sock_acct_" + i.ToString("D7", CultureInfo.InvariantCulture);

static string Username(int i) => "sock" + i.ToString(CultureInfo.InvariantCulture);

static void Progress(string message) => Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {message}");

int Int(string name, int fallback) => Option(name) is { } value ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;

string? Option(string name)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
}
