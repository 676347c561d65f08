using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Identity;

// MindSwarm at scale, against a running server (bench.sh starts it; its migrations made the tables).
// Loads accounts, follows and posts straight into the server's database (COPY on PostgreSQL, prepared
// multi-row inserts in large transactions on SQLite), then measures over HTTP with real tokens:
//   --feed: the following and algorithm feeds (page of 20, then two cursor pages; random viewers)
//           first with the newest --small posts loaded, then after loading the older rest (--posts);
//   --post: post creation throughput (POST /api/posts, --post-clients at once).
// Prints "RESULT <name> <req/s> <p50 ms> <p99 ms> <errors>" lines for bench.sh, and progress on stderr.
// Usage: dotnet Mindstack.Bench.Swarm.dll --url http://127.0.0.1:PORT --provider sqlite|postgres
//        --connection CONN [--feed] [--post] [--posts 1000000] [--small 10000] [--accounts N]
//        [--follows N] [--viewers 100] [--requests 600] [--clients 2] [--post-count 5000] [--post-clients 32] [--post-warmup 2000]
//        [--server-pid PID] (then each measured phase also prints the server process's CPU per request, from /proc)
//        [--measure-only] (loads nothing: measures the feeds of a database an earlier run of this driver loaded
//        with the same --posts and --accounts, and kept — its server started by hand, not by bench.sh)
var url = Option("--url") ?? throw new ArgumentException("--url is required");
var provider = Option("--provider") ?? "sqlite";
var connectionString = Option("--connection") ?? throw new ArgumentException("--connection is required");
var feed = args.Contains("--feed");
var post = args.Contains("--post");
var totalPosts = Int("--posts", 1_000_000);
var smallPosts = Math.Min(totalPosts, Int("--small", 10_000));
var accounts = Int("--accounts", Math.Max(1000, totalPosts / 20));
var follows = (int)Math.Min(Int("--follows", totalPosts * 2), Math.Min(int.MaxValue, (long)accounts * (accounts - 1) / 2));
var viewers = Math.Min(accounts, Int("--viewers", 100));
var requests = Int("--requests", 600);
var clients = Int("--clients", 2);
var postCount = Int("--post-count", 5000);
var postClients = Int("--post-clients", 32);
// Posts made before the measured ones, unmeasured: a just-started server's first seconds are its tiered JIT.
var postWarmup = Int("--post-warmup", 2000);
var serverPid = Option("--server-pid");
var measureOnly = args.Contains("--measure-only");
const string Password = "BenchPass1234!";
// One post every PostInterval, the newest a minute ago: 1M posts span about 30 days of history.
var postInterval = TimeSpan.FromDays(30) / Math.Max(totalPosts, 1);
var now = DateTime.UtcNow.AddMinutes(-1);
var random = new Random(42);

await using var db = Open();
var load = Stopwatch.StartNew();
if (!measureOnly)
{
    await LoadAccountsAsync();
    await LoadFollowsAsync();
    Progress($"{accounts} accounts and {follows} follows loaded in {load.Elapsed.TotalSeconds:0.0} s");
}
using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256 }) { BaseAddress = new Uri(url.TrimEnd('/') + "/mindswarm/"), Timeout = TimeSpan.FromSeconds(60) };
var tokens = await LoginAsync(Math.Max(viewers, post ? postClients : 0));
if (feed && measureOnly)
{
    await MeasureFeedsAsync(Label(totalPosts));
}
else if (feed)
{
    load.Restart();
    await LoadPostsAsync(totalPosts - smallPosts, totalPosts);
    Progress($"{smallPosts} posts loaded in {load.Elapsed.TotalSeconds:0.0} s");
    await MeasureFeedsAsync(Label(smallPosts));
    if (totalPosts > smallPosts)
    {
        load.Restart();
        await LoadPostsAsync(0, totalPosts - smallPosts);
        Progress($"{totalPosts - smallPosts} older posts loaded in {load.Elapsed.TotalSeconds:0.0} s ({totalPosts / Math.Max(load.Elapsed.TotalSeconds, 0.001):0} posts/s)");
        await MeasureFeedsAsync(Label(totalPosts));
    }
}
if (post)
{
    await MeasurePostingAsync();
}
return 0;

DbConnection Open() => BulkLoader.Open(provider, connectionString);

