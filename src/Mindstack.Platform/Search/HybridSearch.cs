using System.Numerics.Tensors;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Mindstack.Platform.Ai;
using Mindstack.Platform.Http;
using Mindstack.Platform.Jobs;
using Mindstack.Platform.Storage;

namespace Mindstack.Platform.Search;

/// <summary>
/// <see cref="IHybridSearch"/> on the platform database: a full-text leg in SQL (FTS5 bm25 or
/// PostgreSQL ts_rank) and a vector leg in process (dot products of normalized embeddings held by
/// <see cref="ScopeVectors"/>), both filtered by facets and dates, fused by reciprocal rank.
/// Writes join the caller's open transaction, if any, so a module's change and its index entry
/// commit together.
/// </summary>
internal sealed class HybridSearch(MindstackDbContext db, IAiEngine ai, ScopeVectors vectors) : IHybridSearch
{
    /// <summary>Reciprocal rank fusion's constant: a hit at rank r adds 1/(K + r).</summary>
    internal const int RrfK = 60;

    /// <summary>How many hits each leg contributes to the fusion (at least; more for large limits).</summary>
    internal const int LegDepth = 100;

    /// <summary>
    /// The vector leg keeps only neighbours at least this similar: every document has some
    /// similarity to every query. With all-MiniLM-L6-v2 a text sharing one word but not the
    /// meaning ("kitten on a rug" / "rug cleaning prices") scores about 0.35, a paraphrase 0.5 and up.
    /// </summary>
    internal const double MinSimilarity = 0.4;

    internal const int MaxKeyLength = 200;
    internal const int MaxLimit = 1000;

    public async Task UpsertAsync(SearchDocument document, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(document);
        RequireKey(document.Collection, document.Scope, document.Id);
        ArgumentNullException.ThrowIfNull(document.Text);
        var embedded = await ai.EmbedAsync([document.Text], cancellationToken: ct);
        var vector = Normalized(embedded.Value.Vectors[0]);
        var facets = document.Facets is { Count: > 0 } f ? JsonSerializer.Serialize(f) : null;

        await WriteAsync(async () =>
        {
            var version = await BumpAsync(document.Collection, document.Scope, deleted: false, ct);
            await db.ExecuteAsync(
                """
                INSERT INTO search_documents (collection, scope, id, text, facets, ts_ms, embedding, embedding_model, version)
                VALUES (@c, @s, @id, @text, @facets, @ts, @embedding, @model, @version)
                ON CONFLICT (collection, scope, id) DO UPDATE SET
                    text = excluded.text, facets = excluded.facets, ts_ms = excluded.ts_ms,
                    embedding = excluded.embedding, embedding_model = excluded.embedding_model, version = excluded.version
                """,
                new Dictionary<string, object?>
                {
                    ["c"] = document.Collection,
                    ["s"] = document.Scope,
                    ["id"] = document.Id,
                    ["text"] = document.Text,
                    ["facets"] = facets,
                    ["ts"] = document.Timestamp?.ToUnixTimeMilliseconds(),
                    ["embedding"] = vector is null ? null : ScopeVectors.ToBytes(vector),
                    ["model"] = vector is null ? null : embedded.Usage.Model,
                    ["version"] = version,
                }, ct);
        }, ct);
    }

    public async Task DeleteAsync(string collection, string scope, string id, CancellationToken ct)
    {
        RequireKey(collection, scope, id);
        var key = new Dictionary<string, object?> { ["c"] = collection, ["s"] = scope, ["id"] = id };
        await WriteAsync(async () =>
        {
            var exists = await db.QueryAsync("SELECT 1 FROM search_documents WHERE collection = @c AND scope = @s AND id = @id", key, _ => 1, ct);
            if (exists.Count == 0)
            {
                return;
            }
            // The scope's row first, as every write does: writers to one scope then never wait on each other in opposite orders.
            await BumpAsync(collection, scope, deleted: true, ct);
            await db.ExecuteAsync("DELETE FROM search_documents WHERE collection = @c AND scope = @s AND id = @id", key, ct);
        }, ct);
    }

