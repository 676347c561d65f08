using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using Microsoft.Extensions.DependencyInjection;

namespace Mindstack.Platform.Storage;

/// <summary>
/// The one database context. Its model is the union of every registered
/// <see cref="IModelContributor"/>, so a module's change, its events and its jobs commit in one
/// transaction. Contexts are pooled (<c>AddDbContextPool</c>): the constructor takes only its options
/// (the contributors and settings ride in them, <see cref="MindstackContextOptions"/>), and what a
/// unit of work leaves on the context for its commit is dropped when the context is disposed,
/// before it goes back to the pool.
/// </summary>
public sealed class MindstackDbContext(DbContextOptions<MindstackDbContext> options) : DbContext(options), IDataProtectionKeyContext
{
    private readonly MindstackContextOptions _mindstack = options.FindExtension<MindstackContextOptions>()
        ?? throw new InvalidOperationException("MindstackDbContext needs its options from AddMindstackStorage.");

    /// <summary>The Data Protection key ring (<c>dataprotection_keys</c>), each key encrypted with the master key.</summary>
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    /// <summary>Which database this context talks to.</summary>
    public DatabaseProvider Provider => _mindstack.Settings.Provider;

    /// <summary>What the model is built from: EF caches one model per distinct key.</summary>
    internal string ModelKey => _mindstack.ModelKey;

    /// <summary>
    /// True once EF has set up this instance's services (its first query, save or change-tracker
    /// use): a context nobody used has nothing to save, and asking it would set it up. A pooled
    /// instance stays set up for its next lease.
    /// </summary>
    internal bool IsInitialized { get; private set; }

    /// <summary>
    /// Accounts whose caller (account, key or session) this unit of work changed, published after
    /// its save or commit (<c>CallerChangesInterceptor</c>).
    /// </summary>
    internal HashSet<string>? ChangedCallers { get; set; }

    /// <summary>New work (jobs, events) this unit of work announces after its save or commit (<c>WorkSignals</c>).</summary>
    internal Jobs.NewWork PendingWork { get; set; }

    protected override void OnConfiguring(DbContextOptionsBuilder optionsBuilder) => IsInitialized = true;

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        foreach (var contributor in _mindstack.Contributors)
        {
            contributor.Configure(modelBuilder);
        }
        SnakeCaseNames.Apply(modelBuilder);
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // All times are UTC. SQLite hands DateTime back as Unspecified; mark it UTC so the same
        // code behaves identically on both providers.
        if (_mindstack.Settings.Provider == DatabaseProvider.Sqlite)
        {
            configurationBuilder.Properties<DateTime>().HaveConversion<UtcDateTimeConverter>();
            configurationBuilder.Properties<DateTime?>().HaveConversion<NullableUtcDateTimeConverter>();
        }
    }

    // A save that failed outside a transaction, or a transaction disposed without a commit or a
    // rollback, leaves its pending changes here: the next lease of this pooled instance must not
    // publish them.
    public override void Dispose()
    {
        ForgetPending();
        base.Dispose();
    }

    public override ValueTask DisposeAsync()
    {
        ForgetPending();
        return base.DisposeAsync();
    }

    private void ForgetPending()
    {
        ChangedCallers = null;
        PendingWork = 0;
    }

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

/// <summary>
/// The context's own settings, carried in its options so a pooled context (which may take only its
/// options) gets them: the model's contributors, the database settings, and the model's cache key.
/// </summary>
internal sealed class MindstackContextOptions : IDbContextOptionsExtension
{
    public MindstackContextOptions(IEnumerable<IModelContributor> contributors, DatabaseSettings settings)
    {
        Contributors = [.. contributors];
        Settings = settings;
        ModelKey = settings.Provider + ":" + string.Join(",", Contributors.Select(c => c.GetType().FullName).Order(StringComparer.Ordinal));
        Info = new ExtensionInfo(this);
    }

    public IModelContributor[] Contributors { get; }

    public DatabaseSettings Settings { get; }

    public string ModelKey { get; }

    public DbContextOptionsExtensionInfo Info { get; }

    // No services of its own: EF's internal service provider is the same with or without it.
    public void ApplyServices(IServiceCollection services)
    {
    }

    public void Validate(IDbContextOptions options)
    {
    }

    private sealed class ExtensionInfo(MindstackContextOptions extension) : DbContextOptionsExtensionInfo(extension)
    {
        public override bool IsDatabaseProvider => false;

        public override string LogFragment => string.Empty;

        public override int GetServiceProviderHashCode() => 0;

        public override bool ShouldUseSameServiceProvider(DbContextOptionsExtensionInfo other) => other is ExtensionInfo;

        public override void PopulateDebugInfo(IDictionary<string, string> debugInfo) =>
            debugInfo["Mindstack:ModelKey"] = ((MindstackContextOptions)Extension).ModelKey.GetHashCode(StringComparison.Ordinal).ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}
