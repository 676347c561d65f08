using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Mindstack.Platform.Ai;
using Mindstack.Platform.Http;
using Mindstack.Platform.Tests.Http;

namespace Mindstack.Platform.Tests.Ai;

/// <summary>
/// A test-only route group under each API's base path that calls the AI engine the way a module
/// would, so its results and problems are seen over HTTP in each API's shape.
/// </summary>
public sealed class AiProbeRoutes : IEndpointContributor
{
    public sealed record TextRequest(string Text);

    public void Map(IEndpointRouteBuilder routes)
    {
        foreach (var basePath in ProbeRoutes.BasePaths)
        {
            var group = routes.MapGroup(basePath + "/__ai").ExcludeFromDescription();
            group.MapPost("/summarize", async (Body<TextRequest> body, IAiEngine ai, CancellationToken ct) =>
            {
                var result = await ai.SummarizeAsync(body.Value.Text, cancellationToken: ct);
                return Results.Json(new { summary = result.Value.Text, provider = result.Usage.Provider, model = result.Usage.Model });
            });
            group.MapPost("/translate", async (Body<TextRequest> body, IAiEngine ai, CancellationToken ct) =>
            {
                var result = await ai.TranslateAsync(body.Value.Text, "fr", cancellationToken: ct);
                return Results.Json(new { text = result.Value.Text });
            });
        }
    }
}

/// <summary>The server on the built-in engine, with the AI probe routes.</summary>
public sealed class AiLocalFactory : MindstackFactory
{
    public AiLocalFactory() => WithServices(s => s.AddSingleton<IEndpointContributor, AiProbeRoutes>());
}

/// <summary>The server configured for an OpenAI-compatible provider (a loopback stand-in), with the AI probe routes.</summary>
public sealed class AiRemoteFactory : MindstackFactory
{
    public AiRemoteFactory()
    {
        Provider = FakeOpenAiServer.StartAsync().GetAwaiter().GetResult();
        WithSetting("Mindstack:Ai:Provider", "openai");
        WithSetting("Mindstack:Ai:ProviderName", "ollama");
        WithSetting("Mindstack:Ai:BaseUrl", Provider.BaseUrl);
        WithSetting("Mindstack:Ai:Model", "llama3.1:8b");
        WithSetting("Mindstack:Ai:Models:Embed", "nomic-embed-text");
        WithSetting("Mindstack:Ai:MaxRetries", "0");
        WithServices(s => s.AddSingleton<IEndpointContributor, AiProbeRoutes>());
    }

    public FakeOpenAiServer Provider { get; }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await Provider.DisposeAsync();
    }
}
