using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Identity;
using Mindstack.Platform.Storage;

// The operator console's pages at scale, against a running server (bench.sh starts it with no job
// workers, so the seeded queue stays as loaded; its migrations made the tables). Loads accounts,
// jobs, audit entries, webhook subscriptions and deliveries, API keys and ledger movements straight
// into the server's database (COPY on PostgreSQL, prepared multi-row inserts in large transactions on
// SQLite), then signs in to /console as an admin (cookie + antiforgery form token, as a browser does)
// and times each page over HTTP: --loads per page after a warm-up, one at a time.
// Prints "RESULT console-<page> <loads/s> <p50 ms> <p99 ms> <errors>" lines for bench.sh, and progress on stderr.
// Usage: dotnet Mindstack.Bench.Console.dll --url http://127.0.0.1:PORT --provider sqlite|postgres --connection CONN
//        [--accounts 100000] [--jobs 1000000] [--audit 200000] [--subscriptions 3000] [--deliveries 30000]
//        [--ledger-owners 5000] [--loads 20] [--warmup 3] [--only page,page]
var url = Option("--url") ?? throw new ArgumentException("--url is required");
var provider = Option("--provider") ?? "sqlite";
var connectionString = Option("--connection") ?? throw new ArgumentException("--connection is required");
var accounts = Int("--accounts", 100_000);
var jobs = Int("--jobs", 1_000_000);
var auditEntries = Int("--audit", 200_000);
var subscriptions = Math.Min(accounts, Int("--subscriptions", 3_000));
var deliveries = Int("--deliveries", 30_000);
var ledgerOwners = Math.Min(accounts, Int("--ledger-owners", 5_000));
var loads = Int("--loads", 20);
var warmup = Int("--warmup", 3);
var only = Option("--only")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
const string Password = "BenchPass1234!";
const string AdminEmail = "console-admin@bench.example";
string[] jobTypes = ["webhooks.deliver", "mindpeeker.session.run", "pluginmind.analysis"];
string[] apis = ["mindpeeker", "mindra", "pluginmind", "mindswarm", "mindmesh"];
var now = DateTime.UtcNow.AddMinutes(-1);
var clock = new SettableClock();
var ids = new UlidIdGenerator(clock);
var accountIds = new string[accounts];

await using var db = Open();
var load = Stopwatch.StartNew();
await LoadAccountsAsync();
Progress($"{accounts} accounts loaded in {load.Elapsed.TotalSeconds:0.0} s");
load.Restart();
var deadJobId = await LoadJobsAsync();
Progress($"{jobs} jobs loaded in {load.Elapsed.TotalSeconds:0.0} s ({jobs / Math.Max(load.Elapsed.TotalSeconds, 0.001):0} rows/s)");
load.Restart();
var showcase = accountIds[accounts / 2];
await LoadAuditAsync();
var failedDeliveryId = await LoadWebhooksAsync();
await LoadKeysAndLedgerAsync();
Progress($"{auditEntries} audit entries, {subscriptions} subscriptions, {deliveries} deliveries, {ledgerOwners} keys and ledgers loaded in {load.Elapsed.TotalSeconds:0.0} s");
load.Restart();
await AnalyzeAsync();
Progress($"statistics gathered in {load.Elapsed.TotalSeconds:0.0} s");

using var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = true, CookieContainer = new CookieContainer() })
{
    BaseAddress = new Uri(url.TrimEnd('/') + "/"),
    Timeout = TimeSpan.FromMinutes(2),
};
await SignInAsync();

