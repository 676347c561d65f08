using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Mindstack.MindSwarm.Outside;
using Mindstack.MindSwarm.Posts;
using Mindstack.Platform.Access;
using Mindstack.Platform.Http;
using Mindstack.Platform.Jobs;
using Mindstack.Platform.Media;
using Mindstack.Platform.Storage;

namespace Mindstack.MindSwarm.VideoDownloads;

/// <summary>
/// <c>Mindstack:MindSwarm:VideoDownloads:*</c>: the yt-dlp gateway — <c>GatewayUrl</c> (off without
/// it; we POST <c>{url, format: "mp4"}</c> to <c>/api/video/download</c> and read the video file
/// from the answer's body), <c>ApiKey</c> (sent as a bearer token), <c>Timeout</c>,
/// <c>MaxBytes</c>, and the download link's <c>TokenLifetime</c> (60 min) and <c>MaxDownloads</c> (3).
/// </summary>
public sealed class VideoDownloadOptions
{
    public const string Section = "Mindstack:MindSwarm:VideoDownloads";

    public string? GatewayUrl { get; set; }
    public string? ApiKey { get; set; }
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(5);
    public long MaxBytes { get; set; } = 500L * 1024 * 1024;
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromMinutes(60);
    public int MaxDownloads { get; set; } = 3;
    public int PerHour { get; set; } = 20;

    internal bool Configured => !string.IsNullOrWhiteSpace(GatewayUrl);
}

