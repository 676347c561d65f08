using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Mindstack.Platform.Storage;

/// <summary>
/// A table of summed counters: one row per key, each sum column added to atomically
/// (<c>INSERT … ON CONFLICT (keys) DO UPDATE SET sum = table.sum + excluded.sum</c>, the same
/// statement on SQLite and PostgreSQL), so several nodes each add their own counts. The names are
/// code, never input.
/// </summary>
public sealed record CounterTable(string Table, IReadOnlyList<string> KeyColumns, IReadOnlyList<string> SumColumns);

/// <summary>
/// A "latest time" column (such as a key's <c>last_used_at</c>): only the newest time seen per id
/// is kept, and <see cref="Write"/> stores it when it is newer than the stored one.
/// </summary>
public sealed record LatestTimeColumn(string Name, Func<MindstackDbContext, string, DateTime, CancellationToken, Task> Write);

/// <summary>
/// Usage counting without a write per request: counts and latest times are added up in memory and
/// written in batches (one transaction per flush) every <see cref="UsageCountersOptions.FlushInterval"/>
/// and on shutdown. A crash (kill -9, power loss) loses what was counted since the last flush.
/// Readers that must see this node's pending counts add <see cref="Pending"/> /
/// <see cref="PendingLatest"/>. Singleton.
/// </summary>
public interface IUsageCounters
{
    /// <summary>Adds <paramref name="amounts"/> (one per sum column) to the row of <paramref name="key"/> (one value per key column).</summary>
    void Add(CounterTable table, IReadOnlyList<string> key, params long[] amounts);

    /// <summary>What this node counted for the row and sum column and has not written yet.</summary>
    long Pending(CounterTable table, IReadOnlyList<string> key, int sumColumn);

    /// <summary>Every row of the table this node has not written yet, with its key values and pending sums.</summary>
    IReadOnlyList<(IReadOnlyList<string> Key, long[] Sums)> PendingRows(CounterTable table);

    /// <summary>Records that <paramref name="id"/> was used at <paramref name="at"/> (the newest time wins).</summary>
    void Touch(LatestTimeColumn column, string id, DateTime at);

    /// <summary>The newest time recorded for the id on this node and not written yet.</summary>
    DateTime? PendingLatest(LatestTimeColumn column, string id);

    /// <summary>Writes everything pending in one transaction; on failure it stays pending for the next flush.</summary>
    Task FlushAsync(CancellationToken cancellationToken = default);
}

/// <summary>How often counted usage is written (<c>Mindstack:Usage</c>).</summary>
public sealed class UsageCountersOptions
{
    public const string Section = "Mindstack:Usage";

    /// <summary>How often each node writes its counts; a crash loses at most this long's counts.</summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(5);
}

internal sealed class UsageCountersOptionsValidator : IValidateOptions<UsageCountersOptions>
{
    public ValidateOptionsResult Validate(string? name, UsageCountersOptions options) =>
        options.FlushInterval < TimeSpan.FromMilliseconds(100) || options.FlushInterval > TimeSpan.FromHours(1)
            ? ValidateOptionsResult.Fail($"{UsageCountersOptions.Section}:FlushInterval must be between 00:00:00.1 and 01:00:00")
            : ValidateOptionsResult.Success;
}

internal sealed class UsageCounters(IServiceScopeFactory scopes) : IUsageCounters
{
    /// <summary>Rows per INSERT statement (parameters stay far below either database's limit).</summary>
    private const int RowsPerStatement = 200;

    private readonly Lock _gate = new();
    private Batch _pending = new();
    // Taken by a flush that is still writing it: still visible to readers until written.
    private Batch _flushing = new();
    private readonly SemaphoreSlim _flushOne = new(1, 1);

    private sealed class Batch
    {
        public Dictionary<(CounterTable Table, string Key), (string[] KeyValues, long[] Sums)> Sums { get; } = [];
        public Dictionary<(LatestTimeColumn Column, string Id), DateTime> Latest { get; } = [];
        public bool IsEmpty => Sums.Count == 0 && Latest.Count == 0;
    }

    public void Add(CounterTable table, IReadOnlyList<string> key, params long[] amounts)
    {
        if (key.Count != table.KeyColumns.Count || amounts.Length != table.SumColumns.Count)
        {
            throw new ArgumentException($"{table.Table} takes {table.KeyColumns.Count} key values and {table.SumColumns.Count} amounts.");
        }
        var joined = Join(key);
        lock (_gate)
        {
            AddTo(_pending, table, joined, [.. key], amounts);
        }
    }

    public long Pending(CounterTable table, IReadOnlyList<string> key, int sumColumn)
    {
        var joined = Join(key);
        lock (_gate)
        {
            return (_pending.Sums.TryGetValue((table, joined), out var a) ? a.Sums[sumColumn] : 0)
                + (_flushing.Sums.TryGetValue((table, joined), out var b) ? b.Sums[sumColumn] : 0);
        }
    }

    public IReadOnlyList<(IReadOnlyList<string> Key, long[] Sums)> PendingRows(CounterTable table)
    {
        lock (_gate)
        {
            var merged = new Batch();
            foreach (var batch in new[] { _flushing, _pending })
            {
                foreach (var ((t, joined), (keyValues, sums)) in batch.Sums)
                {
                    if (ReferenceEquals(t, table))
                    {
                        AddTo(merged, t, joined, keyValues, sums);
                    }
                }
            }
            return [.. merged.Sums.Values.Select(v => ((IReadOnlyList<string>)v.KeyValues, (long[])v.Sums.Clone()))];
        }
    }

