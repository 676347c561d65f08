using System.Diagnostics;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Mindstack.Platform;
using Mindstack.Platform.Jobs;
using Mindstack.Platform.Storage;
using Npgsql;

// Jobs per second through the durable queue, on the platform's own services and database:
//   end-to-end — workers running while one producer enqueues (batches of 100 per transaction) → all done;
//   drain      — jobs already queued, then the workers start → all done.
// Usage: Mindstack.Bench --provider sqlite|postgres [--connection ADMIN_CONN] [--jobs N] [--workers W] [--result]
//   --result: end-to-end only, printed as the "RESULT rate p50 p99 errors" line ./bench/bench.sh reads.
//   --scenario session-complete|orchestrate|webhook --base URL --credential TOKEN_OR_KEY [--count N] [--concurrency C]:
//   end to end through a running server (EndToEnd.cs).
if (Option("--scenario") is { } scenario)
{
    return await EndToEnd.RunAsync(scenario, Option("--base") ?? "http://127.0.0.1:8080/", Option("--credential") ?? "",
        int.Parse(Option("--count") ?? "200", CultureInfo.InvariantCulture), int.Parse(Option("--concurrency") ?? "8", CultureInfo.InvariantCulture));
}

var provider = Option("--provider") ?? "sqlite";
var jobs = int.Parse(Option("--jobs") ?? "5000", CultureInfo.InvariantCulture);
var workers = int.Parse(Option("--workers") ?? "2", CultureInfo.InvariantCulture);
var admin = Option("--connection");

if (args.Contains("--result"))
{
    var only = await RunAsync(preload: false);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"RESULT {only.Rate:0.0} - - 0"));
    return 0;
}

var endToEnd = await RunAsync(preload: false);
var drain = await RunAsync(preload: true);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"{provider,-8} workers={workers,-2} jobs={jobs,-6} end-to-end {endToEnd.Rate,8:0} jobs/s ({endToEnd.Seconds:0.00} s)   drain {drain.Rate,8:0} jobs/s ({drain.Seconds:0.00} s)"));
return 0;

async Task<(double Rate, double Seconds)> RunAsync(bool preload)
{
    var data = Directory.CreateTempSubdirectory("mindstack-bench-").FullName;
    string? database = null;
    string? connection = null;
    if (provider == "postgres")
    {
        ArgumentException.ThrowIfNullOrEmpty(admin, "--connection");
        database = "mindstack_bench_" + Guid.NewGuid().ToString("N")[..12];
        await using (var create = new NpgsqlConnection(admin))
        {
            await create.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{database}\"", create);
            await command.ExecuteNonQueryAsync();
        }
        connection = new NpgsqlConnectionStringBuilder(admin) { Database = database, MaxPoolSize = 100 }.ToString();
    }
    try
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["data"] = data,
            ["Mindstack:Database"] = connection ?? "",
            ["Mindstack:Jobs:Workers"] = workers.ToString(CultureInfo.InvariantCulture),
        });
        builder.Logging.ClearProviders();
        builder.Services.AddMindstackPlatform(builder.Configuration);
        builder.Services.AddJobHandler<NoopJob>("bench.noop");
        using var host = builder.Build();
        await host.Services.MigrateDatabaseAsync();

        var clock = Stopwatch.StartNew();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        if (preload)
        {
            await EnqueueAsync(host.Services);
            clock.Restart();
            cpu = Process.GetCurrentProcess().TotalProcessorTime;
            await host.StartAsync();
        }
        else
        {
            await host.StartAsync();
            clock.Restart();
            cpu = Process.GetCurrentProcess().TotalProcessorTime;
            await EnqueueAsync(host.Services);
        }
        while (await DoneAsync(host.Services) < jobs)
        {
            // Short: at thousands of jobs a second a 100 ms look adds a tenth to a 1 s run.
            await Task.Delay(20);
        }
        var seconds = clock.Elapsed.TotalSeconds;
        cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        // CPU per job (every thread of this process: the producer, the workers, the database on SQLite)
        // is what a shared machine's load does not move; jobs/s is what it does.
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{(preload ? "drain" : "end-to-end")}: {jobs} jobs in {seconds:0.00} s, process CPU {cpu.TotalMilliseconds:0} ms = {cpu.TotalMilliseconds * 1000 / jobs:0} µs per job"));
        await host.StopAsync();
        return (jobs / seconds, seconds);
    }
    finally
    {
        if (database is not null)
        {
            NpgsqlConnection.ClearAllPools();
            await using var drop = new NpgsqlConnection(admin);
            await drop.OpenAsync();
            await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)", drop);
            await command.ExecuteNonQueryAsync();
        }
        Directory.Delete(data, recursive: true);
    }
}

async Task EnqueueAsync(IServiceProvider services)
{
    for (var done = 0; done < jobs; done += 100)
    {
        await using var scope = services.CreateAsyncScope();
        var queue = scope.ServiceProvider.GetRequiredService<IJobQueue>();
        for (var i = done; i < Math.Min(jobs, done + 100); i++)
        {
            queue.Enqueue<NoopJob>(new { i });
        }
        await scope.ServiceProvider.GetRequiredService<MindstackDbContext>().SaveChangesAsync();
    }
}

async Task<int> DoneAsync(IServiceProvider services)
{
    await using var scope = services.CreateAsyncScope();
    // One indexed count (state, type), not every state of every type: it runs every 20 ms during the run.
    return await scope.ServiceProvider.GetRequiredService<MindstackDbContext>().Database
        .SqlQueryRaw<int>("SELECT COUNT(*) AS \"Value\" FROM jobs_queue WHERE state = 'done' AND type = 'bench.noop'")
        .SingleAsync();
}

string? Option(string name)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
}

/// <summary>A job that does nothing, so the figure is the queue's own cost.</summary>
internal sealed class NoopJob : IJobHandler
{
    public Task ExecuteAsync(JobContext job, CancellationToken cancellationToken) => Task.CompletedTask;
}
