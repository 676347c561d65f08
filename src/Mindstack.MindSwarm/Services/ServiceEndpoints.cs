using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Mindstack.MindSwarm.AiImages;
using Mindstack.MindSwarm.Crypto;
using Mindstack.MindSwarm.Gifs;
using Mindstack.MindSwarm.PriceFeeds;
using Mindstack.MindSwarm.Sandbox;
using Mindstack.MindSwarm.VideoDownloads;
using Mindstack.Platform.Access;
using Mindstack.Platform.Accounts;
using Mindstack.Platform.Billing;
using Mindstack.Platform.Http;
using Mindstack.Platform.Storage;

namespace Mindstack.MindSwarm.Services;

/// <summary>One plugin in the catalogue: cost per call, actions, where it runs and whether it can run now.</summary>
internal sealed record CatalogPlugin(string Plugin, string Description, int CreditCost, IReadOnlyList<string> Actions, string RunsOn, bool Enabled,
    bool Available);

internal sealed record ServiceCatalogView(IReadOnlyList<CatalogPlugin> Services, int TotalPlugins, int TotalActions, bool GatewayConfigured);

internal sealed record ServiceToggleRequest(string? Service, bool? Enabled);

internal sealed record ServiceToggleView(string Service, bool Enabled, IReadOnlyDictionary<string, bool> Toggles);

internal sealed record OutsideServiceStatus(string Name, bool Configured, string Setting);

internal sealed record LanAgentStatus(bool GatewayConfigured, string? GatewayHost, long Balance, string Currency, IReadOnlyList<CatalogPlugin> Services,
    IReadOnlyDictionary<string, bool> Toggles, IReadOnlyList<OutsideServiceStatus> Outside);

