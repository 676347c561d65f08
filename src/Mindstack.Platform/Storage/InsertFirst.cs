using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;

namespace Mindstack.Platform.Storage;

/// <summary>Rows made on first use (a counter of a period), safely under concurrent first uses.</summary>
public static class InsertFirst
{
    /// <summary>
    /// Inserts <paramref name="row"/> unless a row matching <paramref name="sameRow"/> exists.
    /// Insert-first on the row's unique key: a concurrent insert of the same row wins and ours is
    /// dropped, never a check-then-insert race. The row is detached afterwards either way.
    /// </summary>
    public static async Task InsertIfAbsentAsync<T>(this DbContext db, T row, Expression<Func<T, bool>> sameRow, CancellationToken ct)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(db);
        if (await db.Set<T>().AnyAsync(sameRow, ct))
        {
            return;
        }
        db.Add(row);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            if (!await db.Set<T>().AsNoTracking().AnyAsync(sameRow, ct))
            {
                throw;
            }
        }
        finally
        {
            db.Entry(row).State = EntityState.Detached;
        }
    }
}
