namespace Mindstack.Platform.Search;

/// <summary>
/// Hybrid search over short texts: a full-text ranking and a sentence-embedding similarity ranking,
/// fused by reciprocal rank. Documents live in a <c>Collection</c> (a module's name and a kind of
/// document, e.g. <c>notes.documents</c>) and a <c>Scope</c> inside it (e.g. a tenant id); a query
/// never sees another scope.
/// </summary>
public interface IHybridSearch
{
    /// <summary>Adds or replaces (and re-embeds) a document; visible to every node once this returns.</summary>
    Task UpsertAsync(SearchDocument document, CancellationToken ct);

    /// <summary>Removes a document; removing one that does not exist is not an error.</summary>
    Task DeleteAsync(string collection, string scope, string id, CancellationToken ct);

    /// <summary>The best matches, highest score first, at most <see cref="SearchQuery.Limit"/>.</summary>
    Task<IReadOnlyList<SearchHit>> SearchAsync(SearchQuery query, CancellationToken ct);
}

/// <summary>
/// A searchable text. <paramref name="Facets"/> are equality filters (e.g. <c>sensitivity=private</c>,
/// <c>type=email</c>); <paramref name="Timestamp"/> is what date filters compare.
/// </summary>
public sealed record SearchDocument(
    string Collection,
    string Scope,
    string Id,
    string Text,
    IReadOnlyDictionary<string, string>? Facets = null,
    DateTimeOffset? Timestamp = null);

/// <summary>
/// A query. <paramref name="Facets"/>: every named facet must equal one of its listed values.
/// <paramref name="From"/>/<paramref name="To"/>: inclusive bounds on the document's timestamp
/// (a document without one is excluded when either is set). <paramref name="MinScore"/>: drop
/// hits scoring below it.
/// </summary>
public sealed record SearchQuery(
    string Collection,
    string Scope,
    string Text,
    int Limit = 10,
    IReadOnlyDictionary<string, IReadOnlyCollection<string>>? Facets = null,
    DateTimeOffset? From = null,
    DateTimeOffset? To = null,
    double? MinScore = null);

/// <summary>
/// A match. <paramref name="Score"/> is in [0,1] after fusion (1 = first in both rankings).
/// <paramref name="Highlight"/> is a snippet of the text, HTML-escaped, with matched terms wrapped
/// in <c>&lt;em&gt;…&lt;/em&gt;</c> (the text's start when only the similarity ranking matched).
/// </summary>
public sealed record SearchHit(string Id, double Score, string Highlight);
