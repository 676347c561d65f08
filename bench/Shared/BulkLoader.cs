using System.Data.Common;
using System.Globalization;
using System.Text;
using Npgsql;
using NpgsqlTypes;

/// <summary>
/// Loads rows straight into a bench server's database, fast: binary <c>COPY</c> on PostgreSQL, prepared
/// multi-row inserts in large transactions on SQLite. Shared by the bench drivers (linked into each).
/// </summary>
internal static class BulkLoader
{
    /// <summary>An open connection to the bench server's database (SQLite waits up to 30 s for the server's writes).</summary>
    public static DbConnection Open(string provider, string connectionString)
    {
        DbConnection connection = provider == "postgres" ? new NpgsqlConnection(connectionString) : new Microsoft.Data.Sqlite.SqliteConnection(connectionString);
        connection.Open();
        if (connection is Microsoft.Data.Sqlite.SqliteConnection)
        {
            using var pragma = connection.CreateCommand();
            pragma.CommandText = "PRAGMA busy_timeout = 30000";
            pragma.ExecuteNonQuery();
        }
        return connection;
    }

    public static async Task LoadAsync(DbConnection db, string table, string[] columns, int count, Func<int, object?[]> row)
    {
        if (db is NpgsqlConnection pg)
        {
            await using var importer = await pg.BeginBinaryImportAsync($"COPY {table} ({string.Join(", ", columns)}) FROM STDIN (FORMAT BINARY)");
            for (var i = 0; i < count; i++)
            {
                await importer.StartRowAsync();
                foreach (var value in row(i))
                {
                    if (value is null)
                    {
                        await importer.WriteNullAsync();
                    }
                    else if (value is DateTime at)
                    {
                        await importer.WriteAsync(at, NpgsqlDbType.TimestampTz);
                    }
                    else
                    {
                        await importer.WriteAsync(value);
                    }
                }
            }
            await importer.CompleteAsync();
            return;
        }
        // SQLite: one prepared statement of RowsPerStatement rows, many statements per transaction.
        const int RowsPerStatement = 50;
        const int RowsPerTransaction = 50_000;
        var done = 0;
        while (done < count)
        {
            await using var transaction = await db.BeginTransactionAsync();
            var end = Math.Min(count, done + RowsPerTransaction);
            DbCommand? full = null;
            while (done < end)
            {
                var n = Math.Min(RowsPerStatement, end - done);
                var command = n == RowsPerStatement && full is not null ? full : Insert(db, table, columns, n, transaction);
                if (n == RowsPerStatement)
                {
                    full = command;
                }
                for (var r = 0; r < n; r++)
                {
                    var values = row(done + r);
                    for (var c = 0; c < columns.Length; c++)
                    {
                        command.Parameters[(r * columns.Length) + c].Value = values[c] ?? DBNull.Value;
                    }
                }
                await command.ExecuteNonQueryAsync();
                if (command != full)
                {
                    await command.DisposeAsync();
                }
                done += n;
            }
            if (full is not null)
            {
                await full.DisposeAsync();
            }
            await transaction.CommitAsync();
        }
    }

    private static DbCommand Insert(DbConnection db, string table, string[] columns, int rows, DbTransaction transaction)
    {
        var command = db.CreateCommand();
        command.Transaction = transaction;
        var sql = new StringBuilder($"INSERT INTO {table} ({string.Join(", ", columns)}) VALUES ");
        for (var r = 0; r < rows; r++)
        {
            sql.Append(r == 0 ? "(" : ", (");
            for (var c = 0; c < columns.Length; c++)
            {
                var name = "@p" + ((r * columns.Length) + c).ToString(CultureInfo.InvariantCulture);
                sql.Append(c == 0 ? name : ", " + name);
                var parameter = command.CreateParameter();
                parameter.ParameterName = name;
                command.Parameters.Add(parameter);
            }
            sql.Append(')');
        }
        command.CommandText = sql.ToString();
        command.Prepare();
        return command;
    }
}