// Index of a narrow prefix: "user1234" matches user1234 and user12340–user12349 (fewer at small sizes).
var narrow = "user" + (accounts / 81).ToString(CultureInfo.InvariantCulture);
var pages = new List<(string Name, Func<Task<string>> Path)>
{
    ("overview", () => Task.FromResult("console")),
    ("accounts", () => Task.FromResult("console/accounts")),
    ("accounts-narrow", () => Task.FromResult("console/accounts?q=" + narrow)),
    ("accounts-broad", () => Task.FromResult("console/accounts?q=u")),
    ("account", () => Task.FromResult("console/accounts/" + showcase)),
    ("jobs", () => Task.FromResult("console/jobs")),
    ("jobs-pending", () => Task.FromResult("console/jobs?state=pending")),
    ("jobs-dead", () => Task.FromResult("console/jobs?state=dead")),
    ("jobs-type-state", () => Task.FromResult("console/jobs?type=pluginmind.analysis&state=dead")),
    ("jobs-next", () => NextPageAsync("console/jobs?state=done")),
    ("job", () => Task.FromResult("console/jobs/" + deadJobId)),
    ("webhooks", () => Task.FromResult("console/webhooks")),
    ("webhooks-failed", () => Task.FromResult("console/webhooks?status=failed")),
    ("delivery", () => Task.FromResult("console/webhooks/deliveries/" + failedDeliveryId)),
    ("audit", () => Task.FromResult("console/audit")),
    ("audit-account", () => Task.FromResult("console/audit?account=" + showcase)),
    ("audit-console", () => Task.FromResult("console/audit?action=" + Uri.EscapeDataString("console.*"))),
    ("audit-api-failed", () => Task.FromResult("console/audit?api=mindra&success=false")),
};
foreach (var (name, path) in pages)
{
    if (only is not null && !only.Contains(name))
    {
        continue;
    }
    var target = await path();
    await MeasureAsync(name, target);
}
return 0;

DbConnection Open() => BulkLoader.Open(provider, connectionString);

// ---- loading -------------------------------------------------------------------------------------

string NewId(string prefix, DateTime at)
{
    clock.Now = new DateTimeOffset(at, TimeSpan.Zero);
    return ids.New(prefix);
}

async Task LoadAccountsAsync()
{
    // Every account has the same password: one hash, computed once. Created over the last year, oldest first.
    var hash = new PasswordHasher<object>().HashPassword(new object(), Password);
    var step = TimeSpan.FromDays(365) / Math.Max(accounts, 1);
    await BulkAsync("accounts_accounts",
        ["id", "email", "normalized_email", "username", "normalized_username", "password_hash", "status", "email_verified", "role", "tier",
         "created_at", "two_factor_enabled", "two_factor_last_step"],
        accounts + 1, i =>
        {
            if (i == accounts)
            {
                // The operator, newest of all.
                return [NewId("user", now), AdminEmail, AdminEmail, "console-admin", "console-admin", hash, "active", true, "admin", "free", now, false, 0L];
            }
            var created = now.AddDays(-365) + (i * step);
            var id = accountIds[i] = NewId("user", created);
            var name = "user" + i.ToString(CultureInfo.InvariantCulture);
            return [id, name + "@bench.example", name + "@bench.example", name, name, hash, i % 200 == 0 ? "suspended" : "active", true, "user",
                i % 10 == 0 ? "pro" : "free", created, false, 0L];
        });
}

async Task<string> LoadJobsAsync()
{
    // Over the last 7 days (the retention of finished jobs), oldest first: 90% done, 9% pending, 1% dead.
    var step = TimeSpan.FromDays(7) / Math.Max(jobs, 1);
    string? lastDead = null;
    await BulkAsync("jobs_queue",
        ["id", "type", "payload", "state", "priority", "run_at", "attempts", "max_attempts", "last_error", "lease_owner", "created_at", "started_at",
         "completed_at"],
        jobs, i =>
        {
            var created = now.AddDays(-7) + (i * step);
            var id = NewId("job", created);
            var bucket = Mix(i) % 100;
            var type = jobTypes[Mix(i + 7) % 10 < 5 ? 0 : Mix(i + 7) % 10 < 8 ? 1 : 2];
            var payload = $"{{\"accountId\":\"{accountIds[Mix(i + 3) % accounts]}\",\"reference\":\"ref_{i}\",\"note\":\"bench job {i}\"}}";
            if (bucket < 90)
            {
                return [id, type, payload, "done", 0, created, 1, 5, null, "node-bench", created, created.AddMilliseconds(40), created.AddMilliseconds(90)];
            }
            if (bucket < 99)
            {
                return [id, type, payload, "pending", 0, created, 0, 5, null, null, created, null, null];
            }
            lastDead = id;
            var error = $"System.Net.Http.HttpRequestException: the upstream answered 503 (attempt 5 of job {i})\n   at Bench.Handler.ExecuteAsync()";
            return [id, type, payload, "dead", 0, created.AddMinutes(30), 5, 5, error, "node-bench", created, created.AddMinutes(30), created.AddMinutes(30)];
        });
    return lastDead ?? throw new InvalidOperationException("no dead job was loaded (too few jobs)");
}

