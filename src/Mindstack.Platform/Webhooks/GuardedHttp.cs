using System.Net;
using Microsoft.Extensions.DependencyInjection;

namespace Mindstack.Platform.Webhooks;

/// <summary>
/// An <see cref="HttpClient"/> for URLs that users supply (link previews, fetched pages): every
/// connection, redirects included, goes through the same SSRF guard as webhooks
/// (<c>Mindstack:Webhooks:AllowPrivateTargets</c> and <c>AllowedTargets</c> apply), so a user
/// cannot make the server reach loopback, private or metadata addresses.
/// </summary>
public static class GuardedHttp
{
    /// <summary>The named client: <c>IHttpClientFactory.CreateClient(GuardedHttp.ClientName)</c>.</summary>
    public const string ClientName = "mindstack-guarded";

    internal static IServiceCollection AddGuardedHttpClient(this IServiceCollection services)
    {
        services.AddHttpClient(ClientName, client => client.Timeout = TimeSpan.FromSeconds(10))
            .ConfigurePrimaryHttpMessageHandler(sp => new SocketsHttpHandler
            {
                // A proxy would make the guard check the proxy instead of the target.
                UseProxy = false,
                ConnectCallback = sp.GetRequiredService<WebhookTargetGuard>().ConnectAsync,
                AllowAutoRedirect = true,
                MaxAutomaticRedirections = 3,
                AutomaticDecompression = DecompressionMethods.GZip | DecompressionMethods.Deflate | DecompressionMethods.Brotli,
            });
        return services;
    }
}
