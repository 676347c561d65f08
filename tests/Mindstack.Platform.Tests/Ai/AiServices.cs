using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Mindstack.Platform.Ai;

namespace Mindstack.Platform.Tests.Ai;

/// <summary>
/// The AI area's real services, composed as the platform composes them (no server, no database:
/// the engine needs neither), with the given <c>Mindstack:Ai</c> settings.
/// </summary>
internal sealed class AiServices : IDisposable
{
    private readonly ServiceProvider _provider;

    public AiServices(IReadOnlyDictionary<string, string?>? settings = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings ?? new Dictionary<string, string?>()).Build();
        _provider = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddLogging().AddMindstackAi(configuration)
            .BuildServiceProvider(validateScopes: true);
    }

    public IAiEngine Engine => _provider.GetRequiredService<IAiEngine>();

    public IAiRouting Routing => _provider.GetRequiredService<IAiRouting>();

    public T Get<T>() where T : notnull => _provider.GetRequiredService<T>();

    public void Dispose() => _provider.Dispose();
}
