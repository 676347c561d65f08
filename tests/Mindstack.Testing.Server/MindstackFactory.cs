using Mindstack.Server;

namespace Mindstack.Testing;

/// <summary>
/// The whole server in-process (every module, as <c>Program</c> composes it) on a fresh database
/// of the matrix's provider, with intent methods for the tests.
/// </summary>
public class MindstackFactory : HostFactory<Program, MindstackFactory>
{
    /// <summary>The whole server's tables: what its test databases are migrated with.</summary>
    public static TestSchema Schema { get; } = new("server", (services, configuration) => services.AddMindstack(configuration));

    /// <summary>A server on a fresh database of its own, dropped with the factory.</summary>
    public MindstackFactory()
        : this(null)
    {
    }

    /// <summary>
    /// A server on a database that other factories share (several nodes on one PostgreSQL) when
    /// <paramref name="sharedDatabase"/> is given; null means a fresh database owned by this
    /// factory. For subclasses (a fixture has exactly one public constructor).
    /// </summary>
    protected MindstackFactory(TestDatabase? sharedDatabase)
        : base(Schema, sharedDatabase)
    {
    }

    /// <summary>One node of a deployment on a database that the caller shares between nodes, and disposes.</summary>
    public static MindstackFactory OnSharedDatabase(TestDatabase sharedDatabase) =>
        new(sharedDatabase ?? throw new ArgumentNullException(nameof(sharedDatabase)));

    /// <summary>A fresh database with the whole server's tables (for a test that starts its own nodes or runs the CLI).</summary>
    public static TestDatabase CreateDatabase() => TestDatabase.Create(Schema);
}
