using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Mindstack.Platform.Storage;

/// <summary>
/// Sets <c>PRAGMA synchronous</c> and <c>busy_timeout</c> each time a SQLite connection opens: they
/// are per-connection settings (unlike WAL mode, which the file keeps). In WAL mode <c>NORMAL</c> is
/// safe against a process crash and far cheaper per commit than <c>FULL</c>. Without a busy timeout
/// a writer that finds the write lock taken is retried by Microsoft.Data.Sqlite every 150 ms, so
/// under concurrent writes most requests waited whole 150 ms steps for a lock held for about one;
/// SQLite's own busy handler retries within a millisecond or two, up to the same 30 s.
/// </summary>
internal sealed class SqlitePragmas : DbConnectionInterceptor
{
    private const string BusyTimeout = "PRAGMA busy_timeout=30000;";
    private static readonly SqlitePragmas Normal = new("PRAGMA synchronous=NORMAL;" + BusyTimeout);
    private static readonly SqlitePragmas Full = new("PRAGMA synchronous=FULL;" + BusyTimeout);

    private readonly string _sql;

    private SqlitePragmas(string sql) => _sql = sql;

    public static SqlitePragmas For(SqliteSynchronous synchronous) => synchronous == SqliteSynchronous.Full ? Full : Normal;

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        using var command = connection.CreateCommand();
        command.CommandText = _sql;
        command.ExecuteNonQuery();
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = _sql;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
