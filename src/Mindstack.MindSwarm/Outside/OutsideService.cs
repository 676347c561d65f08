using System.Text.Json;
using Mindstack.Platform.Http;

namespace Mindstack.MindSwarm.Outside;

/// <summary>
/// What every feature that needs the outside world shares: a clear 503 when the operator has not
/// configured the service (never an invented result), a 502 when it fails, and URL checks for its settings.
/// </summary>
internal static class OutsideService
{
    public const string NotConfiguredCode = "SERVICE_NOT_CONFIGURED";
    public const string FailedCode = "SERVICE_FAILED";

    /// <summary>503 <c>SERVICE_NOT_CONFIGURED</c>: <paramref name="feature"/> needs <paramref name="setting"/>.</summary>
    public static Problem NotConfigured(string feature, string setting) =>
        new(ProblemKind.Unavailable, $"{feature} is not configured on this server (the operator sets {setting})", NotConfiguredCode);

    /// <summary>502 <c>SERVICE_FAILED</c>: the configured service did not answer usefully.</summary>
    public static Problem Failed(string what) => new(ProblemKind.UpstreamFailed, what, FailedCode, status: 502);

    /// <summary>Null when <paramref name="value"/> is empty or an absolute http(s) URL; else the failure naming the setting.</summary>
    public static string? CheckUrl(string setting, string? value) =>
        string.IsNullOrWhiteSpace(value)
        || (Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
            ? null
            : $"{setting} must be an absolute http or https URL";

    /// <summary><paramref name="baseUrl"/> joined with <paramref name="path"/> (one slash between).</summary>
    public static Uri Join(string baseUrl, string path) => new(baseUrl.TrimEnd('/') + "/" + path.TrimStart('/'));

    /// <summary>
    /// Sends <paramref name="request"/> and reads a JSON answer; an error status is a 502 saying
    /// "<paramref name="answered"/> {status}", no answer or a body that is not JSON a 502 saying
    /// <paramref name="unreachable"/>.
    /// </summary>
    public static async Task<JsonElement> ReadJsonAsync(HttpClient client, HttpRequestMessage request, string answered, string unreachable,
        CancellationToken ct)
    {
        try
        {
            using var response = await client.SendAsync(request, ct);
            if (!response.IsSuccessStatusCode)
            {
                throw Failed($"{answered} {(int)response.StatusCode}");
            }
            await using var body = await response.Content.ReadAsStreamAsync(ct);
            using var document = await JsonDocument.ParseAsync(body, cancellationToken: ct);
            return document.RootElement.Clone();
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            throw Failed(unreachable);
        }
    }
}
