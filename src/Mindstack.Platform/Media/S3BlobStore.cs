using System.Net;
using Amazon;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace Mindstack.Platform.Media;

/// <summary>
/// An S3-compatible object store (<c>Mindstack:Media:S3:*</c>). Reads go through ranged GETs, so a
/// client's range request fetches only that range. A missing bucket is created on first write.
/// </summary>
internal sealed class S3BlobStore : IBlobStore, IDisposable
{
    private readonly AmazonS3Client _client;
    private readonly S3Settings _settings;

    public S3BlobStore(S3Settings settings)
    {
        _settings = settings;
        var config = new AmazonS3Config
        {
            // Checksums only where S3 requires them: many compatible stores reject the SDK's
            // default streaming checksum trailers.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        };
        if (!string.IsNullOrWhiteSpace(settings.ServiceUrl))
        {
            config.ServiceURL = settings.ServiceUrl;
            config.AuthenticationRegion = settings.Region;
            config.ForcePathStyle = settings.ForcePathStyle ?? true;
        }
        else
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(settings.Region);
            config.ForcePathStyle = settings.ForcePathStyle ?? false;
        }
        _client = string.IsNullOrWhiteSpace(settings.AccessKey)
            ? new AmazonS3Client(config)
            : new AmazonS3Client(new BasicAWSCredentials(settings.AccessKey, settings.SecretKey), config);
    }

    public string Kind => "s3";

    private string Bucket => _settings.Bucket!;

    private string ObjectKey(string key) => _settings.Prefix + BlobKeys.Check(key);

    public async Task PutAsync(string key, Stream content, string contentType, CancellationToken cancellationToken)
    {
        var objectKey = ObjectKey(key);
        // The SDK signs the payload and needs its length: a stream that cannot seek goes to a file first.
        string? spooled = null;
        var source = content;
        try
        {
            if (!content.CanSeek)
            {
                spooled = Path.Combine(Path.GetTempPath(), "mindstack-s3-" + Guid.NewGuid().ToString("N"));
                source = new FileStream(spooled, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 81920,
                    FileOptions.Asynchronous | FileOptions.DeleteOnClose);
                await content.CopyToAsync(source, cancellationToken);
                source.Position = 0;
            }
            var start = source.Position;
            try
            {
                await PutObjectAsync(objectKey, source, contentType, cancellationToken);
            }
            catch (AmazonS3Exception e) when (e.ErrorCode == "NoSuchBucket")
            {
                await CreateBucketAsync(cancellationToken);
                source.Position = start;
                await PutObjectAsync(objectKey, source, contentType, cancellationToken);
            }
        }
        finally
        {
            if (spooled is not null)
            {
                await source.DisposeAsync();
            }
        }
    }

    private Task PutObjectAsync(string objectKey, Stream source, string contentType, CancellationToken cancellationToken) =>
        _client.PutObjectAsync(new PutObjectRequest
        {
            BucketName = Bucket,
            Key = objectKey,
            InputStream = source,
            ContentType = contentType,
            AutoCloseStream = false,
            AutoResetStreamPosition = false,
            UseChunkEncoding = false,
        }, cancellationToken);

    private async Task CreateBucketAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _client.PutBucketAsync(new PutBucketRequest { BucketName = Bucket }, cancellationToken);
        }
        catch (AmazonS3Exception e) when (e.ErrorCode is "BucketAlreadyOwnedByYou" or "BucketAlreadyExists")
        {
            // Another node made it first.
        }
    }

    public async Task<Blob?> GetAsync(string key, CancellationToken cancellationToken)
    {
        var objectKey = ObjectKey(key);
        GetObjectMetadataResponse head;
        try
        {
            head = await _client.GetObjectMetadataAsync(Bucket, objectKey, cancellationToken);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        var length = head.ContentLength;
        var stream = new RangeReadStream(length, async (offset, ct) =>
        {
            var response = await _client.GetObjectAsync(new GetObjectRequest
            {
                BucketName = Bucket,
                Key = objectKey,
                ByteRange = new ByteRange(offset, length - 1),
            }, ct);
            return response.ResponseStream;
        });
        return new Blob(stream, length, head.Headers.ContentType ?? "application/octet-stream");
    }

    public async Task DeleteAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            await _client.DeleteObjectAsync(Bucket, ObjectKey(key), cancellationToken);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
        }
    }

    public void Dispose() => _client.Dispose();
}
