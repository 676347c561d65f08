using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Mindstack.Platform.Ai.OpenAi;

/// <summary>A parsed non-streaming answer, with how many attempts it took.</summary>
internal sealed record OpenAiAnswer(JsonElement Body, int Attempts, TimeSpan Latency);

/// <summary>One server-sent event of a streamed chat completion.</summary>
internal sealed record OpenAiStreamPiece(string? Delta, string? FinishReason, int? PromptTokens, int? CompletionTokens, string? Model);

/// <summary>
/// The wire to an OpenAI-compatible server: JSON POSTs with a bearer key; each attempt has a
/// timeout; 429, 5xx, timeouts and refused connections are retried with exponential backoff (a
/// <c>Retry-After</c> answer wins, within bounds); anything else, or the last failure, becomes an
/// UpstreamFailed problem that names the provider, never the key. Streams are read as SSE
/// (<c>data: {…}</c> lines up to <c>data: [DONE]</c>), with the timeout applied between chunks.
/// </summary>
internal sealed class OpenAiClient(HttpClient http, OpenAiEndpoint endpoint, AiOptions options, TimeProvider clock)
{
    private TimeSpan Timeout => options.Timeout;

    private int MaxAttempts => 1 + Math.Max(0, options.MaxRetries);

    public OpenAiEndpoint Endpoint => endpoint;

    public async Task<OpenAiAnswer> PostAsync(string path, JsonObject payload, AiOperation operation, string? model, CancellationToken cancellationToken)
    {
        var started = clock.GetTimestamp();
        var (response, attempts) = await SendAsync(path, payload, operation, model, stream: false, cancellationToken);
        using (response)
        {
            string text;
            try
            {
                using var timeout = new CancellationTokenSource(Timeout, clock);
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
                text = await response.Content.ReadAsStringAsync(linked.Token);
            }
            catch (Exception exception) when (exception is OperationCanceledException or HttpRequestException or IOException && !cancellationToken.IsCancellationRequested)
            {
                throw AiProblems.Upstream(operation, endpoint.Name, model, "the answer was cut off or timed out", null, attempts);
            }
            try
            {
                using var document = JsonDocument.Parse(text);
                return new OpenAiAnswer(document.RootElement.Clone(), attempts, clock.GetElapsedTime(started));
            }
            catch (JsonException)
            {
                throw AiProblems.Upstream(operation, endpoint.Name, model, "the answer is not JSON", (int)response.StatusCode, attempts);
            }
        }
    }

