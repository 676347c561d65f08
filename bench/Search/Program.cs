using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Mindstack.Platform;
using Mindstack.Platform.Search;
using Mindstack.Platform.Storage;
using Npgsql;

// Memory search at 100k documents: latency of IHybridSearch.SearchAsync on one scope holding N
// documents, through the real path (query embedded by all-MiniLM-L6-v2, full text in the database,
// vectors in memory, fusion, highlights), one query at a time.
// Bulk load writes the rows directly with seeded random unit vectors labelled as the query's model
// (embedding 100k texts with MiniLM would take many minutes): the vector leg then scores every
// document, as it would with real ones, so the timing holds; the relevance does not matter here.
// Usage: dotnet run -c Release --project bench/Search [-- --documents N] [--queries N]
//        [--provider sqlite|postgres --connection ADMIN_CONN] [--profile]
// --profile: also times each part of a query on its own (query embedding, full-text SQL, vector
// scoring, the page's texts) and prints the full-text leg's query plan, to see where time goes.
var documents = int.Parse(Option("--documents") ?? "100000", CultureInfo.InvariantCulture);
var queries = int.Parse(Option("--queries") ?? "300", CultureInfo.InvariantCulture);
var provider = Option("--provider") ?? "sqlite";
var admin = Option("--connection");
var profile = args.Contains("--profile");
const string Collection = "bench.memory";
const string Scope = "tenant_bench";
const string Model = "all-MiniLM-L6-v2";

var data = Directory.CreateTempSubdirectory("mindstack-bench-search-").FullName;
string? database = null;
string? connection = null;
if (provider == "postgres")
{
    ArgumentException.ThrowIfNullOrEmpty(admin, "--connection");
    database = "mindstack_bench_" + Guid.NewGuid().ToString("N")[..12];
    await ExecuteAdminAsync($"CREATE DATABASE \"{database}\"");
    connection = new NpgsqlConnectionStringBuilder(admin) { Database = database }.ToString();
}
try
{
    var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
    {
        ["data"] = data,
        ["Mindstack:Database"] = connection ?? "",
    }).Build();
    var services = new ServiceCollection().AddLogging().AddSingleton<IConfiguration>(configuration);
    services.AddMindstackPlatform(configuration);
    await using var provider_ = services.BuildServiceProvider();
    await provider_.MigrateDatabaseAsync();

    var load = Stopwatch.StartNew();
    await BulkLoadAsync(provider_);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"memory search: {documents} documents in one scope on {provider}, loaded in {load.Elapsed.TotalSeconds:0.0} s ({Environment.ProcessorCount} cores)"));

    var first = Stopwatch.StartNew();
    await SearchAsync(provider_, Queries.Texts[0]);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"first query (loads the model and the scope's vectors): {first.Elapsed.TotalMilliseconds:0} ms"));
    for (var i = 0; i < 20; i++)
    {
        await SearchAsync(provider_, Queries.Texts[i % Queries.Texts.Length]);
    }
    var timings = new double[queries];
    var hits = 0;
    // CPU time as well as wall time: on a shared machine the wall time measures the others' load too.
    var cpu = Process.GetCurrentProcess().TotalProcessorTime;
    for (var i = 0; i < queries; i++)
    {
        var watch = Stopwatch.StartNew();
        hits += await SearchAsync(provider_, Queries.Texts[i % Queries.Texts.Length]);
        timings[i] = watch.Elapsed.TotalMilliseconds;
    }
    cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
    Array.Sort(timings);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{queries} queries, limit 10: p50 {Percentile(0.50):0.0} ms  p99 {Percentile(0.99):0.0} ms  max {timings[^1]:0.0} ms  mean {timings.Average():0.0} ms  ({hits / (double)queries:0.0} hits/query)"));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"CPU time (every thread of the process): {cpu.TotalMilliseconds / queries:0.0} ms/query; load average {(File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "unknown")}"));

    double Percentile(double p) => timings[Math.Min(timings.Length - 1, (int)Math.Ceiling(p * timings.Length) - 1)];
    if (profile)
    {
        await ProfileAsync(provider_);
    }
}
finally
{
    if (database is not null)
    {
        NpgsqlConnection.ClearAllPools();
        await ExecuteAdminAsync($"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)");
    }
    Directory.Delete(data, recursive: true);
}
return 0;

async Task<int> SearchAsync(IServiceProvider services, string text)
{
    await using var scope = services.CreateAsyncScope();
    var search = scope.ServiceProvider.GetRequiredService<IHybridSearch>();
    return (await search.SearchAsync(new SearchQuery(Collection, Scope, text), CancellationToken.None)).Count;
}

