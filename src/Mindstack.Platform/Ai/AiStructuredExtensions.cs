using System.Text.Json;
using Mindstack.Platform.Ai.Json;

namespace Mindstack.Platform.Ai;

/// <summary>Typed structured output.</summary>
public static class AiStructuredExtensions
{
    /// <summary>
    /// Chat messages → a <typeparamref name="T"/>: its JSON schema is derived from the type (with
    /// <paramref name="json"/>, default snake_case names and string enums), the engine's output is
    /// validated against it (retried once when invalid) and deserialized. A value that validates
    /// but cannot be read as <typeparamref name="T"/> is an UpstreamFailed problem.
    /// </summary>
    public static async Task<AiResult<T>> StructuredAsync<T>(this IAiEngine engine, IReadOnlyList<AiMessage> messages,
        JsonSerializerOptions? json = null, AiCallOptions? options = null, CancellationToken cancellationToken = default)
    {
        json ??= StructuredJson.DefaultOptions;
        var schema = StructuredJson.SchemaFor(typeof(T), json);
        var result = await engine.StructuredAsync(messages, schema, typeof(T).Name, options, cancellationToken);
        T? value;
        try
        {
            value = result.Value.Deserialize<T>(json);
        }
        catch (JsonException exception)
        {
            throw AiProblems.Upstream(AiOperation.Structured, result.Usage.Provider, result.Usage.Model,
                $"the output does not fit {typeof(T).Name}: {exception.Message}", null, result.Usage.Attempts);
        }
        return value is null
            ? throw AiProblems.Upstream(AiOperation.Structured, result.Usage.Provider, result.Usage.Model, "the output is null", null, result.Usage.Attempts)
            : new AiResult<T>(value, result.Usage);
    }

    /// <summary>The JSON schema <see cref="StructuredAsync{T}"/> derives for a type (to show or store it).</summary>
    public static JsonElement SchemaFor<T>(JsonSerializerOptions? json = null) => StructuredJson.SchemaFor(typeof(T), json ?? StructuredJson.DefaultOptions);
}
