using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Mindstack.Platform.Tests.Email;

/// <summary>
/// A loopback SMTP server (the outside world's mail server) that turns away its first
/// <c>refuse</c> sessions with <c>421</c>, then takes mail, keeping the commands it was sent and
/// the first message's data. With <c>auth</c> it offers <c>AUTH PLAIN</c> and keeps the
/// decoded credentials it was given.
/// </summary>
public sealed class LoopbackSmtpServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _serving;
    private int _refuseLeft;
    private readonly bool _auth;
    private int _refused;

    public LoopbackSmtpServer(int refuse = 0, bool auth = false)
    {
        _refuseLeft = refuse;
        _auth = auth;
        _listener.Start();
        _serving = ServeAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public int Refused => Volatile.Read(ref _refused);

    public ConcurrentQueue<string> Commands { get; } = new();

    /// <summary>The SASL PLAIN credentials (<c>\0user\0password</c>) the client authenticated with.</summary>
    public ConcurrentQueue<string> Credentials { get; } = new();

    public TaskCompletionSource<string> Data { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception exception) when (exception is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            using (client)
            {
                try
                {
                    await SessionAsync(client);
                }
                catch (IOException)
                {
                    // The client hung up mid-session.
                }
            }
        }
    }

    private async Task SessionAsync(TcpClient client)
    {
        await using var stream = client.GetStream();
        using var reader = new StreamReader(stream, Encoding.ASCII);
        await using var writer = new StreamWriter(stream, Encoding.ASCII) { NewLine = "\r\n", AutoFlush = true };
        if (Interlocked.Decrement(ref _refuseLeft) >= 0)
        {
            Interlocked.Increment(ref _refused);
            await writer.WriteLineAsync("421 loopback busy, try again later");
            return;
        }
        await writer.WriteLineAsync("220 loopback ESMTP test");
        while (await reader.ReadLineAsync() is { } line)
        {
            Commands.Enqueue(line);
            switch (line.Split(' ')[0].ToUpperInvariant())
            {
                case "EHLO":
                    await writer.WriteLineAsync("250-loopback");
                    if (_auth)
                    {
                        await writer.WriteLineAsync("250-AUTH PLAIN");
                    }
                    await writer.WriteLineAsync("250 8BITMIME");
                    break;
                case "AUTH":
                    var words = line.Split(' ');
                    var initial = words.Length > 2 ? words[2] : null;
                    if (initial is null)
                    {
                        await writer.WriteLineAsync("334 ");
                        initial = await reader.ReadLineAsync() ?? "";
                    }
                    Credentials.Enqueue(Encoding.UTF8.GetString(Convert.FromBase64String(initial)));
                    await writer.WriteLineAsync("235 2.7.0 authenticated");
                    break;
                case "DATA":
                    await writer.WriteLineAsync("354 end with <CRLF>.<CRLF>");
                    var data = new StringBuilder();
                    while (await reader.ReadLineAsync() is { } dataLine && dataLine != ".")
                    {
                        data.Append(dataLine).Append("\r\n");
                    }
                    Data.TrySetResult(data.ToString());
                    await writer.WriteLineAsync("250 queued");
                    break;
                case "QUIT":
                    await writer.WriteLineAsync("221 bye");
                    return;
                default:
                    await writer.WriteLineAsync("250 OK");
                    break;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _serving.WaitAsync(TimeSpan.FromSeconds(10));
        _stop.Dispose();
    }
}
