using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Mindstack.Platform.Accounts;
using Mindstack.Platform.Realtime;
using Mindstack.Platform.Realtime.Backplane;
using Mindstack.Platform.Storage;

namespace Mindstack.Platform.Access;

/// <summary>How long an authenticated caller is kept in memory (<c>Mindstack:CallerCache</c>).</summary>
public sealed class CallerCacheOptions
{
    public const string Section = "Mindstack:CallerCache";

    /// <summary>
    /// How long a caller (by key hash, by session id) is served from memory; zero turns the cache
    /// off. A change to the caller evicts it on every node at once, so this only bounds memory and
    /// the window of a lost backplane message.
    /// </summary>
    public TimeSpan Lifetime { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>At most this many callers are kept (the cache is emptied when it is full).</summary>
    public int MaxEntries { get; set; } = 100_000;
}

internal sealed class CallerCacheOptionsValidator : IValidateOptions<CallerCacheOptions>
{
    public ValidateOptionsResult Validate(string? name, CallerCacheOptions options)
    {
        var failures = new List<string>();
        if (options.Lifetime < TimeSpan.Zero || options.Lifetime > TimeSpan.FromMinutes(10))
        {
            failures.Add($"{CallerCacheOptions.Section}:Lifetime must be between 00:00:00 and 00:10:00");
        }
        if (options.MaxEntries < 1)
        {
            failures.Add($"{CallerCacheOptions.Section}:MaxEntries must be at least 1");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>
/// The one call to make when what authenticates an account's callers changes (a key revoked or
/// changed, a session revoked or rotated, the account suspended, deleted, its role, tier, password
/// or email changed): every node drops the account's cached callers at once. Changes saved through
/// the platform's database context (tracked entities) are published automatically; bulk updates
/// (<c>ExecuteUpdate</c>) must call it after they commit.
/// </summary>
public interface ICallerChanges
{
    Task AccountChangedAsync(string accountId, CancellationToken cancellationToken = default);
}

/// <summary>
/// Authenticated callers in memory for <see cref="CallerCacheOptions.Lifetime"/>, evicted on every
/// node through the realtime backplane (PostgreSQL LISTEN/NOTIFY; in-process on SQLite). Used only
/// while evictions can reach this node: always on SQLite (one node), on PostgreSQL only while the
/// backplane listens (and emptied whenever it starts listening again). Singleton.
/// </summary>
internal sealed class CallerCache : ICallerChanges
{
    /// <summary>A platform channel: the hub hands its messages to this cache, never to a connection.</summary>
    internal const string Channel = "platform:caller-changes";

    /// <summary>
    /// How long a change waits for the other nodes to confirm their eviction. A node that does not
    /// answer in time (hung, not gone: a closed one leaves the list at once) is logged, and its
    /// entries still expire after <see cref="CallerCacheOptions.Lifetime"/>.
    /// </summary>
    private static readonly TimeSpan AcknowledgementTimeout = TimeSpan.FromSeconds(3);

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly CallerCacheOptions _options;
    private readonly DatabaseSettings _database;
    private readonly RealtimeMetrics _metrics;
    private readonly bool _backplaneEnabled;
    private readonly IServiceProvider _services;
    private readonly RealtimeHub _hub;
    private readonly ILogger<CallerCache> _logger;
    private long _generation;

    private sealed record Entry(string AccountId, object Value, long ExpiresAtTicks);

    public CallerCache(IOptions<CallerCacheOptions> options, DatabaseSettings database, RealtimeHub hub, RealtimeMetrics metrics,
        IOptions<RealtimeOptions> realtime, IServiceProvider services, ILogger<CallerCache> logger)
    {
        _options = options.Value;
        _database = database;
        _metrics = metrics;
        _backplaneEnabled = realtime.Value.BackplaneEnabled;
        _services = services;
        _hub = hub;
        _logger = logger;
        hub.OnPlatformChannel(Channel, message =>
        {
            if (JsonSerializer.Deserialize<string>(message.DataJson) is { } accountId)
            {
                Evict(accountId);
            }
        });
        // Messages may have been missed while the backplane was away: start again empty.
        hub.BackplaneListening += Clear;
    }

    /// <summary>Whether evictions reach this node now (else every request reads the database).</summary>
    private bool Usable => _options.Lifetime > TimeSpan.Zero
        && (_database.Provider == DatabaseProvider.Sqlite || (_backplaneEnabled && _metrics.BackplaneListening));

    /// <summary>Read before the database, handed to <see cref="Set"/>: an eviction in between keeps the read out.</summary>
    public long Generation => Interlocked.Read(ref _generation);

    public bool TryGet<T>(string key, out T value) where T : class
    {
        if (Usable && _entries.TryGetValue(key, out var entry) && entry.ExpiresAtTicks > Environment.TickCount64 && entry.Value is T found)
        {
            value = found;
            return true;
        }
        value = null!;
        return false;
    }

    public void Set(string key, string accountId, object value, long generation)
    {
        if (!Usable)
        {
            return;
        }
        if (_entries.Count >= _options.MaxEntries)
        {
            _entries.Clear();
        }
        _entries[key] = new Entry(accountId, value, Environment.TickCount64 + (long)_options.Lifetime.TotalMilliseconds);
        if (Generation != generation)
        {
            // An eviction ran while the row was read: it may be stale.
            _entries.TryRemove(key, out _);
        }
    }

    public async Task AccountChangedAsync(string accountId, CancellationToken cancellationToken = default)
    {
        var message = new RealtimeMessage(_services.GetRequiredService<IIdGenerator>().New("rtm"), Channel, "evict",
            JsonSerializer.Serialize(accountId), exceptConnectionId: null);
        // This node first (this cache and every other handler of the channel, such as the guard
        // that closes a revoked caller's sockets).
        _hub.Deliver(message);
        try
        {
            // Through the backplane to the other nodes, waiting until each has evicted: the change
            // takes effect on every node before the request that made it answers.
            await _services.GetRequiredService<IRealtimeBackplane>()
                .PublishAcknowledgedAsync(message, AcknowledgementTimeout, cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // The change is committed; a backplane that cannot publish has lost its listeners too, so
            // the other nodes read the database until they listen again (and then start empty).
            _logger.LogWarning(exception, "Could not publish a caller change for {AccountId}", accountId);
        }
    }

    private void Evict(string accountId)
    {
        Interlocked.Increment(ref _generation);
        foreach (var (key, entry) in _entries)
        {
            if (entry.AccountId == accountId)
            {
                _entries.TryRemove(key, out _);
            }
        }
    }

    private void Clear()
    {
        Interlocked.Increment(ref _generation);
        _entries.Clear();
    }
}

/// <summary>
/// Publishes a caller change for every account whose account row, API key or session the context
/// saves (modified or deleted): after the save, or after the commit when a transaction is open.
/// </summary>
internal sealed class CallerChangesInterceptor(IServiceProvider services) : SaveChangesInterceptor, IDbTransactionInterceptor
{
    public override ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result,
        CancellationToken cancellationToken = default)
    {
        Collect(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        Collect(eventData.Context);
        return result;
    }

    public override async ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result,
        CancellationToken cancellationToken = default)
    {
        if (eventData.Context is { } context && context.Database.CurrentTransaction is null)
        {
            await PublishAsync(context, cancellationToken);
        }
        return result;
    }

    public override int SavedChanges(SaveChangesCompletedEventData eventData, int result)
    {
        if (eventData.Context is { } context && context.Database.CurrentTransaction is null)
        {
            PublishAsync(context, CancellationToken.None).GetAwaiter().GetResult();
        }
        return result;
    }

    public override void SaveChangesFailed(DbContextErrorEventData eventData)
    {
        if (eventData.Context is MindstackDbContext context && context.Database.CurrentTransaction is null)
        {
            context.ChangedCallers = null;
        }
    }

    public async Task TransactionCommittedAsync(System.Data.Common.DbTransaction transaction, TransactionEndEventData eventData,
        CancellationToken cancellationToken = default)
    {
        if (eventData.Context is { } context)
        {
            await PublishAsync(context, cancellationToken);
        }
    }

    public void TransactionCommitted(System.Data.Common.DbTransaction transaction, TransactionEndEventData eventData)
    {
        if (eventData.Context is { } context)
        {
            PublishAsync(context, CancellationToken.None).GetAwaiter().GetResult();
        }
    }

    public Task TransactionRolledBackAsync(System.Data.Common.DbTransaction transaction, TransactionEndEventData eventData,
        CancellationToken cancellationToken = default)
    {
        TransactionRolledBack(transaction, eventData);
        return Task.CompletedTask;
    }

    public void TransactionRolledBack(System.Data.Common.DbTransaction transaction, TransactionEndEventData eventData)
    {
        if (eventData.Context is MindstackDbContext context)
        {
            context.ChangedCallers = null;
        }
    }

    private static void Collect(DbContext? context)
    {
        if (context is not MindstackDbContext mindstack)
        {
            return;
        }
        HashSet<string>? changed = null;
        foreach (var entry in context.ChangeTracker.Entries())
        {
            if (entry.State is not (EntityState.Modified or EntityState.Deleted))
            {
                continue;
            }
            var accountId = entry.Entity switch
            {
                Account account => account.Id,
                ApiKey key => key.AccountId,
                AccountSession session => session.AccountId,
                _ => null,
            };
            if (accountId is not null)
            {
                changed ??= mindstack.ChangedCallers ??= new HashSet<string>(StringComparer.Ordinal);
                changed.Add(accountId);
            }
        }
    }

    private async Task PublishAsync(DbContext context, CancellationToken cancellationToken)
    {
        if (context is not MindstackDbContext { ChangedCallers: { } changed } mindstack)
        {
            return;
        }
        mindstack.ChangedCallers = null;
        var changes = services.GetRequiredService<ICallerChanges>();
        foreach (var accountId in changed)
        {
            await changes.AccountChangedAsync(accountId, cancellationToken);
        }
    }
}