// Each part of a query timed alone, mean over every query text (the same SQL the search runs).
async Task ProfileAsync(IServiceProvider services)
{
    await using var scope = services.CreateAsyncScope();
    var db = scope.ServiceProvider.GetRequiredService<MindstackDbContext>();
    var ai = scope.ServiceProvider.GetRequiredService<Mindstack.Platform.Ai.IAiEngine>();
    await db.Database.OpenConnectionAsync();
    var connection = db.Database.GetDbConnection();
    var postgres = db.Provider == DatabaseProvider.Postgres;
    var vectors = new List<float[]>();
    await using (var load = connection.CreateCommand())
    {
        load.CommandText = "SELECT embedding FROM search_documents";
        await using var reader = await load.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            vectors.Add(MemoryMarshal.Cast<byte, float>((byte[])reader.GetValue(0)).ToArray());
        }
    }
    var parts = new Dictionary<string, double>(StringComparer.Ordinal);
    foreach (var text in Queries.Texts)
    {
        var terms = text.Split(' ').Where(w => !Queries.StopWords.Contains(w)).ToList();
        var watch = Stopwatch.StartNew();
        var query = (await ai.EmbedAsync([text])).Value.Vectors[0];
        Add("embed the query", watch);
        var fullText = postgres
            ? $"SELECT d.id FROM search_documents d, to_tsquery('english', '{string.Join(" | ", terms)}') q WHERE d.collection = '{Collection}' AND d.scope = '{Scope}' AND d.tsv @@ q ORDER BY ts_rank(d.tsv, q) DESC, d.seq LIMIT 100"
            : $"SELECT d.id FROM search_fts f JOIN search_documents d ON d.seq = f.rowid WHERE search_fts MATCH '{string.Join(" OR ", terms.Select(t => "\"" + t + "\""))}' AND d.collection = '{Collection}' AND d.scope = '{Scope}' ORDER BY f.rank, d.seq LIMIT 100";
        if (text == Queries.Texts[0])
        {
            await using var explain = connection.CreateCommand();
            explain.CommandText = (postgres ? "EXPLAIN ANALYZE " : "EXPLAIN QUERY PLAN ") + fullText;
            await using var plan = await explain.ExecuteReaderAsync();
            Console.WriteLine("full-text plan:");
            while (await plan.ReadAsync())
            {
                Console.WriteLine("  " + plan.GetValue(plan.FieldCount - 1));
            }
        }
        watch.Restart();
        var ids = new List<string>();
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = fullText;
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                ids.Add(reader.GetString(0));
            }
        }
        Add("full text: rank every match", watch);
        if (!postgres)
        {
            var or = string.Join(" OR ", terms.Select(t => "\"" + t + "\""));
            var and = string.Join(" ", terms.Select(t => "\"" + t + "\""));
            // The bounded leg's statements (HybridSearch.FullTextAsync), each alone.
            const int window = 500; // HybridSearch.RankAllBelow
            foreach (var (part, sql) in new[]
            {
                ("fts: count every match", $"SELECT count(*) FROM search_fts WHERE search_fts MATCH '{or}'"),
                ($"fts: window's oldest ({window})", $"SELECT rowid FROM search_fts WHERE search_fts MATCH '{or}' ORDER BY rowid DESC LIMIT 1 OFFSET {window - 1}"),
                ("fts: every term ranked", $"SELECT rowid, rank FROM search_fts WHERE search_fts MATCH '{and}' ORDER BY rank LIMIT 100"),
                ($"fts: window ranked ({window})", $"SELECT rowid, rank FROM search_fts WHERE search_fts MATCH '{or}' AND rowid >= (SELECT rowid FROM search_fts WHERE search_fts MATCH '{or}' ORDER BY rowid DESC LIMIT 1 OFFSET {window - 1}) ORDER BY rank LIMIT 100"),
                ("fts: window ranked (2000)", $"SELECT rowid, rank FROM search_fts WHERE search_fts MATCH '{or}' AND rowid >= (SELECT rowid FROM search_fts WHERE search_fts MATCH '{or}' ORDER BY rowid DESC LIMIT 1 OFFSET 1999) ORDER BY rank LIMIT 100"),
            })
            {
                watch.Restart();
                await using var command = connection.CreateCommand();
                command.CommandText = sql;
                await using var reader = await command.ExecuteReaderAsync();
                while (await reader.ReadAsync())
                {
                }
                Add(part, watch);
            }
        }
        watch.Restart();
        var best = 0f;
        foreach (var vector in vectors)
        {
            best = Math.Max(best, System.Numerics.Tensors.TensorPrimitives.Dot(query, vector));
        }
        Add("vector leg (dot products)", watch);
        watch.Restart();
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = $"SELECT id, text FROM search_documents WHERE collection = '{Collection}' AND scope = '{Scope}' AND id IN ({string.Join(",", ids.Take(10).Select(i => "'" + i + "'"))})";
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
            }
        }
        Add("the page's texts", watch);
    }
    foreach (var (part, total) in parts)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {part,-28} {total / Queries.Texts.Length,8:0.0} ms"));
    }

    void Add(string part, Stopwatch watch) => parts[part] = parts.GetValueOrDefault(part) + watch.Elapsed.TotalMilliseconds;
}

