using Microsoft.EntityFrameworkCore;
using Mindstack.Platform.Jobs;
using Mindstack.Platform.Storage;

namespace Mindstack.Platform.Email;

/// <summary>
/// Sends email through the job queue, <b>in the caller's transaction</b>: the message is queued as
/// an <c>email.send</c> job on the scoped <see cref="MindstackDbContext"/> and written by the
/// caller's next <c>SaveChanges</c>, so an email goes out only if the change that caused it
/// commits. A worker then sends it with <see cref="IEmailSender"/>; a failed send (SMTP down) is
/// retried with backoff (8 attempts over about 40 minutes) and then left dead for operators. Scoped.
/// </summary>
public interface IEmailQueue
{
    /// <summary>Queues the message; returns the job id.</summary>
    string Enqueue(EmailMessage message);
}

internal sealed class EmailQueue(IJobQueue jobs) : IEmailQueue
{
    public string Enqueue(EmailMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return jobs.Enqueue<SendEmailJob>(message);
    }
}

/// <summary>
/// Sends one queued email. Once sent, it blanks its own payload (which may hold a single-use link)
/// so the sent link does not stay readable in the job table; a retry that finds it blank knows the
/// email went out already and does nothing.
/// </summary>
internal sealed class SendEmailJob(IEmailSender sender, MindstackDbContext db) : IJobHandler
{
    public const string Name = "email.send";
    private const string SentMarker = "null";

    public async Task ExecuteAsync(JobContext job, CancellationToken cancellationToken)
    {
        if (job.Payload == SentMarker || job.ReadPayload<EmailMessage?>() is not { } message)
        {
            return;
        }
        await sender.SendAsync(message, cancellationToken);
        await db.Set<QueuedJob>().Where(j => j.Id == job.Id)
            .ExecuteUpdateAsync(u => u.SetProperty(j => j.Payload, SentMarker), CancellationToken.None);
    }
}