static string Label(int posts) => posts >= 1_000_000 && posts % 1_000_000 == 0 ? $"{posts / 1_000_000}M"
    : posts >= 1000 && posts % 1000 == 0 ? $"{posts / 1000}k" : posts.ToString(CultureInfo.InvariantCulture);

static string AccountId(int i) => "bench_acct_" + i.ToString("D7", CultureInfo.InvariantCulture);

static string Username(int i) => "bench" + i.ToString(CultureInfo.InvariantCulture);

async Task LoadAccountsAsync()
{
    // Every account has the same password: one hash, computed once (hashing 50k times would take minutes).
    var hash = new PasswordHasher<object>().HashPassword(new object(), Password);
    var created = now.AddDays(-60);
    await BulkAsync("accounts_accounts",
        ["id", "email", "normalized_email", "username", "normalized_username", "password_hash", "status", "email_verified", "role", "tier",
         "created_at", "two_factor_enabled", "two_factor_last_step"],
        accounts, i => [AccountId(i), Username(i) + "@bench.example", Username(i) + "@bench.example", Username(i), Username(i), hash, "active", true, "user", "free",
            created, false, 0L]);
    await BulkAsync("mindswarm_profiles",
        ["account_id", "display_name", "social_links_json", "crypto_addresses_json", "badges", "settings_json", "is_private", "referral_code",
         "follower_count", "following_count", "post_count", "created_at", "updated_at"],
        accounts, i => [AccountId(i), "Bench " + i.ToString(CultureInfo.InvariantCulture), "{}", "{}", "", "{}", false, "BENCH" + i.ToString("D7", CultureInfo.InvariantCulture),
            0, 0, 0, created, created]);
}

async Task LoadFollowsAsync()
{
    // Each account follows the same number of others; who is followed is skewed (u² picks low
    // numbers more often), so a few accounts have many followers, as on a real network.
    var per = (int)Math.Min(accounts - 1, (follows + accounts - 1) / accounts);
    var pairs = new List<(int Follower, int Following)>(follows);
    var chosen = new HashSet<int>();
    for (var f = 0; f < accounts && pairs.Count < follows; f++)
    {
        chosen.Clear();
        while (chosen.Count < per && pairs.Count + chosen.Count < follows)
        {
            var u = random.NextDouble();
            var target = (int)(u * u * accounts);
            if (target != f)
            {
                chosen.Add(target);
            }
        }
        pairs.AddRange(chosen.Select(t => (f, t)));
    }
    follows = pairs.Count;
    var created = now.AddDays(-45);
    await BulkAsync("mindswarm_follows", ["id", "follower_id", "following_id", "status", "created_at"],
        pairs.Count, i => ["bench_follow_" + i.ToString("D8", CultureInfo.InvariantCulture), AccountId(pairs[i].Follower), AccountId(pairs[i].Following), "accepted", created]);
}

async Task LoadPostsAsync(int from, int to)
{
    // Post i (0 = the oldest) is by a random account at now - (total - i) × interval; ids sort as times do.
    var authors = new int[to - from];
    for (var i = 0; i < authors.Length; i++)
    {
        authors[i] = random.Next(accounts);
    }
    await BulkAsync("mindswarm_posts",
        ["id", "short_id", "author_id", "content", "media_json", "thread_root_id", "reply_audience", "poll_closed", "published_at", "is_ai_generated",
         "like_count", "reply_count", "repost_count", "quote_count", "save_count", "view_count", "reply_blurred", "created_at", "updated_at"],
        to - from, k =>
        {
            var i = from + k;
            var id = "bench_post_" + i.ToString("D9", CultureInfo.InvariantCulture);
            var at = now - ((totalPosts - i) * postInterval);
            var likes = (i * 7919) % 97 < 5 ? (i % 50) : i % 3;
            return [id, "bp" + i.ToString("D10", CultureInfo.InvariantCulture), AccountId(authors[k]), Sentences[i % Sentences.Length], "[]", id, "both", false, at, i % 10 == 0,
                likes, i % 4, i % 5 == 0 ? 1 : 0, 0, 0, 0, false, at, at];
        });
    await AnalyzeAsync();
}

async Task AnalyzeAsync()
{
    // A real database has statistics (autovacuum on PostgreSQL; PRAGMA optimize on SQLite); a bulk load
    // has none until this.
    await using var command = db.CreateCommand();
    command.CommandText = provider == "postgres" ? "ANALYZE" : "ANALYZE";
    command.CommandTimeout = 600;
    await command.ExecuteNonQueryAsync();
}

