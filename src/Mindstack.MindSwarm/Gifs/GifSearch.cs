using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Mindstack.MindSwarm.Outside;
using Mindstack.Platform.Access;
using Mindstack.Platform.Http;

namespace Mindstack.MindSwarm.Gifs;

/// <summary>
/// <c>Mindstack:MindSwarm:Giphy:*</c>: <c>ApiKey</c> (GIF search is off without it), <c>BaseUrl</c>
/// (default <c>https://api.giphy.com</c>), <c>Rating</c> (default <c>pg-13</c>) and <c>Timeout</c>.
/// </summary>
public sealed class GiphyOptions
{
    public const string Section = "Mindstack:MindSwarm:Giphy";

    public string? ApiKey { get; set; }
    public string BaseUrl { get; set; } = "https://api.giphy.com";
    public string Rating { get; set; } = "pg-13";
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    internal bool Configured => !string.IsNullOrWhiteSpace(ApiKey);
}

internal sealed class GiphyOptionsValidator : IValidateOptions<GiphyOptions>
{
    public ValidateOptionsResult Validate(string? name, GiphyOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.BaseUrl))
        {
            failures.Add($"{GiphyOptions.Section}:BaseUrl is required");
        }
        else if (OutsideService.CheckUrl(GiphyOptions.Section + ":BaseUrl", options.BaseUrl) is { } bad)
        {
            failures.Add(bad);
        }
        if (options.Timeout <= TimeSpan.Zero)
        {
            failures.Add($"{GiphyOptions.Section}:Timeout must be more than zero");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>One GIF: <see cref="Url"/> goes straight into a post's media (<c>{type: "image", url}</c>).</summary>
internal sealed record GifView(string Id, string Title, string Url, string? PreviewUrl, int? Width, int? Height, string? PageUrl);

internal sealed record GifSearchResult(IReadOnlyList<GifView> Gifs, string Query, int Count, string Source);

/// <summary>GIF search through Giphy's search API (or its trending list for an empty query).</summary>
internal sealed class GifSearch(IHttpClientFactory http, IOptions<GiphyOptions> options)
{
    public const string HttpClientName = "mindswarm-giphy";

    public async Task<GifSearchResult> SearchAsync(string? query, int limit, CancellationToken ct)
    {
        var settings = options.Value;
        if (!settings.Configured)
        {
            throw OutsideService.NotConfigured("GIF search", GiphyOptions.Section + ":ApiKey");
        }
        query = (query ?? "").Trim();
        if (query.Length > 100)
        {
            throw Problem.Invalid("q", "q may be at most 100 characters");
        }
        var path = query.Length == 0 ? "v1/gifs/trending" : "v1/gifs/search";
        var url = OutsideService.Join(settings.BaseUrl, path) + "?api_key=" + Uri.EscapeDataString(settings.ApiKey!)
            + (query.Length == 0 ? "" : "&q=" + Uri.EscapeDataString(query))
            + "&limit=" + limit.ToString(CultureInfo.InvariantCulture) + "&rating=" + Uri.EscapeDataString(settings.Rating);
        using var client = http.CreateClient(HttpClientName);
        client.Timeout = settings.Timeout;
        using var message = new HttpRequestMessage(HttpMethod.Get, url);
        var root = await OutsideService.ReadJsonAsync(client, message, "GIF search failed: Giphy answered", "GIF search failed: Giphy could not be reached", ct);
        var gifs = new List<GifView>();
        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in data.EnumerateArray())
            {
                if (Parse(item) is { } gif)
                {
                    gifs.Add(gif);
                }
            }
        }
        return new GifSearchResult(gifs, query, gifs.Count, "giphy");
    }

    private static GifView? Parse(JsonElement item)
    {
        if (item.ValueKind != JsonValueKind.Object || !item.TryGetProperty("images", out var images) || images.ValueKind != JsonValueKind.Object)
        {
            return null;
        }
        var original = Rendition(images, "original");
        if (original?.Url is not { Length: > 0 } url)
        {
            return null;
        }
        var preview = Rendition(images, "fixed_height_small") ?? Rendition(images, "fixed_height") ?? Rendition(images, "preview_gif");
        return new GifView(Text(item, "id") ?? url, Text(item, "title") ?? "", url, preview?.Url, original.Value.Width, original.Value.Height,
            Text(item, "url"));
    }

    private static (string? Url, int? Width, int? Height)? Rendition(JsonElement images, string name) =>
        images.TryGetProperty(name, out var r) && r.ValueKind == JsonValueKind.Object
            ? (Text(r, "url"), Number(r, "width"), Number(r, "height"))
            : null;

    private static string? Text(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    // Giphy sends sizes as strings ("200").
    private static int? Number(JsonElement e, string name) =>
        !e.TryGetProperty(name, out var v) ? null
        : v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var n) ? n
        : v.ValueKind == JsonValueKind.String && int.TryParse(v.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out var s) ? s
        : null;
}

/// <summary>Section 7: <c>GET /api/posts/gifs?q=&amp;limit=</c>.</summary>
internal static class GifEndpoints
{
    public static IServiceCollection AddMindSwarmGifs(this IServiceCollection services)
    {
        services.AddOptions<GiphyOptions>().BindConfiguration(GiphyOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<GiphyOptions>, GiphyOptionsValidator>());
        services.AddHttpClient(GifSearch.HttpClientName);
        services.TryAddScoped<GifSearch>();
        return services;
    }

    public static void Map(RouteGroupBuilder api) =>
        api.MapGet("/posts/gifs", Search).RequireCaller()
            .WithSummary("Search GIFs (Giphy); an empty q lists trending ones. Use a result's url as a post's media")
            .ProducesEnvelope<GifSearchResult>();

    private static async Task<IResult> Search(HttpRequest request, GifSearch gifs, MindSwarmDialect dialect, CancellationToken ct)
    {
        var limit = Query.Int(request.Query["limit"], "limit", 20, 1, 50);
        return dialect.Ok(await gifs.SearchAsync(request.Query["q"], limit, ct));
    }
}
