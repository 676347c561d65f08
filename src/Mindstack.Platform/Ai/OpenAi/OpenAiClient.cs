using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.AI;
using OpenAI;
using Polly.Timeout;

namespace Mindstack.Platform.Ai.OpenAi;

/// <summary>A chat answer through <see cref="IChatClient"/>, with how many HTTP attempts it took.</summary>
internal sealed record OpenAiChatAnswer(ChatResponse Response, int Attempts, TimeSpan Latency);

/// <summary>Embeddings through <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/>, with how many HTTP attempts they took.</summary>
internal sealed record OpenAiEmbeddingAnswer(GeneratedEmbeddings<Embedding<float>> Embeddings, int Attempts, TimeSpan Latency);

/// <summary>
/// The wire to an OpenAI-compatible server, through Microsoft.Extensions.AI's <see cref="IChatClient"/>
/// and <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/> over the OpenAI library. Retries and
/// timeouts are not the library's (its own retry is off): they are the resilience handler's on the
/// <see cref="AiRouter.HttpClientName"/> client (429, 5xx, timeouts and refused connections retried,
/// <c>Retry-After</c> honoured within bounds, a timeout per attempt and one in all). Whatever still
/// fails becomes an UpstreamFailed problem naming the provider, never the key; a stream's chunks
/// must come within the per-attempt timeout of each other.
/// </summary>
internal sealed class OpenAiClient
{
    private readonly OpenAIClient _sdk;
    private readonly HttpClient _probe;
    private readonly AiOptions _options;
    private readonly TimeProvider _clock;

    public OpenAiClient(HttpClient http, HttpClient probe, OpenAiEndpoint endpoint, AiOptions options, TimeProvider clock)
    {
        _probe = probe;
        _options = options;
        _clock = clock;
        Endpoint = endpoint;
        var sdkOptions = new OpenAIClientOptions
        {
            Endpoint = endpoint.BaseUri,
            Transport = new HttpClientPipelineTransport(http),
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
            // The resilience handler bounds each attempt and the whole call; this only stops the library cutting in first.
            NetworkTimeout = options.EffectiveTotalTimeout + TimeSpan.FromSeconds(1),
        };
        if (endpoint.ApiKey is null)
        {
            // Local servers (Ollama, llama.cpp) take no key: send no Authorization header at all, as before.
            sdkOptions.AddPolicy(new NoAuthorizationPolicy(), PipelinePosition.BeforeTransport);
        }
        _sdk = new OpenAIClient(new ApiKeyCredential(endpoint.ApiKey ?? "no-key"), sdkOptions);
    }

    public OpenAiEndpoint Endpoint { get; }

    public IChatClient ChatClient(string model) => _sdk.GetChatClient(model).AsIChatClient();

    public IEmbeddingGenerator<string, Embedding<float>> EmbeddingGenerator(string model) => _sdk.GetEmbeddingClient(model).AsIEmbeddingGenerator();

    public async Task<OpenAiChatAnswer> ChatAsync(IList<ChatMessage> messages, ChatOptions options, AiOperation operation, string model,
        CancellationToken cancellationToken)
    {
        var started = _clock.GetTimestamp();
        var attempts = AiAttempts.Begin();
        try
        {
            var response = await ChatClient(model).GetResponseAsync(messages, options, cancellationToken);
            return new OpenAiChatAnswer(response, Math.Max(1, attempts.Value), _clock.GetElapsedTime(started));
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested && Translate(exception, operation, model, attempts.Value) is { } problem)
        {
            throw problem;
        }
    }

