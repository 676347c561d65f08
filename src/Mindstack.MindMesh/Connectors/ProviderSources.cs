using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Mindstack.MindMesh.Memory;
using Mindstack.MindMesh.Storage;
using Mindstack.Platform.Http;

namespace Mindstack.MindMesh.Connectors;

/// <summary>One item of a provider's content, as it goes into memory (by <see cref="SourceUri"/>; the same content is a no-op).</summary>
internal sealed record SourceItem(string SourceUri, string Title, string Content, string? Owner, Dictionary<string, object?> Metadata);

/// <summary>What a provider said when it refused a request in a body that looks successful (Slack answers errors with 200).</summary>
internal sealed record BodyError(string Message, bool Unauthorized);

/// <summary>
/// A provider whose content a sync brings into memory. Reads what changed since the last sync
/// where its API can filter by time (everything the first time), through <see cref="ProviderApi"/>,
/// which carries the connector's token and handles refusals.
/// </summary>
internal interface IConnectorSource
{
    string Provider { get; }

    IAsyncEnumerable<SourceItem> ReadAsync(ProviderApi api, DateTime? since, int max, CancellationToken ct);

    /// <summary>An error carried in a 2xx body; null when the body is a success.</summary>
    BodyError? ErrorIn(JsonElement body) => null;
}

/// <summary>The provider is rate-limiting the sync (429); it may be tried again after <see cref="RetryAfter"/>.</summary>
internal sealed class ProviderRateLimitedException(string message, TimeSpan retryAfter) : Exception(message)
{
    public TimeSpan RetryAfter { get; } = retryAfter;
}

/// <summary>
/// A provider's API for one sync: GETs with the connector's bearer token; a 401 (or the provider's
/// own "bad token" answer) refreshes the token once and retries; a 429 raises
/// <see cref="ProviderRateLimitedException"/> with its Retry-After; other failures become a
/// <see cref="Problem"/> carrying the provider's message.
/// </summary>
internal sealed class ProviderApi(ConnectorRow connector, ConnectorService connectors, HttpClient client, string baseUrl, IConnectorSource source)
{
    private string? _token;

    public async Task<JsonElement> GetAsync(string pathAndQuery, CancellationToken ct)
    {
        _token ??= await connectors.AccessTokenAsync(connector, ct);
        var (status, body, retryAfter) = await SendAsync(pathAndQuery, ct);
        if (IsUnauthorized(status, body))
        {
            _token = await connectors.RefreshAsync(connector, ct);
            (status, body, retryAfter) = await SendAsync(pathAndQuery, ct);
            if (IsUnauthorized(status, body))
            {
                throw new Problem(ProblemKind.UpstreamFailed,
                    $"The {connector.Provider} API refused the token after a refresh ({Describe(status, body)}): connect it again");
            }
        }
        if (status == HttpStatusCode.TooManyRequests)
        {
            var wait = retryAfter ?? TimeSpan.FromMinutes(1);
            throw new ProviderRateLimitedException(
                $"The {connector.Provider} API is rate-limiting the sync (429); it is retried in {Math.Ceiling(wait.TotalSeconds)} s", wait);
        }
        if ((int)status is < 200 or > 299 || body is not { } json)
        {
            throw new Problem(ProblemKind.UpstreamFailed, $"The {connector.Provider} API failed ({Describe(status, body)})");
        }
        if (source.ErrorIn(json) is { } error)
        {
            throw new Problem(ProblemKind.UpstreamFailed, $"The {connector.Provider} API failed: {error.Message}");
        }
        return json;
    }

    private bool IsUnauthorized(HttpStatusCode status, JsonElement? body) =>
        status == HttpStatusCode.Unauthorized || (body is { } json && (int)status is >= 200 and <= 299 && source.ErrorIn(json) is { Unauthorized: true });

