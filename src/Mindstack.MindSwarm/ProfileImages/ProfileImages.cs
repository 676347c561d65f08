using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Mindstack.MindSwarm.Auth;
using Mindstack.MindSwarm.Media;
using Mindstack.MindSwarm.Users;
using Mindstack.Platform.Access;
using Mindstack.Platform.Http;
using Mindstack.Platform.Media;
using Mindstack.Platform.Storage;

namespace Mindstack.MindSwarm.ProfileImages;

/// <summary>The stored picture: its public URL and size.</summary>
internal sealed record ProfileImageView(string Type, string Url, int Width, int Height);

/// <summary>Which media file is an account's avatar or banner, so that a new one removes the old.</summary>
internal sealed class ProfileImageRow
{
    public required string AccountId { get; set; }
    /// <summary><c>avatar</c> or <c>banner</c>.</summary>
    public required string Kind { get; set; }
    public required string MediaId { get; set; }
    public DateTime UpdatedAt { get; set; }
}

internal sealed class ProfileImageModel : IModelContributor
{
    public void Configure(ModelBuilder modelBuilder) =>
        modelBuilder.Entity<ProfileImageRow>(e =>
        {
            e.ToTable("mindswarm_profile_images");
            e.HasKey(x => new { x.AccountId, x.Kind });
        });
}

internal sealed class ProfileImageMigration : SchemaMigration
{
    public override string Id => "2026120610_mindswarm_profile_images";

    public override void Up(MigrationBuilder migration, DatabaseProvider provider) =>
        migration.CreateTable(
            name: "mindswarm_profile_images",
            columns: t => new
            {
                account_id = t.Column<string>(maxLength: 64),
                kind = t.Column<string>(maxLength: 16),
                media_id = t.Column<string>(maxLength: 64),
                updated_at = t.Column<DateTime>(),
            },
            constraints: t => t.PrimaryKey("pk_mindswarm_profile_images", x => new { x.account_id, x.kind }));
}

