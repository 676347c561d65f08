using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.DependencyInjection;

namespace Mindstack.Platform.Tests.Hosting;

/// <summary>
/// The content root's settings files are read once at the start: watching them watched the whole
/// working folder, the data folder and its database writes with it.
/// </summary>
public sealed class SettingsReadOnceTests
{
    [Fact]
    public void Server_ContentRootSettingsFiles_NotWatched()
    {
        using var factory = new MindstackFactory();
        var configuration = Assert.IsAssignableFrom<IConfigurationRoot>(factory.Services.GetRequiredService<IConfiguration>());
        var files = configuration.Providers.OfType<JsonConfigurationProvider>().ToList();
        Assert.Contains(files, f => f.Source.Path == "appsettings.json");
        Assert.All(files, f => Assert.False(f.Source.ReloadOnChange, $"{f.Source.Path} is watched"));
    }

    [Fact]
    public void WithSettingsReadOnce_OperatorNamedTheSetting_KeptAsGiven()
    {
        Assert.Equal(["--data", "d", "--hostBuilder:reloadConfigOnChange=false"], PlatformHosting.WithSettingsReadOnce(["--data", "d"]));
        string[] chosen = ["--hostBuilder:reloadConfigOnChange=true"];
        Assert.Equal(chosen, PlatformHosting.WithSettingsReadOnce(chosen));
    }
}
