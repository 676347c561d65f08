using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Mindstack.Platform.Http;

namespace Mindstack.MindSwarm.PriceFeeds;

/// <summary>Section 18, price feeds: public, no sign-in needed.</summary>
internal static class PriceFeedEndpoints
{
    public static IServiceCollection AddMindSwarmPriceFeeds(this IServiceCollection services)
    {
        services.AddOptions<PriceFeedOptions>().BindConfiguration(PriceFeedOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PriceFeedOptions>, PriceFeedOptionsValidator>());
        services.AddMemoryCache();
        services.AddHttpClient(ChainlinkPriceSource.HttpClientName);
        services.AddHttpClient(CoinGeckoPriceSource.HttpClientName);
        services.TryAddScoped<ChainlinkPriceSource>();
        services.TryAddScoped<CoinGeckoPriceSource>();
        services.TryAddScoped<PriceFeedService>();
        return services;
    }

    public static void Map(RouteGroupBuilder api)
    {
        var price = api.MapGroup("/posts/price");
        price.MapGet("/feeds", Feeds)
            .WithSummary("The Chainlink feeds known on a network (network, default ethereum) and which networks are configured")
            .ProducesEnvelope<PriceFeedList>();
        price.MapPost("/compare", Compare)
            .WithSummary("One asset's price from every configured source (Chainlink, CoinGecko) and their difference: {pair, network}")
            .ProducesEnvelope<PriceComparison>();
        price.MapGet("/{symbol}", Get)
            .WithSummary("The current USD price of a symbol (BTC, ETH…): Chainlink first, CoinGecko as the fallback; network optional")
            .ProducesEnvelope<PriceQuote>();
        price.MapGet("/{symbol}/info", Info)
            .WithSummary("A symbol's feed: sources, aggregator address, description, decimals and the latest price")
            .ProducesEnvelope<PriceFeedInfo>();
        price.MapGet("/{symbol}/history", History)
            .WithSummary("A past Chainlink round (roundId), or CoinGecko's market chart over days (1–365, default 1)")
            .ProducesEnvelope<PriceHistory>();
    }

    private static async Task<IResult> Get(string symbol, HttpRequest request, PriceFeedService prices, MindSwarmDialect dialect, CancellationToken ct) =>
        dialect.Ok(await prices.GetPriceAsync(symbol, request.Query["network"], ct));

    private static IResult Feeds(HttpRequest request, PriceFeedService prices, MindSwarmDialect dialect) =>
        dialect.Ok(prices.ListFeeds(request.Query["network"]));

    private static async Task<IResult> Info(string symbol, HttpRequest request, PriceFeedService prices, MindSwarmDialect dialect, CancellationToken ct) =>
        dialect.Ok(await prices.InfoAsync(symbol, request.Query["network"], ct));

    private static async Task<IResult> History(string symbol, HttpRequest request, PriceFeedService prices, MindSwarmDialect dialect,
        CancellationToken ct) =>
        dialect.Ok(await prices.HistoryAsync(symbol, request.Query["network"], request.Query["roundId"], request.Query["days"], ct));

    private static async Task<IResult> Compare(Body<ComparePricesRequest> body, PriceFeedService prices, MindSwarmDialect dialect, CancellationToken ct) =>
        dialect.Ok(await prices.CompareAsync(body.Value, ct));
}
