using System.Buffers;
using System.Text.Json;

namespace Mindstack.Platform.Realtime;

/// <summary>
/// One event for one channel, its data already serialized once for every adapter and node.
/// <see cref="ExceptConnectionId"/> leaves out the connection that caused it (e.g. a typing
/// indicator is not echoed to the typist); connection ids are unique across nodes.
/// </summary>
internal sealed class RealtimeMessage(string id, string channel, string eventName, string dataJson, string? exceptConnectionId)
{
    private byte[]? _jsonFrame;
    private string? _socketIoRootFrame;

    public string Id { get; } = id;

    public string Channel { get; } = channel;

    public string Event { get; } = eventName;

    /// <summary>The event's data as JSON text (<c>null</c> when there is none).</summary>
    public string DataJson { get; } = dataJson;

    public string? ExceptConnectionId { get; } = exceptConnectionId;

    /// <summary>The plain JSON adapter's frame <c>{"type":…,"data":…}</c> as UTF-8, built once.</summary>
    public byte[] JsonFrame => _jsonFrame ??= BuildJsonFrame(Event, DataJson);

    /// <summary>The Engine.IO packet of this event for Socket.IO's root namespace, built once.</summary>
    public string SocketIoRootFrame => _socketIoRootFrame ??= SocketIo.SocketIoPacket.EncodeEvent("/", Event, [DataJson]);

    public static byte[] BuildJsonFrame(string type, string? dataJson)
    {
        var buffer = new ArrayBufferWriter<byte>(64 + (dataJson?.Length ?? 0));
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("type", type);
            if (dataJson is not null)
            {
                writer.WritePropertyName("data");
                writer.WriteRawValue(dataJson, skipInputValidation: true);
            }
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }
}
