using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Mindstack.Platform.Email;

namespace Mindstack.Platform.Tests.Email;

public sealed class EmailSenderTests
{
    private static ServiceProvider Build(Dictionary<string, string?> settings, string dataDirectory)
    {
        settings["data"] = dataDirectory;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging();
        Mindstack.Platform.Storage.StorageServiceCollectionExtensions.AddMindstackStorage(services, configuration);
        services.AddMindstackEmail(configuration);
        return services.BuildServiceProvider();
    }

    [Fact]
    public async Task Send_NoSmtpConfigured_Rfc5322FileInOutbox()
    {
        using var database = PlatformFactory.CreateDatabase();
        await using var services = Build(new() { ["Mindstack:Smtp:From"] = "Mindstack Ops <ops@example.org>" }, database.DataDirectory);
        var sender = services.GetRequiredService<IEmailSender>();
        var id = await sender.SendAsync(new EmailMessage("ada@example.com", "Grüße from Mindstack", "Line one\nLine two"));

        var file = Assert.Single(Directory.GetFiles(Path.Combine(database.DataDirectory, "outbox"), "*.eml"));
        var text = await File.ReadAllTextAsync(file);
        Assert.Contains("From: Mindstack Ops <ops@example.org>\r\n", text);
        Assert.Contains("To: ada@example.com\r\n", text);
        Assert.Matches(@"\r\nSubject: =\?utf-8\?[bq]\?", text);
        Assert.Equal("Grüße from Mindstack", MimeKit.MimeMessage.Load(file).Subject);
        Assert.Contains($"Message-ID: {id}\r\n", text);
        Assert.Matches(@"^<[0-9a-f]{32}@example\.org>$", id);
        Assert.Contains("MIME-Version: 1.0\r\n", text);
        Assert.EndsWith("\r\n\r\nLine one\r\nLine two\r\n", text);
        Assert.Empty(Directory.GetFiles(Path.Combine(database.DataDirectory, "outbox"), "*.tmp"));
    }

    [Fact]
    public async Task Send_SmtpConfigured_DeliveredToTheServer()
    {
        using var database = PlatformFactory.CreateDatabase();
        await using var smtp = new LoopbackSmtpServer();
        await using var services = Build(new()
        {
            ["Mindstack:Smtp:Host"] = "127.0.0.1",
            ["Mindstack:Smtp:Port"] = smtp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Mindstack:Smtp:UseTls"] = "false",
            ["Mindstack:Smtp:From"] = "no-reply@mindstack.test",
        }, database.DataDirectory);
        var sender = services.GetRequiredService<IEmailSender>();
        var id = await sender.SendAsync(new EmailMessage("grace@example.com", "Your sign-in link", "Open http://localhost/x?token=abc"));

        var data = await smtp.Data.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Contains(smtp.Commands, c => c.StartsWith("MAIL FROM:<no-reply@mindstack.test>", StringComparison.Ordinal));
        Assert.Contains(smtp.Commands, c => c.StartsWith("RCPT TO:<grace@example.com>", StringComparison.Ordinal));
        Assert.Contains($"Message-ID: {id}", data);
        Assert.Contains("Subject: Your sign-in link", data);
        Assert.Contains("Date: ", data);
        Assert.False(Directory.Exists(Path.Combine(database.DataDirectory, "outbox")));
    }

    [Fact]
    public async Task Send_NonAsciiNameAndLongLine_EncodedWithinLineLimits()
    {
        using var database = PlatformFactory.CreateDatabase();
        await using var services = Build(new() { ["Mindstack:Smtp:From"] = "Zoë Ørsted — Mindstack <ops@example.org>" }, database.DataDirectory);
        var longLine = string.Concat(Enumerable.Repeat("Ünïcödé words in a very long paragraph, ", 60));
        var body = "Hallo Jürgen,\n" + longLine + "\nBis bald";
        await services.GetRequiredService<IEmailSender>().SendAsync(new EmailMessage("jurgen@example.com", "Grüße", body));

        var file = Assert.Single(Directory.GetFiles(Path.Combine(database.DataDirectory, "outbox"), "*.eml"));
        var raw = await File.ReadAllTextAsync(file, Encoding.ASCII);
        // The display name is encoded words; the address stays outside them, readable.
        var from = raw.Split("\r\n").Single(l => l.StartsWith("From: ", StringComparison.Ordinal));
        Assert.Matches(@"^From: =\?utf-8\?[bq]\?[^?]+\?=.* <ops@example\.org>$", from);
        Assert.All(raw.Split("\r\n"), line => Assert.True(line.Length <= 998, $"a line of {line.Length} octets"));
        Assert.Contains("Content-Transfer-Encoding: quoted-printable", raw, StringComparison.OrdinalIgnoreCase);
        var parsed = MimeKit.MimeMessage.Load(file);
        Assert.Equal("Zoë Ørsted — Mindstack", Assert.Single(parsed.From.Mailboxes).Name);
        Assert.Equal(body + "\n", parsed.TextBody!.ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task Send_SmtpWithCredentials_AuthenticatesThenDelivers()
    {
        using var database = PlatformFactory.CreateDatabase();
        await using var smtp = new LoopbackSmtpServer(auth: true);
        await using var services = Build(new()
        {
            ["Mindstack:Smtp:Host"] = "127.0.0.1",
            ["Mindstack:Smtp:Port"] = smtp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Mindstack:Smtp:UseTls"] = "false",
            ["Mindstack:Smtp:Username"] = "mailer",
            ["Mindstack:Smtp:Password"] = "s3cret",
            ["Mindstack:Smtp:From"] = "Zoë <no-reply@mindstack.test>",
        }, database.DataDirectory);
        await services.GetRequiredService<IEmailSender>().SendAsync(new EmailMessage("grace@example.com", "Hi", "Hello"));

        var data = await smtp.Data.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal("\0mailer\0s3cret", Assert.Single(smtp.Credentials));
        Assert.Contains(smtp.Commands, c => c.StartsWith("MAIL FROM:<no-reply@mindstack.test>", StringComparison.Ordinal));
        Assert.Contains("<no-reply@mindstack.test>", data, StringComparison.Ordinal);
    }
}
