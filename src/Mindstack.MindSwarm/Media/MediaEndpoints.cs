using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Mindstack.MindSwarm.Auth;
using Mindstack.Platform.Access;
using Mindstack.Platform.Http;
using Mindstack.Platform.Storage;

namespace Mindstack.MindSwarm.Media;

/// <summary>Section 7 "Media Uploads": <c>POST /api/posts/upload</c>, and the files served at <c>/uploads/*</c>.</summary>
internal static class MediaEndpoints
{
    public static IServiceCollection AddMindSwarmMedia(this IServiceCollection services)
    {
        services.AddOptions<MediaOptions>().BindConfiguration(MediaOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MediaOptions>, MediaOptionsValidator>());
        services.AddModelContributor<MediaModel>();
        services.AddMigrationsFrom(typeof(MediaEndpoints).Assembly);
        services.TryAddScoped<MediaLibrary>();
        return services;
    }

    /// <summary>
    /// The upload route on <paramref name="apiRoutes"/> (the <c>/api</c> group, with its caller and
    /// limits) and the file route on <paramref name="root"/> (the API's base: files are public by
    /// their unguessable URL, as a CDN would serve them).
    /// </summary>
    public static void MapMedia(this RouteGroupBuilder root, RouteGroupBuilder apiRoutes)
    {
        apiRoutes.MapPost("/posts/upload", Upload)
            .RequireCaller()
            .RequireVerifiedEmail()
            .WithMetadata(new RequestSizeLimitAttribute(MediaOptions.MaxRequestBytes))
            .WithSummary("Upload up to 4 images or videos (multipart field \"media\")")
            .Accepts<IFormFileCollection>("multipart/form-data")
            .ProducesEnvelope<IReadOnlyList<UploadedMediaView>>();
        root.MapGet(MediaLibrary.FilesPath + "/{file}", Serve)
            .WithSummary("An uploaded file or its thumbnail, by the URL an upload returned")
            .Produces(StatusCodes.Status200OK, contentType: "application/octet-stream");
    }

    private static async Task<IResult> Upload(HttpContext context, Caller caller, MediaLibrary library, MindSwarmDialect dialect)
    {
        var uploaded = await library.UploadAsync(context, caller, context.RequestAborted);
        return dialect.Ok(uploaded);
    }

    private static async Task<IResult> Serve(string file, HttpContext context, MediaLibrary library)
    {
        var found = await library.OpenAsync(file, context.RequestAborted)
            ?? throw Problem.NotFound("File not found");
        var (row, blob) = found;
        // Stored files never change under their URL: cache them for good.
        context.Response.Headers.CacheControl = "public, max-age=31536000, immutable";
        context.Response.Headers.XContentTypeOptions = "nosniff";
        return Results.Stream(blob.Content, blob.ContentType, lastModified: new DateTimeOffset(row.CreatedAt, TimeSpan.Zero),
            entityTag: new EntityTagHeaderValue($"\"{file}\""), enableRangeProcessing: true);
    }
}