    private async Task<(HttpStatusCode Status, JsonElement? Body, TimeSpan? RetryAfter)> SendAsync(string pathAndQuery, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, baseUrl.TrimEnd('/') + pathAndQuery);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token);
        try
        {
            using var response = await client.SendAsync(request, ct);
            var text = await response.Content.ReadAsStringAsync(ct);
            JsonElement? body = null;
            try
            {
                body = text.Length == 0 ? null : JsonDocument.Parse(text).RootElement.Clone();
            }
            catch (JsonException)
            {
            }
            return (response.StatusCode, body, RetryAfter(response.Headers.RetryAfter));
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            throw new Problem(ProblemKind.UpstreamFailed, $"The {connector.Provider} API could not be reached");
        }
    }

    private static TimeSpan? RetryAfter(RetryConditionHeaderValue? header) => header switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - DateTimeOffset.UtcNow,
        _ => null,
    };

    /// <summary>The status and the provider's own message (Google's <c>error.message</c>, Slack's <c>error</c>).</summary>
    private string Describe(HttpStatusCode status, JsonElement? body)
    {
        string? message = null;
        if (body is { ValueKind: JsonValueKind.Object } json)
        {
            if (json.TryGetProperty("error", out var error))
            {
                message = error.ValueKind == JsonValueKind.Object && error.TryGetProperty("message", out var m) ? m.GetString()
                    : error.ValueKind == JsonValueKind.String ? error.GetString() : null;
            }
            if (message is null && json.TryGetProperty("message", out var top) && top.ValueKind == JsonValueKind.String)
            {
                message = top.GetString();
            }
            message ??= source.ErrorIn(json)?.Message;
        }
        var code = ((int)status).ToString(CultureInfo.InvariantCulture);
        return message is { Length: > 0 } ? $"{code}: {(message.Length > 300 ? message[..300] : message)}" : code;
    }
}

internal static class SourceText
{
    public static string Str(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : "";

    public static string? NextPage(JsonElement page, string name) => Str(page, name) is { Length: > 0 } token ? token : null;

    public static IEnumerable<JsonElement> Array(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var list) && list.ValueKind == JsonValueKind.Array
            ? list.EnumerateArray() : [];

    public static string Q(string value) => Uri.EscapeDataString(value);

    /// <summary>At most what memory stores.</summary>
    public static string Cap(string text) => text.Length > MemoryRules.MaxContentLength ? text[..MemoryRules.MaxContentLength] : text;

    /// <summary>A minute before the last sync: items stamped near it are read again (unchanged ones are no-ops) rather than missed.</summary>
    public static DateTimeOffset Overlap(DateTime since) => new DateTime(since.Ticks, DateTimeKind.Utc).AddMinutes(-1);
}

/// <summary>Gmail: the mailbox's messages (subject, sender, date, the text/plain body), newest first; <c>q=after:</c> since the last sync.</summary>
internal sealed partial class GmailSource : IConnectorSource
{
    public string Provider => ConnectorProviders.Gmail;

    public async IAsyncEnumerable<SourceItem> ReadAsync(ProviderApi api, DateTime? since, int max, [EnumeratorCancellation] CancellationToken ct)
    {
        var query = since is { } after ? "&q=" + SourceText.Q("after:" + SourceText.Overlap(after).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)) : "";
        string? pageToken = null;
        var count = 0;
        do
        {
            var page = await api.GetAsync($"/gmail/v1/users/me/messages?maxResults={Math.Min(100, max)}{query}"
                + (pageToken is null ? "" : "&pageToken=" + SourceText.Q(pageToken)), ct);
            foreach (var id in SourceText.Array(page, "messages").Select(m => SourceText.Str(m, "id")).Where(id => id.Length > 0))
            {
                if (count++ >= max)
                {
                    yield break;
                }
                var message = await api.GetAsync($"/gmail/v1/users/me/messages/{SourceText.Q(id)}?format=full", ct);
                if (Item(id, message) is { } item)
                {
                    yield return item;
                }
            }
            pageToken = SourceText.NextPage(page, "nextPageToken");
        }
        while (pageToken is not null && count < max);
    }

