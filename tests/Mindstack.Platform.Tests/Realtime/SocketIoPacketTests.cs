using Mindstack.Platform.Realtime.SocketIo;

namespace Mindstack.Platform.Tests.Realtime;

/// <summary>The Socket.IO v5 packet format, as the protocol document writes its examples.</summary>
public sealed class SocketIoPacketTests
{
    [Theory]
    [InlineData("0", 0, "/", null, 0, null)]
    [InlineData("0{\"token\":\"t\"}", 0, "/", null, 0, "{\"token\":\"t\"}")]
    [InlineData("0/admin,{\"token\":\"t\"}", 0, "/admin", null, 0, "{\"token\":\"t\"}")]
    [InlineData("1/admin,", 1, "/admin", null, 0, null)]
    [InlineData("2[\"hello\",1]", 2, "/", null, 0, "[\"hello\",1]")]
    [InlineData("2/admin,456[\"project:delete\",123]", 2, "/admin", 456L, 0, "[\"project:delete\",123]")]
    [InlineData("3/admin,456[]", 3, "/admin", 456L, 0, "[]")]
    [InlineData("51-[\"hello\",{\"_placeholder\":true,\"num\":0}]", 5, "/", null, 1, "[\"hello\",{\"_placeholder\":true,\"num\":0}]")]
    [InlineData("62-/admin,7[{\"_placeholder\":true,\"num\":0}]", 6, "/admin", 7L, 2, "[{\"_placeholder\":true,\"num\":0}]")]
    public void TryDecode_ProtocolExamples_Parsed(string text, int type, string nsp, long? ackId, int attachments, string? json)
    {
        Assert.True(SocketIoPacket.TryDecode(text, out var packet));
        Assert.Equal(new SocketIoPacket((SocketIoPacketType)type, nsp, ackId, attachments, json), packet);
    }

    [Theory]
    [InlineData("")]
    [InlineData("7[]")]
    [InlineData("x")]
    [InlineData("5[\"no attachment count\"]")]
    [InlineData("2999999999999999999999[\"overflow\"]")]
    public void TryDecode_Malformed_False(string text) => Assert.False(SocketIoPacket.TryDecode(text, out _));

    [Fact]
    public void Encode_EveryServerPacket_EngineIoMessages()
    {
        Assert.Equal("42[\"new-message\",{\"a\":1}]", SocketIoPacket.EncodeEvent("/", "new-message", ["{\"a\":1}"]));
        Assert.Equal("42/admin,[\"e\",1,\"two\"]", SocketIoPacket.EncodeEvent("/admin", "e", ["1", "\"two\""]));
        Assert.Equal("4312[]", SocketIoPacket.EncodeAck("/", 12, []));
        Assert.Equal("43/admin,12[null]", SocketIoPacket.EncodeAck("/admin", 12, ["null"]));
        Assert.Equal("40{\"sid\":\"abc\"}", SocketIoPacket.EncodeConnect("/", "abc"));
        Assert.Equal("44/admin,{\"message\":\"Not authorized\"}", SocketIoPacket.EncodeConnectError("/admin", "Not authorized"));
        Assert.Equal("41", SocketIoPacket.EncodeDisconnect("/"));
        Assert.Equal("42[\"quote \\u0022 in name\",null]", SocketIoPacket.EncodeEvent("/", "quote \" in name", ["null"]));
    }
}
