using Microsoft.EntityFrameworkCore;

namespace Mindstack.Platform.Storage;

/// <summary>
/// A platform area or a module adds its entity configurations to the one database context
/// through this. Register with <see cref="StorageServiceCollectionExtensions.AddModelContributor{T}"/>.
/// </summary>
public interface IModelContributor
{
    void Configure(ModelBuilder modelBuilder);
}
