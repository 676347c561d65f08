using Microsoft.EntityFrameworkCore;

namespace Mindstack.Platform.Storage;

/// <summary>Several reads on one open of the context's connection.</summary>
public static class OneOpen
{
    /// <summary>
    /// Opens the context's connection, runs <paramref name="reads"/> and closes it again: EF would
    /// otherwise open and close it around each query (on SQLite, a pool lookup and a function
    /// registration each time). The connection is closed even when a read throws.
    /// </summary>
    public static async Task<T> ReadOnOneOpenAsync<TState, T>(this MindstackDbContext db, TState state,
        Func<MindstackDbContext, TState, CancellationToken, Task<T>> reads, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(reads);
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            return await reads(db, state, cancellationToken);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }
}