internal sealed class VideoDownloadOptionsValidator : IValidateOptions<VideoDownloadOptions>
{
    public ValidateOptionsResult Validate(string? name, VideoDownloadOptions options)
    {
        const string at = VideoDownloadOptions.Section + ":";
        var failures = new List<string>();
        if (OutsideService.CheckUrl(at + "GatewayUrl", options.GatewayUrl) is { } bad)
        {
            failures.Add(bad);
        }
        if (options.Timeout <= TimeSpan.Zero)
        {
            failures.Add(at + "Timeout must be more than zero");
        }
        if (options.TokenLifetime <= TimeSpan.Zero)
        {
            failures.Add(at + "TokenLifetime must be more than zero");
        }
        if (options.MaxBytes <= 0 || options.MaxDownloads < 1 || options.PerHour < 1)
        {
            failures.Add(at + "MaxBytes, MaxDownloads and PerHour must be more than 0");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>A video fetched through the gateway for one user, retrievable by its token a few times.</summary>
internal sealed class VideoDownloadRow
{
    public required string Id { get; set; }
    public required string AccountId { get; set; }
    public required string PostId { get; set; }
    public required string SourceUrl { get; set; }
    public required string FileName { get; set; }
    public long Size { get; set; }
    public required string BlobKey { get; set; }
    /// <summary>SHA-256 (hex) of the download token: the token itself is only in the URL given to the user.</summary>
    public required string TokenHash { get; set; }
    public DateTime ExpiresAt { get; set; }
    public int Downloads { get; set; }
    public int MaxDownloads { get; set; }
    public DateTime CreatedAt { get; set; }
}

internal sealed class VideoDownloadModel : IModelContributor
{
    public void Configure(ModelBuilder modelBuilder) =>
        modelBuilder.Entity<VideoDownloadRow>(e =>
        {
            e.ToTable("mindswarm_video_downloads");
            e.HasKey(x => x.Id);
            e.HasIndex(x => x.TokenHash).IsUnique();
            e.HasIndex(x => new { x.AccountId, x.CreatedAt });
        });
}

internal sealed class VideoDownloadMigration : SchemaMigration
{
    public override string Id => "2026120613_mindswarm_video_downloads";

    public override void Up(MigrationBuilder migration, DatabaseProvider provider)
    {
        migration.CreateTable(
            name: "mindswarm_video_downloads",
            columns: t => new
            {
                id = t.Column<string>(maxLength: 64),
                account_id = t.Column<string>(maxLength: 64),
                post_id = t.Column<string>(maxLength: 64),
                source_url = t.Column<string>(maxLength: 2048),
                file_name = t.Column<string>(maxLength: 255),
                size = t.Column<long>(),
                blob_key = t.Column<string>(maxLength: 400),
                token_hash = t.Column<string>(maxLength: 64),
                expires_at = t.Column<DateTime>(),
                downloads = t.Column<int>(),
                max_downloads = t.Column<int>(),
                created_at = t.Column<DateTime>(),
            },
            constraints: t => t.PrimaryKey("pk_mindswarm_video_downloads", x => x.id));
        migration.CreateIndex("ix_mindswarm_video_downloads_token_hash", "mindswarm_video_downloads", ["token_hash"], unique: true);
        migration.CreateIndex("ix_mindswarm_video_downloads_account_id_created_at", "mindswarm_video_downloads", ["account_id", "created_at"]);
    }
}

/// <summary>The answer: where to fetch the file, until when and how many times.</summary>
internal sealed record VideoDownloadView(string Filename, long Size, string DownloadUrl, DateTime TokenExpires, int MaxDownloads);

internal sealed record VideoDownloadJobPayload(string DownloadId);

/// <summary>
/// Video downloads (yt-dlp through the configured gateway) of a post's link on an allowlisted host,
/// 20 an hour per user; the file is kept in the blob store and served to whoever holds the token,
/// at most 3 times within 60 minutes, then removed by a job.
/// </summary>
internal sealed partial class VideoDownloadService(
    MindstackDbContext db,
    PostService posts,
    IHttpClientFactory http,
    IBlobStore store,
    IJobQueue jobs,
    IIdGenerator ids,
    TimeProvider clock,
    IOptions<VideoDownloadOptions> options)
{
    public const string HttpClientName = "mindswarm-video-gateway";

    /// <summary>The document's hosts (and their subdomains).</summary>
    public static readonly IReadOnlyList<string> AllowedHosts =
    [
        "youtube.com", "youtu.be", "tiktok.com", "rumble.com", "vimeo.com", "x.com", "twitter.com", "instagram.com", "bitchute.com",
        "twitch.tv", "dailymotion.com", "dai.ly", "streamable.com", "reddit.com", "redd.it", "facebook.com", "fb.watch", "odysee.com",
    ];

    [GeneratedRegex(@"https?://[^\s<>""']+", RegexOptions.IgnoreCase)]
    private static partial Regex UrlPattern();

    public static bool Allowed(Uri url) =>
        url.Scheme is "http" or "https"
        && AllowedHosts.Any(h => url.Host.Equals(h, StringComparison.OrdinalIgnoreCase) || url.Host.EndsWith("." + h, StringComparison.OrdinalIgnoreCase));

    public async Task<VideoDownloadView> DownloadAsync(HttpContext context, Caller caller, string postId, CancellationToken ct)
    {
        var settings = options.Value;
        var post = await posts.RequireVisibleAsync(postId, caller.AccountId, ct);
        var candidates = UrlPattern().Matches(post.Content).Select(m => m.Value.TrimEnd('.', ',', ';', ':', '!', '?', ')', ']'))
            .Concat(PostViews.ReadMedia(post.MediaJson).Select(m => m.Url));
        var source = candidates.Select(c => Uri.TryCreate(c, UriKind.Absolute, out var u) ? u : null).FirstOrDefault(u => u is not null && Allowed(u));
        if (source is null)
        {
            throw Problem.BadRequest("This post has no video link on a supported site (" + string.Join(", ", AllowedHosts) + ")", "UNSUPPORTED_VIDEO_HOST");
        }
        if (!settings.Configured)
        {
            throw OutsideService.NotConfigured("Video download", VideoDownloadOptions.Section + ":GatewayUrl");
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var hourAgo = now.AddHours(-1);
        var recent = await db.Set<VideoDownloadRow>().Where(d => d.AccountId == caller.AccountId && d.CreatedAt > hourAgo)
            .OrderBy(d => d.CreatedAt).Select(d => d.CreatedAt).ToListAsync(ct);
        if (recent.Count >= settings.PerHour)
        {
            throw Problem.RateLimited($"At most {settings.PerHour} video downloads an hour", recent[0].AddHours(1) - now, "RATE_LIMIT_EXCEEDED");
        }
        var id = ids.New("vdl");
        var key = $"mindswarm/downloads/{id}.mp4";
        var (fileName, size) = await FetchAsync(settings, source, key, ct);
        var token = Convert.ToHexString(RandomNumberGenerator.GetBytes(32)).ToLowerInvariant();
        var row = new VideoDownloadRow
        {
            Id = id,
            AccountId = caller.AccountId,
            PostId = post.Id,
            SourceUrl = source.ToString(),
            FileName = fileName,
            Size = size,
            BlobKey = key,
            TokenHash = Hash(token),
            ExpiresAt = now + settings.TokenLifetime,
            MaxDownloads = settings.MaxDownloads,
            CreatedAt = now,
        };
        db.Add(row);
        jobs.Enqueue<ExpireVideoDownloadJob>(new VideoDownloadJobPayload(id), new JobOptions { RunAt = row.ExpiresAt });
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch
        {
            await store.DeleteAsync(key, CancellationToken.None);
            throw;
        }
        var path = $"/api/posts/video-downloads/{token}";
        var url = context.Api() is { } api ? api.ExternalUrl(context.Request, path) : path;
        return new VideoDownloadView(fileName, size, url, row.ExpiresAt, row.MaxDownloads);
    }

    /// <summary>Asks the gateway for the video and stores its body; 502 when the gateway fails.</summary>
    private async Task<(string FileName, long Size)> FetchAsync(VideoDownloadOptions settings, Uri source, string key, CancellationToken ct)
    {
        using var client = http.CreateClient(HttpClientName);
        client.Timeout = settings.Timeout;
        using var request = new HttpRequestMessage(HttpMethod.Post, OutsideService.Join(settings.GatewayUrl!, "api/video/download"))
        {
            Content = JsonContent.Create(new { url = source.ToString(), format = "mp4" }),
        };
        if (!string.IsNullOrWhiteSpace(settings.ApiKey))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", settings.ApiKey);
        }
        try
        {
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            if (!response.IsSuccessStatusCode)
            {
                throw OutsideService.Failed($"Video download failed: the gateway answered {(int)response.StatusCode}");
            }
            if (response.Content.Headers.ContentLength > settings.MaxBytes)
            {
                throw OutsideService.Failed("Video download failed: the video is larger than this server takes");
            }
            var name = response.Content.Headers.ContentDisposition?.FileNameStar ?? response.Content.Headers.ContentDisposition?.FileName;
            var fileName = SafeName(name?.Trim('"')) ?? "video.mp4";
            await using var body = await response.Content.ReadAsStreamAsync(ct);
            await using var limited = new CappedStream(body, settings.MaxBytes);
            await store.PutAsync(key, limited, "video/mp4", ct);
            if (limited.BytesRead == 0)
            {
                await store.DeleteAsync(key, CancellationToken.None);
                throw OutsideService.Failed("Video download failed: the gateway sent no file");
            }
            return (fileName, limited.BytesRead);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            await store.DeleteAsync(key, CancellationToken.None);
            throw OutsideService.Failed("Video download failed: the gateway could not be reached or the video was too large");
        }
    }

    /// <summary>The file for a token, counting this retrieval; null when the token is unknown, expired or used up.</summary>
    public async Task<(VideoDownloadRow Row, Blob Blob)?> RetrieveAsync(string token, CancellationToken ct)
    {
        if (token.Length != 64)
        {
            return null;
        }
        var hash = Hash(token);
        var now = clock.GetUtcNow().UtcDateTime;
        // One atomic step: concurrent retrievals cannot exceed the count.
        var counted = await db.Set<VideoDownloadRow>()
            .Where(d => d.TokenHash == hash && d.ExpiresAt > now && d.Downloads < d.MaxDownloads)
            .ExecuteUpdateAsync(u => u.SetProperty(d => d.Downloads, d => d.Downloads + 1), ct);
        if (counted == 0)
        {
            return null;
        }
        var row = await db.Set<VideoDownloadRow>().AsNoTracking().FirstAsync(d => d.TokenHash == hash, ct);
        var blob = await store.GetAsync(row.BlobKey, ct);
        return blob is null ? null : (row, blob);
    }

    private static string Hash(string token) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(token))).ToLowerInvariant();

    private static string? SafeName(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return null;
        }
        var clean = new string(Path.GetFileName(name).Where(c => char.IsLetterOrDigit(c) || c is '.' or '-' or '_' or ' ').ToArray()).Trim();
        return clean.Length == 0 ? null : clean.Length > 200 ? clean[..200] : clean;
    }

