using System.Text.Json;
using System.Text.Json.Serialization;
using Mindstack.Platform.Ai;
using Mindstack.Platform.Http;

namespace Mindstack.Server.Cli;

/// <summary>
/// <c>ai</c>: see and try the AI engine as the server is configured. <c>ai routes</c> (default)
/// prints which provider and model serve each operation; <c>ai check</c> asks a remote provider
/// whether it answers; <c>ai summarize|key-points|sentiment|moderate|entities|detect|plan|classify|translate
/// --text TEXT</c> runs one operation and prints its result and usage as JSON
/// (<c>classify</c> takes <c>--labels a,b,c</c>; <c>translate</c> takes <c>--to LANG</c>).
/// </summary>
internal static class AiCommand
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static async Task<int> RunAsync(CliContext context)
    {
        var routing = context.Services.GetRequiredService<IAiRouting>();
        var ai = context.Services.GetRequiredService<IAiEngine>();
        var verb = context.Verb ?? "routes";
        try
        {
            object output = verb switch
            {
                "routes" => routing.Describe(),
                "check" => await routing.CheckAsync(),
                "summarize" => await ai.SummarizeAsync(context.Required("--text")),
                "key-points" => await ai.KeyPointsAsync(context.Required("--text")),
                "sentiment" => await ai.SentimentAsync(context.Required("--text")),
                "moderate" => await ai.ModerateAsync(context.Required("--text")),
                "entities" => await ai.ExtractEntitiesAsync(context.Required("--text")),
                "detect" => await ai.DetectGeneratedAsync(context.Required("--text")),
                "plan" => await ai.PlanAsync(context.Required("--text")),
                "classify" => await ai.ClassifyAsync(context.Required("--text"),
                    AiLabel.Of(context.Required("--labels").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))),
                "translate" => await ai.TranslateAsync(context.Required("--text"), context.Required("--to")),
                _ => throw new CliUsageException($"unknown ai command '{verb}' (routes, check, summarize, key-points, sentiment, moderate, entities, detect, plan, classify, translate)"),
            };
            context.Output.WriteLine(JsonSerializer.Serialize(output, Json));
            return 0;
        }
        catch (Problem problem)
        {
            await context.Error.WriteLineAsync($"{problem.Kind}: {problem.Message}");
            return 1;
        }
    }
}