    public async IAsyncEnumerable<ChatResponseUpdate> StreamAsync(IList<ChatMessage> messages, ChatOptions options, AiOperation operation, string model,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var attempts = AiAttempts.Begin();
        using var idle = new CancellationTokenSource(Timeout.InfiniteTimeSpan, _clock);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, idle.Token);
        var updates = ChatClient(model).GetStreamingResponseAsync(messages, options, linked.Token).GetAsyncEnumerator(linked.Token);
        try
        {
            // The first chunk may wait for the retries; after it, the per-attempt timeout is the longest pause allowed.
            var wait = _options.EffectiveTotalTimeout;
            while (true)
            {
                idle.CancelAfter(wait);
                bool more;
                try
                {
                    more = await updates.MoveNextAsync();
                }
                catch (Exception exception) when (!cancellationToken.IsCancellationRequested
                    && Translate(exception, operation, model, attempts.Value, stalled: wait == _options.Timeout && idle.IsCancellationRequested) is { } problem)
                {
                    throw problem;
                }
                idle.CancelAfter(Timeout.InfiniteTimeSpan);
                if (!more)
                {
                    yield break;
                }
                wait = _options.Timeout;
                yield return updates.Current;
            }
        }
        finally
        {
            await updates.DisposeAsync();
        }
    }

    public async Task<OpenAiEmbeddingAnswer> EmbedAsync(IReadOnlyList<string> texts, string model, CancellationToken cancellationToken)
    {
        var started = _clock.GetTimestamp();
        var attempts = AiAttempts.Begin();
        try
        {
            var embeddings = await EmbeddingGenerator(model).GenerateAsync(texts, null, cancellationToken);
            return new OpenAiEmbeddingAnswer(embeddings, Math.Max(1, attempts.Value), _clock.GetElapsedTime(started));
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested && Translate(exception, AiOperation.Embed, model, attempts.Value) is { } problem)
        {
            throw problem;
        }
    }

    /// <summary>Can the server be reached and does it answer <c>GET models</c>? (One try: a probe reports, it does not insist.)</summary>
    public async Task<(bool Ok, string? Detail)> PingAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var timeout = new CancellationTokenSource(_options.Timeout < TimeSpan.FromSeconds(5) ? _options.Timeout : TimeSpan.FromSeconds(5), _clock);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
            using var request = new HttpRequestMessage(HttpMethod.Get, Endpoint.Resolve("models"));
            if (Endpoint.ApiKey is { } key)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
            }
            using var response = await _probe.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token);
            return response.IsSuccessStatusCode ? (true, null) : (false, $"GET models answered HTTP {(int)response.StatusCode}");
        }
        catch (Exception exception) when (exception is OperationCanceledException or HttpRequestException && !cancellationToken.IsCancellationRequested)
        {
            return (false, exception is OperationCanceledException ? "GET models timed out" : "unreachable: " + exception.Message);
        }
    }

    /// <summary>The problem a failed call becomes, or null for what is not the provider's failure (a bug of ours stays an exception).</summary>
    private Http.Problem? Translate(Exception exception, AiOperation operation, string model, int attempts, bool stalled = false)
    {
        attempts = Math.Max(1, attempts);
        if (exception is Http.Problem)
        {
            return null;
        }
        if (stalled)
        {
            return AiProblems.Upstream(operation, Endpoint.Name, model, $"the stream stalled for more than {Seconds(_options.Timeout)} s", null, attempts);
        }
        if (exception is ClientResultException { Status: > 0 } failed)
        {
            return AiProblems.Upstream(operation, Endpoint.Name, model, ErrorMessage(failed), failed.Status, attempts);
        }
        for (var cause = exception; cause is not null; cause = cause.InnerException)
        {
            switch (cause)
            {
                case TimeoutRejectedException or OperationCanceledException:
                    return AiProblems.Upstream(operation, Endpoint.Name, model, $"no answer within {Seconds(_options.Timeout)} s", null, attempts);
                case HttpRequestException or IOException:
                    return AiProblems.Upstream(operation, Endpoint.Name, model, "connection failed: " + cause.Message, null, attempts);
                case JsonException or FormatException:
                    return AiProblems.Upstream(operation, Endpoint.Name, model, "the answer is not JSON", null, attempts);
            }
        }
        return exception is ClientResultException or InvalidOperationException or KeyNotFoundException
            ? AiProblems.Upstream(operation, Endpoint.Name, model, "the answer could not be read: " + Short(exception.Message), null, attempts)
            : null;
    }

    private static string Seconds(TimeSpan span) => span.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The provider's own words: OpenAI's <c>{"error":{"message"}}</c>, Ollama's <c>{"error":"…"}</c>, vLLM's <c>{"object":"error","message"}</c>.</summary>
    private static string ErrorMessage(ClientResultException exception)
    {
        var response = exception.GetRawResponse();
        string? text = null;
        try
        {
            text = response?.Content?.ToString();
        }
        catch (InvalidOperationException)
        {
            // A streamed error whose body was not buffered: the status and phrase must do.
        }
        if (!string.IsNullOrWhiteSpace(text))
        {
            try
            {
                using var document = JsonDocument.Parse(text);
                var root = document.RootElement;
                if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("error", out var error))
                {
                    if (error.ValueKind == JsonValueKind.String)
                    {
                        return Short(error.GetString()!);
                    }
                    if (error.ValueKind == JsonValueKind.Object && error.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.String)
                    {
                        return Short(message.GetString()!);
                    }
                }
                if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("message", out var plain) && plain.ValueKind == JsonValueKind.String)
                {
                    return Short(plain.GetString()!);
                }
            }
            catch (JsonException)
            {
            }
            return Short(text);
        }
        return response?.ReasonPhrase is { Length: > 0 } phrase ? phrase : "error";
    }

    private static string Short(string text) => text.Length > 300 ? text[..300] + "…" : text.Trim();

    /// <summary>Removes the library's bearer header when the provider has no key.</summary>
    private sealed class NoAuthorizationPolicy : PipelinePolicy
    {
        public override void Process(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
        {
            message.Request.Headers.Remove("Authorization");
            ProcessNext(message, pipeline, currentIndex);
        }

        public override ValueTask ProcessAsync(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
        {
            message.Request.Headers.Remove("Authorization");
            return ProcessNextAsync(message, pipeline, currentIndex);
        }
    }
}

/// <summary>
/// Counts the HTTP attempts of one engine call: the call opens a counter, the handler inside the
/// resilience pipeline adds one per try (so usage can say a call took two attempts).
/// </summary>
internal static class AiAttempts
{
    private static readonly AsyncLocal<StrongBox<int>?> Current = new();

    public static StrongBox<int> Begin() => Current.Value = new StrongBox<int>(0);

    /// <summary>Sits inside the resilience handler, so it sees every attempt.</summary>
    internal sealed class CountingHandler : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (Current.Value is { } counter)
            {
                Interlocked.Increment(ref counter.Value);
            }
            return base.SendAsync(request, cancellationToken);
        }
    }
}
