using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;
using Mindstack.Platform.Access;
using Mindstack.Platform.Http;
using Mindstack.Platform.Jobs;
using Mindstack.Platform.Media;
using Mindstack.Platform.Storage;

namespace Mindstack.MindSwarm.Export;

internal sealed record DataExportView(
    [property: JsonPropertyName("_id")] string UnderscoreId,
    string Id,
    string Status,
    long Size,
    int FileCount,
    // Where to download the archive (with a token) once completed; null before.
    string? DownloadUrl,
    string? Error,
    DateTime CreatedAt,
    DateTime? CompletedAt,
    DateTime? ExpiresAt);

internal sealed record DataExportEnvelope(DataExportView Export, string Message);

internal sealed record DataExportHistoryView(IReadOnlyList<DataExportView> Exports, int Total);

internal sealed record DataExportPayload(string ExportId);

/// <summary>
/// Section 17's export: a request queues <see cref="DataExportJob"/>, which writes a zip of JSON
/// files and the account's media (<see cref="DataExportArchive"/>) to the blob store; the owner
/// downloads it with their token for <see cref="Retention"/>. One export at a time (a unique
/// in-flight slot) and one per <see cref="Interval"/>.
/// </summary>
internal sealed class DataExportService(MindstackDbContext db, IIdGenerator ids, TimeProvider clock, IJobQueue jobs, IBlobStore store)
{
    public static readonly TimeSpan Interval = TimeSpan.FromHours(24);
    public static readonly TimeSpan Retention = TimeSpan.FromDays(7);

    public async Task<DataExportView> RequestAsync(Caller caller, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var last = await db.Set<DataExportRow>().AsNoTracking().Where(e => e.AccountId == caller.AccountId && e.Status != ExportStatus.Failed)
            .OrderByDescending(e => e.CreatedAt).FirstOrDefaultAsync(ct);
        if (last is { InFlight: not null })
        {
            throw Problem.Conflict("An export is already being prepared", "EXPORT_IN_PROGRESS");
        }
        if (last is not null && last.CreatedAt + Interval > now)
        {
            throw Problem.RateLimited("One data export per 24 hours", last.CreatedAt + Interval - now, "EXPORT_RATE_LIMITED");
        }
        var row = new DataExportRow
        {
            Id = ids.New("exp"),
            AccountId = caller.AccountId,
            Status = ExportStatus.Pending,
            InFlight = 1,
            CreatedAt = now,
        };
        db.Add(row);
        jobs.Enqueue<DataExportJob>(new DataExportPayload(row.Id));
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // A concurrent request took the in-flight slot first (the row and its job are not stored).
            db.ChangeTracker.Clear();
            throw Problem.Conflict("An export is already being prepared", "EXPORT_IN_PROGRESS");
        }
        return View(row);
    }

    public async Task<DataExportHistoryView> HistoryAsync(Caller caller, CancellationToken ct)
    {
        var rows = await db.Set<DataExportRow>().AsNoTracking().Where(e => e.AccountId == caller.AccountId)
            .OrderByDescending(e => e.CreatedAt).ThenByDescending(e => e.Id).Take(50).ToListAsync(ct);
        return new DataExportHistoryView(rows.Select(View).ToList(), rows.Count);
    }

    /// <summary>The finished archive of the caller's export, open for reading.</summary>
    public async Task<(DataExportRow Row, Blob Blob)> OpenAsync(Caller caller, string exportId, CancellationToken ct)
    {
        var row = await db.Set<DataExportRow>().AsNoTracking().FirstOrDefaultAsync(e => e.Id == exportId && e.AccountId == caller.AccountId, ct)
            ?? throw Problem.NotFound("Export not found", "EXPORT_NOT_FOUND");
        if (row.Status == ExportStatus.Expired || (row.ExpiresAt is { } expires && expires <= clock.GetUtcNow().UtcDateTime))
        {
            throw new Problem(ProblemKind.NotFound, "This export has expired; request a new one", "EXPORT_EXPIRED", status: 410);
        }
        if (row.Status != ExportStatus.Completed || row.BlobKey is null)
        {
            throw Problem.BadRequest($"The export is {row.Status}, not ready to download", "EXPORT_NOT_READY");
        }
        var blob = await store.GetAsync(row.BlobKey, ct) ?? throw Problem.NotFound("Export not found", "EXPORT_NOT_FOUND");
        return (row, blob);
    }

    public static DataExportView View(DataExportRow row) => new(row.Id, row.Id, row.Status, row.Size, row.FileCount,
        row.Status == ExportStatus.Completed ? $"/api/data-export/download/{row.Id}" : null, row.Error, row.CreatedAt, row.CompletedAt, row.ExpiresAt);
}

/// <summary>Makes an export's archive, stores it, and queues its expiry.</summary>
internal sealed class DataExportJob(MindstackDbContext db, DataExportArchive archive, IBlobStore store, TimeProvider clock, IJobQueue jobs)
    : JobHandler<DataExportPayload>
{
    public const string Name = "mindswarm.data-export";

    public override async Task ExecuteAsync(DataExportPayload payload, JobContext job, CancellationToken cancellationToken)
    {
        var row = await db.Set<DataExportRow>().FirstOrDefaultAsync(e => e.Id == payload.ExportId, cancellationToken);
        if (row is null || row.Status is not (ExportStatus.Pending or ExportStatus.Processing))
        {
            return;
        }
        row.Status = ExportStatus.Processing;
        await db.SaveChangesAsync(cancellationToken);
        var path = Path.Combine(Path.GetTempPath(), $"mindswarm-{row.Id}-{Guid.NewGuid():N}.zip");
        try
        {
            var files = await archive.WriteAsync(row.AccountId, path, cancellationToken);
            var key = $"mindswarm/exports/{row.Id}.zip";
            await using (var content = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, FileOptions.Asynchronous))
            {
                row.Size = content.Length;
                await store.PutAsync(key, content, "application/zip", cancellationToken);
            }
            var now = clock.GetUtcNow().UtcDateTime;
            row.BlobKey = key;
            row.FileCount = files;
            row.Status = ExportStatus.Completed;
            row.InFlight = null;
            row.CompletedAt = now;
            row.ExpiresAt = now + DataExportService.Retention;
            jobs.Enqueue<ExpireDataExportJob>(new DataExportPayload(row.Id), new JobOptions { RunAt = row.ExpiresAt });
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException && job.Attempt >= job.MaxAttempts)
        {
            // The last attempt: the export fails for good and frees its slot (earlier attempts retry).
            row.Status = ExportStatus.Failed;
            row.InFlight = null;
            row.Error = "The export could not be prepared; please request it again";
            await db.SaveChangesAsync(CancellationToken.None);
        }
        finally
        {
            File.Delete(path);
        }
    }
}

/// <summary>Removes an export's archive once its download window has passed.</summary>
internal sealed class ExpireDataExportJob(MindstackDbContext db, IBlobStore store) : JobHandler<DataExportPayload>
{
    public const string Name = "mindswarm.data-export-expire";

    public override async Task ExecuteAsync(DataExportPayload payload, JobContext job, CancellationToken cancellationToken)
    {
        var row = await db.Set<DataExportRow>().FirstOrDefaultAsync(e => e.Id == payload.ExportId, cancellationToken);
        if (row is null || row.Status != ExportStatus.Completed)
        {
            return;
        }
        if (row.BlobKey is { } key)
        {
            await store.DeleteAsync(key, cancellationToken);
        }
        row.Status = ExportStatus.Expired;
        row.BlobKey = null;
        await db.SaveChangesAsync(cancellationToken);
    }
}
