using System.Text.Json;

namespace Mindstack.Platform.Realtime.SocketIo;

/// <summary>A client event as the server received it: its name, its arguments, and whether it awaits an ack.</summary>
public sealed record SocketIoEvent(string Name, IReadOnlyList<JsonElement> Args, bool WantsAck);

/// <summary>
/// Handles a client event. The returned value (serialized with the namespace's JSON options) is
/// the argument of the ack when the client asked for one; null answers an ack with no argument.
/// A thrown <c>Problem</c> is answered as <c>{"error": {"code", "message"}}</c>.
/// </summary>
public delegate ValueTask<object?> SocketIoEventHandler(ISocketIoSocket socket, SocketIoEvent message, CancellationToken cancellationToken);

/// <summary>One namespace: who may connect, what its sockets join, and its client events.</summary>
public class SocketIoNamespaceOptions
{
    internal Dictionary<string, SocketIoEventHandler> Handlers { get; } = new(StringComparer.Ordinal);

    /// <summary>JSON options for what this namespace emits and acks (camelCase by default).</summary>
    public JsonSerializerOptions? Json { get; set; }

    /// <summary>
    /// Runs after authentication, before the CONNECT answer: join channels, emit a greeting, or
    /// throw a <c>Problem</c> to refuse (the client gets <c>connect_error</c> with its message).
    /// The caller's own channels are already joined.
    /// </summary>
    public Func<ISocketIoSocket, CancellationToken, ValueTask>? OnConnect { get; set; }

    /// <summary>Runs when a socket of this namespace is gone, with Socket.IO's reason.</summary>
    public Func<ISocketIoSocket, string, ValueTask>? OnDisconnect { get; set; }

    /// <summary>Handles the client event <paramref name="eventName"/> (e.g. <c>typing</c>).</summary>
    public SocketIoNamespaceOptions On(string eventName, SocketIoEventHandler handler)
    {
        ArgumentException.ThrowIfNullOrEmpty(eventName);
        Handlers[eventName] = handler;
        return this;
    }
}

/// <summary>A Socket.IO mount: the root namespace <c>/</c> (configured here) and any others.</summary>
public sealed class SocketIoOptions : SocketIoNamespaceOptions
{
    internal Dictionary<string, SocketIoNamespaceOptions> Namespaces { get; } = new(StringComparer.Ordinal);

    public SocketIoOptions() => Namespaces[SocketIoPacket.RootNamespace] = this;

    /// <summary>The API name given to the authenticator; defaults to the API that owns the path.</summary>
    public string? Api { get; set; }

    /// <summary>An authenticator for this mount only; defaults to the registered <see cref="IRealtimeAuthenticator"/>.</summary>
    public IRealtimeAuthenticator? Authenticator { get; set; }

    /// <summary>How the route is listed in its API's OpenAPI document; unset, it is not listed.</summary>
    public SocketIoDocument? Document { get; set; }

    /// <summary>Adds a namespace other than <c>/</c> (e.g. <c>/admin</c>); unknown namespaces are refused.</summary>
    public SocketIoOptions Namespace(string name, Action<SocketIoNamespaceOptions> configure)
    {
        if (string.IsNullOrEmpty(name) || name[0] != '/' || name.Contains(',', StringComparison.Ordinal))
        {
            throw new ArgumentException("A namespace starts with '/' and has no comma.", nameof(name));
        }
        if (!Namespaces.TryGetValue(name, out var options))
        {
            options = new SocketIoNamespaceOptions();
            Namespaces[name] = options;
        }
        configure(options);
        return this;
    }
}

/// <summary>One Socket.IO socket (a client's connection to one namespace), as hooks see it.</summary>
public interface ISocketIoSocket : IRealtimeConnection
{
    /// <summary>The namespace, <c>/</c> for the root.</summary>
    string Namespace { get; }

    /// <summary>The <c>auth</c> object the client sent with CONNECT (undefined when none).</summary>
    JsonElement Auth { get; }

    /// <summary><c>polling</c> or <c>websocket</c>, at this moment.</summary>
    string Transport { get; }

    /// <summary>Emits an event with any number of arguments to this socket only; false if it is gone.</summary>
    bool Emit(string eventName, params object?[] args);

    /// <summary>Publishes to a channel on every node, leaving out this socket (e.g. <c>typing</c>).</summary>
    Task BroadcastAsync(string channel, string eventName, object? data, CancellationToken cancellationToken = default);

    /// <summary>Disconnects this socket from its namespace (the client sees "io server disconnect").</summary>
    void Disconnect();
}