async Task LoadAuditAsync()
{
    // Over the last 30 days; ~1% console actions, ~5% failures; the showcase account has a trail of its own.
    string[] actions = ["auth.login", "auth.login", "auth.login", "session.refreshed", "api_key.created", "api_key.revoked", "webhook.created",
        "account.tier_changed", "credits.purchased", "auth.logout"];
    var step = TimeSpan.FromDays(30) / Math.Max(auditEntries, 1);
    await BulkAsync("audit_entries",
        ["id", "account_id", "api", "action", "resource_type", "resource_id", "success", "error", "ip_address", "request_id", "occurred_at"],
        auditEntries, i =>
        {
            var at = now.AddDays(-30) + (i * step);
            var account = i % 50 == 0 ? showcase : accountIds[Mix(i + 11) % accounts];
            var console = Mix(i + 5) % 100 == 0;
            var action = console ? "console.account_tier_changed" : actions[Mix(i + 13) % actions.Length];
            var ok = Mix(i + 17) % 20 != 0;
            return [NewId("aud", at), account, console ? "console" : apis[Mix(i + 19) % apis.Length], action, "account", account, ok,
                ok ? null : "wrong password", "10.0." + (i % 250).ToString(CultureInfo.InvariantCulture) + ".7", "req_" + i.ToString(CultureInfo.InvariantCulture), at];
        });
}

async Task<string> LoadWebhooksAsync()
{
    var subscriptionIds = new string[subscriptions];
    var subscriptionOwners = new string[subscriptions];
    var step = TimeSpan.FromDays(90) / Math.Max(subscriptions, 1);
    await BulkAsync("webhooks_subscriptions",
        ["id", "account_id", "api", "url", "event_types", "secret", "active", "created_at", "updated_at"],
        subscriptions, i =>
        {
            var at = now.AddDays(-90) + (i * step);
            subscriptionOwners[i] = accountIds[Mix(i + 23) % accounts];
            subscriptionIds[i] = NewId("webhook", at);
            return [subscriptionIds[i], subscriptionOwners[i], "mindra", $"https://hooks{i % 97}.example.com/mindstack", "[\"execution.completed\",\"execution.failed\"]",
                "whsec_" + i.ToString("x32", CultureInfo.InvariantCulture), i % 20 != 0, at, at];
        });
    // Over the last 7 days, the newest 2% within the last hour (the overview's failure rate); 90% succeeded.
    var step7 = TimeSpan.FromDays(7) / Math.Max(deliveries, 1);
    var recent = Math.Max(1, deliveries / 50);
    var deliveryIds = new string[deliveries];
    var at7 = new DateTime[deliveries];
    string? lastFailed = null;
    await BulkAsync("webhooks_deliveries",
        ["id", "subscription_id", "account_id", "api", "event_id", "event_type", "aggregate_type", "aggregate_id", "event_data", "event_occurred_at",
         "status", "attempts", "last_status_code", "last_error", "created_at", "completed_at"],
        deliveries, i =>
        {
            var at = i >= deliveries - recent ? now.AddHours(-1).AddSeconds(30) + ((i - (deliveries - recent)) * (TimeSpan.FromMinutes(58) / recent)) : now.AddDays(-7) + (i * step7);
            at7[i] = at;
            var s = Mix(i + 29) % subscriptions;
            var failed = Mix(i + 31) % 10 == 0;
            var id = deliveryIds[i] = NewId("dlv", at);
            if (failed)
            {
                lastFailed = id;
            }
            var execution = "exec_" + i.ToString(CultureInfo.InvariantCulture);
            return [id, subscriptionIds[s], subscriptionOwners[s], "mindra", NewId("evt", at), failed ? "execution.failed" : "execution.completed", "execution",
                execution, $"{{\"executionId\":\"{execution}\",\"status\":\"{(failed ? "FAILED" : "COMPLETED")}\"}}", at, failed ? "failed" : "succeeded",
                failed ? 5 : 1, failed ? 500 : 200, failed ? "HTTP 500" : null, at, at.AddSeconds(2)];
        });
    await BulkAsync("webhooks_attempts",
        ["id", "delivery_id", "attempt", "url", "status_code", "latency_ms", "response_excerpt", "attempted_at"],
        deliveries, i =>
        {
            var failed = Mix(i + 31) % 10 == 0;
            return [NewId("whatt", at7[i]), deliveryIds[i], 1, "https://hooks.example.com/mindstack", failed ? 500 : 200, 40L + (i % 300),
                failed ? "{\"error\":\"receiver down\"}" : "ok", at7[i].AddSeconds(1)];
        });
    return lastFailed ?? deliveryIds[^1];
}

