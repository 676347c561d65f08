using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Mindstack.Platform.Realtime.SocketIo;

/// <summary>Engine.IO v4 packet types (the first character of every packet).</summary>
internal static class EnginePacket
{
    public const char Open = '0';
    public const char Close = '1';
    public const char Ping = '2';
    public const char Pong = '3';
    public const char Message = '4';
    public const char Upgrade = '5';
    public const char Noop = '6';

    /// <summary>HTTP long-polling joins packets with the record separator (0x1E).</summary>
    public const char Separator = '\u001e';

    /// <summary>A base64 binary packet inside a polling payload starts with this.</summary>
    public const char Base64Binary = 'b';
}

/// <summary>Socket.IO v5 packet types, the digit after the Engine.IO message type.</summary>
internal enum SocketIoPacketType
{
    Connect = 0,
    Disconnect = 1,
    Event = 2,
    Ack = 3,
    ConnectError = 4,
    BinaryEvent = 5,
    BinaryAck = 6,
}

/// <summary>
/// One Socket.IO packet: <c>&lt;type&gt;[&lt;attachments&gt;-][&lt;namespace&gt;,][&lt;ack id&gt;][JSON]</c>,
/// the namespace written only when it is not <c>/</c>.
/// </summary>
internal sealed record SocketIoPacket(SocketIoPacketType Type, string Namespace, long? AckId, int Attachments, string? Json)
{
    public const string RootNamespace = "/";

    /// <summary>Reads the Socket.IO packet inside an Engine.IO message's data; false if malformed.</summary>
    public static bool TryDecode(string text, out SocketIoPacket packet)
    {
        packet = null!;
        if (text.Length == 0 || text[0] < '0' || text[0] > '6')
        {
            return false;
        }
        var type = (SocketIoPacketType)(text[0] - '0');
        var i = 1;
        var attachments = 0;
        if (type is SocketIoPacketType.BinaryEvent or SocketIoPacketType.BinaryAck)
        {
            var dash = text.IndexOf('-', i);
            if (dash < 0 || !int.TryParse(text.AsSpan(i, dash - i), NumberStyles.None, CultureInfo.InvariantCulture, out attachments))
            {
                return false;
            }
            i = dash + 1;
        }
        var nsp = RootNamespace;
        if (i < text.Length && text[i] == '/')
        {
            var comma = text.IndexOf(',', i);
            var end = comma < 0 ? text.Length : comma;
            nsp = text[i..end];
            i = comma < 0 ? text.Length : comma + 1;
        }
        long? ackId = null;
        var digits = i;
        while (digits < text.Length && char.IsAsciiDigit(text[digits]))
        {
            digits++;
        }
        if (digits > i)
        {
            if (!long.TryParse(text.AsSpan(i, digits - i), NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            {
                return false;
            }
            ackId = id;
            i = digits;
        }
        var json = i < text.Length ? text[i..] : null;
        packet = new SocketIoPacket(type, nsp, ackId, attachments, json);
        return true;
    }

    /// <summary>An Engine.IO message carrying an EVENT <c>[eventName, ...args]</c> (each arg JSON text).</summary>
    public static string EncodeEvent(string nsp, string eventName, IReadOnlyList<string> argsJson)
    {
        var builder = Start(SocketIoPacketType.Event, nsp);
        builder.Append('[').Append(JsonSerializer.Serialize(eventName));
        foreach (var arg in argsJson)
        {
            builder.Append(',').Append(arg);
        }
        return builder.Append(']').ToString();
    }

    /// <summary>An Engine.IO message carrying the ACK of a client's packet <paramref name="ackId"/>.</summary>
    public static string EncodeAck(string nsp, long ackId, IReadOnlyList<string> argsJson)
    {
        var builder = Start(SocketIoPacketType.Ack, nsp);
        builder.Append(ackId.ToString(CultureInfo.InvariantCulture)).Append('[');
        builder.AppendJoin(',', argsJson);
        return builder.Append(']').ToString();
    }

    /// <summary>The answer to a successful CONNECT: <c>{"sid": …}</c>.</summary>
    public static string EncodeConnect(string nsp, string socketId) =>
        Start(SocketIoPacketType.Connect, nsp).Append(JsonSerializer.Serialize(new { sid = socketId })).ToString();

    /// <summary>A refused CONNECT: <c>{"message": …}</c> (the client's <c>connect_error</c>), with optional data.</summary>
    public static string EncodeConnectError(string nsp, string message, object? data = null) =>
        Start(SocketIoPacketType.ConnectError, nsp)
            .Append(data is null
                ? JsonSerializer.Serialize(new { message })
                : JsonSerializer.Serialize(new { message, data }))
            .ToString();

    public static string EncodeDisconnect(string nsp) => Start(SocketIoPacketType.Disconnect, nsp).ToString();

    private static StringBuilder Start(SocketIoPacketType type, string nsp)
    {
        var builder = new StringBuilder(64).Append(EnginePacket.Message).Append((char)('0' + (int)type));
        if (nsp != RootNamespace)
        {
            builder.Append(nsp).Append(',');
        }
        return builder;
    }
}
