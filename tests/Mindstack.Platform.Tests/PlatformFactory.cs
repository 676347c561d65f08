using Microsoft.AspNetCore.Hosting;

namespace Mindstack.Platform.Tests;

/// <summary>
/// The platform with the sample modules in-process (<see cref="SampleHost"/>), on a fresh database
/// of the matrix's provider: what the platform tests run against.
/// </summary>
public class PlatformFactory : HostFactory<SampleHost, PlatformFactory>
{
    /// <summary>A host on a fresh database of its own, dropped with the factory.</summary>
    public PlatformFactory()
        : this(null)
    {
    }

    /// <summary>A node on a database other factories share when <paramref name="sharedDatabase"/> is given (the caller disposes it).</summary>
    protected PlatformFactory(TestDatabase? sharedDatabase)
        : base(SampleHost.Schema, sharedDatabase)
    {
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        // The host is this test assembly, not a project of its own: its content is the output folder.
        builder.UseContentRoot(AppContext.BaseDirectory);
    }

    /// <summary>One node of a deployment on a database that the caller shares between nodes, and disposes.</summary>
    public static PlatformFactory OnSharedDatabase(TestDatabase sharedDatabase) =>
        new(sharedDatabase ?? throw new ArgumentNullException(nameof(sharedDatabase)));

    /// <summary>A fresh database with the platform's and the sample modules' tables.</summary>
    public static TestDatabase CreateDatabase() => TestDatabase.Create(SampleHost.Schema);
}
