using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Mindstack.Platform.Media;

namespace Mindstack.MindSwarm.Tests.Media;

/// <summary>
/// Section 7 "Media Uploads" over HTTP: real images and videos uploaded, re-encoded without their
/// metadata, given thumbnails and served back by their URL; wrong files refused in MindSwarm's
/// error shape. On the matrix's database (PostgreSQL keeps the files in chunked rows).
/// </summary>
public sealed class MediaUploadTests(MediaFactory factory) : IClassFixture<MediaFactory>
{
    private const long Megabyte = 1024 * 1024;

    [Fact]
    public async Task Upload_FourImageFormats_ResizedStrippedAndServedWithThumbnails()
    {
        var user = await factory.SignInAsync();
        var jpeg = TestMedia.JpegWithExif();
        using (var original = TestMedia.Decode(jpeg))
        {
            Assert.True(TestMedia.HasMetadata(original), "the test JPEG should carry EXIF");
        }

        using var response = await user.UploadAsync(
            UploadFile.Of("camera.jpg", "image/jpeg", jpeg),
            UploadFile.Of("drawing.png", "image/png", TestMedia.Png()),
            UploadFile.Of("loop.gif", "image/gif", TestMedia.Gif()),
            UploadFile.Of("photo.webp", "image/webp", TestMedia.Webp()));
        var data = await DataAsync(response);

        Assert.Equal(4, data.GetArrayLength());
        var expected = new[] { ("image/jpeg", 2048, 1365), ("image/png", 64, 48), ("image/gif", 80, 60), ("image/webp", 120, 90) };
        for (var i = 0; i < 4; i++)
        {
            var item = data[i];
            var (type, width, height) = expected[i];
            Assert.Equal("image", item.GetProperty("type").GetString());
            Assert.Equal(type, item.GetProperty("mimeType").GetString());
            Assert.Equal(width, item.GetProperty("width").GetInt32());
            Assert.Equal(height, item.GetProperty("height").GetInt32());
            var url = item.GetProperty("url").GetString()!;
            Assert.StartsWith("http://localhost/mindswarm/uploads/media_", url, StringComparison.Ordinal);

            using var served = await user.FetchAsync(url);
            Assert.Equal(HttpStatusCode.OK, served.StatusCode);
            Assert.Equal(type, served.Content.Headers.ContentType!.MediaType);
            Assert.Contains("immutable", served.Headers.CacheControl!.ToString(), StringComparison.Ordinal);
            var bytes = await served.Content.ReadAsByteArrayAsync();
            Assert.Equal(item.GetProperty("size").GetInt64(), bytes.LongLength);
            using (var image = TestMedia.Decode(bytes))
            {
                Assert.Equal(width, image.Width);
                Assert.False(TestMedia.HasMetadata(image), $"{type} still carries metadata");
            }

            using var thumbnail = await user.FetchAsync(item.GetProperty("thumbnailUrl").GetString()!);
            Assert.Equal("image/jpeg", thumbnail.Content.Headers.ContentType!.MediaType);
            using var small = TestMedia.Decode(await thumbnail.Content.ReadAsByteArrayAsync());
            Assert.True(small.Width <= 400 && small.Height <= 400);
        }
    }

    [Fact]
    public async Task Serve_RangeRequest_PartialContent()
    {
        var user = await factory.SignInAsync();
        var item = (await DataAsync(await user.UploadAsync(UploadFile.Of("n.jpg", "image/jpeg", TestMedia.NoisyJpeg(300)))))[0];
        var url = item.GetProperty("url").GetString()!;
        using var whole = await user.FetchAsync(url);
        var bytes = await whole.Content.ReadAsByteArrayAsync();

        using var part = await user.FetchAsync(url, h => h.Range = new RangeHeaderValue(1000, 1099));
        Assert.Equal(HttpStatusCode.PartialContent, part.StatusCode);
        Assert.Equal(bytes.AsSpan(1000, 100).ToArray(), await part.Content.ReadAsByteArrayAsync());
    }

