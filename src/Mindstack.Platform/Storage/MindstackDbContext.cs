using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Mindstack.Platform.Storage;

/// <summary>
/// The one database context. Its model is the union of every registered
/// <see cref="IModelContributor"/>, so a module's change, its events and its jobs commit in one
/// transaction.
/// </summary>
public sealed class MindstackDbContext(
    DbContextOptions<MindstackDbContext> options,
    IEnumerable<IModelContributor> contributors,
    DatabaseSettings settings) : DbContext(options), IDataProtectionKeyContext
{
    /// <summary>The Data Protection key ring (<c>dataprotection_keys</c>), each key encrypted with the master key.</summary>
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    /// <summary>Which database this context talks to.</summary>
    public DatabaseProvider Provider => settings.Provider;

    private static ModelKeyCache? _lastModelKey;

    /// <summary>What the model is built from: EF caches one model per distinct key.</summary>
    internal string ModelKey => ModelKeyFor(settings.Provider, contributors);

    /// <summary>
    /// True once EF has set up this instance's services (its first query, save or change-tracker
    /// use): a context nobody used has nothing to save, and asking it would set it up.
    /// </summary>
    internal bool IsInitialized { get; private set; }

    protected override void OnConfiguring(DbContextOptionsBuilder optionsBuilder) => IsInitialized = true;

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        foreach (var contributor in contributors)
        {
            contributor.Configure(modelBuilder);
        }
        SnakeCaseNames.Apply(modelBuilder);
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // All times are UTC. SQLite hands DateTime back as Unspecified; mark it UTC so the same
        // code behaves identically on both providers.
        if (settings.Provider == DatabaseProvider.Sqlite)
        {
            configurationBuilder.Properties<DateTime>().HaveConversion<UtcDateTimeConverter>();
            configurationBuilder.Properties<DateTime?>().HaveConversion<NullableUtcDateTimeConverter>();
        }
    }

    /// <summary>
    /// The key is asked for every time a context is set up: the same contributors (singletons) as
    /// last time reuse the last key instead of sorting their names again.
    /// </summary>
    private static string ModelKeyFor(DatabaseProvider provider, IEnumerable<IModelContributor> contributors)
    {
        var list = contributors as IModelContributor[] ?? [.. contributors];
        var last = Volatile.Read(ref _lastModelKey);
        if (last is not null && last.Provider == provider && last.Contributors.AsSpan().SequenceEqual(list))
        {
            return last.Key;
        }
        var key = provider + ":" + string.Join(",", list.Select(c => c.GetType().FullName).Order(StringComparer.Ordinal));
        Volatile.Write(ref _lastModelKey, new ModelKeyCache(provider, list, key));
        return key;
    }

    private sealed record ModelKeyCache(DatabaseProvider Provider, IModelContributor[] Contributors, string Key);

    private sealed class UtcDateTimeConverter() : ValueConverter<DateTime, DateTime>(
        v => v.Kind == DateTimeKind.Utc ? v : v.ToUniversalTime(),
        v => DateTime.SpecifyKind(v, DateTimeKind.Utc));

    private sealed class NullableUtcDateTimeConverter() : ValueConverter<DateTime?, DateTime?>(
        v => v == null ? v : v.Value.Kind == DateTimeKind.Utc ? v : v.Value.ToUniversalTime(),
        v => v == null ? v : DateTime.SpecifyKind(v.Value, DateTimeKind.Utc));
}

/// <summary>
/// One cached model per set of contributors and provider (EF's default is one per context type,
/// which would hand a host the model of another host built in the same process).
/// </summary>
internal sealed class ContributorModelCacheKeyFactory : IModelCacheKeyFactory
{
    public object Create(DbContext context, bool designTime) =>
        context is MindstackDbContext mindstack
            ? (context.GetType(), mindstack.ModelKey, designTime)
            : (context.GetType(), designTime);
}