    private static SourceItem? Item(string id, JsonElement message)
    {
        var payload = message.TryGetProperty("payload", out var p) ? p : default;
        var headers = SourceText.Array(payload, "headers")
            .GroupBy(h => SourceText.Str(h, "name"), StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => SourceText.Str(g.First(), "value"), StringComparer.OrdinalIgnoreCase);
        var subject = headers.GetValueOrDefault("Subject") is { Length: > 0 } s ? s : "(no subject)";
        var from = headers.GetValueOrDefault("From") ?? "";
        var date = headers.GetValueOrDefault("Date") ?? "";
        var body = (Body(payload, "text/plain") ?? StripTags(Body(payload, "text/html")) ?? SourceText.Str(message, "snippet")).Trim();
        var content = $"From: {from}\nDate: {date}\nSubject: {subject}\n\n{body}".Trim();
        return new SourceItem("gmail://message/" + id, subject, SourceText.Cap(content), Address(from), new Dictionary<string, object?>
        {
            ["from"] = from,
            ["date"] = date,
            ["thread_id"] = SourceText.Str(message, "threadId"),
            ["labels"] = SourceText.Array(message, "labelIds").Select(l => l.GetString()).ToList(),
        });
    }

    /// <summary>The first part of that MIME type, depth first, its base64url data decoded.</summary>
    private static string? Body(JsonElement part, string mimeType)
    {
        if (part.ValueKind != JsonValueKind.Object)
        {
            return null;
        }
        if (SourceText.Str(part, "mimeType").Equals(mimeType, StringComparison.OrdinalIgnoreCase)
            && part.TryGetProperty("body", out var body) && SourceText.Str(body, "data") is { Length: > 0 } data)
        {
            return Base64Url(data);
        }
        return SourceText.Array(part, "parts").Select(child => Body(child, mimeType)).FirstOrDefault(text => text is not null);
    }

    private static string? Base64Url(string data)
    {
        var text = data.Replace('-', '+').Replace('_', '/').TrimEnd('=');
        text = text.PadRight(text.Length + (4 - text.Length % 4) % 4, '=');
        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(text));
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static string? StripTags(string? html) => html is null ? null : WebUtility.HtmlDecode(Tags().Replace(html, " "));

    private static string? Address(string from)
    {
        var match = AddressPattern().Match(from);
        return match.Success ? match.Value.ToLowerInvariant() : null;
    }

    [GeneratedRegex("<[^>]*>")]
    private static partial Regex Tags();

    [GeneratedRegex(@"[^\s<>""]+@[^\s<>""]+")]
    private static partial Regex AddressPattern();
}

/// <summary>Google Calendar: the primary calendar's events (summary, description, start and end, attendees); <c>updatedMin</c> since the last sync.</summary>
internal sealed class CalendarSource : IConnectorSource
{
    public string Provider => ConnectorProviders.Calendar;

    public async IAsyncEnumerable<SourceItem> ReadAsync(ProviderApi api, DateTime? since, int max, [EnumeratorCancellation] CancellationToken ct)
    {
        var query = since is { } after ? "&updatedMin=" + SourceText.Q(SourceText.Overlap(after).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)) : "";
        string? pageToken = null;
        var count = 0;
        do
        {
            var page = await api.GetAsync($"/calendar/v3/calendars/primary/events?singleEvents=true&maxResults={Math.Min(250, max)}{query}"
                + (pageToken is null ? "" : "&pageToken=" + SourceText.Q(pageToken)), ct);
            foreach (var e in SourceText.Array(page, "items"))
            {
                if (count++ >= max)
                {
                    yield break;
                }
                if (Item(e) is { } item)
                {
                    yield return item;
                }
            }
            pageToken = SourceText.NextPage(page, "nextPageToken");
        }
        while (pageToken is not null && count < max);
    }

    private static SourceItem? Item(JsonElement e)
    {
        var id = SourceText.Str(e, "id");
        if (id.Length == 0 || SourceText.Str(e, "status") == "cancelled")
        {
            return null;
        }
        var summary = SourceText.Str(e, "summary") is { Length: > 0 } s ? s : "(no title)";
        var start = When(e, "start");
        var end = When(e, "end");
        var attendees = SourceText.Array(e, "attendees")
            .Select(a => SourceText.Str(a, "displayName") is { Length: > 0 } name ? $"{name} <{SourceText.Str(a, "email")}>" : SourceText.Str(a, "email"))
            .Where(a => a.Length > 0).ToList();
        var content = new StringBuilder(summary).Append('\n').Append("When: ").Append(start).Append(" – ").Append(end).Append('\n');
        if (SourceText.Str(e, "location") is { Length: > 0 } location)
        {
            content.Append("Where: ").Append(location).Append('\n');
        }
        if (attendees.Count > 0)
        {
            content.Append("Attendees: ").AppendJoin(", ", attendees).Append('\n');
        }
        content.Append('\n').Append(SourceText.Str(e, "description"));
        var organizer = e.TryGetProperty("organizer", out var o) ? SourceText.Str(o, "email") : "";
        return new SourceItem("calendar://event/" + id, summary, SourceText.Cap(content.ToString().Trim()), organizer.Length > 0 ? organizer.ToLowerInvariant() : null,
            new Dictionary<string, object?>
            {
                ["start"] = start,
                ["end"] = end,
                ["attendees"] = attendees,
                ["html_link"] = SourceText.Str(e, "htmlLink"),
            });
    }

    private static string When(JsonElement e, string name) =>
        e.TryGetProperty(name, out var when) ? SourceText.Str(when, "dateTime") is { Length: > 0 } time ? time : SourceText.Str(when, "date") : "";
}