Task BulkAsync(string table, string[] columns, int count, Func<int, object?[]> row) => BulkLoader.LoadAsync(db, table, columns, count, row);

async Task<string[]> LoginAsync(int count)
{
    // Distinct random accounts, signed in through the API as a client would.
    var picked = new HashSet<int>();
    while (picked.Count < count)
    {
        picked.Add(random.Next(accounts));
    }
    var result = new List<string>(count);
    foreach (var i in picked)
    {
        using var response = await http.PostAsJsonAsync("api/auth/login", new { login = Username(i), password = Password });
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"login of {Username(i)} answered {(int)response.StatusCode}: {text}");
        }
        result.Add(JsonDocument.Parse(text).RootElement.GetProperty("data").GetProperty("accessToken").GetString()!);
    }
    Progress($"{count} accounts signed in");
    return [.. result];
}

async Task MeasureFeedsAsync(string size)
{
    foreach (var type in new[] { "following", "algorithm" })
    {
        // Warm-up (connection pools, JIT, the database's cache), then the measured requests.
        await RunFeedAsync(type, Math.Min(60, requests));
        var cpu = ServerCpuSeconds();
        var databaseCpu = await DatabaseCpuAsync();
        var (elapsed, timings, errors) = await RunFeedAsync(type, requests);
        Report($"swarm-feed-{type}-{size}", timings.Count / elapsed.TotalSeconds, timings, errors, ServerCpuSeconds() - cpu);
        ReportDatabaseCpu($"swarm-feed-{type}-{size}", databaseCpu, await DatabaseCpuAsync(), timings.Count);
    }
}

async Task<(TimeSpan Elapsed, List<double> Timings, int Errors)> RunFeedAsync(string type, int count)
{
    var timings = new List<double>(count);
    var errors = 0;
    var issued = 0;
    var watch = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, clients).Select(async c =>
    {
        var local = new Random(c + (count * 31));
        while (Interlocked.Increment(ref issued) <= count)
        {
            // A reader: a random viewer's first page, then up to two more pages by cursor.
            var token = tokens[local.Next(viewers)];
            string? cursor = null;
            for (var page = 0; page < 3; page++)
            {
                var (ms, ok, next) = await GetFeedAsync(type, token, cursor);
                lock (timings)
                {
                    timings.Add(ms);
                    errors += ok ? 0 : 1;
                }
                if (next is null || (page < 2 && Interlocked.Increment(ref issued) > count))
                {
                    break;
                }
                cursor = next;
            }
        }
    }));
    return (watch.Elapsed, timings, errors);
}

async Task<(double Ms, bool Ok, string? Next)> GetFeedAsync(string type, string token, string? cursor)
{
    using var request = new HttpRequestMessage(HttpMethod.Get, $"api/posts/feed?type={type}&limit=20" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor)));
    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
    var watch = Stopwatch.StartNew();
    using var response = await http.SendAsync(request);
    var body = await response.Content.ReadAsByteArrayAsync();
    var ms = watch.Elapsed.TotalMilliseconds;
    if (!response.IsSuccessStatusCode)
    {
        return (ms, false, null);
    }
    var data = JsonDocument.Parse(body).RootElement.GetProperty("data");
    return (ms, true, data.TryGetProperty("nextCursor", out var next) && next.ValueKind == JsonValueKind.String ? next.GetString() : null);
}

async Task MeasurePostingAsync()
{
    if (postWarmup > 0)
    {
        Progress($"posting {postWarmup} unmeasured posts first");
        await PostAsync(postWarmup, new List<double>(postWarmup), 1_000_000);
    }
    var timings = new List<double>(postCount);
    var cpu = ServerCpuSeconds();
    var watch = Stopwatch.StartNew();
    var errors = await PostAsync(postCount, timings, 0);
    Report("swarm-post", postCount / watch.Elapsed.TotalSeconds, timings, errors, ServerCpuSeconds() - cpu);
}

