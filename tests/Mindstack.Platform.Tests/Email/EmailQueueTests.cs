using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Mindstack.Platform.Email;
using Mindstack.Platform.Jobs;
using Mindstack.Platform.Tests.Accounts;
using Mindstack.Platform.Tests.Jobs;

namespace Mindstack.Platform.Tests.Email;

/// <summary>
/// A loopback SMTP server (the outside world's mail server) that turns away its first
/// <c>refuse</c> sessions with <c>421</c>, then takes mail, keeping each message's data.
/// </summary>
public sealed class FlakySmtpServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _serving;
    private int _refuseLeft;
    private int _refused;

    public FlakySmtpServer(int refuse)
    {
        _refuseLeft = refuse;
        _listener.Start();
        _serving = ServeAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public int Refused => Volatile.Read(ref _refused);

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
            switch (line.Split(' ')[0].ToUpperInvariant())
            {
                case "EHLO":
                    await writer.WriteLineAsync("250-loopback");
                    await writer.WriteLineAsync("250 8BITMIME");
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

/// <summary>The auth test routes with SMTP pointed at a server that refuses the first session.</summary>
public sealed class FlakySmtpFactory : AuthFactory
{
    public FlakySmtpFactory()
    {
        Smtp = new FlakySmtpServer(refuse: 1);
        WithSetting("Mindstack:Smtp:Host", "127.0.0.1");
        WithSetting("Mindstack:Smtp:Port", Smtp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        WithSetting("Mindstack:Smtp:UseTls", "false");
        WithSetting("Mindstack:Smtp:From", "no-reply@mindstack.test");
        WithSetting("Mindstack:Jobs:PollMilliseconds", "100");
    }

    public FlakySmtpServer Smtp { get; }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await Smtp.DisposeAsync();
    }
}

public sealed class EmailQueueTests(FlakySmtpFactory factory) : IClassFixture<FlakySmtpFactory>
{
    [Fact]
    public async Task MagicLink_SmtpRefusesFirstAttempt_JobRetriesAndSendsOnce()
    {
        var email = AuthFactory.Unique() + "@example.com";
        using var answer = await factory.SendAsync(HttpMethod.Post, $"{AuthRoutes.MindSwarm.BasePath}/__auth/magic-link", new { email });
        Assert.True(answer.IsSuccessStatusCode, await answer.Content.ReadAsStringAsync());

        // The first attempt meets the 421 and is scheduled again with the handler's backoff.
        var failed = await Eventually.UntilAsync(() => factory.WithDbAsync(db => db.Set<QueuedJob>().AsNoTracking()
                .SingleOrDefaultAsync(j => j.Type == SendEmailJob.Name)),
            j => j is { State: JobState.Pending, Attempts: 1, LastError: not null }, "the first send to fail", TimeSpan.FromSeconds(60));
        Assert.Equal(1, factory.Smtp.Refused);
        Assert.Contains(email, failed!.Payload, StringComparison.Ordinal);
        Assert.False(factory.Smtp.Data.Task.IsCompleted);

        factory.Clock.Advance(TimeSpan.FromMinutes(5));
        var data = await factory.Smtp.Data.Task.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Contains($"To: {email}", data, StringComparison.Ordinal);
        Assert.Contains("sign-in link", data, StringComparison.Ordinal);

        var done = await Eventually.UntilAsync(() => factory.WithDbAsync(db => db.Set<QueuedJob>().AsNoTracking()
                .SingleAsync(j => j.Id == failed.Id)),
            j => j.State == JobState.Done, "the job to be done", TimeSpan.FromSeconds(60));
        Assert.Equal(2, done.Attempts);
        // The sent link does not stay readable in the job table.
        Assert.DoesNotContain("token=", done.Payload, StringComparison.Ordinal);
    }
}
