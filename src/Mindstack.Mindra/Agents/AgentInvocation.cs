using System.Text.Json.Nodes;
using Mindstack.Mindra.Orchestration;

namespace Mindstack.Mindra.Agents;

/// <summary>What an agent is asked: the query, the caller's context and, in sequential mode, what earlier agents produced.</summary>
internal sealed record AgentInvocation(
    string ExecutionId,
    string Query,
    JsonObject Context,
    IReadOnlyList<AgentResult> PreviousResults);

/// <summary>An agent call that failed (timeout, refused, malformed answer); the step fails with this message.</summary>
internal sealed class AgentFailedException(string message, Exception? inner = null) : Exception(message, inner);
