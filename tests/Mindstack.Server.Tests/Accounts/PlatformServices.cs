using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Mindstack.Platform.Tests.Accounts;

/// <summary>The platform's services on a given data folder and database, as another node (or the CLI) sees them.</summary>
public static class PlatformServices
{
    public static ServiceProvider On(TestDatabase database)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["data"] = database.DataDirectory,
            ["Mindstack:Database"] = database.PostgresConnectionString ?? "",
        }).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging();
        services.AddMindstackPlatform(configuration);
        return services.BuildServiceProvider();
    }
}
