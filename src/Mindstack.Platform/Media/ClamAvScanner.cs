using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;

namespace Mindstack.Platform.Media;

/// <summary>What a virus scan found.</summary>
public sealed record ScanVerdict(bool Clean, string? Signature);

/// <summary>A failed scan (scanner unreachable, refused the stream, answered nonsense): the file cannot be vouched for.</summary>
public sealed class MalwareScanFailedException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// A client of ClamAV's clamd over TCP, its <c>zINSTREAM</c> command: the file goes in chunks each
/// led by a 4-byte big-endian length, a zero length ends it, and clamd answers
/// <c>stream: OK</c> or <c>stream: &lt;signature&gt; FOUND</c>. Written here because no clamd
/// client package is served to this project (nClam is not), and the protocol is this small.
/// clamd refuses streams over its <c>StreamMaxLength</c> (25 MB by default): set it to at least
/// the largest upload (100 MB).
/// </summary>
public sealed class ClamAvScanner(ClamAvSettings settings)
{
    private const int ChunkSize = 64 * 1024;

    public bool Enabled => settings.Enabled;

    public async Task<ScanVerdict> ScanAsync(Stream content, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(settings.Timeout);
        var ct = timeout.Token;
        string reply;
        try
        {
            using var client = new TcpClient { NoDelay = true };
            await client.ConnectAsync(settings.Host!, settings.Port, ct);
            await using var stream = client.GetStream();
            await stream.WriteAsync("zINSTREAM\0"u8.ToArray(), ct);
            var buffer = StreamChunks.Rent(ChunkSize + 4);
            try
            {
                try
                {
                    while (true)
                    {
                        var read = await StreamChunks.FillAsync(content, buffer.AsMemory(4, ChunkSize), ct);
                        BinaryPrimitives.WriteUInt32BigEndian(buffer, (uint)read);
                        await stream.WriteAsync(buffer.AsMemory(0, read + 4), ct);
                        if (read == 0)
                        {
                            break;
                        }
                    }
                }
                catch (IOException)
                {
                    // clamd closes the stream early when it refuses it (size limit); its reason follows.
                }
                reply = await ReadReplyAsync(stream, ct);
            }
            finally
            {
                StreamChunks.Return(buffer);
            }
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new MalwareScanFailedException($"clamd at {settings.Host}:{settings.Port} did not answer within {settings.Timeout}", e);
        }
        catch (Exception e) when (e is SocketException or IOException)
        {
            throw new MalwareScanFailedException($"clamd at {settings.Host}:{settings.Port} could not be reached: {e.Message}", e);
        }
        return Parse(reply);
    }

    internal static ScanVerdict Parse(string reply)
    {
        // "stream: OK", "stream: Eicar-Test-Signature FOUND", "INSTREAM size limit exceeded. ERROR".
        var text = reply.Trim('\0', ' ', '\n', '\r');
        var body = text.StartsWith("stream:", StringComparison.Ordinal) ? text["stream:".Length..].Trim() : text;
        if (body == "OK")
        {
            return new ScanVerdict(true, null);
        }
        if (body.EndsWith(" FOUND", StringComparison.Ordinal))
        {
            return new ScanVerdict(false, body[..^" FOUND".Length].Trim());
        }
        throw new MalwareScanFailedException($"clamd answered: {(text.Length == 0 ? "nothing" : text)}");
    }

    private static async Task<string> ReadReplyAsync(NetworkStream stream, CancellationToken ct)
    {
        var reply = new MemoryStream();
        var buffer = new byte[256];
        while (reply.Length < 4096)
        {
            var read = await stream.ReadAsync(buffer, ct);
            if (read == 0)
            {
                break;
            }
            var end = Array.IndexOf(buffer, (byte)0, 0, read);
            reply.Write(buffer, 0, end < 0 ? read : end);
            if (end >= 0)
            {
                break;
            }
        }
        return Encoding.UTF8.GetString(reply.GetBuffer(), 0, (int)reply.Length);
    }
}
