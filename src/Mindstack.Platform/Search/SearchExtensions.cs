using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Mindstack.Platform.Search;

public static class SearchExtensions
{
    /// <summary>
    /// The platform's hybrid search (<see cref="IHybridSearch"/>, scoped: it writes through the
    /// request's database context and joins its transaction), its per-node vector cache and its
    /// tables (migration <c>2026120601_search_initial</c>). Called by the platform's own
    /// registration, so every module can inject it. Needs the AI engine and storage registered.
    /// </summary>
    public static IServiceCollection AddHybridSearch(this IServiceCollection services)
    {
        services.TryAddSingleton<ScopeVectors>();
        services.TryAddScoped<IHybridSearch, HybridSearch>();
        return services;
    }
}
