using System.Reflection;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;

namespace Mindstack.Platform.Http;

/// <summary>
/// A JSON request body read with the owning API's naming (snake_case for some, camelCase for
/// others). Any content type is accepted, as clients such as <c>curl -d</c> send form types for
/// JSON. A body that is empty or not JSON is a <see cref="ProblemKind.MalformedBody"/> problem,
/// which the API's Dialect renders in its own shape.
/// </summary>
public sealed class Body<T> : IBindableFromHttpContext<Body<T>>, IEndpointParameterMetadataProvider
    where T : class
{
    private Body(T value) => Value = value;

    public T Value { get; }

    public static async ValueTask<Body<T>?> BindAsync(HttpContext context, ParameterInfo parameter)
    {
        var dialect = context.Dialect();
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
            throw JsonProblems.From(exception, typeof(T), dialect.Json);
        }
        return value is null
            ? throw new Problem(ProblemKind.MalformedBody, "Request body is required")
            : new Body<T>(value);
    }

    /// <summary>
    /// Documents JSON, and lists <c>*/*</c> too: routing refuses (415) a content type no
    /// <c>Accepts</c> entry covers, and the body is read as JSON whatever the client labelled it.
    /// </summary>
    public static void PopulateMetadata(ParameterInfo parameter, EndpointBuilder builder) =>
        builder.Metadata.Add(new AcceptsMetadata(["application/json", "*/*"], typeof(T)));
}
