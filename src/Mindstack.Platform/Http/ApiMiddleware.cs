using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Logging;
using Mindstack.Platform.Observability;

namespace Mindstack.Platform.Http;

/// <summary>
/// The first thing every request meets: which API owns it (by port or path), its request id,
/// one structured log line, request metrics, and — whatever goes wrong below — an answer in that
/// API's own error shape: a thrown <see cref="Problem"/>, a malformed body, an unknown path or
/// method, an unhandled exception. Never a bare 500 or a stack trace.
/// </summary>
internal sealed class ApiMiddleware(
    RequestDelegate next,
    ApiRegistry registry,
    RequestMetrics metrics,
    NodeRequestCounts nodeCounts,
    ILogger<ApiMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        var api = Resolve(context);
        var dialect = api?.Dialect ?? registry.PlatformDialect;
        var requestId = RequestIds.Assign(context, dialect);
        var apiName = api?.Mount.Name ?? "platform";
        MindstackTelemetry.TagRequest(requestId, apiName);

        using (logger.BeginScope("{RequestId} {Api}", requestId, apiName))
        {
            try
            {
                if (RequestLine.IsTooLong(context))
                {
                    throw new Problem(ProblemKind.UriTooLong, $"Request URL too long (the request line may have at most {RequestLine.MaxBytes} bytes)");
                }
                await next(context);
                if (!context.Response.HasStarted && IsEmptyError(context.Response))
                {
                    var kind = context.Response.StatusCode switch
                    {
                        StatusCodes.Status404NotFound => ProblemKind.RouteNotFound,
                        StatusCodes.Status405MethodNotAllowed => ProblemKind.MethodNotAllowed,
                        StatusCodes.Status401Unauthorized => ProblemKind.Unauthorized,
                        StatusCodes.Status403Forbidden => ProblemKind.Forbidden,
                        StatusCodes.Status413PayloadTooLarge => ProblemKind.PayloadTooLarge,
                        StatusCodes.Status415UnsupportedMediaType => ProblemKind.UnsupportedMediaType,
                        _ => ProblemKind.BadRequest,
                    };
                    await WriteProblemAsync(context, dialect, new Problem(kind, DefaultMessage(kind, context)));
                }
            }
            catch (Exception exception) when (!context.Response.HasStarted)
            {
                var problem = ToProblem(exception, context);
                if (problem.Kind == ProblemKind.Internal)
                {
                    logger.LogError(exception, "Unhandled exception on {Method} {Path}", context.Request.Method, context.Request.Path.Value);
                }
                await WriteProblemAsync(context, dialect, problem);
            }
            catch (Exception exception) when (exception is OperationCanceledException && context.RequestAborted.IsCancellationRequested)
            {
                // The client went away mid-answer; nothing left to say to it.
            }
            finally
            {
                var elapsed = Stopwatch.GetElapsedTime(started);
                metrics.Record(apiName, context.Response.StatusCode, elapsed);
                nodeCounts.Record(apiName, context.Response.StatusCode);
                logger.LogInformation(
                    "{Method} {Path} {Status} {DurationMs} {RequestId}",
                    HeadMiddleware.ClientMethod(context),
                    context.Request.PathBase.Add(context.Request.Path).Value,
                    context.Response.StatusCode,
                    Math.Round(elapsed.TotalMilliseconds, 2),
                    requestId);
            }
        }
    }

    private ApiContext? Resolve(HttpContext context)
    {
        if (registry.ByPort(context.Connection.LocalPort) is { } own)
        {
            // On its own port an API is served at the root, as its document writes its paths.
            context.Request.Path = own.BasePath.Add(context.Request.Path);
            var ownContext = new ApiContext(own, onOwnPort: true);
            context.Features.Set(ownContext);
            return ownContext;
        }
        if (registry.ByPath(context.Request.Path) is { } mount)
        {
            var apiContext = new ApiContext(mount, onOwnPort: false);
            context.Features.Set(apiContext);
            return apiContext;
        }
        return null;
    }

    private static bool IsEmptyError(HttpResponse response) =>
        response.StatusCode >= 400 && response.ContentLength is null or 0 && string.IsNullOrEmpty(response.ContentType);

    private static string DefaultMessage(ProblemKind kind, HttpContext context) => kind switch
    {
        ProblemKind.RouteNotFound => $"No route matches {HeadMiddleware.ClientMethod(context)} {context.Request.Path.Value}",
        ProblemKind.MethodNotAllowed => $"Method {HeadMiddleware.ClientMethod(context)} is not allowed on {context.Request.Path.Value}",
        ProblemKind.Unauthorized => "Authentication required",
        ProblemKind.Forbidden => "Forbidden",
        ProblemKind.PayloadTooLarge => "Request body too large",
        ProblemKind.UnsupportedMediaType => "Unsupported media type; send application/json",
        _ => "Bad request",
    };

    internal static Problem ToProblem(Exception exception, HttpContext context) => exception switch
    {
        Problem problem => problem,
        BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } =>
            new Problem(ProblemKind.PayloadTooLarge, "Request body too large"),
        BadHttpRequestException { StatusCode: StatusCodes.Status415UnsupportedMediaType } =>
            new Problem(ProblemKind.UnsupportedMediaType, "Unsupported media type; send application/json"),
        UnstorableTextException text => Problem.Invalid(text.Field, StorableText.Rule),
        BadHttpRequestException { InnerException: JsonException json } => JsonProblems.From(json),
        BadHttpRequestException bad when BindFailure(bad.Message) is { } parameter =>
            Problem.Invalid(parameter, $"{parameter} has a value of the wrong type"),
        BadHttpRequestException bad when bad.Message.Contains("was not provided", StringComparison.Ordinal) =>
            new Problem(ProblemKind.Validation, bad.Message),
        BadHttpRequestException bad => new Problem(ProblemKind.BadRequest, bad.Message),
        JsonException json => JsonProblems.From(json),
        _ when StorableText.IsRefusalOfText(exception) => Problem.Invalid("request", StorableText.Rule),
        _ => new Problem(ProblemKind.Internal, "An unexpected error occurred"),
    };

    /// <summary>
    /// The parameter named in the framework's <c>Failed to bind parameter "int? limit" from "abc".</c>,
    /// or null for any other message.
    /// </summary>
    internal static string? BindFailure(string message)
    {
        const string prefix = "Failed to bind parameter \"";
        if (!message.StartsWith(prefix, StringComparison.Ordinal))
        {
            return null;
        }
        var end = message.IndexOf('"', prefix.Length);
        if (end < 0)
        {
            return null;
        }
        var declaration = message[prefix.Length..end];
        var space = declaration.LastIndexOf(' ');
        return space < 0 ? declaration : declaration[(space + 1)..];
    }

    private static async Task WriteProblemAsync(HttpContext context, Dialect dialect, Problem problem)
    {
        context.Response.Clear();
        context.Response.Headers[RequestIds.Header] = RequestIds.Get(context);
        await dialect.Error(context, problem).ExecuteAsync(context);
    }
}

/// <summary>
/// After routing: refuses bodies larger than the endpoint's limit (its <see cref="IRequestSizeLimitMetadata"/>)
/// or the API's (1 MB by default) with 413 before any of it is read.
/// </summary>
internal sealed class BodySizeLimitMiddleware(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
    {
        var limit = context.GetEndpoint()?.Metadata.GetMetadata<IRequestSizeLimitMetadata>()?.MaxRequestBodySize
            ?? context.Dialect().MaxRequestBodyBytes;
        if (context.Request.ContentLength > limit)
        {
            throw new Problem(ProblemKind.PayloadTooLarge, $"Request body too large (limit {limit} bytes)");
        }
        var feature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (feature is { IsReadOnly: false })
        {
            feature.MaxRequestBodySize = limit;
        }
        return next(context);
    }
}