// Makes count posts from postClients clients at once (post numbers from first + 1), each timing into timings; answers the errors.
async Task<int> PostAsync(int count, List<double> timings, int first)
{
    var errors = 0;
    var issued = first;
    await Task.WhenAll(Enumerable.Range(0, postClients).Select(async c =>
    {
        var token = tokens[c % tokens.Length];
        while (true)
        {
            var n = Interlocked.Increment(ref issued);
            if (n > first + count)
            {
                break;
            }
            using var request = new HttpRequestMessage(HttpMethod.Post, "api/posts")
            {
                Content = JsonContent.Create(new { content = $"{Sentences[n % Sentences.Length]} #bench{n % 20}" }),
            };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            var one = Stopwatch.StartNew();
            using var response = await http.SendAsync(request);
            await response.Content.ReadAsByteArrayAsync();
            lock (timings)
            {
                timings.Add(one.Elapsed.TotalMilliseconds);
                if (!response.IsSuccessStatusCode)
                {
                    if (errors++ == 0)
                    {
                        Progress($"post creation answered {(int)response.StatusCode}");
                    }
                }
            }
        }
    }));
    return errors;
}

// The server process's user + system CPU seconds so far (its /proc stat), or NaN without --server-pid.
double ServerCpuSeconds()
{
    if (serverPid is null || !File.Exists($"/proc/{serverPid}/stat"))
    {
        return double.NaN;
    }
    var stat = File.ReadAllText($"/proc/{serverPid}/stat");
    var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
    // utime and stime are fields 14 and 15 of the line, in clock ticks (100 a second on Linux).
    return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
}

// PostgreSQL on this machine: the CPU seconds so far of each server process connected to the database
// (the server's pool; not this driver's connection), by pid, from /proc. Empty on SQLite (it runs in the server).
async Task<Dictionary<int, double>> DatabaseCpuAsync()
{
    var result = new Dictionary<int, double>();
    if (provider != "postgres")
    {
        return result;
    }
    await using var command = db.CreateCommand();
    command.CommandText = "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()";
    var pids = new List<int>();
    await using (var reader = await command.ExecuteReaderAsync())
    {
        while (await reader.ReadAsync())
        {
            pids.Add(reader.GetInt32(0));
        }
    }
    foreach (var pid in pids)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            result[pid] = (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
        }
        catch (IOException)
        {
            // Ended meanwhile, or another machine's server: not counted.
        }
    }
    return result;
}

// A backend that started during the phase counts whole; one that ended during it is lost (the pool keeps them).
void ReportDatabaseCpu(string name, Dictionary<int, double> before, Dictionary<int, double> after, int requests)
{
    if (after.Count == 0 || requests == 0)
    {
        return;
    }
    var seconds = after.Sum(p => p.Value - before.GetValueOrDefault(p.Key));
    Progress(string.Create(CultureInfo.InvariantCulture,
        $"{name}: PostgreSQL CPU {seconds:0.00} s for {requests} requests, {seconds * 1000 / requests:0.00} ms each ({after.Count} backends)"));
}

void Report(string name, double rate, List<double> timings, int errors, double cpuSeconds = double.NaN)
{
    timings.Sort();
    double Percentile(double p) => timings.Count == 0 ? 0 : timings[Math.Min(timings.Count - 1, (int)Math.Ceiling(p * timings.Count) - 1)];
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"RESULT {name} {rate:0.0} {Percentile(0.50):0.00}ms {Percentile(0.99):0.00}ms {errors}"));
    if (!double.IsNaN(cpuSeconds) && timings.Count > 0)
    {
        Progress(string.Create(CultureInfo.InvariantCulture,
            $"{name}: server CPU {cpuSeconds:0.00} s for {timings.Count} requests, {cpuSeconds * 1000 / timings.Count:0.00} ms each"));
    }
}

static void Progress(string message) => Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {message}");

int Int(string name, int fallback) => Option(name) is { } value ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;

string? Option(string name)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
}

internal static partial class Program
{
    public static readonly string[] Sentences =
    [
        "Shipped a new build of the agent runtime today, latency is down by a third.",
        "Reading about retrieval augmented generation and why chunk size matters so much.",
        "Morning run along the river, then coffee and a long review of pull requests.",
        "Our bot summarised the whole thread in four lines and got every point right.",
        "Does anyone have a good benchmark for small language models on code tasks?",
        "The conference talk on distributed tracing was the best one this year.",
        "Trying a new recipe tonight: roasted vegetables with miso and sesame.",
        "Hot take: most dashboards would be better as a single number and a sparkline.",
    ];
}
