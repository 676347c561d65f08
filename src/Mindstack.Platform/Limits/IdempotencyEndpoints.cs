using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Mindstack.Platform.Http;

namespace Mindstack.Platform.Limits;

public static class IdempotencyEndpoints
{
    /// <summary>The header API documents name.</summary>
    public const string Header = "X-Idempotency-Key";

    /// <summary>The IETF draft's name, accepted too.</summary>
    public const string AlternateHeader = "Idempotency-Key";

    /// <summary>Set on an answer that is a stored response replayed, not a new run.</summary>
    public const string ReplayedHeader = "Idempotent-Replayed";

    /// <summary>Refusal code: the key was already used with a different request.</summary>
    public const string KeyReusedCode = "IDEMPOTENCY_KEY_REUSED";

    /// <summary>Refusal code: the first request with the key is still running.</summary>
    public const string KeyInProgressCode = "IDEMPOTENCY_KEY_IN_PROGRESS";

    /// <summary>
    /// Makes POSTs that carry <c>X-Idempotency-Key</c> (or <c>Idempotency-Key</c>) idempotent.
    /// The first request with a key runs; a retry with the same key, method, path and body within
    /// the retention (24 h) gets the stored response — status, body and selected headers, plus
    /// <c>Idempotent-Replayed: true</c> — without running again. The same key with another request
    /// is refused with 422 <c>IDEMPOTENCY_KEY_REUSED</c>. A retry that arrives while the first is
    /// still running waits for its response (bounded), then gets 409
    /// <c>IDEMPOTENCY_KEY_IN_PROGRESS</c>. A run that throws or answers 5xx frees the key. Keys are
    /// per API and per <paramref name="scope"/> (the caller's account or key; null or a selector
    /// answering null means the client address). Requests without a key, and other methods, pass
    /// through untouched.
    /// </summary>
    public static TBuilder Idempotent<TBuilder>(this TBuilder builder, Func<HttpContext, string?>? scope = null)
        where TBuilder : IEndpointConventionBuilder
    {
        builder.AddEndpointFilter((invocation, next) =>
        {
            var context = invocation.HttpContext;
            return KeyOf(context.Request) is { } key
                ? context.RequestServices.GetRequiredService<IdempotencyRunner>().RunAsync(invocation, next, key, scope)
                : next(invocation);
        });
        return builder;
    }

    /// <summary>The idempotency key of a POST, or null.</summary>
    internal static string? KeyOf(HttpRequest request)
    {
        if (!HttpMethods.IsPost(request.Method))
        {
            return null;
        }
        var value = request.Headers[Header].ToString();
        if (value.Length == 0)
        {
            value = request.Headers[AlternateHeader].ToString();
        }
        return value.Length == 0 ? null : value;
    }
}

