namespace Mindstack.Platform.Tests.Realtime;

/// <summary>Two nodes (A and B) on one PostgreSQL database, each on its own Kestrel port.</summary>
public sealed class TwoNodes : IAsyncLifetime
{
    private TestDatabase? _database;

    public RealtimeFactory A { get; private set; } = null!;

    public RealtimeFactory B { get; private set; } = null!;

    public string ConnectionString => _database!.PostgresConnectionString!;

    public async Task InitializeAsync()
    {
        if (!TestDatabase.UsePostgres)
        {
            return;
        }
        _database = PlatformFactory.CreateDatabase();
        A = new RealtimeNodeFactory(_database);
        B = new RealtimeNodeFactory(_database);
        _ = A.BaseAddress;
        _ = B.BaseAddress;
        await WaitListeningAsync();
    }

    /// <summary>Both nodes LISTEN (a node only hears what is published after it listens).</summary>
    public Task WaitListeningAsync() =>
        Eventually.UntilAsync(() => A.Metrics.BackplaneListening && B.Metrics.BackplaneListening, "both backplane listeners to connect",
            TimeSpan.FromSeconds(60));

    public async Task DisposeAsync()
    {
        if (_database is null)
        {
            return;
        }
        await A.DisposeAsync();
        await B.DisposeAsync();
        _database.Dispose();
    }
}