    public void Touch(LatestTimeColumn column, string id, DateTime at)
    {
        lock (_gate)
        {
            if (!_pending.Latest.TryGetValue((column, id), out var known) || known < at)
            {
                _pending.Latest[(column, id)] = at;
            }
        }
    }

    public DateTime? PendingLatest(LatestTimeColumn column, string id)
    {
        lock (_gate)
        {
            DateTime? a = _pending.Latest.TryGetValue((column, id), out var x) ? x : null;
            DateTime? b = _flushing.Latest.TryGetValue((column, id), out var y) ? y : null;
            return a is null ? b : b is null ? a : a > b ? a : b;
        }
    }

    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        await _flushOne.WaitAsync(cancellationToken);
        try
        {
            Batch batch;
            lock (_gate)
            {
                if (_pending.IsEmpty)
                {
                    return;
                }
                batch = _pending;
                _flushing = batch;
                _pending = new Batch();
            }
            var written = false;
            try
            {
                await WriteAsync(batch, cancellationToken);
                written = true;
            }
            finally
            {
                lock (_gate)
                {
                    if (!written)
                    {
                        // Nothing was committed: all of it goes back to pending.
                        foreach (var ((table, joined), (keyValues, sums)) in batch.Sums)
                        {
                            AddTo(_pending, table, joined, keyValues, sums);
                        }
                        foreach (var ((column, id), at) in batch.Latest)
                        {
                            if (!_pending.Latest.TryGetValue((column, id), out var known) || known < at)
                            {
                                _pending.Latest[(column, id)] = at;
                            }
                        }
                    }
                    _flushing = new Batch();
                }
            }
        }
        finally
        {
            _flushOne.Release();
        }
    }

    private async Task WriteAsync(Batch batch, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MindstackDbContext>();
        // One transaction: one commit for the whole batch, and all or nothing (no double count on retry).
        await db.Database.CreateExecutionStrategy().ExecuteAsync(async () =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            foreach (var group in batch.Sums.GroupBy(e => e.Key.Table))
            {
                foreach (var chunk in group.Chunk(RowsPerStatement))
                {
                    var (sql, parameters) = Upsert(group.Key, chunk.Select(e => e.Value).ToList());
                    await db.Database.ExecuteSqlRawAsync(sql, parameters, cancellationToken);
                }
            }
            foreach (var ((column, id), at) in batch.Latest)
            {
                await column.Write(db, id, at, cancellationToken);
            }
            await transaction.CommitAsync(cancellationToken);
        });
    }

    private static (string Sql, object[] Parameters) Upsert(CounterTable table, IReadOnlyList<(string[] KeyValues, long[] Sums)> rows)
    {
        var columns = table.KeyColumns.Concat(table.SumColumns).ToList();
        var sql = new StringBuilder();
        sql.Append("INSERT INTO ").Append(table.Table).Append(" (").AppendJoin(", ", columns).Append(") VALUES ");
        var parameters = new List<object>(rows.Count * columns.Count);
        for (var r = 0; r < rows.Count; r++)
        {
            sql.Append(r == 0 ? "(" : ", (");
            for (var c = 0; c < columns.Count; c++)
            {
                sql.Append(c == 0 ? "" : ", ").Append('{').Append(parameters.Count).Append('}');
                parameters.Add(c < table.KeyColumns.Count ? rows[r].KeyValues[c] : rows[r].Sums[c - table.KeyColumns.Count]);
            }
            sql.Append(')');
        }
        sql.Append(" ON CONFLICT (").AppendJoin(", ", table.KeyColumns).Append(") DO UPDATE SET ")
            .AppendJoin(", ", table.SumColumns.Select(s => $"{s} = {table.Table}.{s} + excluded.{s}"));
        return (sql.ToString(), [.. parameters]);
    }

    private static void AddTo(Batch batch, CounterTable table, string joined, string[] keyValues, long[] amounts)
    {
        if (batch.Sums.TryGetValue((table, joined), out var existing))
        {
            for (var i = 0; i < amounts.Length; i++)
            {
                existing.Sums[i] += amounts[i];
            }
        }
        else
        {
            batch.Sums[(table, joined)] = (keyValues, (long[])amounts.Clone());
        }
    }

    private static string Join(IReadOnlyList<string> key) => string.Join('\u001f', key);
}

/// <summary>Flushes the <see cref="IUsageCounters"/> every <see cref="UsageCountersOptions.FlushInterval"/> and once more on shutdown.</summary>
internal sealed class UsageCountersFlusher(IUsageCounters counters, IOptions<UsageCountersOptions> options,
    ILogger<UsageCountersFlusher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Real time on purpose: a test's fake clock must not stop the flushing.
        using var timer = new PeriodicTimer(options.Value.FlushInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await FlushLoggedAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        // The last flush has a few seconds of its own: the host's token may already be spent by a
        // slower service (a job outliving the shutdown timeout), and the counts would be lost.
        using var last = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await FlushLoggedAsync(last.Token);
        }
        catch (OperationCanceledException)
        {
            logger.LogWarning("Usage counters were not flushed at shutdown: the counts since the last flush are lost");
        }
    }

    private async Task FlushLoggedAsync(CancellationToken cancellationToken)
    {
        try
        {
            await counters.FlushAsync(cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // The counts stay pending; the next flush retries them.
            logger.LogWarning(exception, "Could not flush usage counters");
        }
    }
}