    public async IAsyncEnumerable<OpenAiStreamPiece> StreamAsync(string path, JsonObject payload, AiOperation operation, string? model,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var (response, attempts) = await SendAsync(path, payload, operation, model, stream: true, cancellationToken);
        using (response)
        {
            Stream body;
            try
            {
                body = await response.Content.ReadAsStreamAsync(cancellationToken);
            }
            catch (Exception exception) when (exception is HttpRequestException or IOException)
            {
                throw AiProblems.Upstream(operation, endpoint.Name, model, "the stream could not be read", null, attempts);
            }
            using var reader = new StreamReader(body, Encoding.UTF8);
            while (true)
            {
                string? line;
                try
                {
                    using var idle = new CancellationTokenSource(Timeout, clock);
                    using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, idle.Token);
                    line = await reader.ReadLineAsync(linked.Token);
                }
                catch (Exception exception) when (exception is OperationCanceledException or HttpRequestException or IOException && !cancellationToken.IsCancellationRequested)
                {
                    throw AiProblems.Upstream(operation, endpoint.Name, model,
                        exception is OperationCanceledException ? $"the stream stalled for more than {options.Timeout.TotalSeconds:0.###} s" : "the stream broke off", null, attempts);
                }
                if (line is null)
                {
                    yield break;
                }
                if (!line.StartsWith("data:", StringComparison.Ordinal))
                {
                    continue;
                }
                var data = line[5..].Trim();
                if (data == "[DONE]")
                {
                    yield break;
                }
                if (data.Length == 0)
                {
                    continue;
                }
                yield return Piece(data, operation, model, attempts);
            }
        }
    }

    /// <summary>Can the server be reached and does it answer <c>GET models</c>?</summary>
    public async Task<(bool Ok, string? Detail)> PingAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var timeout = new CancellationTokenSource(options.Timeout < TimeSpan.FromSeconds(5) ? options.Timeout : TimeSpan.FromSeconds(5), clock);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
            using var request = new HttpRequestMessage(HttpMethod.Get, endpoint.Resolve("models"));
            Authorize(request);
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token);
            return response.IsSuccessStatusCode ? (true, null) : (false, $"GET models answered HTTP {(int)response.StatusCode}");
        }
        catch (Exception exception) when (exception is OperationCanceledException or HttpRequestException && !cancellationToken.IsCancellationRequested)
        {
            return (false, exception is OperationCanceledException ? "GET models timed out" : "unreachable: " + exception.Message);
        }
    }

    private async Task<(HttpResponseMessage Response, int Attempts)> SendAsync(string path, JsonObject payload, AiOperation operation, string? model,
        bool stream, CancellationToken cancellationToken)
    {
        var body = payload.ToJsonString();
        for (var attempt = 1; ; attempt++)
        {
            string reason;
            int? status = null;
            TimeSpan? retryAfter = null;
            using var timeout = new CancellationTokenSource(Timeout, clock);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
            HttpResponseMessage? response = null;
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, endpoint.Resolve(path))
                {
                    Content = new StringContent(body, Encoding.UTF8, "application/json"),
                };
                Authorize(request);
                if (stream)
                {
                    request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
                }
                response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token);
                if (response.IsSuccessStatusCode)
                {
                    return (response, attempt);
                }
                status = (int)response.StatusCode;
                retryAfter = RetryAfter(response);
                reason = await ErrorMessageAsync(response, linked.Token);
                response.Dispose();
                if (!IsRetryable(response.StatusCode) || attempt >= MaxAttempts)
                {
                    throw AiProblems.Upstream(operation, endpoint.Name, model, reason, status, attempt);
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                response?.Dispose();
                reason = $"no answer within {options.Timeout.TotalSeconds:0.###} s";
                if (attempt >= MaxAttempts)
                {
                    throw AiProblems.Upstream(operation, endpoint.Name, model, reason, null, attempt);
                }
            }
            catch (HttpRequestException exception)
            {
                response?.Dispose();
                reason = "connection failed: " + exception.Message;
                if (attempt >= MaxAttempts)
                {
                    throw AiProblems.Upstream(operation, endpoint.Name, model, reason, null, attempt);
                }
            }
            await Task.Delay(Backoff(attempt, retryAfter), clock, cancellationToken);
        }
    }

    private TimeSpan Backoff(int attempt, TimeSpan? retryAfter)
    {
        var max = options.MaxRetryDelay;
        var exponential = options.RetryBaseDelay * Math.Pow(2, attempt - 1);
        var delay = retryAfter ?? exponential;
        return delay > max ? max : delay < TimeSpan.Zero ? TimeSpan.Zero : delay;
    }

    private TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta)
        {
            return delta;
        }
        return header?.Date is { } date ? date - clock.GetUtcNow() : null;
    }

    private static bool IsRetryable(HttpStatusCode status) =>
        status is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout || (int)status >= 500;

    private void Authorize(HttpRequestMessage request)
    {
        if (endpoint.ApiKey is { } key)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }
    }

    private static async Task<string> ErrorMessageAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        string text;
        try
        {
            text = await response.Content.ReadAsStringAsync(cancellationToken);
        }
        catch (Exception exception) when (exception is HttpRequestException or IOException or OperationCanceledException)
        {
            return response.ReasonPhrase ?? "error";
        }
        try
        {
            using var document = JsonDocument.Parse(text);
            var root = document.RootElement;
            // OpenAI: {"error": {"message": …}}; Ollama and others: {"error": "…"}; some: {"message": …}.
            if (root.TryGetProperty("error", out var error))
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
            if (root.TryGetProperty("message", out var plain) && plain.ValueKind == JsonValueKind.String)
            {
                return Short(plain.GetString()!);
            }
        }
        catch (JsonException)
        {
        }
        return string.IsNullOrWhiteSpace(text) ? response.ReasonPhrase ?? "error" : Short(text);
    }

    private static string Short(string text) => text.Length > 300 ? text[..300] + "…" : text.Trim();

    private OpenAiStreamPiece Piece(string data, AiOperation operation, string? model, int attempts)
    {
        try
        {
            using var document = JsonDocument.Parse(data);
            var root = document.RootElement;
            if (root.TryGetProperty("error", out var error))
            {
                var message = error.ValueKind == JsonValueKind.Object && error.TryGetProperty("message", out var m) ? m.GetString() : error.ToString();
                throw AiProblems.Upstream(operation, endpoint.Name, model, message ?? "error in stream", null, attempts);
            }
            string? delta = null;
            string? finish = null;
            if (root.TryGetProperty("choices", out var choices) && choices.ValueKind == JsonValueKind.Array && choices.GetArrayLength() > 0)
            {
                var choice = choices[0];
                if (choice.TryGetProperty("delta", out var d) && d.ValueKind == JsonValueKind.Object && d.TryGetProperty("content", out var content)
                    && content.ValueKind == JsonValueKind.String)
                {
                    delta = content.GetString();
                }
                if (choice.TryGetProperty("finish_reason", out var f) && f.ValueKind == JsonValueKind.String)
                {
                    finish = f.GetString();
                }
            }
            var (prompt, completion) = OpenAiJson.Usage(root);
            return new OpenAiStreamPiece(delta, finish, prompt, completion, OpenAiJson.String(root, "model"));
        }
        catch (JsonException)
        {
            throw AiProblems.Upstream(operation, endpoint.Name, model, "a stream event is not JSON", null, attempts);
        }
    }
}

/// <summary>Reading OpenAI-shaped JSON leniently (servers differ in what they include).</summary>
internal static class OpenAiJson
{
    public static (int? Prompt, int? Completion) Usage(JsonElement root)
    {
        if (!root.TryGetProperty("usage", out var usage) || usage.ValueKind != JsonValueKind.Object)
        {
            return (null, null);
        }
        return (Int(usage, "prompt_tokens"), Int(usage, "completion_tokens"));
    }

    public static int? Int(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number) ? number : null;

    public static string? String(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