/// <summary>Section 19: the service catalogue, the admin proxy, the image tools and the admin status and toggles.</summary>
internal static class ServiceEndpoints
{
    public static IServiceCollection AddMindSwarmServices(this IServiceCollection services)
    {
        services.AddOptions<ServiceOptions>().BindConfiguration(ServiceOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ServiceOptions>, ServiceOptionsValidator>());
        services.AddModelContributor<ServiceToggleModel>();
        services.AddHttpClient(ServiceProxy.HttpClientName);
        services.TryAddScoped<ServiceToggles>();
        services.TryAddScoped<ImageTools>();
        services.TryAddScoped<ChallengeQuestions>();
        services.TryAddScoped<ServiceProxy>();
        return services;
    }

    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/posts/service/catalog", Catalog)
            .WithSummary("The services (17 plugins): credit cost per call, actions, where each runs, and whether it is enabled and available")
            .ProducesEnvelope<ServiceCatalogView>();
        api.MapPost("/posts/service/{plugin}/{action}", Call).RequireRole(AccountRoles.Admin)
            .Accepts<Dictionary<string, object>>("application/json")
            .WithSummary("Call a service (admins): its cost in credits is charged to the caller and refunded when it fails; { ...params }")
            .ProducesEnvelope<ServiceCallResult>();
        api.MapPost("/posts/image-tools/{action}", ImageTool).RequireCaller()
            .WithSummary("Image tools run here: optimize, resize, crop, convert, watermark, metadata, transform; { url | image (base64), ...params }")
            .ProducesEnvelope<ImageToolResult>();
        api.MapGet("/admin/lanagent-status", Status).RequireRole(AccountRoles.Admin)
            .WithSummary("Admins: which outside services are configured, the services' toggles and availability, and the caller's credits")
            .ProducesEnvelope<LanAgentStatus>();
        api.MapPut("/admin/lanagent-services", Toggle).RequireRole(AccountRoles.Admin)
            .WithSummary("Admins: turn a service on or off: { service, enabled }")
            .ProducesEnvelope<ServiceToggleView>();
    }

    private static async Task<IResult> Catalog(ServiceToggles toggles, IOptions<ServiceOptions> options, MindSwarmDialect dialect, CancellationToken ct)
    {
        var plugins = CatalogPlugins(await toggles.AllAsync(ct), options.Value);
        return dialect.Ok(new ServiceCatalogView(plugins, plugins.Count, plugins.Sum(p => p.Actions.Count), options.Value.GatewayConfigured));
    }

    private static async Task<IResult> Call(string plugin, string action, HttpRequest request, Caller caller, ServiceProxy proxy, MindSwarmDialect dialect,
        CancellationToken ct)
    {
        // The body is optional (types, feeds…); when there is one it must be a JSON object.
        var parameters = request.ContentLength is > 0 || request.Headers.TransferEncoding.Count > 0
            ? (await Body<JsonObject>.BindAsync(request.HttpContext, null!))?.Value ?? []
            : [];
        return dialect.Ok(await proxy.CallAsync(caller, plugin, action, parameters, ct));
    }

    private static async Task<IResult> ImageTool(string action, Body<ImageToolRequest> body, ServiceProxy proxy, ImageTools images,
        MindSwarmDialect dialect, CancellationToken ct)
    {
        await proxy.RequireEnabledAsync(ServiceCatalog.ImageTools, ct);
        return dialect.Ok(await images.RunAsync(action, body.Value, ct));
    }

    private static async Task<IResult> Status(Caller caller, [AsParameters] StatusSources sources, MindSwarmDialect dialect, CancellationToken ct)
    {
        var toggles = await sources.Toggles.AllAsync(ct);
        var settings = sources.Services.Value;
        var (chainlink, networks, coinGecko) = sources.Prices.Status();
        List<OutsideServiceStatus> outside =
        [
            new("gateway", settings.GatewayConfigured, ServiceOptions.Section + ":GatewayUrl"),
            new("chainlink", chainlink, networks.Count > 0
                ? $"{PriceFeedOptions.Section}:Chainlink:RpcUrls ({string.Join(", ", networks)})"
                : PriceFeedOptions.Section + ":Chainlink:RpcUrls:<network>"),
            new("coingecko", coinGecko, PriceFeedOptions.Section + ":CoinGecko:BaseUrl"),
            new("giphy", sources.Giphy.Value.Configured, GiphyOptions.Section + ":ApiKey"),
            new("codeSandbox", sources.Sandbox.Value.Configured, SandboxOptions.Section + ":BaseUrl"),
            new("imageGeneration", sources.ImageGeneration.Value.Configured, ImageGenerationOptions.Section + ":BaseUrl"),
            new("videoDownloads", sources.VideoDownloads.Value.Configured, VideoDownloadOptions.Section + ":GatewayUrl"),
            new("chainVerification", sources.Chain.Value.Configured, ChainOptions.Section + ":RpcUrl"),
            new("blockExplorer", sources.Chain.Value.ExplorerConfigured, ChainOptions.Section + ":ExplorerUrl"),
        ];
        var balance = await sources.Ledger.GetBalanceAsync(caller.AccountId, ServiceProxy.Currency, ct);
        var host = settings.GatewayConfigured && Uri.TryCreate(settings.GatewayUrl, UriKind.Absolute, out var uri) ? uri.Host : null;
        return dialect.Ok(new LanAgentStatus(settings.GatewayConfigured, host, balance.Available, ServiceProxy.Currency, CatalogPlugins(toggles, settings),
            toggles, outside));
    }

    private static async Task<IResult> Toggle(Body<ServiceToggleRequest> body, Caller caller, ServiceToggles toggles, MindSwarmDialect dialect,
        CancellationToken ct)
    {
        var request = body.Value;
        var errors = new List<FieldError>();
        var service = ServiceCatalog.Find(request.Service);
        if (service is null)
        {
            errors.Add(new FieldError("service", "service must be one of " + string.Join(", ", ServiceCatalog.Plugins.Select(p => p.Name))));
        }
        if (request.Enabled is null)
        {
            errors.Add(new FieldError("enabled", "enabled (true or false) is required"));
        }
        if (errors.Count > 0)
        {
            throw Problem.Invalid(errors);
        }
        await toggles.SetAsync(service!.Name, request.Enabled!.Value, caller.AccountId, ct);
        return dialect.Ok(new ServiceToggleView(service.Name, request.Enabled.Value, await toggles.AllAsync(ct)));
    }

    private static List<CatalogPlugin> CatalogPlugins(IReadOnlyDictionary<string, bool> toggles, ServiceOptions settings) =>
    [
        .. ServiceCatalog.Plugins.Select(p =>
        {
            var enabled = toggles.GetValueOrDefault(p.Name, true);
            var reachable = p.Runner == ServiceRunner.Local || settings.GatewayConfigured;
            return new CatalogPlugin(p.Name, p.Description, p.Cost, p.Actions, p.Runner == ServiceRunner.Local ? "local" : "gateway", enabled,
                enabled && reachable);
        }),
    ];

    /// <summary>What the status reads: every outside service's settings, the toggles and the ledger.</summary>
    internal sealed record StatusSources(
        ServiceToggles Toggles,
        ICreditLedger Ledger,
        PriceFeedService Prices,
        IOptions<ServiceOptions> Services,
        IOptions<GiphyOptions> Giphy,
        IOptions<SandboxOptions> Sandbox,
        IOptions<ImageGenerationOptions> ImageGeneration,
        IOptions<VideoDownloadOptions> VideoDownloads,
        IOptions<ChainOptions> Chain);
}
