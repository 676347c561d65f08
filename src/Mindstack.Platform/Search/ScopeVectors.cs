using System.Collections.Concurrent;
using System.Data.Common;
using System.Runtime.InteropServices;
using System.Text.Json;
using Mindstack.Platform.Jobs;
using Mindstack.Platform.Storage;

namespace Mindstack.Platform.Search;

/// <summary>One document as the vector leg needs it: its filters and its embedding as read (dropped once held in a <see cref="ScopeSnapshot"/>'s rows).</summary>
internal sealed record VectorEntry(string Id, IReadOnlyDictionary<string, string>? Facets, long? TimestampMs, float[]? Vector, string? Model);

/// <summary>
/// A scope's documents as of <see cref="Version"/>/<see cref="Deletes"/> of its <c>search_scopes</c> row. Immutable.
/// Each document has a slot; the vectors of the scope's dimension are rows of fixed-size chunks
/// of one contiguous float array each (a scan reads memory in order, not 100k scattered arrays),
/// tagged with their model's index, so scoring a slot is one dot product and an integer compare.
/// A refresh shares the chunks it does not touch and copies the ones it does.
/// </summary>
internal sealed class ScopeSnapshot
{
    /// <summary>Rows per chunk: small enough that a refresh touching one row copies little.</summary>
    internal const int ChunkRows = 1024;

    public static readonly ScopeSnapshot Empty = new(0, 0, 0, new Dictionary<string, int>(StringComparer.Ordinal), [], [], [], []);

    private ScopeSnapshot(long version, long deletes, int dimensions, Dictionary<string, int> slots, VectorEntry[] entries, int[] modelIds, string[] models, float[][] chunks)
    {
        Version = version;
        Deletes = deletes;
        Dimensions = dimensions;
        Slots = slots;
        Entries = entries;
        ModelIds = modelIds;
        Models = models;
        Chunks = chunks;
    }

    public long Version { get; }

    public long Deletes { get; }

    /// <summary>The length of the vectors held in <see cref="Chunks"/> (0 when none is).</summary>
    public int Dimensions { get; }

    /// <summary>Each document's slot.</summary>
    public Dictionary<string, int> Slots { get; }

    /// <summary>By slot. An entry keeps its own <see cref="VectorEntry.Vector"/> only when it is not of <see cref="Dimensions"/>.</summary>
    public VectorEntry[] Entries { get; }

    /// <summary>By slot: the index in <see cref="Models"/> of the row's model, or -1 when the slot has no row in <see cref="Chunks"/>.</summary>
    public int[] ModelIds { get; }

    public string[] Models { get; }

    public float[][] Chunks { get; }

    public int Count => Entries.Length;

    /// <summary>The vector of a slot whose <see cref="ModelIds"/> is not -1.</summary>
    public ReadOnlySpan<float> Row(int slot) =>
        Chunks[slot / ChunkRows].AsSpan((slot % ChunkRows) * Dimensions, Dimensions);

    /// <summary>A snapshot of exactly these documents.</summary>
    public static ScopeSnapshot Create(long version, long deletes, IReadOnlyList<VectorEntry> rows)
    {
        // The scope's dimension is its first vector's: one model at a time in practice, and rows
        // of another length (a model switch under way) are still scored, from their own arrays.
        var dimensions = rows.FirstOrDefault(r => r.Vector is { Length: > 0 })?.Vector!.Length ?? 0;
        return Empty.With(version, deletes, rows, dimensions);
    }

    /// <summary>This snapshot with <paramref name="rows"/> added or replacing the documents of the same id.</summary>
    public ScopeSnapshot Merge(long version, IReadOnlyList<VectorEntry> rows) =>
        With(version, Deletes, rows, Dimensions != 0 ? Dimensions : rows.FirstOrDefault(r => r.Vector is { Length: > 0 })?.Vector!.Length ?? 0);

    private ScopeSnapshot With(long version, long deletes, IReadOnlyList<VectorEntry> rows, int dimensions)
    {
        var slots = new Dictionary<string, int>(Slots, StringComparer.Ordinal);
        var added = rows.Count(r => !slots.ContainsKey(r.Id));
        var count = Count + added;
        var entries = new VectorEntry[count];
        Entries.CopyTo(entries, 0);
        var modelIds = new int[count];
        ModelIds.CopyTo(modelIds, 0);
        var models = new List<string>(Models);
        var chunks = new float[(count + ChunkRows - 1) / ChunkRows][];
        Chunks.CopyTo(chunks, 0);
        var copied = new bool[chunks.Length];
        var next = Count;
        foreach (var row in rows)
        {
            if (!slots.TryGetValue(row.Id, out var slot))
            {
                slot = next++;
                slots[row.Id] = slot;
            }
            if (dimensions != 0 && row.Vector is { } vector && vector.Length == dimensions && row.Model is { } model)
            {
                var chunk = slot / ChunkRows;
                if (!copied[chunk])
                {
                    // Copy on write: searches holding this snapshot's predecessor still read the old chunk.
                    chunks[chunk] = chunks[chunk] is { } shared ? (float[])shared.Clone() : new float[ChunkRows * dimensions];
                    copied[chunk] = true;
                }
                vector.CopyTo(chunks[chunk].AsSpan((slot % ChunkRows) * dimensions, dimensions));
                var modelId = models.IndexOf(model);
                if (modelId < 0)
                {
                    modelId = models.Count;
                    models.Add(model);
                }
                modelIds[slot] = modelId;
                entries[slot] = row with { Vector = null };
            }
            else
            {
                modelIds[slot] = -1;
                entries[slot] = row;
            }
        }
        return new ScopeSnapshot(version, deletes, dimensions, slots, entries, modelIds, [.. models], chunks);
    }
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
            var fresh = held is null || held.Deletes != counters.Value.Deletes
                ? ScopeSnapshot.Create(counters.Value.Version, counters.Value.Deletes, await RowsAsync(db, collection, scope, sinceVersion: null, ct))
                : held.Merge(counters.Value.Version, await RowsAsync(db, collection, scope, held.Version, ct));
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
