using System.Buffers;

namespace Mindstack.Platform.Media;

/// <summary>
/// Where uploaded files are kept, so that every node serves every file: the data folder (one
/// node), chunked rows in the database, or an S3-compatible store, as <see cref="MediaSettings"/>
/// chooses. Keys are the caller's, made of letters, digits, <c>. _ - /</c> (no <c>..</c>).
/// </summary>
public interface IBlobStore
{
    /// <summary>Which store this is (<c>files</c>, <c>database</c>, <c>s3</c>).</summary>
    string Kind { get; }

    /// <summary>Stores <paramref name="content"/> (read to its end) under <paramref name="key"/>, replacing any blob there.</summary>
    Task PutAsync(string key, Stream content, string contentType, CancellationToken cancellationToken);

    /// <summary>The blob, or null when there is none; dispose it when done.</summary>
    Task<Blob?> GetAsync(string key, CancellationToken cancellationToken);

    /// <summary>Deletes the blob; a missing one is not an error.</summary>
    Task DeleteAsync(string key, CancellationToken cancellationToken);
}

/// <summary>
/// One stored blob being read. <see cref="Content"/> is seekable in every store (the database and
/// S3 read only the ranges asked for), so HTTP range requests cost what they return.
/// </summary>
public sealed class Blob(Stream content, long length, string contentType) : IAsyncDisposable, IDisposable
{
    public Stream Content { get; } = content;

    public long Length { get; } = length;

    public string ContentType { get; } = contentType;

    public ValueTask DisposeAsync() => Content.DisposeAsync();

    public void Dispose() => Content.Dispose();
}

internal static class BlobKeys
{
    public static string Check(string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        if (key.Length > 400 || key[0] == '/' || key.Contains("..", StringComparison.Ordinal) || key.Contains("//", StringComparison.Ordinal)
            || key.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or '/')))
        {
            throw new ArgumentException($"'{key}' is not a blob key", nameof(key));
        }
        return key;
    }
}

/// <summary>Files under a folder (by default <c>media</c> in the data folder): one node's store.</summary>
internal sealed class FileBlobStore(string root) : IBlobStore
{
    private const string TypeSuffix = ".content-type";

    public string Kind => "files";

    public string Root { get; } = Path.GetFullPath(root);

    public async Task PutAsync(string key, Stream content, string contentType, CancellationToken cancellationToken)
    {
        var path = PathOf(key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        // Written aside and moved into place, so a reader never sees half a file.
        var partial = path + ".partial-" + Guid.NewGuid().ToString("N");
        try
        {
            await using (var file = new FileStream(partial, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, FileOptions.Asynchronous))
            {
                await content.CopyToAsync(file, cancellationToken);
            }
            await File.WriteAllTextAsync(path + TypeSuffix, contentType, cancellationToken);
            File.Move(partial, path, overwrite: true);
        }
        finally
        {
            File.Delete(partial);
        }
    }

    public Task<Blob?> GetAsync(string key, CancellationToken cancellationToken)
    {
        var path = PathOf(key);
        try
        {
            var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 81920, FileOptions.Asynchronous);
            var type = File.Exists(path + TypeSuffix) ? File.ReadAllText(path + TypeSuffix) : "application/octet-stream";
            return Task.FromResult<Blob?>(new Blob(file, file.Length, type));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return Task.FromResult<Blob?>(null);
        }
    }

    public Task DeleteAsync(string key, CancellationToken cancellationToken)
    {
        var path = PathOf(key);
        File.Delete(path);
        File.Delete(path + TypeSuffix);
        return Task.CompletedTask;
    }

    private string PathOf(string key) => Path.Combine(Root, BlobKeys.Check(key).Replace('/', Path.DirectorySeparatorChar));
}

/// <summary>
/// A read-only stream of a known length that can seek, reading from wherever it is through
/// <paramref name="openAt"/> (a ranged read of the store) and reopening after a seek.
/// </summary>
internal sealed class RangeReadStream(long length, Func<long, CancellationToken, Task<Stream>> openAt) : Stream
{
    private Stream? _current;
    private long _position;

    public override bool CanRead => true;

    public override bool CanSeek => true;

    public override bool CanWrite => false;

    public override long Length => length;

    public override long Position
    {
        get => _position;
        set => Seek(value, SeekOrigin.Begin);
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_position >= length || buffer.Length == 0)
        {
            return 0;
        }
        _current ??= await openAt(_position, cancellationToken);
        var read = await _current.ReadAsync(buffer, cancellationToken);
        _position += read;
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) =>
        ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override long Seek(long offset, SeekOrigin origin)
    {
        var target = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            _ => length + offset,
        };
        ArgumentOutOfRangeException.ThrowIfNegative(target, nameof(offset));
        if (target != _position)
        {
            _current?.Dispose();
            _current = null;
            _position = target;
        }
        return _position;
    }

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _current?.Dispose();
            _current = null;
        }
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        if (_current is not null)
        {
            await _current.DisposeAsync();
            _current = null;
        }
        await base.DisposeAsync();
    }
}

internal static class StreamChunks
{
    /// <summary>Reads until <paramref name="buffer"/> is full or the stream ends; the count read.</summary>
    public static async Task<int> FillAsync(Stream stream, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var read = await stream.ReadAsync(buffer[total..], cancellationToken);
            if (read == 0)
            {
                break;
            }
            total += read;
        }
        return total;
    }

    public static byte[] Rent(int size) => ArrayPool<byte>.Shared.Rent(size);

    public static void Return(byte[] buffer) => ArrayPool<byte>.Shared.Return(buffer);
}
