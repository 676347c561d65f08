using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Mindstack.Platform.Http;
using Mindstack.Platform.Storage;

namespace Mindstack.Platform.Audit;

/// <summary>
/// What to record. Address, user agent, request id and API are taken from the current request
/// when not given (outside a request, e.g. the CLI, they stay empty).
/// </summary>
public sealed record AuditRecord(
    string Action,
    string? AccountId = null,
    string? ResourceType = null,
    string? ResourceId = null,
    bool Success = true,
    string? Error = null)
{
    public string? Api { get; init; }
    public string? IpAddress { get; init; }
    public string? UserAgent { get; init; }
    public string? RequestId { get; init; }
}

/// <summary>Filters for <see cref="IAuditLog.QueryAsync"/>; every given one must match.</summary>
public sealed record AuditQuery
{
    public string? AccountId { get; init; }
    /// <summary>An exact action, or a prefix ending in <c>*</c> (<c>auth.*</c>).</summary>
    public string? Action { get; init; }
    public string? ResourceType { get; init; }
    public string? ResourceId { get; init; }
    public bool? Success { get; init; }
    public string? Api { get; init; }
    public DateTime? From { get; init; }
    /// <summary>Exclusive upper bound.</summary>
    public DateTime? To { get; init; }
    /// <summary>1-based page number.</summary>
    public int Page { get; init; } = 1;
    /// <summary>Entries per page, 1–500.</summary>
    public int PageSize { get; init; } = 50;
}

/// <summary>A page of entries, newest first, and the total that matched.</summary>
public sealed record AuditPage(IReadOnlyList<AuditEntry> Items, int Total, int Page, int PageSize);

/// <summary>The audit trail: recorded in the caller's transaction or on its own, queried with filters and paging.</summary>
public interface IAuditLog
{
    /// <summary>
    /// Adds the entry to the scoped database context: it commits with the caller's next
    /// <c>SaveChangesAsync</c>, so a change and its audit row land together.
    /// </summary>
    AuditEntry Add(AuditRecord record);

    /// <summary>Records the entry now, in its own write (for outcomes that commit nothing else, such as a failed sign-in).</summary>
    Task<AuditEntry> RecordAsync(AuditRecord record, CancellationToken cancellationToken = default);

    Task<AuditPage> QueryAsync(AuditQuery query, CancellationToken cancellationToken = default);
}

internal sealed class AuditLog(
    MindstackDbContext db,
    IIdGenerator ids,
    TimeProvider clock,
    IHttpContextAccessor httpContextAccessor,
    IServiceScopeFactory scopes) : IAuditLog
{
    public AuditEntry Add(AuditRecord record)
    {
        var entry = ToEntry(record);
        db.Add(entry);
        return entry;
    }

    public async Task<AuditEntry> RecordAsync(AuditRecord record, CancellationToken cancellationToken = default)
    {
        // A separate context, so that recording never flushes (or is lost with) the caller's
        // unrelated pending changes. Not for use inside an open transaction of the caller's.
        var entry = ToEntry(record);
        await using var scope = scopes.CreateAsyncScope();
        var own = scope.ServiceProvider.GetRequiredService<MindstackDbContext>();
        own.Add(entry);
        await own.SaveChangesAsync(cancellationToken);
        return entry;
    }

    public async Task<AuditPage> QueryAsync(AuditQuery query, CancellationToken cancellationToken = default)
    {
        var page = Math.Max(1, query.Page);
        var size = Math.Clamp(query.PageSize, 1, 500);
        var entries = db.Set<AuditEntry>().AsNoTracking();
        if (query.AccountId is not null)
        {
            entries = entries.Where(e => e.AccountId == query.AccountId);
        }
        if (query.Action is { Length: > 0 } action)
        {
            if (action.EndsWith('*'))
            {
                var prefix = action[..^1];
                entries = entries.Where(e => e.Action.StartsWith(prefix));
            }
            else
            {
                entries = entries.Where(e => e.Action == action);
            }
        }
        if (query.ResourceType is not null)
        {
            entries = entries.Where(e => e.ResourceType == query.ResourceType);
        }
        if (query.ResourceId is not null)
        {
            entries = entries.Where(e => e.ResourceId == query.ResourceId);
        }
        if (query.Success is { } success)
        {
            entries = entries.Where(e => e.Success == success);
        }
        if (query.Api is not null)
        {
            entries = entries.Where(e => e.Api == query.Api);
        }
        if (query.From is { } from)
        {
            entries = entries.Where(e => e.OccurredAt >= from);
        }
        if (query.To is { } to)
        {
            entries = entries.Where(e => e.OccurredAt < to);
        }
        var total = await entries.CountAsync(cancellationToken);
        // Ids are time-ordered ULIDs, so the id breaks ties between entries of the same instant.
        var items = await entries
            .OrderByDescending(e => e.OccurredAt).ThenByDescending(e => e.Id)
            .Skip((page - 1) * size).Take(size)
            .ToListAsync(cancellationToken);
        return new AuditPage(items, total, page, size);
    }

    private AuditEntry ToEntry(AuditRecord record)
    {
        var http = httpContextAccessor.HttpContext;
        return new AuditEntry
        {
            Id = ids.New("aud"),
            AccountId = record.AccountId,
            Api = record.Api ?? http?.Api()?.Mount.Name,
            Action = record.Action,
            ResourceType = record.ResourceType,
            ResourceId = record.ResourceId,
            Success = record.Success,
            Error = Truncate(record.Error, 500),
            IpAddress = record.IpAddress ?? http?.Connection.RemoteIpAddress?.ToString(),
            UserAgent = Truncate(record.UserAgent ?? (http is null ? null : http.Request.Headers.UserAgent.ToString() is { Length: > 0 } ua ? ua : null), 500),
            RequestId = record.RequestId ?? (http is null ? null : RequestIds.Get(http)),
            OccurredAt = clock.GetUtcNow().UtcDateTime,
        };
    }

    private static string? Truncate(string? value, int max) => value is null || value.Length <= max ? value : value[..max];
}