async Task LoadKeysAndLedgerAsync()
{
    // One Mindra key for each ledger owner (every 20th account, and the showcase), a grant and three charges each.
    var owners = Enumerable.Range(0, ledgerOwners).Select(k => accountIds[(int)((long)k * accounts / ledgerOwners)]).Append(showcase).Distinct().ToArray();
    var created = now.AddDays(-20);
    await BulkAsync("access_api_keys",
        ["id", "account_id", "api", "name", "prefix", "key_hash", "permissions", "sandbox", "is_active", "created_at"],
        owners.Length, k => [NewId("key", created.AddSeconds(k)), owners[k], "mindra", "bench key", "mk_live_" + k.ToString("x4", CultureInfo.InvariantCulture),
            Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes("bench-key-" + k.ToString(CultureInfo.InvariantCulture)))),
            "[\"read\",\"write\"]", false, true, created.AddSeconds(k)]);
    var issuance = NewId("lacct", created);
    var revenue = NewId("lacct", created);
    var available = owners.Select((_, k) => NewId("lacct", created.AddSeconds(k))).ToArray();
    await BulkAsync("billing_accounts", ["id", "owner_id", "currency", "kind", "created_at"], owners.Length + 2, k =>
        k == owners.Length ? [issuance, "system", "credits", "issuance", created]
        : k == owners.Length + 1 ? [revenue, "system", "credits", "revenue", created]
        : [available[k], owners[k], "credits", "available", created]);
    const int PerOwner = 4;
    var movements = new string[owners.Length * PerOwner];
    var times = new DateTime[movements.Length];
    await BulkAsync("billing_movements",
        ["id", "kind", "reference", "owner_id", "currency", "amount", "balance_after", "description", "created_at"],
        movements.Length, m =>
        {
            var (k, n) = (m / PerOwner, m % PerOwner);
            var at = times[m] = created.AddDays(n * 4).AddSeconds(k);
            movements[m] = NewId("txn", at);
            return n == 0
                ? [movements[m], "grant", "bench_grant_" + k.ToString(CultureInfo.InvariantCulture), owners[k], "credits", 1000L, 1000L, "Welcome credits", at]
                : [movements[m], "charge", $"bench_charge_{k}_{n}", owners[k], "credits", 10L, 1000L - (10L * n), "Session", at];
        });
    await BulkAsync("billing_entries", ["id", "movement_id", "account_id", "amount", "created_at"], movements.Length * 2, e =>
    {
        var (m, side) = (e / 2, e % 2);
        var (k, n) = (m / PerOwner, m % PerOwner);
        var amount = n == 0 ? 1000L : 10L;
        // A grant: issuance → available; a charge: available → revenue.
        var (account, signed) = side == 0 ? (available[k], n == 0 ? amount : -amount) : (n == 0 ? issuance : revenue, n == 0 ? -amount : amount);
        return [NewId("entry", times[m]), movements[m], account, signed, times[m]];
    });
}