/// <summary>Slack: the messages of the channels the app can read (text, user, ts); <c>oldest</c> since the last sync.</summary>
internal sealed class SlackSource : IConnectorSource
{
    private static readonly string[] AuthErrors = ["invalid_auth", "not_authed", "token_expired", "token_revoked", "account_inactive"];

    public string Provider => ConnectorProviders.Slack;

    /// <summary>Slack answers failures with 200 and <c>{ok:false, error}</c>.</summary>
    public BodyError? ErrorIn(JsonElement body) =>
        body.ValueKind == JsonValueKind.Object && body.TryGetProperty("ok", out var ok) && ok.ValueKind == JsonValueKind.False
            ? new BodyError(SourceText.Str(body, "error") is { Length: > 0 } error ? error : "unknown error", AuthErrors.Contains(SourceText.Str(body, "error")))
            : null;

    public async IAsyncEnumerable<SourceItem> ReadAsync(ProviderApi api, DateTime? since, int max, [EnumeratorCancellation] CancellationToken ct)
    {
        var oldest = since is { } after
            ? "&oldest=" + SourceText.Overlap(after).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture) + ".000000"
            : "";
        var channels = new List<(string Id, string Name)>();
        string? cursor = null;
        do
        {
            var page = await api.GetAsync("/api/conversations.list?exclude_archived=true&limit=200&types=public_channel,private_channel"
                + (cursor is null ? "" : "&cursor=" + SourceText.Q(cursor)), ct);
            // A channel the app is not in answers not_in_channel: read only the ones it is in.
            channels.AddRange(SourceText.Array(page, "channels")
                .Where(c => !(c.TryGetProperty("is_member", out var member) && member.ValueKind == JsonValueKind.False))
                .Select(c => (SourceText.Str(c, "id"), SourceText.Str(c, "name"))).Where(c => c.Item1.Length > 0));
            cursor = page.TryGetProperty("response_metadata", out var meta) ? SourceText.NextPage(meta, "next_cursor") : null;
        }
        while (cursor is not null && channels.Count < 1000);

        var count = 0;
        foreach (var (id, name) in channels)
        {
            cursor = null;
            do
            {
                var page = await api.GetAsync($"/api/conversations.history?channel={SourceText.Q(id)}&limit=200{oldest}"
                    + (cursor is null ? "" : "&cursor=" + SourceText.Q(cursor)), ct);
                foreach (var message in SourceText.Array(page, "messages"))
                {
                    var text = SourceText.Str(message, "text").Trim();
                    var ts = SourceText.Str(message, "ts");
                    if (text.Length == 0 || ts.Length == 0)
                    {
                        continue;
                    }
                    if (count++ >= max)
                    {
                        yield break;
                    }
                    var user = SourceText.Str(message, "user");
                    var label = name.Length > 0 ? "#" + name : id;
                    yield return new SourceItem($"slack://{id}/{ts}", $"{label}: {(user.Length > 0 ? user : "message")}", SourceText.Cap(text), null,
                        new Dictionary<string, object?> { ["channel"] = id, ["channel_name"] = name, ["user"] = user, ["ts"] = ts });
                }
                cursor = page.TryGetProperty("response_metadata", out var meta) ? SourceText.NextPage(meta, "next_cursor") : null;
            }
            while (cursor is not null);
        }
    }
}
