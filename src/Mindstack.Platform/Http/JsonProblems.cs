using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using System.Text.RegularExpressions;

namespace Mindstack.Platform.Http;

/// <summary>
/// Turns the serializer's refusal of a body into a problem the client can act on. JSON that does
/// not parse is a <see cref="ProblemKind.MalformedBody"/>; JSON that parses but holds a value of the
/// wrong type in a field (<c>"duration": "long"</c> where a number belongs) is a validation
/// problem naming that field and the type it needs, which each API renders with its own
/// validation code.
/// </summary>
public static partial class JsonProblems
{
    /// <param name="exception">The serializer's exception.</param>
    /// <param name="target">The type being read, to say what the field should hold; null when unknown.</param>
    /// <param name="options">The options it was read with.</param>
    public static Problem From(JsonException exception, Type? target = null, JsonSerializerOptions? options = null)
    {
        // A syntax error carries the reader's own JsonException as its cause; a type mismatch,
        // raised by a converter after the value was read, carries none or a format error.
        var syntax = exception.InnerException is JsonException;
        var segments = Segments(exception.Path);
        if (syntax || segments.Count == 0)
        {
            var where = exception.Path is { Length: > 1 } path ? $" at {path}" : "";
            return new Problem(ProblemKind.MalformedBody, $"Request body is malformed{where}");
        }
        var field = string.Join('.', segments.Where(s => s.Name is not null).Select(s => s.Name));
        var expected = target is null || options is null ? null : TypeAt(target, options, segments);
        var message = expected is null ? $"{field} has a value of the wrong type" : $"{field} {Describe(expected)}";
        return Problem.Invalid(field.Length == 0 ? "body" : field, message);
    }

    /// <summary>A validation problem naming every field of a body that the endpoint does not read.</summary>
    public static Problem UnknownFields(IReadOnlyList<string> fields) =>
        Problem.Invalid(fields.Select(f => new FieldError(f, "unknown field: this request has no such field")).ToList(),
            $"Unknown field{(fields.Count == 1 ? "" : "s")} in the request body: {string.Join(", ", fields)}");

    /// <summary>
    /// The fields of <paramref name="body"/> (dotted paths, <c>[i]</c> for array items) that
    /// <paramref name="type"/> has no property for, where its options or the type disallow unmapped
    /// members. Free-form values (a <c>JsonNode</c>, a dictionary's keys) have no unknown fields.
    /// </summary>
    public static IReadOnlyList<string> UnknownFields(JsonElement body, Type type, JsonSerializerOptions options)
    {
        var found = new List<string>();
        CollectUnknown(body, type, options, "", found);
        return found;
    }

    private static void CollectUnknown(JsonElement element, Type type, JsonSerializerOptions options, string path, List<string> found)
    {
        JsonTypeInfo info;
        try
        {
            info = options.GetTypeInfo(Nullable.GetUnderlyingType(type) ?? type);
        }
        catch (Exception exception) when (exception is NotSupportedException or InvalidOperationException or ArgumentException)
        {
            return;
        }
        switch (info.Kind)
        {
            case JsonTypeInfoKind.Object when element.ValueKind == JsonValueKind.Object:
                var disallow = (info.UnmappedMemberHandling ?? options.UnmappedMemberHandling) == JsonUnmappedMemberHandling.Disallow
                    && !info.Properties.Any(p => p.IsExtensionData);
                var comparison = options.PropertyNameCaseInsensitive ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
                foreach (var member in element.EnumerateObject())
                {
                    var name = path.Length == 0 ? member.Name : $"{path}.{member.Name}";
                    if (info.Properties.FirstOrDefault(p => string.Equals(p.Name, member.Name, comparison)) is { } property)
                    {
                        CollectUnknown(member.Value, property.PropertyType, options, name, found);
                    }
                    else if (disallow)
                    {
                        found.Add(name);
                    }
                }
                break;
            case JsonTypeInfoKind.Enumerable when element.ValueKind == JsonValueKind.Array && info.ElementType is { } item:
                var index = 0;
                foreach (var value in element.EnumerateArray())
                {
                    CollectUnknown(value, item, options, $"{path}[{index++}]", found);
                }
                break;
            case JsonTypeInfoKind.Dictionary when element.ValueKind == JsonValueKind.Object && info.ElementType is { } entry:
                foreach (var member in element.EnumerateObject())
                {
                    CollectUnknown(member.Value, entry, options, path.Length == 0 ? member.Name : $"{path}.{member.Name}", found);
                }
                break;
        }
    }

