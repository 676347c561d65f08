using Microsoft.Extensions.DependencyInjection;
using Mindstack.Platform.Media;

namespace Mindstack.Platform.Tests.Media;

/// <summary>
/// Every blob store keeps what it was given, tells its length and type, reads any range without
/// the rest, and forgets on delete: the data folder and database chunks on the matrix's database,
/// S3 against npm's s3rver on loopback.
/// </summary>
public sealed class BlobStoreTests
{
    [Theory]
    [InlineData("Files", "files")]
    [InlineData("Database", "database")]
    public async Task PutGetDelete_ConfiguredStore_RoundTripsWithRanges(string setting, string kind)
    {
        using var factory = new PlatformFactory()
            .WithSetting("Mindstack:Media:Store", setting)
            .WithSetting("Mindstack:Media:ChunkSize", "65536");
        var store = factory.Services.GetRequiredService<IBlobStore>();
        Assert.Equal(kind, store.Kind);
        await RoundTripAsync(store);
    }

    [Fact]
    public async Task Auto_OnTheMatrixDatabase_DatabaseOnPostgresFilesOnSqlite()
    {
        using var factory = new PlatformFactory();
        var store = factory.Services.GetRequiredService<IBlobStore>();
        Assert.Equal(TestDatabase.UsePostgres ? "database" : "files", store.Kind);
    }

    [Fact]
    public async Task PutGetDelete_S3rver_RoundTripsWithRangesAndMakesTheBucket()
    {
        await using var s3 = await S3rverProcess.StartAsync();
        using var store = new S3BlobStore(new S3Settings
        {
            ServiceUrl = s3.ServiceUrl,
            Bucket = "media-test",
            Prefix = "node/",
            AccessKey = S3rverProcess.AccessKey,
            SecretKey = S3rverProcess.SecretKey,
        });
        await RoundTripAsync(store);
        Assert.True(Directory.Exists(Path.Combine(s3.Folder, "media-test")));
    }

    private static async Task RoundTripAsync(IBlobStore store)
    {
        var bytes = new byte[200_000 + 123];
        new Random(7).NextBytes(bytes);
        Assert.Null(await store.GetAsync("tests/missing.bin", CancellationToken.None));

        await store.PutAsync("tests/a.bin", new MemoryStream(bytes), "image/png", CancellationToken.None);
        await using (var blob = await store.GetAsync("tests/a.bin", CancellationToken.None))
        {
            Assert.NotNull(blob);
            Assert.Equal(bytes.Length, blob.Length);
            Assert.Equal("image/png", blob.ContentType);
            var whole = new MemoryStream();
            await blob.Content.CopyToAsync(whole);
            Assert.Equal(bytes, whole.ToArray());

            // A range across a chunk boundary, as a Range request reads it.
            Assert.True(blob.Content.CanSeek);
            blob.Content.Seek(65_000, SeekOrigin.Begin);
            var part = new byte[2_000];
            await blob.Content.ReadExactlyAsync(part);
            Assert.Equal(bytes.AsSpan(65_000, 2_000).ToArray(), part);
        }

        // Replacing keeps only the new bytes; a stream that cannot seek is fine.
        var small = new byte[] { 1, 2, 3 };
        await store.PutAsync("tests/a.bin", new NonSeekable(small), "image/gif", CancellationToken.None);
        await using (var blob = await store.GetAsync("tests/a.bin", CancellationToken.None))
        {
            Assert.Equal(3, blob!.Length);
            Assert.Equal("image/gif", blob.ContentType);
        }

        await store.DeleteAsync("tests/a.bin", CancellationToken.None);
        Assert.Null(await store.GetAsync("tests/a.bin", CancellationToken.None));
        await store.DeleteAsync("tests/a.bin", CancellationToken.None);
        await Assert.ThrowsAsync<ArgumentException>(() => store.GetAsync("../etc/passwd", CancellationToken.None));
    }

    private sealed class NonSeekable(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
