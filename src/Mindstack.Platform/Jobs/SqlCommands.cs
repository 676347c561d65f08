using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Mindstack.Platform.Storage;

namespace Mindstack.Platform.Jobs;

/// <summary>
/// Raw commands on the context's own connection and transaction, for the few statements EF cannot
/// express (claims with <c>FOR UPDATE SKIP LOCKED</c> and <c>RETURNING</c>). Parameters are
/// <c>@name</c> on both providers and carry no explicit DbType, so a UTC <see cref="DateTime"/>
/// is written exactly as EF writes it (timestamptz on PostgreSQL, ISO text on SQLite).
/// </summary>
internal static class SqlCommands
{
    public static async Task<int> ExecuteAsync(this MindstackDbContext db, string sql, IReadOnlyDictionary<string, object?> parameters,
        CancellationToken cancellationToken)
    {
        await using var lease = await OpenAsync(db, sql, parameters, cancellationToken);
        return await lease.Command.ExecuteNonQueryAsync(cancellationToken);
    }

    public static async Task<List<T>> QueryAsync<T>(this MindstackDbContext db, string sql, IReadOnlyDictionary<string, object?> parameters,
        Func<DbDataReader, T> read, CancellationToken cancellationToken)
    {
        await using var lease = await OpenAsync(db, sql, parameters, cancellationToken);
        await using var reader = await lease.Command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<T>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(read(reader));
        }
        return rows;
    }

    /// <summary><c>@prefix0, @prefix1…</c> for an <c>IN (…)</c> list, added to <paramref name="parameters"/>.</summary>
    public static string InList(string prefix, IReadOnlyList<string> values, Dictionary<string, object?> parameters)
    {
        if (values.Count == 0)
        {
            // IN () is not valid SQL; a value no row has keeps the statement well-formed.
            parameters[prefix + "0"] = "\u0000";
            return "@" + prefix + "0";
        }
        var names = new string[values.Count];
        for (var i = 0; i < values.Count; i++)
        {
            names[i] = "@" + prefix + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            parameters[names[i][1..]] = values[i];
        }
        return string.Join(", ", names);
    }

    private static async Task<CommandLease> OpenAsync(MindstackDbContext db, string sql, IReadOnlyDictionary<string, object?> parameters,
        CancellationToken cancellationToken)
    {
        var connection = db.Database.GetDbConnection();
        var opened = false;
        if (connection.State != System.Data.ConnectionState.Open)
        {
            await db.Database.OpenConnectionAsync(cancellationToken);
            opened = true;
        }
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value ?? DBNull.Value;
            command.Parameters.Add(parameter);
        }
        return new CommandLease(db, command, opened);
    }

    private sealed class CommandLease(MindstackDbContext db, DbCommand command, bool opened) : IAsyncDisposable
    {
        public DbCommand Command { get; } = command;

        public async ValueTask DisposeAsync()
        {
            await Command.DisposeAsync();
            if (opened)
            {
                await db.Database.CloseConnectionAsync();
            }
        }
    }
}
