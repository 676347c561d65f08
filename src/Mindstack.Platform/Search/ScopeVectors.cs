using System.Collections.Concurrent;
using System.Data.Common;
using System.Runtime.InteropServices;
using System.Text.Json;
using Mindstack.Platform.Jobs;
using Mindstack.Platform.Storage;

namespace Mindstack.Platform.Search;

/// <summary>One document as the vector leg needs it: its filters and its normalized embedding.</summary>
internal sealed record VectorEntry(string Id, IReadOnlyDictionary<string, string>? Facets, long? TimestampMs, float[]? Vector, string? Model);

/// <summary>A scope's documents as of <see cref="Version"/>/<see cref="Deletes"/> of its <c>search_scopes</c> row. Immutable.</summary>
internal sealed class ScopeSnapshot(long version, long deletes, Dictionary<string, VectorEntry> entries)
{
    public static readonly ScopeSnapshot Empty = new(0, 0, new Dictionary<string, VectorEntry>(StringComparer.Ordinal));

    public long Version { get; } = version;

    public long Deletes { get; } = deletes;

    public Dictionary<string, VectorEntry> Entries { get; } = entries;

    public VectorEntry[] All { get; } = [.. entries.Values];
}

/// <summary>
/// Each scope's vectors held in memory on this node (singleton), refreshed from the database when
/// the scope's change counter moved: rows written since the held version are read and merged; a
/// delete since then (the <c>deletes</c> counter) reloads the scope whole. Writers on any node
/// bump the counter in the transaction that changes the rows, and writes to one scope commit in
/// counter order (they serialize on its row), so "every row with version &gt; v" is exactly what
/// a node at v has not seen.
/// </summary>
internal sealed class ScopeVectors
{
    private readonly ConcurrentDictionary<(string Collection, string Scope), ScopeSnapshot> _snapshots = new();
    private readonly ConcurrentDictionary<(string Collection, string Scope), SemaphoreSlim> _locks = new();

    public async Task<ScopeSnapshot> CurrentAsync(MindstackDbContext db, string collection, string scope, CancellationToken ct)
    {
        var key = (collection, scope);
        var counters = await CountersAsync(db, collection, scope, ct);
        if (counters is null)
        {
            _snapshots.TryRemove(key, out _);
            return ScopeSnapshot.Empty;
        }
        if (_snapshots.TryGetValue(key, out var held) && held.Version == counters.Value.Version && held.Deletes == counters.Value.Deletes)
        {
            return held;
        }
        var gate = _locks.GetOrAdd(key, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct);
        try
        {
            // Another search may have refreshed it while this one waited.
            if (_snapshots.TryGetValue(key, out held) && held.Version >= counters.Value.Version && held.Deletes == counters.Value.Deletes)
            {
                return held;
            }
            ScopeSnapshot fresh;
            if (held is null || held.Deletes != counters.Value.Deletes)
            {
                var rows = await RowsAsync(db, collection, scope, sinceVersion: null, ct);
                fresh = new ScopeSnapshot(counters.Value.Version, counters.Value.Deletes, rows.ToDictionary(r => r.Id, StringComparer.Ordinal));
            }
            else
            {
                var entries = new Dictionary<string, VectorEntry>(held.Entries, StringComparer.Ordinal);
                foreach (var row in await RowsAsync(db, collection, scope, held.Version, ct))
                {
                    entries[row.Id] = row;
                }
                fresh = new ScopeSnapshot(counters.Value.Version, held.Deletes, entries);
            }
            _snapshots[key] = fresh;
            return fresh;
        }
        finally
        {
            gate.Release();
        }
    }

    private static async Task<(long Version, long Deletes)?> CountersAsync(MindstackDbContext db, string collection, string scope, CancellationToken ct)
    {
        var rows = await db.QueryAsync(
            "SELECT version, deletes FROM search_scopes WHERE collection = @c AND scope = @s",
            new Dictionary<string, object?> { ["c"] = collection, ["s"] = scope },
            r => (r.GetInt64(0), r.GetInt64(1)), ct);
        return rows.Count == 0 ? null : rows[0];
    }

    private static Task<List<VectorEntry>> RowsAsync(MindstackDbContext db, string collection, string scope, long? sinceVersion, CancellationToken ct)
    {
        var parameters = new Dictionary<string, object?> { ["c"] = collection, ["s"] = scope };
        var sql = "SELECT id, facets, ts_ms, embedding, embedding_model FROM search_documents WHERE collection = @c AND scope = @s";
        if (sinceVersion is { } since)
        {
            sql += " AND version > @v";
            parameters["v"] = since;
        }
        return db.QueryAsync(sql, parameters, Read, ct);
    }

    private static VectorEntry Read(DbDataReader r) => new(
        r.GetString(0),
        r.IsDBNull(1) ? null : ParseFacets(r.GetString(1)),
        r.IsDBNull(2) ? null : r.GetInt64(2),
        r.IsDBNull(3) ? null : FromBytes((byte[])r.GetValue(3)),
        r.IsDBNull(4) ? null : r.GetString(4));

    public static Dictionary<string, string>? ParseFacets(string json) =>
        JsonSerializer.Deserialize<Dictionary<string, string>>(json) is { Count: > 0 } facets
            ? new Dictionary<string, string>(facets, StringComparer.Ordinal)
            : null;

    public static byte[] ToBytes(float[] vector) => MemoryMarshal.AsBytes(vector.AsSpan()).ToArray();

    public static float[] FromBytes(byte[] bytes) => MemoryMarshal.Cast<byte, float>(bytes).ToArray();
}