    [FfmpegFact]
    public async Task Upload_Mp4WithFfmpeg_ThumbnailMadeAndMetadataStripped()
    {
        var user = await factory.SignInAsync();
        var item = (await DataAsync(await user.UploadAsync(UploadFile.Of("clip.mp4", "video/mp4", TestMedia.Mp4()))))[0];

        Assert.Equal("video", item.GetProperty("type").GetString());
        Assert.Equal("video/mp4", item.GetProperty("mimeType").GetString());
        Assert.Equal(320, item.GetProperty("width").GetInt32());
        Assert.Equal(JsonValueKind.Null, item.GetProperty("note").ValueKind);
        using var video = await user.FetchAsync(item.GetProperty("url").GetString()!);
        Assert.Equal("video/mp4", video.Content.Headers.ContentType!.MediaType);
        var stored = await video.Content.ReadAsByteArrayAsync();
        Assert.Equal(MediaFormat.Mp4, MediaFormats.Detect(stored));
        Assert.DoesNotContain("Secret location", Encoding.Latin1.GetString(stored), StringComparison.Ordinal);

        using var thumbnail = await user.FetchAsync(item.GetProperty("thumbnailUrl").GetString()!);
        using var frame = TestMedia.Decode(await thumbnail.Content.ReadAsByteArrayAsync());
        Assert.Equal(320, frame.Width);
        Assert.Equal(240, frame.Height);
    }