async Task BulkLoadAsync(IServiceProvider services)
{
    await using var scope = services.CreateAsyncScope();
    var db = scope.ServiceProvider.GetRequiredService<MindstackDbContext>();
    await db.Database.OpenConnectionAsync();
    var connection = db.Database.GetDbConnection();
    var random = new Random(42);
    const int batch = 1000;
    for (var start = 0; start < documents; start += batch)
    {
        await using var transaction = await connection.BeginTransactionAsync();
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            INSERT INTO search_documents (collection, scope, id, text, facets, ts_ms, embedding, embedding_model, version)
            VALUES (@c, @s, @id, @text, @facets, @ts, @embedding, @model, 1)
            """;
        var parameters = new[] { "c", "s", "id", "text", "facets", "ts", "embedding", "model" }.ToDictionary(n => n, n =>
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = n;
            command.Parameters.Add(parameter);
            return parameter;
        });
        parameters["c"].Value = Collection;
        parameters["s"].Value = Scope;
        parameters["model"].Value = Model;
        for (var i = start; i < Math.Min(documents, start + batch); i++)
        {
            parameters["id"].Value = "mem_" + i.ToString(CultureInfo.InvariantCulture);
            parameters["text"].Value = Sentence(random);
            parameters["facets"].Value = i % 3 == 0 ? "{\"type\":\"email\"}" : "{\"type\":\"note\"}";
            parameters["ts"].Value = 1_750_000_000_000L + (i * 60_000L);
            parameters["embedding"].Value = MemoryMarshal.AsBytes(UnitVector(random).AsSpan()).ToArray();
            await command.ExecuteNonQueryAsync();
        }
        await transaction.CommitAsync();
    }
    await using var counters = connection.CreateCommand();
    counters.CommandText = "INSERT INTO search_scopes (collection, scope, version, deletes) VALUES ('bench.memory', 'tenant_bench', 1, 0)";
    await counters.ExecuteNonQueryAsync();
    if (db.Provider == DatabaseProvider.Postgres)
    {
        await using var analyze = connection.CreateCommand();
        analyze.CommandText = "ANALYZE search_documents";
        await analyze.ExecuteNonQueryAsync();
    }
}

static string Sentence(Random random)
{
    var words = new string[8 + random.Next(12)];
    for (var i = 0; i < words.Length; i++)
    {
        words[i] = Queries.Vocabulary[random.Next(Queries.Vocabulary.Length)];
    }
    words[0] = char.ToUpperInvariant(words[0][0]) + words[0][1..];
    return string.Join(' ', words) + ".";
}

static float[] UnitVector(Random random)
{
    var vector = new float[384];
    double norm = 0;
    for (var i = 0; i < vector.Length; i++)
    {
        vector[i] = (float)((random.NextDouble() * 2) - 1);
        norm += vector[i] * vector[i];
    }
    var scale = (float)(1 / Math.Sqrt(norm));
    for (var i = 0; i < vector.Length; i++)
    {
        vector[i] *= scale;
    }
    return vector;
}

async Task ExecuteAdminAsync(string sql)
{
    await using var admin_ = new NpgsqlConnection(admin);
    await admin_.OpenAsync();
    await using var command = new NpgsqlCommand(sql, admin_);
    await command.ExecuteNonQueryAsync();
}

string? Option(string name)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
}

internal static class Queries
{
    public static readonly string[] Texts =
    [
        "what did the customer say about the invoice",
        "budget meeting with the finance team",
        "kitten on a rug",
        "server outage last night",
        "plans for the product launch in spring",
        "who is responsible for the contract renewal",
        "travel expenses for the conference",
        "feedback on the new onboarding flow",
    ];

    public static readonly HashSet<string> StopWords = new(StringComparer.Ordinal)
    {
        "what", "did", "the", "say", "about", "with", "on", "a", "last", "for", "in", "who", "is", "to", "of", "new",
    };

    // Common words of office mail and notes, so query terms match a realistic share of documents.
    public static readonly string[] Vocabulary =
    [
        "the", "a", "of", "to", "and", "in", "for", "on", "with", "about", "after", "before", "our", "their", "this", "next",
        "customer", "invoice", "budget", "meeting", "finance", "team", "server", "outage", "night", "product", "launch",
        "spring", "contract", "renewal", "travel", "expenses", "conference", "feedback", "onboarding", "flow", "report",
        "quarter", "revenue", "sales", "marketing", "campaign", "email", "call", "schedule", "deadline", "project", "review",
        "design", "release", "bug", "fix", "deploy", "database", "migration", "cost", "price", "offer", "partner", "vendor",
        "support", "ticket", "holiday", "office", "lunch", "friday", "monday", "plan", "roadmap", "hiring", "interview",
        "candidate", "salary", "policy", "security", "audit", "password", "access", "account", "payment", "refund", "order",
        "shipping", "delivery", "warehouse", "stock", "inventory", "supplier", "legal", "compliance", "privacy", "data",
        "analytics", "dashboard", "metric", "goal", "strategy", "board", "investor", "funding", "cat", "dog", "rug", "mat",
        "coffee", "kitchen", "parking", "building", "rent", "lease", "insurance", "claim", "doctor", "appointment", "school",
        "weather", "storm", "flight", "hotel", "train", "taxi", "visa", "passport", "training", "workshop", "slides", "notes",
    ];
}
