using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;
using Mindstack.Platform.Accounts;
using NetVips;

namespace Mindstack.MindSwarm.Tests.Media;

/// <summary>
/// The server with MindSwarm mounted, for media tests: settings per test (store, quota, clamd,
/// ffmpeg), nodes on a shared database, and users signed in with a MindSwarm bearer token.
/// </summary>
public sealed class MediaFactory : MindstackFactory
{
    public MediaFactory()
        : this(null)
    {
    }

    private MediaFactory(TestDatabase? shared)
        : base(shared)
    {
    }

    /// <summary>Another node on a database the caller shares and disposes.</summary>
    public static MediaFactory Node(TestDatabase shared) => new(shared);

    /// <summary>A user with a verified email (unless told otherwise), signed in to MindSwarm.</summary>
    public async Task<MediaClient> SignInAsync(bool verified = true)
    {
        using var scope = Services.CreateScope();
        var policy = MindSwarmApi.Definition.Accounts!;
        var name = "m" + Guid.NewGuid().ToString("N")[..12];
        var account = await scope.ServiceProvider.GetRequiredService<IAccountService>()
            .CreateAsync(new NewAccount(name + "@example.com", "MediaPass1234!", name) { EmailVerified = verified }, policy);
        var tokens = await scope.ServiceProvider.GetRequiredService<ISessionService>().StartSessionAsync(account, policy, "password");
        return new MediaClient(this, account.Id, tokens.AccessToken.Token);
    }
}

/// <summary>A signed-in MindSwarm user uploading and fetching files.</summary>
public sealed class MediaClient(MindstackFactory factory, string accountId, string token)
{
    public string AccountId { get; } = accountId;

    public string Token { get; } = token;

    /// <summary>Posts the files as <c>multipart/form-data</c> in the field <c>media</c> (or another).</summary>
    public async Task<HttpResponseMessage> UploadAsync(IEnumerable<UploadFile> files, string field = "media")
    {
        using var client = factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/mindswarm/api/posts/upload");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        var form = new MultipartFormDataContent();
        foreach (var file in files)
        {
            var part = new StreamContent(file.Open());
            part.Headers.ContentType = new MediaTypeHeaderValue(file.ContentType);
            form.Add(part, field, file.Name);
        }
        request.Content = form;
        return await client.SendAsync(request);
    }

    public Task<HttpResponseMessage> UploadAsync(params UploadFile[] files) => UploadAsync(files, "media");

    /// <summary>GETs a returned URL (absolute or a path) from this client's node.</summary>
    public async Task<HttpResponseMessage> FetchAsync(string url, Action<HttpRequestHeaders>? headers = null)
    {
        using var client = factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, Uri.TryCreate(url, UriKind.Absolute, out var absolute) ? absolute.PathAndQuery : url);
        headers?.Invoke(request.Headers);
        return await client.SendAsync(request);
    }
}

/// <summary>A file to upload: a name, a declared type, and its bytes (or a stream made on demand).</summary>
public sealed record UploadFile(string Name, string ContentType, Func<Stream> Open)
{
    public static UploadFile Of(string name, string contentType, byte[] bytes) => new(name, contentType, () => new MemoryStream(bytes));
}

/// <summary>Real media made for the tests: images by libvips, videos by ffmpeg.</summary>
public static class TestMedia
{
    /// <summary>A 3000×2000 JPEG carrying EXIF (an artist's name and a description), as a camera writes.</summary>
    public static byte[] JpegWithExif()
    {
        using var plain = Image.Black(3000, 2000, bands: 3).Linear([1, 1, 1], [90, 140, 200]).Cast(Enums.BandFormat.Uchar);
        using var tagged = plain.Mutate(m =>
        {
            m.Set(GValue.GStrType, "exif-ifd0-Artist", "Secret Person");
            m.Set(GValue.GStrType, "exif-ifd0-ImageDescription", "At home, 51.5N 0.1W");
        });
        return tagged.JpegsaveBuffer(q: 90, keep: Enums.ForeignKeep.All);
    }

