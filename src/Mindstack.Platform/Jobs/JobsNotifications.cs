using Microsoft.Extensions.Logging;
using Mindstack.Platform.Storage;
using Npgsql;

namespace Mindstack.Platform.Jobs;

/// <summary>
/// Tells the workers and the event dispatcher of every node that new jobs or events were
/// committed, so they look at once instead of at their next poll. On PostgreSQL this is a
/// <c>NOTIFY</c> on <see cref="Channel"/> (jobs) or <see cref="EventsChannel"/> (events) carrying
/// the sender's node id; on SQLite (one node) there is nothing to send, the local pulse is enough.
/// A notification is only a hint: the rows are already durable, and a lost one costs at most one
/// poll interval. Bursts coalesce: while one NOTIFY is in flight, further requests make one more.
/// </summary>
internal sealed class JobsNotifier(DatabaseSettings database, JobsSettings settings, ILogger<JobsNotifier> logger)
{
    internal const string Channel = "mindstack_jobs";
    internal const string EventsChannel = "mindstack_events";
    internal const string ListenerApplicationName = "mindstack-jobs-listener";

    private int _wanted;
    private int _sending;

    /// <summary>Asks for a NOTIFY of <paramref name="work"/> soon; returns at once.</summary>
    public void Request(NewWork work)
    {
        if (database.Provider != DatabaseProvider.Postgres || work == NewWork.None)
        {
            return;
        }
        int wanted;
        do
        {
            wanted = Volatile.Read(ref _wanted);
        }
        while (Interlocked.CompareExchange(ref _wanted, wanted | (int)work, wanted) != wanted);
        if (Interlocked.CompareExchange(ref _sending, 1, 0) == 0)
        {
            _ = Task.Run(SendAsync);
        }
    }

    private async Task SendAsync()
    {
        while (true)
        {
            NewWork work;
            while ((work = (NewWork)Interlocked.Exchange(ref _wanted, 0)) != NewWork.None)
            {
                try
                {
                    await using var connection = new NpgsqlConnection(database.ConnectionString);
                    await connection.OpenAsync();
                    // Both kinds in one round trip when both are wanted.
                    var calls = new List<string>(2);
                    if (work.HasFlag(NewWork.Jobs))
                    {
                        calls.Add($"pg_notify('{Channel}', @node)");
                    }
                    if (work.HasFlag(NewWork.Events))
                    {
                        calls.Add($"pg_notify('{EventsChannel}', @node)");
                    }
                    await using var notify = new NpgsqlCommand("SELECT " + string.Join(", ", calls), connection);
                    notify.Parameters.AddWithValue("node", settings.NodeId);
                    await notify.ExecuteNonQueryAsync();
                }
                catch (Exception exception)
                {
                    // Other nodes will find the work at their next poll.
                    logger.LogDebug(exception, "Notifying other nodes of new work failed");
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
