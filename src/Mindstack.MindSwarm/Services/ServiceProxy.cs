using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Mindstack.MindSwarm.Outside;
using Mindstack.MindSwarm.PriceFeeds;
using Mindstack.Platform.Access;
using Mindstack.Platform.Billing;
using Mindstack.Platform.Http;

namespace Mindstack.MindSwarm.Services;

/// <summary>
/// A proxied call's answer: what the plugin returned, and the credits it cost the caller
/// (<see cref="CreditsRefunded"/> when a free fallback answered, as CoinGecko does for chainlink).
/// </summary>
internal sealed record ServiceCallResult(string Plugin, string Action, object? Result, long CreditsCharged, long CreditsRefunded, long CreditsRemaining);

/// <summary>
/// <c>POST /api/posts/service/{plugin}/{action}</c>: the plugin's cost is charged to the caller's
/// <c>credits</c> on the platform ledger before it runs and refunded when it fails; local plugins
/// (image tools, challenge questions, chainlink) run here, the others through the configured gateway.
/// </summary>
internal sealed class ServiceProxy(
    ICreditLedger ledger,
    ServiceToggles toggles,
    ImageTools images,
    ChallengeQuestions challenges,
    PriceFeedService prices,
    IHttpClientFactory http,
    IOptions<ServiceOptions> options,
    MindSwarmDialect dialect)
{
    public const string HttpClientName = "mindswarm-services";
    public const string Currency = "credits";

    public async Task<ServiceCallResult> CallAsync(Caller caller, string plugin, string action, JsonObject parameters, CancellationToken ct)
    {
        var service = ServiceCatalog.Find(plugin) ?? throw Problem.NotFound($"Unknown service '{plugin}'; GET /api/posts/service/catalog lists them", "UNKNOWN_SERVICE");
        var actionName = service.Actions.FirstOrDefault(a => string.Equals(a, action, StringComparison.OrdinalIgnoreCase))
            ?? throw Problem.NotFound($"The {service.Name} service has no action '{action}'; its actions are {string.Join(", ", service.Actions)}", "UNKNOWN_ACTION");
        await RequireEnabledAsync(service.Name, ct);
        if (service.Runner == ServiceRunner.Gateway && !options.Value.GatewayConfigured)
        {
            throw OutsideService.NotConfigured($"The {service.Name} service (a LANAgent gateway plugin)", ServiceOptions.Section + ":GatewayUrl");
        }
        var reference = $"mindswarm-service:{Guid.NewGuid():N}";
        var charge = await ledger.ChargeAsync(caller.AccountId, Currency, service.Cost, reference, $"{service.Name}.{actionName}", ct);
        object? result;
        try
        {
            result = service.Runner == ServiceRunner.Local
                ? await RunLocalAsync(service.Name, actionName, parameters, ct)
                : await RunGatewayAsync(service.Name, actionName, parameters, ct);
        }
        catch
        {
            // Nothing was delivered: the credits go back whatever went wrong (the request's own cancellation included).
            await ledger.RefundAsync(charge.Id, service.Cost, reference + ":refund", "failed: " + service.Name + "." + actionName, CancellationToken.None);
            throw;
        }
        long refunded = 0;
        if (result is PriceQuote { Source: "coingecko" })
        {
            await ledger.RefundAsync(charge.Id, service.Cost, reference + ":fallback", "CoinGecko fallback is free", ct);
            refunded = service.Cost;
        }
        var balance = await ledger.GetBalanceAsync(caller.AccountId, Currency, ct);
        return new ServiceCallResult(service.Name, actionName, result, service.Cost - refunded, refunded, balance.Available);
    }

    public async Task RequireEnabledAsync(string service, CancellationToken ct)
    {
        if (!await toggles.IsEnabledAsync(service, ct))
        {
            throw Problem.Forbidden($"The {service} service is turned off by an admin (PUT /api/admin/lanagent-services)", "SERVICE_DISABLED");
        }
    }

    private async Task<object?> RunLocalAsync(string plugin, string action, JsonObject p, CancellationToken ct)
    {
        switch (plugin)
        {
            case ServiceCatalog.ImageTools:
                {
                    ImageToolRequest request;
                    try
                    {
                        request = p.Deserialize<ImageToolRequest>(dialect.Json) ?? new ImageToolRequest();
                    }
                    catch (JsonException)
                    {
                        throw Problem.BadRequest("The parameters do not fit the image tool (check the fields' types)", "VALIDATION_ERROR");
                    }
                    return await images.RunAsync(action, request, ct);
                }
            case ServiceCatalog.ChallengeQuestions:
                return action switch
                {
                    "types" => new { types = ChallengeQuestions.Types },
                    "verify" => challenges.Verify(Text(p, "token"), Text(p, "answer")),
                    _ => new
                    {
                        questions = challenges.Generate(Text(p, "type"), Query.Int(Text(p, "count"), "count", 1, 1, 10), action == "generateWithAnswers"),
                    },
                };
            case ServiceCatalog.Chainlink:
                {
                    var pair = Text(p, "pair") ?? Text(p, "symbol");
                    var network = Text(p, "network");
                    return action switch
                    {
                        "price" => await prices.GetPriceAsync(pair, network, ct),
                        "feeds" => prices.ListFeeds(network),
                        "historical" => await prices.HistoryAsync(pair, network, Text(p, "roundId"), Text(p, "days"), ct),
                        "compare" => await prices.CompareAsync(new ComparePricesRequest(pair, null, network), ct),
                        _ => await prices.InfoAsync(pair, network, ct),
                    };
                }
            default:
                throw new InvalidOperationException("no local runner for " + plugin);
        }
    }

    private async Task<object?> RunGatewayAsync(string plugin, string action, JsonObject parameters, CancellationToken ct)
    {
        var settings = options.Value;
        using var client = http.CreateClient(HttpClientName);
        client.Timeout = settings.Timeout;
        using var message = new HttpRequestMessage(HttpMethod.Post,
            OutsideService.Join(settings.GatewayUrl!, $"api/external/service/{Uri.EscapeDataString(plugin)}/{Uri.EscapeDataString(action)}"))
        {
            Content = JsonContent.Create(parameters),
        };
        if (!string.IsNullOrWhiteSpace(settings.ApiKey))
        {
            message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", settings.ApiKey);
        }
        var root = await OutsideService.ReadJsonAsync(client, message, $"The {plugin} service failed: the gateway answered",
            $"The {plugin} service failed: the gateway could not be reached or answered badly", ct);
        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("success", out var success) && success.ValueKind == JsonValueKind.False)
        {
            var error = root.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : "no reason given";
            throw OutsideService.Failed($"The {plugin} service failed: {error}");
        }
        return root;
    }

    /// <summary>A parameter as text: a string as it is, a number as written (a round id exceeds a double).</summary>
    private static string? Text(JsonObject p, string name) =>
        p.TryGetPropertyValue(name, out var node) && node is JsonValue value
            ? value.GetValueKind() switch
            {
                JsonValueKind.String => value.GetValue<string>(),
                JsonValueKind.Number => value.ToJsonString(),
                _ => null,
            }
            : null;
}
