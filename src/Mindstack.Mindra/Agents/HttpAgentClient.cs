using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Mindstack.Mindra.Orchestration;

namespace Mindstack.Mindra.Agents;

/// <summary>
/// Calls a registered agent: <c>POST</c> its URL with
/// <c>{executionId, agentId, query, context, previousResults: [{agentId, summary, answer, confidence, data}]}</c>,
/// signed like a webhook — <c>X-Mindra-Signature: sha256=&lt;hex HMAC-SHA256 of the raw body with the
/// agent's signing secret&gt;</c> — with <c>X-Mindra-Timestamp</c>, <c>X-Mindra-Execution-Id</c> and
/// <c>X-Mindra-Agent-Id</c>. The agent answers 2xx with <c>{summary, answer?, confidence?, data?}</c>.
/// Each attempt is bounded by the agent's <c>config.timeout</c>; failures are retried
/// <c>config.retries</c> times.
/// </summary>
internal sealed class HttpAgentClient(IHttpClientFactory clients, TimeProvider clock)
{
    public const string ClientName = "mindra-agents";
    public const string SignatureHeader = "X-Mindra-Signature";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task<AgentOutput> InvokeAsync(AgentDefinition agent, AgentInvocation invocation, CancellationToken cancellationToken)
    {
        var body = Encoding.UTF8.GetBytes(new JsonObject
        {
            ["executionId"] = invocation.ExecutionId,
            ["agentId"] = agent.Id,
            ["query"] = invocation.Query,
            ["context"] = invocation.Context.DeepClone(),
            ["previousResults"] = new JsonArray(invocation.PreviousResults.Select(r => (JsonNode?)new JsonObject
            {
                ["agentId"] = r.AgentId,
                ["summary"] = r.Output.Summary,
                ["answer"] = r.Output.Answer,
                ["confidence"] = r.Output.Confidence,
                ["data"] = r.Output.Data.DeepClone(),
            }).ToArray()),
        }.ToJsonString());
        var signature = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(agent.SigningSecret!), body));
        Exception? last = null;
        for (var attempt = 0; attempt <= agent.Retries; attempt++)
        {
            if (attempt > 0)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(250 * attempt), clock, cancellationToken);
            }
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromMilliseconds(agent.TimeoutMs));
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, agent.Url) { Content = new ByteArrayContent(body) };
                request.Content.Headers.ContentType = new("application/json");
                request.Headers.Add(SignatureHeader, signature);
                request.Headers.Add("X-Mindra-Timestamp", clock.GetUtcNow().ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture));
                request.Headers.Add("X-Mindra-Execution-Id", invocation.ExecutionId);
                request.Headers.Add("X-Mindra-Agent-Id", agent.Id);
                using var response = await clients.CreateClient(ClientName).SendAsync(request, timeout.Token);
                if (!response.IsSuccessStatusCode)
                {
                    last = new AgentFailedException($"Agent {agent.Id} answered HTTP {(int)response.StatusCode}");
                    continue;
                }
                var answer = await response.Content.ReadFromJsonAsync<JsonNode>(Json, timeout.Token) as JsonObject
                    ?? throw new AgentFailedException($"Agent {agent.Id} answered something other than a JSON object");
                return Read(answer);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                last = new AgentFailedException($"Agent {agent.Id} did not answer within {agent.TimeoutMs} ms");
            }
            catch (Exception exception) when (exception is HttpRequestException or JsonException or AgentFailedException)
            {
                last = exception as AgentFailedException ?? new AgentFailedException($"Agent {agent.Id} could not be called: {exception.Message}", exception);
            }
        }
        throw last ?? new AgentFailedException($"Agent {agent.Id} failed");
    }

    private static AgentOutput Read(JsonObject answer)
    {
        var summary = Text(answer["summary"]) ?? Text(answer["result"]) ?? "";
        var confidence = answer["confidence"] is JsonValue value && value.TryGetValue<double>(out var c) ? Math.Clamp(c, 0, 1) : 0.8;
        var data = answer["data"] is JsonObject obj ? (JsonObject)obj.DeepClone() : (JsonObject)answer.DeepClone();
        return new AgentOutput(summary, Text(answer["answer"]), confidence, data);
    }

    private static string? Text(JsonNode? node) =>
        node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    /// <summary>
    /// Refuses connections to loopback, private, link-local and other non-public addresses unless
    /// the server allows insecure agent URLs (tests, development): checked on the address actually
    /// connected to, so DNS tricks cannot point an agent at the inside network.
    /// </summary>
    public static SocketsHttpHandler CreateHandler(IOptions<MindraOptions> options) => new()
    {
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        AllowAutoRedirect = false,
        ConnectCallback = async (context, cancellationToken) =>
        {
            var addresses = await Dns.GetHostAddressesAsync(context.DnsEndPoint.Host, cancellationToken);
            var allowed = addresses.Where(a => options.Value.AllowInsecureAgentUrls || IsPublic(a)).ToArray();
            if (allowed.Length == 0)
            {
                throw new HttpRequestException($"Agent host {context.DnsEndPoint.Host} is not a public address");
            }
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(allowed, context.DnsEndPoint.Port, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    };

    private static bool IsPublic(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        if (IPAddress.IsLoopback(address) || address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6UniqueLocal
            || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any))
        {
            return false;
        }
        if (address.AddressFamily != AddressFamily.InterNetwork)
        {
            return true;
        }
        var b = address.GetAddressBytes();
        return !(b[0] == 10 || b[0] == 127 || b[0] == 0 || (b[0] == 172 && b[1] >= 16 && b[1] <= 31) || (b[0] == 192 && b[1] == 168)
            || (b[0] == 169 && b[1] == 254) || (b[0] == 100 && b[1] >= 64 && b[1] <= 127) || b[0] >= 224);
    }
}