    public async Task<IReadOnlyList<SearchHit>> SearchAsync(SearchQuery query, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(query);
        RequireKey(query.Collection, query.Scope, id: null);
        if (query.Limit is < 1 or > MaxLimit)
        {
            throw Problem.Invalid("limit", $"limit must be between 1 and {MaxLimit}");
        }
        var terms = string.IsNullOrWhiteSpace(query.Text) ? [] : SearchTerms.Of(query.Text);
        if (terms.Count == 0)
        {
            return [];
        }
        var depth = Math.Max(LegDepth, query.Limit * 2);

        await db.Database.OpenConnectionAsync(ct);
        try
        {
            var snapshot = await vectors.CurrentAsync(db, query.Collection, query.Scope, ct);
            // The vector leg (embedding the query, then scoring in memory) is CPU work that needs no
            // database: it runs on another core while this one waits for the full-text leg.
            var vectorLeg = Task.Run(async () =>
            {
                var embedded = await ai.EmbedAsync([query.Text], cancellationToken: ct);
                return Normalized(embedded.Value.Vectors[0]) is { } queryVector
                    ? VectorLeg(snapshot, query, queryVector, embedded.Usage.Model, depth)
                    : [];
            }, ct);
            List<string> textRanking;
            try
            {
                textRanking = await FullTextAsync(query, terms, depth, ct);
            }
            finally
            {
                // Never leave the vector leg running unobserved, even when the full-text leg failed.
                await Task.WhenAny(vectorLeg);
            }
            var vectorRanking = await vectorLeg;

            var fused = Fuse(textRanking, vectorRanking)
                .Where(h => query.MinScore is not { } min || h.Score >= min)
                .Take(query.Limit)
                .ToList();
            if (fused.Count == 0)
            {
                return [];
            }
            var texts = await TextsAsync(query.Collection, query.Scope, fused.Select(h => h.Id).ToList(), ct);
            // A document deleted between the legs and this read is left out rather than shown empty.
            return [.. fused
                .Where(h => texts.ContainsKey(h.Id))
                .Select(h => new SearchHit(h.Id, h.Score, SearchTerms.Highlight(texts[h.Id], terms)))];
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>
    /// Reciprocal rank fusion: each leg adds 1/(K + rank); the sum is divided by its best possible
    /// value (first in both legs), so scores are in [0,1]. Equal scores go to the more similar
    /// text (the semantic signal separates what one shared rank cannot), then by id.
    /// </summary>
    internal static IEnumerable<(string Id, double Score)> Fuse(IReadOnlyList<string> textRanking, IReadOnlyList<(string Id, double Similarity)> vectorRanking)
    {
        var scores = new Dictionary<string, (double Rrf, double Similarity)>(StringComparer.Ordinal);
        for (var i = 0; i < textRanking.Count; i++)
        {
            scores[textRanking[i]] = (1.0 / (RrfK + i + 1), double.NegativeInfinity);
        }
        for (var i = 0; i < vectorRanking.Count; i++)
        {
            var (id, similarity) = vectorRanking[i];
            var text = scores.TryGetValue(id, out var s) ? s.Rrf : 0;
            scores[id] = (text + (1.0 / (RrfK + i + 1)), similarity);
        }
        const double best = 2.0 / (RrfK + 1);
        return scores
            .OrderByDescending(p => p.Value.Rrf)
            .ThenByDescending(p => p.Value.Similarity)
            .ThenBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => (p.Key, Math.Min(1.0, p.Value.Rrf / best)));
    }

    private static List<(string Id, double Similarity)> VectorLeg(ScopeSnapshot snapshot, SearchQuery query, float[] queryVector, string model, int depth)
    {
        var from = query.From?.ToUnixTimeMilliseconds();
        var to = query.To?.ToUnixTimeMilliseconds();
        // The best `depth` so far, least similar on top to be replaced.
        var best = new PriorityQueue<int, float>(depth + 1);
        void Consider(int slot, float similarity)
        {
            if (similarity < MinSimilarity || (best.Count == depth && best.TryPeek(out _, out var worst) && similarity <= worst))
            {
                return;
            }
            if (!Matches(snapshot.Entries[slot], query.Facets, from, to))
            {
                return;
            }
            best.Enqueue(slot, similarity);
            if (best.Count > depth)
            {
                best.Dequeue();
            }
        }

        // The scope's rows, in memory order: one dot product per row of the query's model.
        var modelId = snapshot.Dimensions == queryVector.Length ? Array.IndexOf(snapshot.Models, model) : -1;
        if (modelId >= 0)
        {
            var modelIds = snapshot.ModelIds;
            for (var chunk = 0; chunk < snapshot.Chunks.Length; chunk++)
            {
                var rows = snapshot.Chunks[chunk];
                var first = chunk * ScopeSnapshot.ChunkRows;
                var last = Math.Min(snapshot.Count, first + ScopeSnapshot.ChunkRows);
                for (var slot = first; slot < last; slot++)
                {
                    if (modelIds[slot] == modelId)
                    {
                        Consider(slot, TensorPrimitives.Dot(queryVector, rows.AsSpan((slot - first) * queryVector.Length, queryVector.Length)));
                    }
                }
            }
        }
        // Rows of another length than the scope's (a model switch under way) keep their own arrays.
        for (var slot = 0; slot < snapshot.Count; slot++)
        {
            if (snapshot.ModelIds[slot] < 0 && snapshot.Entries[slot] is { Vector: { } vector } entry
                && vector.Length == queryVector.Length && string.Equals(entry.Model, model, StringComparison.Ordinal))
            {
                Consider(slot, TensorPrimitives.Dot(queryVector, vector));
            }
        }
        var ranked = new List<(string Id, double Similarity)>(best.Count);
        while (best.TryDequeue(out var slot, out var similarity))
        {
            ranked.Add((snapshot.Entries[slot].Id, similarity));
        }
        ranked.Reverse();
        return ranked;
    }

    private static bool Matches(VectorEntry entry, IReadOnlyDictionary<string, IReadOnlyCollection<string>>? facets, long? from, long? to)
    {
        if ((from is not null || to is not null) && entry.TimestampMs is not { } ts)
        {
            return false;
        }
        if ((from is { } f && entry.TimestampMs < f) || (to is { } t && entry.TimestampMs > t))
        {
            return false;
        }
        foreach (var (name, allowed) in facets ?? new Dictionary<string, IReadOnlyCollection<string>>())
        {
            if (entry.Facets is null || !entry.Facets.TryGetValue(name, out var value) || !allowed.Contains(value, StringComparer.Ordinal))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>
    /// Up to this many matches the full-text leg ranks them all. Above it, ranking every match of
    /// common words (bm25 or ts_rank per match, then a sort) is what made a search of 100k
    /// documents take a second, so the leg ranks bounded candidate lists instead: the best matches
    /// of every term first (when the query has more than one), then the best of the newest
    /// this-many matches of any term. Ranking costs per ranked match: 2,000 cost about twice 500
    /// at 100k documents, for candidates that mostly lose to the vector leg's anyway.
    /// (SQLite looks over every scope, its index holding them all; PostgreSQL over the scope.)
    /// </summary>
    internal const int RankAllBelow = 500;

    private async Task<List<string>> FullTextAsync(SearchQuery query, IReadOnlyList<string> terms, int depth, CancellationToken ct)
    {
        var parameters = new Dictionary<string, object?> { ["c"] = query.Collection, ["s"] = query.Scope, ["n"] = depth };
        var filters = Filters(query, parameters);
        var severalTerms = terms.Count > 1;
        if (db.Provider == DatabaseProvider.Postgres)
        {
            parameters["q"] = string.Join(" | ", terms);
            parameters["w"] = RankAllBelow;
            // The newest matches, ranked, one past the window: fewer than that are every match, so no
            // count comes first. The planner reads rare words through the GIN index and common ones
            // down the primary key, stopping at the window.
            var newestMatches = await db.QueryAsync($"""
                SELECT w.seq, w.id, ts_rank(w.tsv, to_tsquery('english', @q)) FROM (
                    SELECT d.seq, d.id, d.tsv FROM search_documents d
                    WHERE d.collection = @c AND d.scope = @s AND d.tsv @@ to_tsquery('english', @q){filters}
                    ORDER BY d.seq DESC LIMIT @w + 1) w
                ORDER BY w.seq DESC
                """, parameters, r => (Seq: r.GetInt64(0), Id: r.GetString(1), Rank: r.GetFloat(2)), ct);
            if (newestMatches.Count <= RankAllBelow)
            {
                return [.. newestMatches.OrderByDescending(m => m.Rank).ThenBy(m => m.Seq).Take(depth).Select(m => m.Id)];
            }
            // With one term, "every term" is every match: the newest window alone is ranked.
            List<(long Seq, string Id)> everyTerm = [];
            if (severalTerms)
            {
                parameters["all"] = string.Join(" & ", terms);
                everyTerm = await db.QueryAsync($"""
                    SELECT d.seq, d.id FROM search_documents d
                    WHERE d.collection = @c AND d.scope = @s AND d.tsv @@ to_tsquery('english', @all){filters}
                    ORDER BY ts_rank(d.tsv, to_tsquery('english', @q)) DESC, d.seq LIMIT @n
                    """, parameters, r => (r.GetInt64(0), r.GetString(1)), ct);
            }
            var first = everyTerm.Select(m => m.Seq).ToHashSet();
            var newest = newestMatches.Take(RankAllBelow).OrderByDescending(m => m.Rank).ThenBy(m => m.Seq).Take(depth);
            return [.. everyTerm.Select(m => m.Id).Concat(newest.Where(m => !first.Contains(m.Seq)).Select(m => m.Id)).Take(depth)];
        }
        parameters["q"] = string.Join(" OR ", terms.Select(t => "\"" + t + "\""));
        // The rowid of the window's oldest match, reading the index's lists newest first and ranking
        // nothing; none when there are fewer matches, which are then all ranked.
        var window = await db.QueryAsync("SELECT rowid FROM search_fts WHERE search_fts MATCH @q ORDER BY rowid DESC LIMIT 1 OFFSET @w",
            new Dictionary<string, object?> { ["q"] = parameters["q"], ["w"] = RankAllBelow - 1 }, r => r.GetInt64(0), ct);
        if (window.Count > 0)
        {
            parameters["all"] = string.Join(" ", terms.Select(t => "\"" + t + "\""));
            parameters["k"] = depth;
            parameters["t"] = window[0];
            // Candidates: the best matches of every term (if more than one), then the newest window
            // of any term's, each ranked; the scope and filters applied to those only.
            var everyTerm = severalTerms
                ? "SELECT rowid, rank FROM search_fts WHERE search_fts MATCH @all ORDER BY rank LIMIT @k"
                : "SELECT rowid, rank FROM search_fts WHERE 0";
            var bounded = await db.QueryAsync($"""
                WITH every_term AS MATERIALIZED ({everyTerm}),
                newest AS (
                    SELECT rowid, rank FROM search_fts WHERE search_fts MATCH @q AND rowid >= @t ORDER BY rank LIMIT @k),
                candidates AS (
                    SELECT rowid, 0 AS tier, rank FROM every_term
                    UNION ALL SELECT rowid, 1 AS tier, rank FROM newest WHERE rowid NOT IN (SELECT rowid FROM every_term))
                SELECT d.id FROM candidates f JOIN search_documents d ON d.seq = f.rowid
                WHERE d.collection = @c AND d.scope = @s{filters}
                ORDER BY f.tier, f.rank, d.seq LIMIT @n
                """, parameters, r => r.GetString(0), ct);
            if (bounded.Count >= depth)
            {
                return bounded;
            }
            // Too few of them are this scope's (a small scope in a large shared index) or pass
            // the filters: rank every match after all.
        }
        // CROSS JOIN keeps the index as the outer loop: driven by the scope's rows, each would probe it.
        return await db.QueryAsync($"""
            SELECT d.id FROM search_fts f CROSS JOIN search_documents d ON d.seq = f.rowid
            WHERE search_fts MATCH @q AND d.collection = @c AND d.scope = @s{filters}
            ORDER BY f.rank, d.seq LIMIT @n
            """, parameters, r => r.GetString(0), ct);
    }

    /// <summary>The facet and date conditions, as SQL on <c>d</c>, their values added to <paramref name="parameters"/>.</summary>
    private string Filters(SearchQuery query, Dictionary<string, object?> parameters)
    {
        var sql = new System.Text.StringBuilder();
        if (query.From is not null || query.To is not null)
        {
            sql.Append(" AND d.ts_ms IS NOT NULL");
        }
        if (query.From is { } from)
        {
            parameters["from"] = from.ToUnixTimeMilliseconds();
            sql.Append(" AND d.ts_ms >= @from");
        }
        if (query.To is { } to)
        {
            parameters["to"] = to.ToUnixTimeMilliseconds();
            sql.Append(" AND d.ts_ms <= @to");
        }
        var i = 0;
        foreach (var (name, allowed) in query.Facets ?? new Dictionary<string, IReadOnlyCollection<string>>())
        {
            var key = "fk" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            parameters[key] = name;
            var values = SqlCommands.InList("fv" + i.ToString(System.Globalization.CultureInfo.InvariantCulture) + "_", [.. allowed], parameters);
            sql.Append(db.Provider == DatabaseProvider.Postgres
                ? $" AND (CAST(d.facets AS jsonb) ->> @{key}) IN ({values})"
                : $" AND EXISTS (SELECT 1 FROM json_each(d.facets) j WHERE j.key = @{key} AND j.value IN ({values}))");
            i++;
        }
        return sql.ToString();
    }

    private async Task<Dictionary<string, string>> TextsAsync(string collection, string scope, IReadOnlyList<string> ids, CancellationToken ct)
    {
        var parameters = new Dictionary<string, object?> { ["c"] = collection, ["s"] = scope };
        var list = SqlCommands.InList("id", ids, parameters);
        var rows = await db.QueryAsync(
            $"SELECT id, text FROM search_documents WHERE collection = @c AND scope = @s AND id IN ({list})",
            parameters, r => (Id: r.GetString(0), Text: r.GetString(1)), ct);
        return rows.ToDictionary(r => r.Id, r => r.Text, StringComparer.Ordinal);
    }

    /// <summary>Bumps the scope's change counter (and its delete counter) and returns the new version.</summary>
    private async Task<long> BumpAsync(string collection, string scope, bool deleted, CancellationToken ct)
    {
        var rows = await db.QueryAsync(
            """
            INSERT INTO search_scopes (collection, scope, version, deletes) VALUES (@c, @s, 1, @d)
            ON CONFLICT (collection, scope) DO UPDATE SET version = search_scopes.version + 1, deletes = search_scopes.deletes + @d
            RETURNING version
            """,
            new Dictionary<string, object?> { ["c"] = collection, ["s"] = scope, ["d"] = deleted ? 1L : 0L },
            r => r.GetInt64(0), ct);
        return rows[0];
    }

    /// <summary>Runs the writes in the caller's transaction, or in one of their own.</summary>
    private async Task WriteAsync(Func<Task> write, CancellationToken ct)
    {
        if (db.Database.CurrentTransaction is not null)
        {
            await write();
            return;
        }
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await write();
        await transaction.CommitAsync(ct);
    }

    /// <summary>The unit vector, or null for a zero vector (an empty text: it is like nothing).</summary>
    private static float[]? Normalized(float[] vector)
    {
        var norm = TensorPrimitives.Norm(vector);
        if (norm == 0 || float.IsNaN(norm))
        {
            return null;
        }
        var unit = new float[vector.Length];
        TensorPrimitives.Divide(vector, norm, unit);
        return unit;
    }

    private static void RequireKey(string collection, string scope, string? id)
    {
        foreach (var (name, value) in new[] { ("collection", collection), ("scope", scope), ("id", id) })
        {
            if (name == "id" && id is null)
            {
                continue;
            }
            if (string.IsNullOrEmpty(value) || value.Length > MaxKeyLength)
            {
                throw Problem.Invalid(name, $"{name} must be 1 to {MaxKeyLength} characters");
            }
        }
    }
}
