using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Mindstack.Platform.Storage;

namespace Mindstack.Platform.Media;

public static class MediaExtensions
{
    /// <summary>The blob store, upload handling, virus scanning and quotas (<c>Mindstack:Media:*</c>).</summary>
    public static IServiceCollection AddMindstackMedia(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<MediaSettings>().BindConfiguration(MediaSettings.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MediaSettings>, MediaSettingsValidator>());
        services.TryAddSingleton(sp => sp.GetRequiredService<IOptions<MediaSettings>>().Value);
        services.TryAddSingleton<IBlobStore>(sp =>
        {
            var settings = sp.GetRequiredService<MediaSettings>();
            var database = sp.GetRequiredService<DatabaseSettings>();
            return settings.EffectiveStore(database.Provider == DatabaseProvider.Postgres) switch
            {
                BlobStoreKind.S3 => new S3BlobStore(settings.S3),
                BlobStoreKind.Database => new DatabaseBlobStore(sp.GetRequiredService<IServiceScopeFactory>(), settings,
                    sp.GetRequiredService<TimeProvider>()),
                _ => new FileBlobStore(Path.Combine(settings.Folder is { Length: > 0 } folder ? folder : Path.Combine(database.DataDirectory, "media"), "blobs")),
            };
        });
        services.TryAddSingleton(sp => new ClamAvScanner(sp.GetRequiredService<MediaSettings>().ClamAv));
        services.TryAddSingleton<ImageProcessor>();
        services.TryAddSingleton<VideoTools>();
        services.TryAddSingleton<MediaUploads>();
        services.TryAddScoped<MediaQuota>();
        services.AddModelContributor<MediaModel>();
        return services;
    }
}