    /// <summary>Reads through to the inner stream and fails once more than the cap has come.</summary>
    private sealed class CappedStream(Stream inner, long cap) : Stream
    {
        public long BytesRead { get; private set; }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => BytesRead; set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var n = await inner.ReadAsync(buffer, cancellationToken);
            BytesRead += n;
            return BytesRead > cap ? throw new IOException("The video is larger than the configured MaxBytes") : n;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();
        public override void Flush()
        {
        }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

/// <summary>Removes a downloaded video once its link has expired.</summary>
internal sealed class ExpireVideoDownloadJob(MindstackDbContext db, IBlobStore store) : JobHandler<VideoDownloadJobPayload>
{
    public const string Name = "mindswarm.expire-video-download";

    public override async Task ExecuteAsync(VideoDownloadJobPayload payload, JobContext job, CancellationToken cancellationToken)
    {
        var row = await db.Set<VideoDownloadRow>().AsNoTracking().FirstOrDefaultAsync(d => d.Id == payload.DownloadId, cancellationToken);
        if (row is not null)
        {
            await store.DeleteAsync(row.BlobKey, cancellationToken);
        }
    }
}

/// <summary>Section 2: <c>POST /api/posts/{postId}/download-video</c> and the link it answers with.</summary>
internal static class VideoDownloadEndpoints
{
    public static IServiceCollection AddMindSwarmVideoDownloads(this IServiceCollection services)
    {
        services.AddOptions<VideoDownloadOptions>().BindConfiguration(VideoDownloadOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<VideoDownloadOptions>, VideoDownloadOptionsValidator>());
        services.AddHttpClient(VideoDownloadService.HttpClientName, c => c.Timeout = System.Threading.Timeout.InfiniteTimeSpan);
        services.AddModelContributor<VideoDownloadModel>();
        services.TryAddScoped<VideoDownloadService>();
        services.AddJobHandler<ExpireVideoDownloadJob>(ExpireVideoDownloadJob.Name, o => o.MaxAttempts = 5);
        return services;
    }

    public static void Map(RouteGroupBuilder api)
    {
        api.MapPost("/posts/{postId}/download-video", Download).RequireCaller()
            .WithSummary("Download the post's video (allowlisted hosts, 20 an hour): a link valid 60 minutes for 3 retrievals")
            .ProducesEnvelope<VideoDownloadView>();
        api.MapGet("/posts/video-downloads/{token}", Retrieve)
            .WithSummary("The downloaded video, by the link download-video answered")
            .Produces(StatusCodes.Status200OK, contentType: "video/mp4");
    }

    private static async Task<IResult> Download(string postId, HttpContext context, Caller caller, VideoDownloadService downloads,
        MindSwarmDialect dialect, CancellationToken ct) =>
        dialect.Ok(await downloads.DownloadAsync(context, caller, postId, ct));

    private static async Task<IResult> Retrieve(string token, HttpContext context, VideoDownloadService downloads, CancellationToken ct)
    {
        var found = await downloads.RetrieveAsync(token, ct)
            ?? throw Problem.NotFound("This download link is unknown, expired or used up", "DOWNLOAD_NOT_FOUND");
        context.Response.Headers.CacheControl = "private, no-store";
        return Results.Stream(found.Blob.Content, "video/mp4", found.Row.FileName);
    }
}