/// <summary>Runs a keyed POST once, replays it, or refuses it.</summary>
internal sealed class IdempotencyRunner(
    IdempotencyStore store,
    IOptions<LimitsOptions> options,
    LimitsMetrics metrics,
    ILogger<IdempotencyRunner> logger)
{
    private const int MaxKeyLength = 255;
    private const int MaxScopeLength = 300;

    // Headers worth replaying besides the endpoint's own X-… headers; never cookies (session
    // secrets do not belong in this table) nor the request id (each answer has its own).
    private static readonly HashSet<string> ReplayedHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Content-Type", "Content-Language", "Content-Disposition", "Location", "ETag", "Last-Modified", "Cache-Control",
    };

    public async ValueTask<object?> RunAsync(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next, string key,
        Func<HttpContext, string?>? scopeSelector)
    {
        var context = invocation.HttpContext;
        if (key.Length > MaxKeyLength || key.Any(c => c is < '!' or > '~'))
        {
            throw Problem.Invalid(IdempotencyEndpoints.Header,
                $"{IdempotencyEndpoints.Header} must be 1 to {MaxKeyLength} visible ASCII characters");
        }
        var scope = ScopeOf(context, scopeSelector);
        var requestHash = await HashAsync(context.Request, context.RequestAborted);
        var waited = Stopwatch.StartNew();
        var pause = TimeSpan.FromMilliseconds(20);
        while (true)
        {
            var claim = await store.ClaimAsync(scope, key, requestHash, context.RequestAborted);
            switch (claim.Outcome)
            {
                case ClaimOutcome.Won:
                    return await RunOnceAsync(invocation, next, scope, key, claim.Token!);
                case ClaimOutcome.Completed:
                    metrics.Replayed();
                    return new ReplayedResponse(claim.Record!);
                case ClaimOutcome.Mismatch:
                    metrics.Reused();
                    throw new Problem(ProblemKind.Validation,
                        $"This {IdempotencyEndpoints.Header} was already used with a different request",
                        IdempotencyEndpoints.KeyReusedCode, StatusCodes.Status422UnprocessableEntity,
                        errors: [new FieldError(IdempotencyEndpoints.Header, "already used with a different request")]);
                case ClaimOutcome.Running:
                    // Wall-clock waiting on purpose: the domain clock may be a test's frozen one.
                    if (waited.Elapsed >= options.Value.IdempotencyWait)
                    {
                        metrics.Conflicted();
                        throw Problem.Conflict($"A request with this {IdempotencyEndpoints.Header} is still being processed; retry shortly",
                            IdempotencyEndpoints.KeyInProgressCode).WithHeader("Retry-After", "1");
                    }
                    await Task.Delay(pause, context.RequestAborted);
                    pause = TimeSpan.FromMilliseconds(Math.Min(pause.TotalMilliseconds * 2, 200));
                    break;
                default:
                    throw new InvalidOperationException($"Unknown claim outcome {claim.Outcome}");
            }
        }
    }

    private async ValueTask<object?> RunOnceAsync(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next,
        string scope, string key, string token)
    {
        var context = invocation.HttpContext;
        var response = context.Response;
        var liveBody = context.Features.GetRequiredFeature<IHttpResponseBodyFeature>();
        using var buffer = new MemoryStream();
        try
        {
            var result = await next(invocation);
            // Render the answer into a buffer (status and headers go to the live response as
            // usual), keep it, then send it.
            var capture = new StreamResponseBodyFeature(buffer);
            context.Features.Set<IHttpResponseBodyFeature>(capture);
            try
            {
                await AsResult(result).ExecuteAsync(context);
                await capture.CompleteAsync();
            }
            finally
            {
                context.Features.Set(liveBody);
            }
        }
        catch
        {
            await ReleaseAsync(scope, key, token);
            throw;
        }

        var body = buffer.ToArray();
        if (response.StatusCode >= StatusCodes.Status500InternalServerError)
        {
            await ReleaseAsync(scope, key, token);
        }
        else
        {
            try
            {
                await store.CompleteAsync(scope, key, token, response.StatusCode, SelectHeaders(response.Headers), body, CancellationToken.None);
            }
            catch (Exception exception)
            {
                // The work is done: answer it. The key stays claimed until its lease ends.
                logger.LogError(exception, "Could not store the response for idempotency key {Key}", key);
            }
        }
        if (body.Length > 0)
        {
            await response.Body.WriteAsync(body, context.RequestAborted);
        }
        return Results.Empty;
    }

    private async Task ReleaseAsync(string scope, string key, string token)
    {
        try
        {
            await store.ReleaseAsync(scope, key, token, CancellationToken.None);
        }
        catch (Exception exception)
        {
            // The lease still frees the key later.
            logger.LogError(exception, "Could not release idempotency key {Key}", key);
        }
    }

    /// <summary>What the framework would make of an endpoint's return value.</summary>
    private static IResult AsResult(object? value) => value switch
    {
        IResult result => result,
        null => Results.Empty,
        string text => Results.Text(text, "text/plain; charset=utf-8"),
        _ => Results.Json(value),
    };

    private static string ScopeOf(HttpContext context, Func<HttpContext, string?>? selector)
    {
        var caller = selector?.Invoke(context) is { Length: > 0 } chosen ? chosen : ClientAddress.Of(context);
        var scope = (context.Api()?.Mount.Name ?? "platform") + "|" + caller;
        return scope.Length <= MaxScopeLength ? scope : "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(scope)));
    }

    /// <summary>SHA-256 of method, path, query and body (buffered by <see cref="RequestBufferingStartupFilter"/>).</summary>
    private static async Task<string> HashAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (!request.Body.CanSeek)
        {
            throw new InvalidOperationException("The request body was not buffered; AddMindstackLimits registers the buffering.");
        }
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes($"{request.Method} {request.Path}{request.QueryString}\n"));
        request.Body.Position = 0;
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            hash.AppendData(chunk, 0, read);
        }
        request.Body.Position = 0;
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static string SelectHeaders(IHeaderDictionary headers)
    {
        var kept = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in headers)
        {
            var endpointOwn = name.StartsWith("X-", StringComparison.OrdinalIgnoreCase)
                && !name.Equals(RequestIds.Header, StringComparison.OrdinalIgnoreCase)
                && !name.StartsWith("X-RateLimit-", StringComparison.OrdinalIgnoreCase);
            if (endpointOwn || ReplayedHeaders.Contains(name))
            {
                kept[name] = value.ToString();
            }
        }
        return JsonSerializer.Serialize(kept);
    }

    /// <summary>A stored response, sent again.</summary>
    private sealed class ReplayedResponse(IdempotencyRecord record) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            var response = httpContext.Response;
            response.StatusCode = record.ResponseStatus ?? StatusCodes.Status200OK;
            var headers = string.IsNullOrEmpty(record.ResponseHeaders)
                ? []
                : JsonSerializer.Deserialize<Dictionary<string, string>>(record.ResponseHeaders) ?? [];
            foreach (var (name, value) in headers)
            {
                response.Headers[name] = value;
            }
            response.Headers[IdempotencyEndpoints.ReplayedHeader] = "true";
            if (record.ResponseBody is { Length: > 0 } body)
            {
                response.ContentLength = body.Length;
                await response.Body.WriteAsync(body, httpContext.RequestAborted);
            }
        }
    }
}

/// <summary>
/// Buffers the body of every POST that carries an idempotency key, before anything reads it, so
/// the idempotency filter can hash it after the endpoint's parameters were bound from it.
/// </summary>
internal sealed class RequestBufferingStartupFilter : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use((context, nextMiddleware) =>
        {
            if (IdempotencyEndpoints.KeyOf(context.Request) is not null)
            {
                context.Request.EnableBuffering();
            }
            return nextMiddleware(context);
        });
        next(app);
    };
}