    [Fact]
    public async Task Upload_VideoWithoutFfmpeg_StoredAndSaysNoThumbnail()
    {
        using var node = new MediaFactory();
        node.WithSetting("Mindstack:Media:Ffmpeg", "");
        var user = await node.SignInAsync();
        var mp4 = Encoding.ASCII.GetBytes("\0\0\0\x18" + "ftypisom" + "\0\0\x02\0" + "isommp41" + new string('x', 5000));
        var item = (await DataAsync(await user.UploadAsync(UploadFile.Of("clip.mp4", "video/mp4", mp4))))[0];

        Assert.Equal("video", item.GetProperty("type").GetString());
        Assert.Equal(JsonValueKind.Null, item.GetProperty("thumbnailUrl").ValueKind);
        Assert.Contains("No thumbnail", item.GetProperty("note").GetString(), StringComparison.Ordinal);
        using var served = await user.FetchAsync(item.GetProperty("url").GetString()!);
        Assert.Equal(mp4, await served.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Upload_RenamedExe_RefusedAsUnsupported()
    {
        var user = await factory.SignInAsync();
        var exe = new byte[4096];
        "MZ\x90\0\x03\0\0\0\x04\0\0\0\xFF\xFF"u8.ToArray().CopyTo(exe, 0);
        "This program cannot be run in DOS mode."u8.ToArray().CopyTo(exe, 78);

        var error = await ErrorAsync(await user.UploadAsync(UploadFile.Of("holiday.jpg", "image/jpeg", exe)), HttpStatusCode.UnsupportedMediaType);
        Assert.Equal("INVALID_FILE_TYPE", error.GetProperty("code").GetString());
        Assert.Contains("JPEG", error.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Upload_WebM_RefusedNamingWebM()
    {
        var user = await factory.SignInAsync();
        var webm = Convert.FromHexString("1A45DFA39F4286810142F7810142F2810442F381084282847765626D");
        var error = await ErrorAsync(await user.UploadAsync(UploadFile.Of("clip.webm", "video/webm", webm)), HttpStatusCode.UnsupportedMediaType);
        Assert.Contains("WebM", error.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Upload_ImageOverFiftyMegabytes_RefusedWithNothingLeftOnDisk()
    {
        using var node = new MediaFactory();
        var user = await node.SignInAsync();
        var png = TestMedia.Png();
        var oversized = new UploadFile("huge.png", "image/png", () => new GeneratedStream(png, 50 * Megabyte + 1));

        var error = await ErrorAsync(await user.UploadAsync(oversized), HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal("FILE_TOO_LARGE", error.GetProperty("code").GetString());
        Assert.Contains("50 MB", error.GetProperty("error").GetString(), StringComparison.Ordinal);

        var incoming = node.Services.GetRequiredService<MediaUploads>().TempRoot;
        Assert.Empty(Directory.Exists(incoming) ? Directory.GetFileSystemEntries(incoming) : []);
        var media = Path.Combine(node.Database.DataDirectory, "media");
        Assert.Empty(Directory.Exists(media) ? Directory.GetFiles(media, "*", SearchOption.AllDirectories) : []);
        await using var scope = node.Services.CreateAsyncScope();
        Assert.Equal(0, await scope.ServiceProvider.GetRequiredService<MediaQuota>()
            .UsedAsync("mindswarm:" + user.AccountId, CancellationToken.None));
    }

    [Fact]
    public async Task Upload_FirstAfterACrash_RemovesUploadFoldersLeftBehind()
    {
        using var node = new MediaFactory();
        var incoming = node.Services.GetRequiredService<MediaUploads>().TempRoot;
        var stale = Directory.CreateDirectory(Path.Combine(incoming, "left-by-a-crash"));
        File.WriteAllBytes(Path.Combine(stale.FullName, "upload-0.png"), TestMedia.Png());
        Directory.SetLastWriteTimeUtc(stale.FullName, DateTime.UtcNow.AddDays(-2));
        var recent = Directory.CreateDirectory(Path.Combine(incoming, "still-receiving"));

        var user = await node.SignInAsync();
        await DataAsync(await user.UploadAsync(UploadFile.Of("a.png", "image/png", TestMedia.Png())));

        Assert.False(Directory.Exists(stale.FullName));
        Assert.True(Directory.Exists(recent.FullName));
    }

    [Fact]
    public async Task Upload_PastTheQuota_RefusedAndTheFirstFilesKept()
    {
        using var node = new MediaFactory();
        node.WithSetting("Mindstack:MindSwarm:Media:QuotaBytes", "200000");
        var user = await node.SignInAsync();
        var first = (await DataAsync(await user.UploadAsync(UploadFile.Of("small.png", "image/png", TestMedia.Png()))))[0];

        var error = await ErrorAsync(await user.UploadAsync(UploadFile.Of("noise.jpg", "image/jpeg", TestMedia.NoisyJpeg())),
            HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal("STORAGE_QUOTA_EXCEEDED", error.GetProperty("code").GetString());
        using var kept = await user.FetchAsync(first.GetProperty("url").GetString()!);
        Assert.Equal(HttpStatusCode.OK, kept.StatusCode);

        // Another user has a quota of their own.
        var other = await node.SignInAsync();
        Assert.Equal(HttpStatusCode.OK, (await other.UploadAsync(UploadFile.Of("small.png", "image/png", TestMedia.Png()))).StatusCode);
    }

    [Fact]
    public async Task Upload_WrongRequests_RefusedInMindSwarmShape()
    {
        var user = await factory.SignInAsync();
        var png = UploadFile.Of("a.png", "image/png", TestMedia.Png());

        var tooMany = await ErrorAsync(await user.UploadAsync(png, png, png, png, png), HttpStatusCode.BadRequest);
        Assert.Contains("at most 4", tooMany.GetProperty("error").GetString(), StringComparison.Ordinal);
        await ErrorAsync(await user.UploadAsync([png], field: "file"), HttpStatusCode.BadRequest);

        using var client = factory.CreateClient();
        using var anonymous = await client.PostAsync("/mindswarm/api/posts/upload",
            new MultipartFormDataContent { { new ByteArrayContent(TestMedia.Png()), "media", "a.png" } });
        await ErrorAsync(anonymous, HttpStatusCode.Unauthorized);

        var unverified = await factory.SignInAsync(verified: false);
        var forbidden = await ErrorAsync(await unverified.UploadAsync(png), HttpStatusCode.Forbidden);
        Assert.Equal("EMAIL_NOT_VERIFIED", forbidden.GetProperty("code").GetString());

        var corrupt = new byte[2000];
        new byte[] { 0xFF, 0xD8, 0xFF, 0xE0 }.CopyTo(corrupt, 0);
        var undecodable = await ErrorAsync(await user.UploadAsync(UploadFile.Of("broken.jpg", "image/jpeg", corrupt)), HttpStatusCode.BadRequest);
        Assert.Equal("INVALID_FILE", undecodable.GetProperty("code").GetString());

        await ErrorAsync(await user.FetchAsync("/mindswarm/uploads/media_01NOTHING.png"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Upload_NotMultipart_Refused415()
    {
        var user = await factory.SignInAsync();
        using var client = factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/mindswarm/api/posts/upload")
        {
            Content = new StringContent("{}", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", user.Token);
        await ErrorAsync(await client.SendAsync(request), HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task Serve_FromASecondNodeOnTheSameDatabase_SameBytes()
    {
        using var shared = MindstackFactory.CreateDatabase();
        using var first = MediaFactory.Node(shared);
        using var second = MediaFactory.Node(shared);
        var user = await first.SignInAsync();
        var item = (await DataAsync(await user.UploadAsync(UploadFile.Of("n.jpg", "image/jpeg", TestMedia.NoisyJpeg(400)))))[0];
        var url = item.GetProperty("url").GetString()!;
        using var fromFirst = await user.FetchAsync(url);

        var elsewhere = await second.SignInAsync();
        using var fromSecond = await elsewhere.FetchAsync(url);
        Assert.Equal(HttpStatusCode.OK, fromSecond.StatusCode);
        Assert.Equal(await fromFirst.Content.ReadAsByteArrayAsync(), await fromSecond.Content.ReadAsByteArrayAsync());
        if (TestDatabase.UsePostgres)
        {
            // Each node has a data folder of its own here: the bytes came from the database's chunks.
            Assert.Equal("database", second.Services.GetRequiredService<IBlobStore>().Kind);
        }
    }

    [Fact]
    public async Task Upload_WithClamd_InfectedRefusedCleanKept()
    {
        await using var clamd = new ClamdStandIn();
        using var node = new MediaFactory();
        node.WithSetting("Mindstack:Media:ClamAv:Host", "127.0.0.1").WithSetting("Mindstack:Media:ClamAv:Port", clamd.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var user = await node.SignInAsync();

        var infected = TestMedia.Png().Concat(Encoding.ASCII.GetBytes(ClamdStandIn.Eicar)).ToArray();
        var error = await ErrorAsync(await user.UploadAsync(UploadFile.Of("cute.png", "image/png", infected)), HttpStatusCode.BadRequest);
        Assert.Equal("MALWARE_DETECTED", error.GetProperty("code").GetString());

        await DataAsync(await user.UploadAsync(UploadFile.Of("cute.png", "image/png", TestMedia.Png())));
        Assert.Equal(2, clamd.Scans);
    }

    [Fact]
    public async Task Upload_ClamdConfiguredButDown_Refused503()
    {
        var port = FreePort();
        using var node = new MediaFactory();
        node.WithSetting("Mindstack:Media:ClamAv:Host", "127.0.0.1").WithSetting("Mindstack:Media:ClamAv:Port", port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var user = await node.SignInAsync();
        var error = await ErrorAsync(await user.UploadAsync(UploadFile.Of("a.png", "image/png", TestMedia.Png())), HttpStatusCode.ServiceUnavailable);
        Assert.DoesNotContain("127.0.0.1", error.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Upload_S3Store_StoredInS3rverAndServedBack()
    {
        await using var s3 = await S3rverProcess.StartAsync();
        using var node = new MediaFactory();
        node.WithSetting("Mindstack:Media:S3:ServiceUrl", s3.ServiceUrl)
            .WithSetting("Mindstack:Media:S3:Bucket", "swarm-media")
            .WithSetting("Mindstack:Media:S3:AccessKey", S3rverProcess.AccessKey)
            .WithSetting("Mindstack:Media:S3:SecretKey", S3rverProcess.SecretKey);
        var user = await node.SignInAsync();
        var png = TestMedia.Png();
        var item = (await DataAsync(await user.UploadAsync(UploadFile.Of("a.png", "image/png", png))))[0];

        Assert.Equal("s3", node.Services.GetRequiredService<IBlobStore>().Kind);
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(s3.Folder, "swarm-media"), "*", SearchOption.AllDirectories));
        using var served = await user.FetchAsync(item.GetProperty("url").GetString()!);
        Assert.Equal("image/png", served.Content.Headers.ContentType!.MediaType);
        using var image = TestMedia.Decode(await served.Content.ReadAsByteArrayAsync());
        Assert.Equal(64, image.Width);
    }

    [Fact]
    public async Task OpenApi_MindSwarmDocument_DescribesTheUploadAndTheFiles()
    {
        using var served = await factory.SendRawAsync(HttpMethod.Get, "/openapi/mindswarm.json");
        var paths = (await SwarmClient.Expect(served, HttpStatusCode.OK)).GetProperty("paths");
        var upload = paths.GetProperty("/mindswarm/api/posts/upload").GetProperty("post");
        Assert.True(upload.GetProperty("requestBody").GetProperty("content").TryGetProperty("multipart/form-data", out _));
        Assert.True(upload.GetProperty("responses").TryGetProperty("200", out _));
        Assert.True(paths.GetProperty("/mindswarm/uploads/{file}").TryGetProperty("get", out _));
    }

    private static int FreePort()
    {
        var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static async Task<JsonElement> DataAsync(HttpResponseMessage response)
    {
        using (response)
        {
            var json = await SwarmClient.Expect(response, HttpStatusCode.OK);
            Assert.True(json.GetProperty("success").GetBoolean());
            return json.GetProperty("data");
        }
    }

    private static async Task<JsonElement> ErrorAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        using (response)
        {
            var json = await SwarmClient.Expect(response, status);
            Assert.False(json.GetProperty("success").GetBoolean());
            Assert.False(string.IsNullOrEmpty(json.GetProperty("error").GetString()));
            return json;
        }
    }
}
