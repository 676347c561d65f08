using System.Net.WebSockets;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Mindstack.Platform.Http;
using Mindstack.Platform.Realtime;

namespace Mindstack.Platform.Tests.Realtime;

/// <summary>
/// The whole server on a real Kestrel port (real sockets need one), with the test authenticator
/// and the test-only realtime mounts of <see cref="RealtimeTestRoutes"/>.
/// </summary>
public class RealtimeFactory : PlatformFactory
{
    public RealtimeFactory() => Configure(testAuthenticator: true);

    /// <summary>One node of several on a shared database (see <see cref="RealtimeNodeFactory"/>).</summary>
    protected RealtimeFactory(TestDatabase sharedDatabase) : base(sharedDatabase) => Configure(testAuthenticator: true);

    /// <summary>Without the test authenticator: sockets authenticate with the platform's default (accounts' tokens).</summary>
    protected RealtimeFactory(bool testAuthenticator) => Configure(testAuthenticator);

    private void Configure(bool testAuthenticator)
    {
        UseKestrel(0);
        WithSetting("urls", "http://127.0.0.1:0");
        WithSetting("Mindstack:Realtime:SendQueueCapacity", "16");
        WithSetting("Mindstack:Realtime:PingIntervalMs", "1000");
        WithSetting("Mindstack:Realtime:PingTimeoutMs", "10000");
        WithServices(services =>
        {
            if (testAuthenticator)
            {
                services.AddSingleton<IRealtimeAuthenticator, TestRealtimeAuthenticator>();
            }
            services.AddSingleton<IEndpointContributor, RealtimeTestRoutes>();
        });
    }

    /// <summary>Where the server listens (starting it on first use).</summary>
    public Uri BaseAddress
    {
        get
        {
            StartServer();
            var address = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            return new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
        }
    }

    public Uri WebSocketUri(string pathAndQuery) =>
        new($"ws://{BaseAddress.Authority}{pathAndQuery}");

    public HttpClient Http() => new() { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };

    public IRealtimePublisher Publisher => Services.GetRequiredService<IRealtimePublisher>();

    internal RealtimeMetrics Metrics => Services.GetRequiredService<RealtimeMetrics>();

    /// <summary>A JSON socket client connected to <paramref name="pathAndQuery"/>.</summary>
    public async Task<ClientWebSocket> ConnectJsonAsync(string pathAndQuery, string? bearer = null)
    {
        var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        if (bearer is not null)
        {
            socket.Options.SetRequestHeader("Authorization", "Bearer " + bearer);
        }
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await socket.ConnectAsync(WebSocketUri(pathAndQuery), timeout.Token);
        return socket;
    }
}

/// <summary>A node sharing its database with other nodes (PostgreSQL: the backplane between them).</summary>
public sealed class RealtimeNodeFactory(TestDatabase sharedDatabase) : RealtimeFactory(sharedDatabase);