    private sealed record Segment(string? Name, int? Index);

    /// <summary><c>$.items[0].name</c> → items, [0], name; <c>$['a b']</c> → a b; <c>$</c> → none.</summary>
    private static List<Segment> Segments(string? path)
    {
        var segments = new List<Segment>();
        if (string.IsNullOrEmpty(path))
        {
            return segments;
        }
        foreach (Match match in PathSegment().Matches(path))
        {
            if (match.Groups["index"].Success)
            {
                segments.Add(new Segment(null, int.Parse(match.Groups["index"].Value, System.Globalization.CultureInfo.InvariantCulture)));
            }
            else
            {
                segments.Add(new Segment(match.Groups["dotted"].Success ? match.Groups["dotted"].Value : match.Groups["quoted"].Value, null));
            }
        }
        return segments;
    }

    private static Type? TypeAt(Type root, JsonSerializerOptions options, List<Segment> segments)
    {
        var type = root;
        try
        {
            foreach (var segment in segments)
            {
                var info = options.GetTypeInfo(type);
                Type? next = info.Kind switch
                {
                    JsonTypeInfoKind.Object when segment.Name is { } name =>
                        info.Properties.FirstOrDefault(p => string.Equals(p.Name, name,
                            options.PropertyNameCaseInsensitive ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal))?.PropertyType,
                    JsonTypeInfoKind.Dictionary when segment.Name is not null => info.ElementType,
                    JsonTypeInfoKind.Enumerable when segment.Index is not null => info.ElementType,
                    _ => null,
                };
                if (next is null)
                {
                    return null;
                }
                type = next;
            }
        }
        catch (Exception exception) when (exception is NotSupportedException or InvalidOperationException)
        {
            return null;
        }
        return type;
    }

    private static string Describe(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type.IsEnum)
        {
            return "must be one of " + string.Join(", ", Enum.GetNames(type));
        }
        switch (Type.GetTypeCode(type))
        {
            case TypeCode.Byte or TypeCode.SByte or TypeCode.Int16 or TypeCode.UInt16 or TypeCode.Int32
                or TypeCode.UInt32 or TypeCode.Int64 or TypeCode.UInt64:
                return "must be an integer";
            case TypeCode.Single or TypeCode.Double or TypeCode.Decimal:
                return "must be a number";
            case TypeCode.Boolean:
                return "must be true or false";
            case TypeCode.String or TypeCode.Char:
                return "must be a string";
            case TypeCode.DateTime:
                return "must be an ISO 8601 date-time string";
        }
        if (type == typeof(DateTimeOffset))
        {
            return "must be an ISO 8601 date-time string";
        }
        if (type == typeof(Guid))
        {
            return "must be a UUID string";
        }
        if (type.IsArray || (type != typeof(string) && type.GetInterfaces().Any(i => i.IsGenericType
            && i.GetGenericTypeDefinition() == typeof(IEnumerable<>)) && !IsDictionary(type)))
        {
            return "must be an array";
        }
        return "must be an object";
    }

    private static bool IsDictionary(Type type) => type.GetInterfaces().Any(i => i.IsGenericType
        && i.GetGenericTypeDefinition() == typeof(IDictionary<,>) || i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IReadOnlyDictionary<,>));

    [GeneratedRegex(@"\.(?<dotted>[^.\[]+)|\['(?<quoted>(?:[^']|'')*)'\]|\[(?<index>\d+)\]", RegexOptions.CultureInvariant)]
    private static partial Regex PathSegment();
}
