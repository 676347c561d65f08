using System.Globalization;
using Mindstack.Platform.Http;
using Mindstack.Platform.Jobs;

namespace Mindstack.Server.Cli;

/// <summary>
/// <c>jobs stats</c> (counts by state and type), <c>jobs dead [--limit N]</c> (dead jobs with their
/// last error), <c>jobs retry --id JOB_ID</c> (run a dead job again), <c>jobs schedules</c>.
/// </summary>
internal static class JobsCommand
{
    private const string Usage = "usage: jobs stats | jobs dead [--limit N] | jobs retry --id JOB_ID | jobs schedules";

    public static async Task<int> RunAsync(CliContext context)
    {
        var admin = context.Services.GetRequiredService<JobAdmin>();
        switch (context.Verb ?? "stats")
        {
            case "stats":
                await StatsAsync(context, admin);
                return 0;
            case "dead":
                await DeadAsync(context, admin, context.Value<int>("--limit"));
                return 0;
            case "retry":
                return await RetryAsync(context, admin, context.Required("--id"));
            case "schedules":
                foreach (var s in await context.Services.GetRequiredService<IJobSchedules>().ListAsync())
                {
                    context.Output.WriteLine($"{s.Name}\t{s.Cron}\t{s.Type}\t{(s.Active ? "active" : "paused")}\tnext {s.NextRunAt:O}\tlast {s.LastRunAt?.ToString("O", CultureInfo.InvariantCulture) ?? "-"}");
                }
                return 0;
            default:
                throw new CliUsageException(Usage);
        }
    }

    private static async Task StatsAsync(CliContext context, JobAdmin admin)
    {
        var counts = await admin.CountsAsync();
        var states = Enum.GetValues<JobState>();
        context.Output.WriteLine(string.Join("\t", states.Select(Name).Prepend("type")));
        foreach (var type in counts.Select(c => c.Type).Distinct())
        {
            context.Output.WriteLine(string.Join("\t", states.Select(s => Count(counts.Where(c => c.Type == type), s)).Prepend(type)));
        }
        context.Output.WriteLine(string.Join("\t", states.Select(s => Count(counts, s)).Prepend("total")));
    }

    private static async Task DeadAsync(CliContext context, JobAdmin admin, int limit)
    {
        var dead = await admin.DeadAsync(limit);
        if (dead.Count == 0)
        {
            context.Output.WriteLine("no dead jobs");
            return;
        }
        foreach (var job in dead)
        {
            var when = job.CompletedAt?.ToString("O", CultureInfo.InvariantCulture) ?? "-";
            context.Output.WriteLine($"{job.Id}\t{job.Type}\tattempts {job.Attempts}/{job.MaxAttempts}\tdead at {when}\t{job.LastError}");
        }
    }

    private static async Task<int> RetryAsync(CliContext context, JobAdmin admin, string id)
    {
        try
        {
            var job = await admin.RetryAsync(id);
            context.Output.WriteLine($"{job.Id} is pending again ({job.Type})");
            return 0;
        }
        catch (Problem problem)
        {
            await context.Error.WriteLineAsync(problem.Message);
            return 1;
        }
    }

    private static string Name(JobState state) => state.ToString().ToLowerInvariant();

    private static string Count(IEnumerable<JobCount> counts, JobState state) =>
        counts.Where(c => c.State == state).Sum(c => c.Count).ToString(CultureInfo.InvariantCulture);
}
