using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Mindstack.Platform.Storage;

/// <summary>
/// Sets <c>PRAGMA synchronous</c> each time a SQLite connection opens: it is a per-connection
/// setting (unlike WAL mode, which the file keeps). In WAL mode <c>NORMAL</c> is safe against a
/// process crash and far cheaper per commit than <c>FULL</c>.
/// </summary>
internal sealed class SqlitePragmas : DbConnectionInterceptor
{
    private static readonly SqlitePragmas Normal = new("PRAGMA synchronous=NORMAL;");
    private static readonly SqlitePragmas Full = new("PRAGMA synchronous=FULL;");

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