async Task AnalyzeAsync()
{
    // A real database has statistics and, on PostgreSQL, a visibility map (autovacuum keeps both on a
    // table this size); a bulk load has neither until this.
    await using var command = db.CreateCommand();
    command.CommandText = provider == "postgres"
        ? "VACUUM (ANALYZE) accounts_accounts, jobs_queue, audit_entries, webhooks_subscriptions, webhooks_deliveries, webhooks_attempts, access_api_keys, billing_accounts, billing_movements, billing_entries"
        : "ANALYZE";
    command.CommandTimeout = 1200;
    await command.ExecuteNonQueryAsync();
}

Task BulkAsync(string table, string[] columns, int count, Func<int, object?[]> row) => BulkLoader.LoadAsync(db, table, columns, count, row);

// ---- measuring -----------------------------------------------------------------------------------

async Task SignInAsync()
{
    var form = await http.GetStringAsync("console/sign-in");
    var token = Regex.Match(form, "name=\"__console_token\" value=\"([^\"]+)\"").Groups[1].Value;
    using var response = await http.PostAsync("console/sign-in", new FormUrlEncodedContent(new Dictionary<string, string>
    {
        ["__console_token"] = token,
        ["email"] = AdminEmail,
        ["password"] = Password,
    }));
    if (response.StatusCode != HttpStatusCode.Redirect)
    {
        throw new InvalidOperationException($"console sign-in answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }
    Progress("signed in to the console as " + AdminEmail);
}

async Task<string> NextPageAsync(string first)
{
    var html = await http.GetStringAsync(first);
    var next = Regex.Match(html, "<a href=\"([^\"]+)\" rel=\"next\">");
    return next.Success ? WebUtility.HtmlDecode(next.Groups[1].Value).TrimStart('/') : throw new InvalidOperationException($"{first} has no next page");
}

async Task MeasureAsync(string name, string path)
{
    var timings = new List<double>(loads);
    var errors = 0;
    var watch = Stopwatch.StartNew();
    for (var i = 0; i < warmup + loads; i++)
    {
        if (i == warmup)
        {
            watch.Restart();
        }
        var one = Stopwatch.StartNew();
        using var response = await http.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        var ms = one.Elapsed.TotalMilliseconds;
        if (i < warmup)
        {
            if (response.StatusCode != HttpStatusCode.OK)
            {
                Progress($"{name}: /{path} answered {(int)response.StatusCode}: {body[..Math.Min(body.Length, 300)]}");
            }
            continue;
        }
        timings.Add(ms);
        errors += response.StatusCode == HttpStatusCode.OK ? 0 : 1;
    }
    Report("console-" + name, timings.Count / watch.Elapsed.TotalSeconds, timings, errors);
}

void Report(string name, double rate, List<double> timings, int errors)
{
    timings.Sort();
    double Percentile(double p) => timings.Count == 0 ? 0 : timings[Math.Min(timings.Count - 1, (int)Math.Ceiling(p * timings.Count) - 1)];
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"RESULT {name} {rate:0.0} {Percentile(0.50):0.00}ms {Percentile(0.99):0.00}ms {errors}"));
}

static int Mix(int i)
{
    // A cheap integer hash: spreads states, types and owners without a random generator's order.
    var x = (uint)i * 2654435761u;
    x ^= x >> 15;
    return (int)(x & 0x7fffffff);
}

static void Progress(string message) => Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {message}");

int Int(string name, int fallback) => Option(name) is { } value ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;

string? Option(string name)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
}

/// <summary>The ids' clock: each row's id carries its own creation time, so keyset order is time order.</summary>
internal sealed class SettableClock : TimeProvider
{
    public DateTimeOffset Now { get; set; } = DateTimeOffset.UtcNow;

    public override DateTimeOffset GetUtcNow() => Now;
}
