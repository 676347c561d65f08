using System.Data.Common;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Mindstack.Platform.Storage;

/// <summary>
/// Sets <c>PRAGMA synchronous</c> and a busy handler each time a SQLite connection opens: they are
/// per-connection settings (unlike WAL mode, which the file keeps). In WAL mode <c>NORMAL</c> is
/// safe against a process crash and far cheaper per commit than <c>FULL</c>.
/// A writer that finds the write lock taken waits for it. Without a handler Microsoft.Data.Sqlite
/// retries every 150 ms; SQLite's own <c>busy_timeout</c> sleeps 1, 2, 5, 10, 15, 20, 25… up to
/// 100 ms between tries, so a waiter that came early sleeps on for tens of milliseconds after a
/// lock held for about one was freed. <see cref="SqliteBusyHandler"/> tries every millisecond, up
/// to the same 30 s (where the native library cannot be reached, <c>busy_timeout</c> does).
/// Both stay with the native connection, which Microsoft.Data.Sqlite's pool keeps open between
/// opens of a <see cref="SqliteConnection"/>: they are set once per native connection, not on every
/// open (EF opens the connection for each query, and the statement cost as much as a short query).
/// </summary>
internal sealed class SqlitePragmas : DbConnectionInterceptor
{
    private const string BusyTimeout = "PRAGMA busy_timeout=30000;";

    private static readonly SqlitePragmas Normal = new("PRAGMA synchronous=NORMAL;");
    private static readonly SqlitePragmas Full = new("PRAGMA synchronous=FULL;");

    /// <summary>The native connections already set up (weak: a connection the pool drops is forgotten).</summary>
    private static readonly ConditionalWeakTable<object, object> Configured = new();

    private readonly string _sql;

    private SqlitePragmas(string sql) => _sql = sql;

    public static SqlitePragmas For(SqliteSynchronous synchronous) => synchronous == SqliteSynchronous.Full ? Full : Normal;

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        if (AlreadyConfigured(connection))
        {
            return;
        }
        using var command = connection.CreateCommand();
        command.CommandText = Sql(connection);
        command.ExecuteNonQuery();
        MarkConfigured(connection);
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        if (AlreadyConfigured(connection))
        {
            return;
        }
        await using var command = connection.CreateCommand();
        command.CommandText = Sql(connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
        MarkConfigured(connection);
    }

    private static bool AlreadyConfigured(DbConnection connection) =>
        connection is SqliteConnection { Handle: { } handle } && Configured.TryGetValue(handle, out _);

    /// <summary>Marked only once the statement ran: a connection whose set-up failed is set up again.</summary>
    private static void MarkConfigured(DbConnection connection)
    {
        if (connection is SqliteConnection { Handle: { } handle })
        {
            Configured.AddOrUpdate(handle, Configured);
        }
    }

    private string Sql(DbConnection connection) =>
        connection is SqliteConnection sqlite && SqliteBusyHandler.TryInstall(sqlite) ? _sql : _sql + BusyTimeout;
}

/// <summary>
/// A SQLite busy handler that retries the lock every millisecond for up to 30 s, installed through
/// the bundled native library (SQLitePCLRaw exposes only <c>busy_timeout</c> and its backoff).
/// </summary>
internal static class SqliteBusyHandler
{
    internal static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int Callback(IntPtr state, int count);

    // Kept alive for the life of the process: every connection's handler points at it.
    private static readonly Callback Retry = OnBusy;
    private static readonly IntPtr RetryPointer = Marshal.GetFunctionPointerForDelegate(Retry);
    private static bool _unavailable;

    [ThreadStatic]
    private static long _waitStarted;

    /// <summary>Installs the handler on an open connection; false when the native call is not there.</summary>
    public static bool TryInstall(SqliteConnection connection)
    {
        if (Volatile.Read(ref _unavailable) || connection.Handle is not { } handle)
        {
            return false;
        }
        try
        {
            return NativeMethods.sqlite3_busy_handler(handle.DangerousGetHandle(), RetryPointer, IntPtr.Zero) == 0;
        }
        catch (Exception exception) when (exception is DllNotFoundException or EntryPointNotFoundException)
        {
            Volatile.Write(ref _unavailable, true);
            return false;
        }
    }

    /// <summary>SQLite's callback: nonzero tries the lock again, zero gives up with SQLITE_BUSY.</summary>
    private static int OnBusy(IntPtr state, int count)
    {
        // The count starts at 0 for every new wait, on the thread that waits.
        var now = Environment.TickCount64;
        if (count == 0)
        {
            _waitStarted = now;
        }
        if (now - _waitStarted >= (long)Timeout.TotalMilliseconds)
        {
            return 0;
        }
        Thread.Sleep(1);
        return 1;
    }

    private static class NativeMethods
    {
        [DllImport("e_sqlite3", CallingConvention = CallingConvention.Cdecl)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int sqlite3_busy_handler(IntPtr db, IntPtr callback, IntPtr state);
    }
}
