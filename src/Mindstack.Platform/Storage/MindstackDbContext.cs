using Microsoft.EntityFrameworkCore;
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
    DatabaseSettings settings) : DbContext(options)
{
    /// <summary>Which database this context talks to.</summary>
    public DatabaseProvider Provider => settings.Provider;

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        foreach (var contributor in contributors)
        {
            contributor.Configure(modelBuilder);
        }
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

    private sealed class UtcDateTimeConverter() : ValueConverter<DateTime, DateTime>(
        v => v.Kind == DateTimeKind.Utc ? v : v.ToUniversalTime(),
        v => DateTime.SpecifyKind(v, DateTimeKind.Utc));

    private sealed class NullableUtcDateTimeConverter() : ValueConverter<DateTime?, DateTime?>(
        v => v == null ? v : v.Value.Kind == DateTimeKind.Utc ? v : v.Value.ToUniversalTime(),
        v => v == null ? v : DateTime.SpecifyKind(v.Value, DateTimeKind.Utc));
}