/// <summary>
/// Avatar (256×256) and banner (1500×500) uploads: received through the platform's upload
/// pipeline (type by magic bytes, size limits, virus scan), cropped to cover the exact size,
/// stored as a JPEG without metadata, served like every other upload; the previous picture goes.
/// </summary>
internal sealed class ProfileImageService(
    MindstackDbContext db,
    MediaUploads uploads,
    ImageProcessor images,
    IBlobStore store,
    MediaQuota quota,
    ProfileService profiles,
    IIdGenerator ids,
    TimeProvider clock,
    IOptions<MediaOptions> mediaOptions)
{
    public const string Avatar = "avatar";
    public const string Banner = "banner";

    /// <summary>The section 3 rules: one image in the field <c>file</c>, JPEG, PNG, GIF or WebP up to 10 MB.</summary>
    internal static MediaUploadRules Rules { get; } = new()
    {
        FieldName = "file",
        MaxFiles = 1,
        MaxBytes = new Dictionary<MediaFormat, long>
        {
            [MediaFormat.Jpeg] = 10L * 1024 * 1024,
            [MediaFormat.Png] = 10L * 1024 * 1024,
            [MediaFormat.Gif] = 10L * 1024 * 1024,
            [MediaFormat.Webp] = 10L * 1024 * 1024,
        },
        MaxImagePixels = 50_000_000,
    };

    public static (int Width, int Height) SizeOf(string kind) => kind == Avatar ? (256, 256) : (1500, 500);

    public async Task<ProfileImageView> UploadAsync(HttpContext context, Caller caller, string kind, CancellationToken ct)
    {
        var (width, height) = SizeOf(kind);
        using var received = await uploads.ReceiveAsync(context.Request, Rules, ct);
        var file = received.Files[0];
        var output = Path.Combine(received.Folder, kind + ".jpg");
        images.WriteCover(file, output, width, height, Rules);
        var length = new FileInfo(output).Length;
        var owner = MediaLibrary.QuotaOwner(caller.AccountId);
        if (!await quota.TryReserveAsync(owner, length, mediaOptions.Value.QuotaBytes, ct))
        {
            throw new Problem(ProblemKind.PayloadTooLarge, "Storage quota exceeded", "STORAGE_QUOTA_EXCEEDED");
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var media = new MediaRow
        {
            Id = ids.New("media"),
            AccountId = caller.AccountId,
            Type = "image",
            Size = length,
            ContentType = "image/jpeg",
            BlobKey = "",
            Width = width,
            Height = height,
            CreatedAt = now,
        };
        media.BlobKey = $"mindswarm/{media.Id}.jpg";
        var url = Url(context, media.BlobKey);
        MediaRow? previous;
        try
        {
            await using (var content = File.OpenRead(output))
            {
                await store.PutAsync(media.BlobKey, content, "image/jpeg", ct);
            }
            db.Add(media);
            var link = await db.Set<ProfileImageRow>().FirstOrDefaultAsync(r => r.AccountId == caller.AccountId && r.Kind == kind, ct);
            previous = link is null ? null : await db.Set<MediaRow>().FirstOrDefaultAsync(m => m.Id == link.MediaId, ct);
            if (link is null)
            {
                db.Add(new ProfileImageRow { AccountId = caller.AccountId, Kind = kind, MediaId = media.Id, UpdatedAt = now });
            }
            else
            {
                link.MediaId = media.Id;
                link.UpdatedAt = now;
            }
            if (previous is not null)
            {
                db.Remove(previous);
            }
            var profile = await profiles.EnsureAsync(caller.AccountId, ct: ct);
            if (kind == Avatar)
            {
                profile.Avatar = url;
            }
            else
            {
                profile.Banner = url;
            }
            profile.UpdatedAt = now;
            await db.SaveChangesAsync(ct);
        }
        catch (Exception e)
        {
            await store.DeleteAsync(media.BlobKey, CancellationToken.None);
            await quota.ReleaseAsync(owner, length, CancellationToken.None);
            if (e is DbUpdateException)
            {
                // Two first uploads of the same picture at once: one wins, the other may simply retry.
                throw Problem.Conflict($"Another {kind} upload finished first; try again");
            }
            throw;
        }
        if (previous is not null)
        {
            // After the commit: the profile no longer points at the old file.
            await store.DeleteAsync(previous.BlobKey, CancellationToken.None);
            await quota.ReleaseAsync(owner, previous.Size + previous.ThumbnailSize, CancellationToken.None);
        }
        return new ProfileImageView(kind, url, width, height);
    }

    private static string Url(HttpContext context, string key)
    {
        var path = MediaLibrary.FilesPath + "/" + key[(key.LastIndexOf('/') + 1)..];
        return context.Api() is { } api ? api.ExternalUrl(context.Request, path) : path;
    }
}

/// <summary>Section 3: <c>POST /api/users/upload/avatar</c> and <c>/upload/banner</c>.</summary>
internal static class ProfileImageEndpoints
{
    public static IServiceCollection AddMindSwarmProfileImages(this IServiceCollection services)
    {
        services.AddModelContributor<ProfileImageModel>();
        services.TryAddScoped<ProfileImageService>();
        return services;
    }

    public static void Map(RouteGroupBuilder api)
    {
        var upload = api.MapGroup("/users/upload");
        upload.MapPost("/avatar", (HttpContext context, Caller caller, ProfileImageService service, MindSwarmDialect dialect) =>
                UploadAsync(context, caller, service, dialect, ProfileImageService.Avatar))
            .RequireVerifiedEmail()
            .WithMetadata(new RequestSizeLimitAttribute(11L * 1024 * 1024))
            .WithSummary("Upload your avatar (multipart field \"file\"): cropped to 256×256, stored as JPEG")
            .Accepts<IFormFile>("multipart/form-data")
            .ProducesEnvelope<ProfileImageView>();
        upload.MapPost("/banner", (HttpContext context, Caller caller, ProfileImageService service, MindSwarmDialect dialect) =>
                UploadAsync(context, caller, service, dialect, ProfileImageService.Banner))
            .RequireVerifiedEmail()
            .WithMetadata(new RequestSizeLimitAttribute(11L * 1024 * 1024))
            .WithSummary("Upload your banner (multipart field \"file\"): cropped to 1500×500, stored as JPEG")
            .Accepts<IFormFile>("multipart/form-data")
            .ProducesEnvelope<ProfileImageView>();
    }

    private static async Task<IResult> UploadAsync(HttpContext context, Caller caller, ProfileImageService service, MindSwarmDialect dialect,
        string kind) =>
        dialect.Ok(await service.UploadAsync(context, caller, kind, context.RequestAborted));
}
