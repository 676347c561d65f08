using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;

namespace Mindstack.Platform.Http;

/// <summary>
/// Re-expresses each schema of an API's OpenAPI document in that API's own JSON contract (its
/// Dialect's <see cref="Dialect.Json"/>): property names, required names, enum values and whether
/// numbers may come as strings. The document generator reads one set of JSON options for every
/// document, so without this every document would name fields one way, whatever its API reads.
/// </summary>
internal sealed class DialectSchemas : IOpenApiSchemaTransformer
{
    /// <summary>Marks a schema already expressed in its API's naming, so nested schemas are renamed once.</summary>
    private const string Done = "mindstack-dialect-named";

    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        var dialect = context.ApplicationServices.GetService<ApiRegistry>()?.Mounts
            .FirstOrDefault(m => string.Equals(m.Name, context.DocumentName, StringComparison.Ordinal))?.Dialect;
        if (dialect is not null)
        {
            Express(schema, context.JsonTypeInfo.Type, context.JsonTypeInfo.Options, dialect.Json);
        }
        return Task.CompletedTask;
    }

    /// <summary>
    /// Walks the schema (still inline: the generator makes components after its transformers) with
    /// the type it describes, renaming as <paramref name="target"/> names what <paramref name="source"/> named.
    /// </summary>
    private static void Express(OpenApiSchema schema, Type type, JsonSerializerOptions source, JsonSerializerOptions target)
    {
        schema.Metadata ??= new Dictionary<string, object>(StringComparer.Ordinal);
        if (!schema.Metadata.TryAdd(Done, true))
        {
            return;
        }
        var clr = Nullable.GetUnderlyingType(type) ?? type;
        if (clr.IsEnum)
        {
            ExpressEnum(schema, clr, target);
            return;
        }
        if (IsNumber(clr))
        {
            if (!target.NumberHandling.HasFlag(JsonNumberHandling.AllowReadingFromString) && schema.Type is { } numberType
                && numberType.HasFlag(JsonSchemaType.String))
            {
                schema.Type = numberType & ~JsonSchemaType.String;
                schema.Pattern = null;
            }
            return;
        }
        JsonTypeInfo from, to;
        try
        {
            from = source.GetTypeInfo(clr);
            to = target.GetTypeInfo(clr);
        }
        catch (Exception exception) when (exception is NotSupportedException or InvalidOperationException or ArgumentException)
        {
            return;
        }
        switch (from.Kind)
        {
            case JsonTypeInfoKind.Object when schema.Properties is { Count: > 0 } properties:
                ExpressObject(schema, properties, from, to, source, target);
                break;
            case JsonTypeInfoKind.Enumerable when schema.Items is OpenApiSchema items && from.ElementType is { } element:
                Express(items, element, source, target);
                break;
            case JsonTypeInfoKind.Dictionary when schema.AdditionalProperties is OpenApiSchema values && from.ElementType is { } element:
                Express(values, element, source, target);
                break;
        }
    }

    private static void ExpressObject(OpenApiSchema schema, IDictionary<string, IOpenApiSchema> properties, JsonTypeInfo from, JsonTypeInfo to,
        JsonSerializerOptions source, JsonSerializerOptions target)
    {
        var targetNames = new Dictionary<(Type?, string), string>();
        foreach (var property in to.Properties)
        {
            targetNames.TryAdd(Member(property), property.Name);
        }
        var renamed = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal);
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, child) in properties)
        {
            var property = from.Properties.FirstOrDefault(p => p.Name == name);
            var newName = property is not null && targetNames.TryGetValue(Member(property), out var mapped) ? mapped : name;
            names[name] = newName;
            if (property is not null && child is OpenApiSchema childSchema)
            {
                Express(childSchema, property.PropertyType, source, target);
            }
            renamed[newName] = child;
        }
        schema.Properties = renamed;
        if (schema.Required is { Count: > 0 } required)
        {
            schema.Required = new HashSet<string>(required.Select(r => names.GetValueOrDefault(r, r)), StringComparer.Ordinal);
        }
    }

    /// <summary>A property by the C# member behind it, which both sets of options share.</summary>
    private static (Type?, string) Member(JsonPropertyInfo property) => property.AttributeProvider is MemberInfo member
        ? (member.DeclaringType, member.Name)
        : (null, property.Name);

    /// <summary>The enum's values as the API writes them (strings in its naming, or numbers).</summary>
    private static void ExpressEnum(OpenApiSchema schema, Type enumType, JsonSerializerOptions target)
    {
        var values = Enum.GetValues(enumType).Cast<object>().Select(v => JsonSerializer.SerializeToNode(v, enumType, target)).ToList();
        if (values.Count == 0 || values.Any(v => v is not JsonValue value || value.GetValueKind() != JsonValueKind.String))
        {
            return;
        }
        var nullable = schema.Type is { } type && type.HasFlag(JsonSchemaType.Null);
        schema.Type = nullable ? JsonSchemaType.String | JsonSchemaType.Null : JsonSchemaType.String;
        schema.Format = null;
        schema.Pattern = null;
        schema.Enum = values.Select(v => (JsonNode)v!).ToList();
    }

    private static bool IsNumber(Type type) => Type.GetTypeCode(type) is TypeCode.Byte or TypeCode.SByte or TypeCode.Int16 or TypeCode.UInt16
        or TypeCode.Int32 or TypeCode.UInt32 or TypeCode.Int64 or TypeCode.UInt64 or TypeCode.Single or TypeCode.Double or TypeCode.Decimal;
}
