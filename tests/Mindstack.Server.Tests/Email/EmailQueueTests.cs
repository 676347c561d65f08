using Microsoft.EntityFrameworkCore;
using Mindstack.Platform.Email;
using Mindstack.Platform.Jobs;
using Mindstack.Platform.Tests.Accounts;

namespace Mindstack.Platform.Tests.Email;

/// <summary>The auth test routes with SMTP pointed at a server that refuses the first session.</summary>
public sealed class FlakySmtpFactory : AuthFactory
{
    public FlakySmtpFactory()
    {
        Smtp = new LoopbackSmtpServer(refuse: 1);
        WithSetting("Mindstack:Smtp:Host", "127.0.0.1");
        WithSetting("Mindstack:Smtp:Port", Smtp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        WithSetting("Mindstack:Smtp:UseTls", "false");
        WithSetting("Mindstack:Smtp:From", "no-reply@mindstack.test");
        WithSetting("Mindstack:Jobs:PollMilliseconds", "100");
    }

    public LoopbackSmtpServer Smtp { get; }

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
