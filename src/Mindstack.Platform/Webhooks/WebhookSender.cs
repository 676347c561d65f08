using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Mindstack.Platform.Webhooks;

/// <summary>The outcome of one delivery attempt (all redirect hops together).</summary>
internal sealed record SendResult(bool Succeeded, int? StatusCode, string Url, long LatencyMs, string? ResponseExcerpt, string? Error, bool Refused);

/// <summary>
/// POSTs webhook bodies through the SSRF guard. Redirects are followed here, not by the handler, so
/// each hop is a new connection the guard checks: at most <see cref="MaxRedirects"/> (301, 302, 303,
/// 307, 308 each re-POST the same signed body). The whole attempt has the configured timeout.
/// </summary>
internal sealed class WebhookSender : IDisposable
{
    public const int MaxRedirects = 5;
    private const int ExcerptBytes = 1024;
    private readonly HttpClient _client;
    private readonly WebhookSettings _settings;

    public WebhookSender(WebhookSettings settings, WebhookTargetGuard guard)
    {
        _settings = settings;
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            // A proxy would make the guard check the proxy instead of the target.
            UseProxy = false,
            ConnectCallback = guard.ConnectAsync,
            ConnectTimeout = settings.Timeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            AutomaticDecompression = DecompressionMethods.None,
        };
        _client = new HttpClient(handler) { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
        _client.DefaultRequestHeaders.UserAgent.ParseAdd("Mindstack-Webhooks/1.0");
    }

    public async Task<SendResult> SendAsync(string url, byte[] body, IReadOnlyDictionary<string, string> headers, CancellationToken cancellationToken)
    {
        var started = Stopwatch.StartNew();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_settings.Timeout);
        var target = new Uri(url);
        try
        {
            for (var hop = 0; ; hop++)
            {
                if (target.Scheme is not ("http" or "https"))
                {
                    return Fail(target, started, null, $"refused redirect to a {target.Scheme} URL", refused: true);
                }
                using var request = new HttpRequestMessage(HttpMethod.Post, target) { Content = new ByteArrayContent(body) };
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
                foreach (var (name, value) in headers)
                {
                    request.Headers.TryAddWithoutValidation(name, value);
                }
                using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
                var status = (int)response.StatusCode;
                if (status is 301 or 302 or 303 or 307 or 308 && response.Headers.Location is { } location)
                {
                    if (hop >= MaxRedirects)
                    {
                        return Fail(target, started, status, $"more than {MaxRedirects} redirects", refused: false);
                    }
                    target = location.IsAbsoluteUri ? location : new Uri(target, location);
                    continue;
                }
                var excerpt = await ExcerptAsync(response, timeout.Token);
                return response.IsSuccessStatusCode
                    ? new SendResult(true, status, target.ToString(), started.ElapsedMilliseconds, excerpt, null, false)
                    : new SendResult(false, status, target.ToString(), started.ElapsedMilliseconds, excerpt, $"HTTP {status}", false);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return Fail(target, started, null, $"timed out after {_settings.Timeout.TotalSeconds:0.#} s", refused: false);
        }
        catch (HttpRequestException exception) when (Refusal(exception) is { } refusal)
        {
            return Fail(target, started, null, refusal.Message, refused: true);
        }
        catch (HttpRequestException exception)
        {
            return Fail(target, started, null, exception.InnerException?.Message ?? exception.Message, refused: false);
        }
    }

    public void Dispose() => _client.Dispose();

    private static SendResult Fail(Uri target, Stopwatch started, int? status, string error, bool refused) =>
        new(false, status, target.ToString(), started.ElapsedMilliseconds, null, error, refused);

    private static WebhookTargetRefusedException? Refusal(Exception exception)
    {
        for (var e = exception.InnerException; e is not null; e = e.InnerException)
        {
            if (e is WebhookTargetRefusedException refused)
            {
                return refused;
            }
        }
        return null;
    }

    /// <summary>At most 1 KB of the response body, cut on a character boundary.</summary>
    private static async Task<string?> ExcerptAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[ExcerptBytes];
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await stream.ReadAsync(buffer.AsMemory(read), cancellationToken);
            if (n == 0)
            {
                break;
            }
            read += n;
        }
        if (read == 0)
        {
            return null;
        }
        var text = Encoding.UTF8.GetString(buffer, 0, read);
        while (Encoding.UTF8.GetByteCount(text) > ExcerptBytes)
        {
            text = text[..^1];
        }
        return text;
    }
}
