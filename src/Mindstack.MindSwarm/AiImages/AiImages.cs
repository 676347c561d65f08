using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Mindstack.MindSwarm.Auth;
using Mindstack.MindSwarm.Media;
using Mindstack.MindSwarm.Outside;
using Mindstack.Platform.Access;
using Mindstack.Platform.Http;
using Mindstack.Platform.Media;
using Mindstack.Platform.Storage;

namespace Mindstack.MindSwarm.AiImages;

/// <summary>
/// <c>Mindstack:MindSwarm:ImageGeneration:*</c>: an OpenAI-compatible images API — <c>BaseUrl</c>
/// (the feature is off without it; <c>/v1/images/generations</c> is appended), <c>ApiKey</c>
/// (sent as a bearer token when set), <c>Model</c> and <c>Timeout</c>.
/// </summary>
public sealed class ImageGenerationOptions
{
    public const string Section = "Mindstack:MindSwarm:ImageGeneration";

    public string? BaseUrl { get; set; }
    public string? ApiKey { get; set; }
    public string? Model { get; set; }
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(2);

    internal bool Configured => !string.IsNullOrWhiteSpace(BaseUrl);
}

internal sealed class ImageGenerationOptionsValidator : IValidateOptions<ImageGenerationOptions>
{
    public ValidateOptionsResult Validate(string? name, ImageGenerationOptions options)
    {
        var failures = new List<string>();
        if (OutsideService.CheckUrl(ImageGenerationOptions.Section + ":BaseUrl", options.BaseUrl) is { } bad)
        {
            failures.Add(bad);
        }
        if (options.Timeout <= TimeSpan.Zero)
        {
            failures.Add($"{ImageGenerationOptions.Section}:Timeout must be more than zero");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

internal sealed record AiImageRequest(string? Prompt, int? Width, int? Height);

/// <summary>The generated image, stored with the other uploads: <see cref="Url"/> is permanent.</summary>
internal sealed record AiImageView(string Url, string? ThumbnailUrl, string Prompt, int Width, int Height, string MediaId);

internal sealed record AiImageAccessView(bool Enabled, string Message);

/// <summary>
/// Image generation through the configured provider (<c>response_format: b64_json</c>), the
/// result put through the media pipeline (format by magic bytes, re-encoded without metadata,
/// charged to the user's quota) and served by its permanent URL.
/// </summary>
internal sealed class AiImageService(
    IHttpClientFactory http,
    IOptions<ImageGenerationOptions> options,
    MindstackDbContext db,
    MediaUploads uploads,
    IBlobStore store,
    MediaQuota quota,
    IIdGenerator ids,
    TimeProvider clock,
    IOptions<MediaOptions> mediaOptions)
{
    public const string HttpClientName = "mindswarm-image-generation";
    private const int MaxPromptLength = 1000;
    private const long MaxImageBytes = 20L * 1024 * 1024;
    private static readonly int[] Sizes = [256, 512, 1024, 1792];

    private static readonly MediaUploadRules Rules = MediaOptions.Rules with { MaxImageDimension = 2048 };

    public AiImageAccessView Access() => options.Value.Configured
        ? new AiImageAccessView(true, "AI image generation is available")
        : new AiImageAccessView(false, $"AI image generation is not configured on this server (the operator sets {ImageGenerationOptions.Section}:BaseUrl)");

    public async Task<AiImageView> GenerateAsync(HttpContext context, Caller caller, AiImageRequest request, CancellationToken ct)
    {
        var settings = options.Value;
        var prompt = (request.Prompt ?? "").Trim();
        var width = request.Width ?? 1024;
        var height = request.Height ?? 1024;
        var errors = new List<FieldError>();
        if (prompt.Length == 0)
        {
            errors.Add(new FieldError("prompt", "prompt is required"));
        }
        else if (prompt.Length > MaxPromptLength)
        {
            errors.Add(new FieldError("prompt", $"prompt may be at most {MaxPromptLength} characters"));
        }
        if (!Sizes.Contains(width))
        {
            errors.Add(new FieldError("width", "width must be one of " + string.Join(", ", Sizes)));
        }
        if (!Sizes.Contains(height))
        {
            errors.Add(new FieldError("height", "height must be one of " + string.Join(", ", Sizes)));
        }
        if (errors.Count > 0)
        {
            throw Problem.Invalid(errors);
        }
        if (!settings.Configured)
        {
            throw OutsideService.NotConfigured("AI image generation", ImageGenerationOptions.Section + ":BaseUrl");
        }
        var bytes = await RequestImageAsync(settings, prompt, width, height, ct);
        return await StoreAsync(context, caller, bytes, prompt, ct);
    }

    private async Task<byte[]> RequestImageAsync(ImageGenerationOptions settings, string prompt, int width, int height, CancellationToken ct)
    {
        using var client = http.CreateClient(HttpClientName);
        client.Timeout = settings.Timeout;
        using var message = new HttpRequestMessage(HttpMethod.Post, OutsideService.Join(settings.BaseUrl!, "v1/images/generations"))
        {
            Content = JsonContent.Create(new Dictionary<string, object?>
            {
                ["model"] = string.IsNullOrWhiteSpace(settings.Model) ? null : settings.Model,
                ["prompt"] = prompt,
                ["n"] = 1,
                ["size"] = $"{width}x{height}",
                ["response_format"] = "b64_json",
            }.Where(p => p.Value is not null).ToDictionary()),
        };
        if (!string.IsNullOrWhiteSpace(settings.ApiKey))
        {
            message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", settings.ApiKey);
        }
        try
        {
            using var response = await client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, ct);
            if (!response.IsSuccessStatusCode)
            {
                throw OutsideService.Failed($"Image generation failed: the provider answered {(int)response.StatusCode}");
            }
            if (response.Content.Headers.ContentLength > MaxImageBytes * 2)
            {
                throw OutsideService.Failed("Image generation failed: the provider's answer is too large");
            }
            await using var body = await response.Content.ReadAsStreamAsync(ct);
            using var document = await JsonDocument.ParseAsync(body, cancellationToken: ct);
            var b64 = document.RootElement.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Array && data.GetArrayLength() > 0
                && data[0].TryGetProperty("b64_json", out var encoded) && encoded.ValueKind == JsonValueKind.String
                ? encoded.GetString()
                : null;
            if (string.IsNullOrEmpty(b64))
            {
                throw OutsideService.Failed("Image generation failed: the provider returned no image");
            }
            var bytes = Convert.FromBase64String(b64);
            return bytes.Length > MaxImageBytes ? throw OutsideService.Failed("Image generation failed: the image is too large") : bytes;
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or FormatException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            throw OutsideService.Failed("Image generation failed: the provider could not be reached or answered badly");
        }
    }

    private async Task<AiImageView> StoreAsync(HttpContext context, Caller caller, byte[] bytes, string prompt, CancellationToken ct)
    {
        var format = MediaFormats.Detect(bytes.AsSpan(0, Math.Min(bytes.Length, MediaFormats.SniffLength)));
        if (!format.IsImage())
        {
            throw OutsideService.Failed("Image generation failed: the provider's answer is not an image");
        }
        var folder = Path.Combine(uploads.TempRoot, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            var path = Path.Combine(folder, "generated." + format.Extension());
            await File.WriteAllBytesAsync(path, bytes, ct);
            var prepared = await uploads.PrepareAsync(new ReceivedFile(path, format, bytes.Length, null), Rules, ct);
            var owner = MediaLibrary.QuotaOwner(caller.AccountId);
            if (!await quota.TryReserveAsync(owner, prepared.StoredBytes, mediaOptions.Value.QuotaBytes, ct))
            {
                throw new Problem(ProblemKind.PayloadTooLarge, "Storage quota exceeded", "STORAGE_QUOTA_EXCEEDED");
            }
            var id = ids.New("media");
            var row = new MediaRow
            {
                Id = id,
                AccountId = caller.AccountId,
                Type = "image",
                Size = prepared.Length,
                ContentType = prepared.ContentType,
                BlobKey = $"mindswarm/{id}.{prepared.Format.Extension()}",
                ThumbnailKey = prepared.ThumbnailPath is null ? null : $"mindswarm/{id}-thumb.jpg",
                ThumbnailSize = prepared.ThumbnailLength,
                Width = prepared.Width,
                Height = prepared.Height,
                CreatedAt = clock.GetUtcNow().UtcDateTime,
            };
            try
            {
                await PutAsync(row.BlobKey, prepared.Path, prepared.ContentType, ct);
                if (row.ThumbnailKey is not null)
                {
                    await PutAsync(row.ThumbnailKey, prepared.ThumbnailPath!, "image/jpeg", ct);
                }
                db.Add(row);
                await db.SaveChangesAsync(ct);
            }
            catch
            {
                await store.DeleteAsync(row.BlobKey, CancellationToken.None);
                if (row.ThumbnailKey is not null)
                {
                    await store.DeleteAsync(row.ThumbnailKey, CancellationToken.None);
                }
                await quota.ReleaseAsync(owner, prepared.StoredBytes, CancellationToken.None);
                throw;
            }
            return new AiImageView(Url(context, row.BlobKey), row.ThumbnailKey is null ? null : Url(context, row.ThumbnailKey), prompt,
                row.Width ?? 0, row.Height ?? 0, row.Id);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private async Task PutAsync(string key, string path, string contentType, CancellationToken ct)
    {
        await using var content = File.OpenRead(path);
        await store.PutAsync(key, content, contentType, ct);
    }

    private static string Url(HttpContext context, string key)
    {
        var path = MediaLibrary.FilesPath + "/" + key[(key.LastIndexOf('/') + 1)..];
        return context.Api() is { } api ? api.ExternalUrl(context.Request, path) : path;
    }
}

/// <summary>Section 2: <c>POST /api/posts/ai-image</c> and <c>GET /api/posts/ai-image-access</c>.</summary>
internal static class AiImageEndpoints
{
    public static IServiceCollection AddMindSwarmAiImages(this IServiceCollection services)
    {
        services.AddOptions<ImageGenerationOptions>().BindConfiguration(ImageGenerationOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ImageGenerationOptions>, ImageGenerationOptionsValidator>());
        services.AddHttpClient(AiImageService.HttpClientName);
        services.TryAddScoped<AiImageService>();
        return services;
    }

    public static void Map(RouteGroupBuilder api)
    {
        api.MapPost("/posts/ai-image", Generate).RequireVerifiedEmail()
            .WithSummary("Generate an image from a prompt; stored with your uploads, its permanent URL returned")
            .ProducesEnvelope<AiImageView>();
        api.MapGet("/posts/ai-image-access", (AiImageService images, MindSwarmDialect dialect) => dialect.Ok(images.Access()))
            .WithSummary("Whether AI image generation is enabled on this server")
            .ProducesEnvelope<AiImageAccessView>();
    }

    private static async Task<IResult> Generate(Body<AiImageRequest> body, HttpContext context, Caller caller, AiImageService images,
        MindSwarmDialect dialect, CancellationToken ct) =>
        dialect.Ok(await images.GenerateAsync(context, caller, body.Value, ct));
}