    public static byte[] Png(int width = 64, int height = 48)
    {
        using var image = Image.Black(width, height, bands: 4).Linear([1, 1, 1, 1], [200, 30, 30, 255]).Cast(Enums.BandFormat.Uchar);
        return image.PngsaveBuffer();
    }

    public static byte[] Gif()
    {
        using var image = Image.Black(80, 60, bands: 3).Linear([1, 1, 1], [10, 200, 10]).Cast(Enums.BandFormat.Uchar);
        return image.GifsaveBuffer();
    }

    public static byte[] Webp()
    {
        using var image = Image.Black(120, 90, bands: 3).Linear([1, 1, 1], [10, 10, 200]).Cast(Enums.BandFormat.Uchar);
        return image.WebpsaveBuffer(q: 80);
    }

    /// <summary>A JPEG of noise, so it does not compress: about 1 MB at 1000×1000.</summary>
    public static byte[] NoisyJpeg(int size = 1000)
    {
        using var noise = Image.Gaussnoise(size, size, mean: 128, sigma: 60).Cast(Enums.BandFormat.Uchar);
        return noise.JpegsaveBuffer(q: 95);
    }

    public static Image Decode(byte[] bytes) => Image.NewFromBuffer(bytes);

    /// <summary>Whether libvips sees EXIF, XMP or IPTC in the image.</summary>
    public static bool HasMetadata(Image image) =>
        image.GetFields().Any(f => f is "exif-data" or "xmp-data" or "iptc-data" || f.StartsWith("exif-ifd", StringComparison.Ordinal));

    public static string? Ffmpeg { get; } = (Environment.GetEnvironmentVariable("PATH") ?? "")
        .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
        .Select(folder => Path.Combine(folder, "ffmpeg"))
        .FirstOrDefault(File.Exists);

    /// <summary>A 2-second 320×240 MP4 (MPEG-4 Part 2, ffmpeg's own encoder) with a title in its metadata.</summary>
    public static byte[] Mp4()
    {
        var path = Path.Combine(Path.GetTempPath(), "mindstack-video-" + Guid.NewGuid().ToString("N") + ".mp4");
        try
        {
            var info = new System.Diagnostics.ProcessStartInfo(Ffmpeg!)
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
            };
            foreach (var argument in (string[])["-nostdin", "-v", "error", "-f", "lavfi", "-i", "testsrc=duration=2:size=320x240:rate=10",
                         "-c:v", "mpeg4", "-metadata", "title=Secret location", path])
            {
                info.ArgumentList.Add(argument);
            }
            using var process = System.Diagnostics.Process.Start(info)!;
            var errors = process.StandardError.ReadToEnd();
            process.WaitForExit();
            Assert.True(process.ExitCode == 0, "ffmpeg could not make the test video: " + errors);
            return File.ReadAllBytes(path);
        }
        finally
        {
            File.Delete(path);
        }
    }
}

/// <summary>A test that needs ffmpeg (Debian's <c>ffmpeg</c> package); skipped, saying so, where it is not installed.</summary>
public sealed class FfmpegFactAttribute : FactAttribute
{
    public FfmpegFactAttribute()
    {
        if (TestMedia.Ffmpeg is null)
        {
            Skip = "ffmpeg is not installed (Debian package ffmpeg): video thumbnails cannot be tested here";
        }
    }
}

/// <summary>A stream of a given length: a leading header, then zeros, made as it is read (nothing held in memory).</summary>
public sealed class GeneratedStream(byte[] head, long length) : Stream
{
    private long _position;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => length;

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        var n = (int)Math.Min(count, length - _position);
        for (var i = 0; i < n; i++)
        {
            var at = _position + i;
            buffer[offset + i] = at < head.Length ? head[at] : (byte)0;
        }
        _position += n;
        return n;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
