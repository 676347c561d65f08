using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Mindstack.Testing;

/// <summary>
/// A loopback TCP stand-in for ClamAV's clamd speaking its <c>zINSTREAM</c> protocol: it reads
/// the length-prefixed chunks and answers <c>stream: Eicar-Test-Signature FOUND</c> when the
/// stream holds the EICAR test string, <c>stream: OK</c> otherwise.
/// </summary>
public sealed class ClamdStandIn : IAsyncDisposable
{
    /// <summary>The industry's harmless test "virus" every scanner detects.</summary>
    public const string Eicar = @"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private int _scans;

    public ClamdStandIn()
    {
        _listener.Start();
        _loop = Task.Run(AcceptAsync);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Streams scanned so far.</summary>
    public int Scans => Volatile.Read(ref _scans);

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            var stream = client.GetStream();
            var command = new StringBuilder();
            var one = new byte[1];
            while (await stream.ReadAsync(one) == 1 && one[0] != 0)
            {
                command.Append((char)one[0]);
            }
            if (command.ToString() != "zINSTREAM")
            {
                await stream.WriteAsync(Encoding.ASCII.GetBytes("UNKNOWN COMMAND\0"));
                return;
            }
            var content = new MemoryStream();
            var header = new byte[4];
            while (true)
            {
                await stream.ReadExactlyAsync(header);
                var length = (int)BinaryPrimitives.ReadUInt32BigEndian(header);
                if (length == 0)
                {
                    break;
                }
                var chunk = new byte[length];
                await stream.ReadExactlyAsync(chunk);
                content.Write(chunk);
            }
            Interlocked.Increment(ref _scans);
            var infected = Encoding.ASCII.GetString(content.ToArray()).Contains(Eicar, StringComparison.Ordinal);
            await stream.WriteAsync(Encoding.ASCII.GetBytes(infected ? "stream: Eicar-Test-Signature FOUND\0" : "stream: OK\0"));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _loop;
        _stop.Dispose();
    }
}
