using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;

namespace Mindstack.Platform.Http;

/// <summary>
/// A JSON request body read with the owning API's naming (snake_case for some, camelCase for
/// others). Any content type is accepted, as clients such as <c>curl -d</c> send form types for
/// JSON. A body that is empty or not JSON is a <see cref="ProblemKind.MalformedBody"/> problem,
/// which the API's Dialect renders in its own shape. An API whose JSON options disallow unmapped
/// members (<see cref="System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow"/>)
/// refuses a body naming fields the endpoint does not read, with a validation problem listing them all.
/// </summary>
public sealed class Body<T> : IBindableFromHttpContext<Body<T>>, IEndpointParameterMetadataProvider
    where T : class
{
    private Body(T value) => Value = value;

    public T Value { get; }

    public static async ValueTask<Body<T>?> BindAsync(HttpContext context, ParameterInfo parameter)
    {
        var dialect = context.Dialect();
        // The serializer stops at the first unknown field; the body is kept to name every one.
        var strict = dialect.Json.UnmappedMemberHandling == JsonUnmappedMemberHandling.Disallow;
        if (strict)
        {
            context.Request.EnableBuffering();
        }
        T? value;
        try
        {
            value = await JsonSerializer.DeserializeAsync<T>(context.Request.Body, dialect.Json, context.RequestAborted);
        }
        catch (UnstorableTextException exception)
        {
            throw Problem.Invalid(exception.Field, StorableText.Rule);
        }
        catch (JsonException exception)
        {
            if (strict && await UnknownFieldsAsync(context, dialect.Json) is { Count: > 0 } unknown)
            {
                throw JsonProblems.UnknownFields(unknown);
            }
            throw JsonProblems.From(exception, typeof(T), dialect.Json);
        }
        return value is null
            ? throw new Problem(ProblemKind.MalformedBody, "Request body is required")
            : new Body<T>(value);
    }

    private static async Task<IReadOnlyList<string>> UnknownFieldsAsync(HttpContext context, JsonSerializerOptions options)
    {
        context.Request.Body.Position = 0;
        try
        {
            using var document = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
            return JsonProblems.UnknownFields(document.RootElement, typeof(T), options);
        }
        catch (JsonException)
        {
            return [];
        }
    }

    /// <summary>
    /// Documents JSON, and lists <c>*/*</c> too: routing refuses (415) a content type no
    /// <c>Accepts</c> entry covers, and the body is read as JSON whatever the client labelled it.
    /// </summary>
    public static void PopulateMetadata(ParameterInfo parameter, EndpointBuilder builder) =>
        builder.Metadata.Add(new AcceptsMetadata(["application/json", "*/*"], typeof(T)));
}
