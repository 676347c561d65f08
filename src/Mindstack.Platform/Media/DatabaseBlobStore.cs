using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.DependencyInjection;
using Mindstack.Platform.Storage;

namespace Mindstack.Platform.Media;

/// <summary>
/// Blobs as rows of <see cref="MediaSettings.ChunkSize"/> bytes (1 MB by default), for PostgreSQL
/// deployments without an object store: every node on the database serves every file, and a
/// read fetches only the chunks it needs (one at a time, never the whole file).
/// </summary>
internal sealed class DatabaseBlobStore(IServiceScopeFactory scopes, MediaSettings settings, TimeProvider clock) : IBlobStore
{
    public string Kind => "database";

    public async Task PutAsync(string key, Stream content, string contentType, CancellationToken cancellationToken)
    {
        BlobKeys.Check(key);
        var size = settings.ChunkSize;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MindstackDbContext>();
        // One transaction: the blob row appears with all its chunks or not at all.
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.Set<BlobRow>().Where(b => b.Key == key).ExecuteDeleteAsync(cancellationToken);
        await db.Set<BlobChunkRow>().Where(c => c.BlobKey == key).ExecuteDeleteAsync(cancellationToken);
        var buffer = StreamChunks.Rent(size);
        long length = 0;
        var sequence = 0;
        try
        {
            while (true)
            {
                var read = await StreamChunks.FillAsync(content, buffer.AsMemory(0, size), cancellationToken);
                if (read == 0)
                {
                    break;
                }
                db.Add(new BlobChunkRow { BlobKey = key, Sequence = sequence++, Data = buffer.AsSpan(0, read).ToArray() });
                await db.SaveChangesAsync(cancellationToken);
                db.ChangeTracker.Clear();
                length += read;
                if (read < size)
                {
                    break;
                }
            }
        }
        finally
        {
            StreamChunks.Return(buffer);
        }
        db.Add(new BlobRow
        {
            Key = key,
            ContentType = contentType,
            Length = length,
            ChunkSize = size,
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        });
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<Blob?> GetAsync(string key, CancellationToken cancellationToken)
    {
        BlobKeys.Check(key);
        BlobRow? row;
        await using (var scope = scopes.CreateAsyncScope())
        {
            row = await scope.ServiceProvider.GetRequiredService<MindstackDbContext>().Set<BlobRow>()
                .AsNoTracking().FirstOrDefaultAsync(b => b.Key == key, cancellationToken);
        }
        if (row is null)
        {
            return null;
        }
        var stream = new RangeReadStream(row.Length,
            (offset, _) => Task.FromResult<Stream>(new ChunkReader(scopes, key, row.ChunkSize, offset)));
        return new Blob(stream, row.Length, row.ContentType);
    }

    public async Task DeleteAsync(string key, CancellationToken cancellationToken)
    {
        BlobKeys.Check(key);
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MindstackDbContext>();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.Set<BlobRow>().Where(b => b.Key == key).ExecuteDeleteAsync(cancellationToken);
        await db.Set<BlobChunkRow>().Where(c => c.BlobKey == key).ExecuteDeleteAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>Reads forward from an offset, one chunk row per query.</summary>
    private sealed class ChunkReader(IServiceScopeFactory scopes, string key, int chunkSize, long offset) : Stream
    {
        private readonly AsyncServiceScope _scope = scopes.CreateAsyncScope();
        private int _sequence = (int)(offset / chunkSize);
        private int _skip = (int)(offset % chunkSize);
        private byte[]? _chunk;
        private int _at;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_chunk is null || _at >= _chunk.Length)
            {
                var sequence = _sequence++;
                _chunk = await _scope.ServiceProvider.GetRequiredService<MindstackDbContext>().Set<BlobChunkRow>()
                    .Where(c => c.BlobKey == key && c.Sequence == sequence).Select(c => c.Data).FirstOrDefaultAsync(cancellationToken);
                _at = _skip;
                _skip = 0;
                if (_chunk is null)
                {
                    return 0;
                }
            }
            var count = Math.Min(buffer.Length, _chunk.Length - _at);
            _chunk.AsMemory(_at, count).CopyTo(buffer);
            _at += count;
            return count;
        }

        public override int Read(byte[] buffer, int offset, int count) =>
            ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _scope.Dispose();
            }
            base.Dispose(disposing);
        }

        public override async ValueTask DisposeAsync()
        {
            await _scope.DisposeAsync();
            await base.DisposeAsync();
        }
    }
}

internal sealed class BlobRow
{
    public required string Key { get; set; }
    public required string ContentType { get; set; }
    public long Length { get; set; }
    public int ChunkSize { get; set; }
    public DateTime CreatedAt { get; set; }
}

internal sealed class BlobChunkRow
{
    public required string BlobKey { get; set; }
    public int Sequence { get; set; }
    public required byte[] Data { get; set; }
}

/// <summary>A storage owner's bytes in use (<see cref="MediaQuota"/>).</summary>
internal sealed class MediaUsageRow
{
    public required string Owner { get; set; }
    public long UsedBytes { get; set; }
}

internal sealed class MediaModel : IModelContributor
{
    public void Configure(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<BlobRow>(e =>
        {
            e.ToTable("media_blobs");
            e.HasKey(x => x.Key);
        });
        modelBuilder.Entity<BlobChunkRow>(e =>
        {
            e.ToTable("media_blob_chunks");
            e.HasKey(x => new { x.BlobKey, x.Sequence });
        });
        modelBuilder.Entity<MediaUsageRow>(e =>
        {
            e.ToTable("media_usage");
            e.HasKey(x => x.Owner);
        });
    }
}

internal sealed class MediaInitialMigration : SchemaMigration
{
    public override string Id => "2026120601_media_initial";

    public override void Up(MigrationBuilder migration, DatabaseProvider provider)
    {
        migration.CreateTable(
            name: "media_blobs",
            columns: t => new
            {
                key = t.Column<string>(maxLength: 400),
                content_type = t.Column<string>(maxLength: 200),
                length = t.Column<long>(),
                chunk_size = t.Column<int>(),
                created_at = t.Column<DateTime>(),
            },
            constraints: t => t.PrimaryKey("pk_media_blobs", x => x.key));
        migration.CreateTable(
            name: "media_blob_chunks",
            columns: t => new
            {
                blob_key = t.Column<string>(maxLength: 400),
                sequence = t.Column<int>(),
                data = t.Column<byte[]>(),
            },
            constraints: t => t.PrimaryKey("pk_media_blob_chunks", x => new { x.blob_key, x.sequence }));
        migration.CreateTable(
            name: "media_usage",
            columns: t => new
            {
                owner = t.Column<string>(maxLength: 200),
                used_bytes = t.Column<long>(),
            },
            constraints: t => t.PrimaryKey("pk_media_usage", x => x.owner));
    }
}
