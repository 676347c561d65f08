using Microsoft.Extensions.Logging;
using Mindstack.Platform.Storage;
using Npgsql;

namespace Mindstack.Platform.Jobs;

/// <summary>
/// Tells the workers of every node that new jobs were committed, so they claim at once instead of
/// at their next poll. On PostgreSQL this is a <c>NOTIFY</c> on <see cref="Channel"/> carrying the
/// sender's node id; on SQLite (one node) there is nothing to send, the local pulse is enough.
/// A notification is only a hint: the jobs are already durable, and a lost one costs at most one
/// poll interval. Bursts coalesce: while one NOTIFY is in flight, further requests make one more.
/// </summary>
internal sealed class JobsNotifier(DatabaseSettings database, JobsSettings settings, ILogger<JobsNotifier> logger)
{
    internal const string Channel = "mindstack_jobs";
    internal const string ListenerApplicationName = "mindstack-jobs-listener";

    private int _wanted;
    private int _sending;

    /// <summary>Asks for a NOTIFY soon; returns at once.</summary>
    public void Request()
    {
        if (database.Provider != DatabaseProvider.Postgres)
        {
            return;
        }
        Volatile.Write(ref _wanted, 1);
        if (Interlocked.CompareExchange(ref _sending, 1, 0) == 0)
        {
            _ = Task.Run(SendAsync);
        }
    }

    private async Task SendAsync()
    {
        while (true)
        {
            while (Interlocked.Exchange(ref _wanted, 0) == 1)
            {
                try
                {
                    await using var connection = new NpgsqlConnection(database.ConnectionString);
                    await connection.OpenAsync();
                    await using var notify = new NpgsqlCommand("SELECT pg_notify(@channel, @node)", connection);
                    notify.Parameters.AddWithValue("channel", Channel);
                    notify.Parameters.AddWithValue("node", settings.NodeId);
                    await notify.ExecuteNonQueryAsync();
                }
                catch (Exception exception)
                {
                    // Other nodes will find the jobs at their next poll.
                    logger.LogDebug(exception, "Notifying other nodes of new jobs failed");
                }
            }
            Volatile.Write(ref _sending, 0);
            // A request that arrived after the last look and before the flag was cleared would be lost: look again.
            if (Volatile.Read(ref _wanted) == 0 || Interlocked.CompareExchange(ref _sending, 1, 0) != 0)
            {
                return;
            }
        }
    }
}
