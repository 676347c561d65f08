using System.Net;
using System.Net.Sockets;
using System.Text;
using Mindstack.Platform.Media;

namespace Mindstack.Platform.Tests.Media;

/// <summary>The clamd INSTREAM client against a loopback stand-in speaking the protocol.</summary>
public sealed class ClamAvScannerTests
{
    [Fact]
    public async Task Scan_CleanStream_IsClean()
    {
        await using var clamd = new ClamdStandIn();
        var verdict = await Scanner(clamd.Port).ScanAsync(new MemoryStream(new byte[300_000]), CancellationToken.None);
        Assert.True(verdict.Clean);
        Assert.Equal(1, clamd.Scans);
    }

    [Fact]
    public async Task Scan_EicarStream_FoundWithItsSignature()
    {
        await using var clamd = new ClamdStandIn();
        var content = new MemoryStream(Encoding.ASCII.GetBytes("prefix " + ClamdStandIn.Eicar));
        var verdict = await Scanner(clamd.Port).ScanAsync(content, CancellationToken.None);
        Assert.False(verdict.Clean);
        Assert.Equal("Eicar-Test-Signature", verdict.Signature);
    }

    [Fact]
    public async Task Scan_NothingListening_FailsAsAScanFailure()
    {
        var free = new TcpListener(IPAddress.Loopback, 0);
        free.Start();
        var port = ((IPEndPoint)free.LocalEndpoint).Port;
        free.Stop();
        await Assert.ThrowsAsync<MalwareScanFailedException>(() =>
            Scanner(port).ScanAsync(new MemoryStream([1, 2, 3]), CancellationToken.None));
    }

    [Theory]
    [InlineData("INSTREAM size limit exceeded. ERROR")]
    [InlineData("")]
    public void Parse_ErrorReply_IsAScanFailure(string reply) =>
        Assert.Throws<MalwareScanFailedException>(() => ClamAvScanner.Parse(reply));

    private static ClamAvScanner Scanner(int port) =>
        new(new ClamAvSettings { Host = "127.0.0.1", Port = port, Timeout = TimeSpan.FromSeconds(10) });
}
