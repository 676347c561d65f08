using Microsoft.Extensions.Options;
using Mindstack.Platform.Ai.Local;
using Mindstack.Platform.Ai.OpenAi;

namespace Mindstack.Platform.Ai;

/// <summary>
/// Decides, per call, which engine serves an operation (see <see cref="IAiRouting"/> for the
/// rules) and builds the remote engine for the configured provider once, or for a call's own
/// provider each time.
/// </summary>
internal sealed class AiRouter : IAiRouting
{
    internal const string HttpClientName = "mindstack-ai";

    /// <summary>The health probe's client: no retries (a probe reports, it does not insist).</summary>
    internal const string ProbeClientName = "mindstack-ai-probe";

    private readonly AiOptions _options;
    private readonly LocalAiEngine _local;
    private readonly IHttpClientFactory _http;
    private readonly TimeProvider _clock;
    private readonly Lazy<OpenAiEndpoint?> _configured;
    private readonly SemaphoreSlim _checkLock = new(1, 1);
    private (DateTimeOffset At, bool Ok, string? Detail)? _lastCheck;

    public AiRouter(IOptions<AiOptions> options, LocalAiEngine local, IHttpClientFactory http, TimeProvider clock)
    {
        _options = options.Value;
        _local = local;
        _http = http;
        _clock = clock;
        _configured = new Lazy<OpenAiEndpoint?>(() => _options.IsRemote
            ? OpenAiEndpoint.Create(_options.RemoteProviderName, _options.BaseUrl!, _options.ApiKey)
            : null);
    }

    /// <summary>The engine for this operation and call, and the options it is to be called with.</summary>
    public (IAiEngine Engine, AiRoute Route, AiCallOptions? Options) Resolve(AiOperation operation, AiCallOptions? options)
    {
        var route = RouteOf(operation, options);
        if (!route.Remote)
        {
            return (_local, route, options);
        }
        var endpoint = options?.Provider is { } own
            ? OpenAiEndpoint.Create(own.Name, own.BaseUrl, own.ApiKey)
            : _configured.Value!;
        var engine = new OpenAiCompatibleEngine(Client(endpoint), _clock);
        return (engine, route, (options ?? new AiCallOptions()) with { Model = route.Model });
    }

    public AiRoutingTable Describe(AiCallOptions? options = null)
    {
        var routes = Enum.GetValues<AiOperation>().Select(o => RouteOf(o, options)).ToList();
        var (provider, baseUrl) = options?.Provider is { } own
            ? (own.Name, SafeDisplay(own.BaseUrl))
            : _options.IsRemote ? (_options.RemoteProviderName, _configured.Value?.Display) : (AiProviders.Local, null);
        return new AiRoutingTable(provider, baseUrl, routes);
    }

    public async Task<AiEngineHealth> CheckAsync(CancellationToken cancellationToken = default)
    {
        var problem = _options.Problem();
        if (problem is not null)
        {
            return new AiEngineHealth(false, problem, LocalOnly());
        }
        var routing = Describe();
        if (!_options.IsRemote)
        {
            return new AiEngineHealth(true, null, routing);
        }
        await _checkLock.WaitAsync(cancellationToken);
        try
        {
            var now = _clock.GetUtcNow();
            if (_lastCheck is not { } last || now - last.At >= _options.HealthCache)
            {
                var client = Client(_configured.Value!);
                var (ok, detail) = await client.PingAsync(cancellationToken);
                _lastCheck = last = (now, ok, detail);
            }
            return new AiEngineHealth(last.Ok, last.Detail, routing);
        }
        finally
        {
            _checkLock.Release();
        }
    }

    private OpenAiClient Client(OpenAiEndpoint endpoint) =>
        new(_http.CreateClient(HttpClientName), _http.CreateClient(ProbeClientName), endpoint, _options, _clock);

    private AiRoutingTable LocalOnly() =>
        new(AiProviders.Local, null, [.. Enum.GetValues<AiOperation>().Select(o => Local(o, "the AI configuration is invalid"))]);

    private AiRoute RouteOf(AiOperation operation, AiCallOptions? options)
    {
        var own = options?.Provider;
        if (own is null && !_options.IsRemote)
        {
            return Local(operation, operation == AiOperation.Translate
                ? "no remote provider configured; the built-in engine cannot translate"
                : "the built-in engine is the configured provider");
        }
        var provider = own?.Name ?? _options.RemoteProviderName;
        var forced = _options.RouteFor(operation);
        if (forced == "local")
        {
            return Local(operation, $"Mindstack:Ai:Routes:{operation}=local");
        }
        switch (operation)
        {
            case AiOperation.Embed:
                var embeddingModel = own is not null ? own.EmbeddingModel : _options.ModelFor(AiOperation.Embed);
                return embeddingModel is null
                    ? Local(operation, "no embedding model is configured for the remote provider")
                    : new AiRoute(operation, provider, embeddingModel, true, "the remote provider's embedding model");
            case AiOperation.Moderate when forced != "remote":
                return Local(operation, "curated term lists give stable, explainable category scores");
            case AiOperation.DetectGenerated when forced != "remote":
                return Local(operation, "stylometry is steadier than a chat model's judgement of generated text");
        }
        var model = options?.Model ?? own?.Model ?? _options.ModelFor(operation) ?? _options.Model ?? "";
        return new AiRoute(operation, provider, model, true, forced == "remote" ? $"Mindstack:Ai:Routes:{operation}=remote" : "the remote model");
    }

    private AiRoute Local(AiOperation operation, string reason) =>
        new(operation, AiProviders.Local, operation == AiOperation.Embed ? _local.EmbeddingModel : LocalModels.For(operation), false, reason);

    private static string? SafeDisplay(string baseUrl)
    {
        try
        {
            return OpenAiEndpoint.Create("display", baseUrl, null).Display;
        }
        catch (Http.Problem)
        {
            return null;
        }
    }
}
