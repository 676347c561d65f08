using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Npgsql;

namespace Mindstack.Platform.Http;

/// <summary>
/// Text the databases can hold: no NUL (PostgreSQL's <c>text</c> refuses U+0000). Every JSON string
/// a request body brings is checked as it is read (the JSON reader itself refuses unpaired
/// surrogate escapes as malformed), so every API refuses NUL the same way, on SQLite as on
/// PostgreSQL, in its own validation shape and before anything is charged or stored.
/// </summary>
internal static class StorableText
{
    public const string Rule = "Text must not contain NUL (U+0000) characters or unpaired surrogates";

    /// <summary>
    /// The last line of defence: a database refusal of such text (from a query-string or path value
    /// that no body rule saw) is the caller's mistake, answered as a validation problem, not a 500.
    /// </summary>
    internal static bool IsRefusalOfText(Exception exception)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            if (e is EncoderFallbackException or PostgresException { SqlState: "22021" or "22P05" })
            {
                return true;
            }
        }
        return false;
    }
}

/// <summary>
/// A JSON string holding a NUL. A <see cref="JsonException"/> so that the
/// serializer fills in its <see cref="JsonException.Path"/>, which names the field.
/// </summary>
internal sealed class UnstorableTextException : JsonException
{
    public UnstorableTextException()
        : base(StorableText.Rule)
    {
    }

    /// <summary>The field, from the JSON path (<c>$.user.name</c> → <c>user.name</c>); empty at the root.</summary>
    public string Field => (Path ?? "$").TrimStart('$').TrimStart('.');
}

/// <summary>Reads JSON strings only when they hold no NUL; a refused one is an <see cref="UnstorableTextException"/>.</summary>
internal sealed class StorableStringConverter : JsonConverter<string>
{
    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        Check(reader.GetString());

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);

    public override string ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        Check(reader.GetString())!;

    public override void WriteAsPropertyName(Utf8JsonWriter writer, string value, JsonSerializerOptions options) =>
        writer.WritePropertyName(value);

    private static string? Check(string? text) =>
        text is null || !text.Contains('\0', StringComparison.Ordinal) ? text : throw new UnstorableTextException();
}

/// <summary>
/// Reads free-form JSON (a <see cref="JsonElement"/> field such as a <c>metadata</c> object) only
/// when every string and member name in it is text: an unpaired surrogate escape (<c>"\ud800"</c>)
/// cannot be read as a string later, so it is refused here, naming the field, instead of failing
/// whatever reads it.
/// </summary>
internal sealed class StorableElementConverter : JsonConverter<JsonElement>
{
    public override JsonElement Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var element = JsonElement.ParseValue(ref reader);
        return IsText(element) ? element : throw new UnstorableTextException();
    }

    public override void Write(Utf8JsonWriter writer, JsonElement value, JsonSerializerOptions options) => value.WriteTo(writer);

    private static bool IsText(JsonElement element)
    {
        try
        {
            return element.ValueKind switch
            {
                JsonValueKind.String => element.GetString() is not null,
                JsonValueKind.Array => element.EnumerateArray().All(IsText),
                JsonValueKind.Object => element.EnumerateObject().All(p => p.Name is not null && IsText(p.Value)),
                _ => true,
            };
        }
        catch (InvalidOperationException)
        {
            // The reader's refusal to decode an unpaired surrogate into UTF-16.
            return false;
        }
    }
}
