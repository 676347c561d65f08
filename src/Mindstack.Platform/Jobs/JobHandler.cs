using System.Text.Json;

namespace Mindstack.Platform.Jobs;

/// <summary>
/// Runs one kind of job. Register with <see cref="JobsExtensions.AddJobHandler{THandler}"/>; it is
/// resolved from a new DI scope per attempt, so it may take the scoped
/// <see cref="Storage.MindstackDbContext"/>: changes it leaves unsaved are saved in the same
/// transaction that marks the job done. The queue is at-least-once (a node can die after the work
/// and before the mark), so a handler must be idempotent. Throwing fails the attempt: it is retried
/// after the handler's backoff, and after its last attempt the job is dead with that error.
/// </summary>
public interface IJobHandler
{
    Task ExecuteAsync(JobContext job, CancellationToken cancellationToken);
}

/// <summary>A handler whose payload is JSON of <typeparamref name="TPayload"/>.</summary>
public abstract class JobHandler<TPayload> : IJobHandler
{
    public Task ExecuteAsync(JobContext job, CancellationToken cancellationToken) =>
        ExecuteAsync(job.ReadPayload<TPayload>(), job, cancellationToken);

    public abstract Task ExecuteAsync(TPayload payload, JobContext job, CancellationToken cancellationToken);
}

/// <summary>The job an attempt is running.</summary>
public sealed class JobContext(string id, string type, string payload, int attempt, int maxAttempts, string nodeId)
{
    public string Id { get; } = id;

    public string Type { get; } = type;

    /// <summary>The payload as stored (JSON).</summary>
    public string Payload { get; } = payload;

    /// <summary>This attempt's number, from 1.</summary>
    public int Attempt { get; } = attempt;

    public int MaxAttempts { get; } = maxAttempts;

    /// <summary>True when a failure now makes the job dead rather than retried.</summary>
    public bool IsLastAttempt => Attempt >= MaxAttempts;

    /// <summary>The node running this attempt.</summary>
    public string NodeId { get; } = nodeId;

    public T ReadPayload<T>() => JsonSerializer.Deserialize<T>(Payload, JobJson.Options)!;
}

/// <summary>
/// Thrown by a handler when retrying cannot help (a refused target, a malformed payload): the job
/// becomes dead at once with this message as its last error.
/// </summary>
public sealed class PermanentJobFailureException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>How a handler's jobs are retried and bounded.</summary>
public sealed class JobHandlerOptions
{
    /// <summary>Attempts before a job is dead (default 5), unless the enqueue says otherwise.</summary>
    public int MaxAttempts { get; set; } = 5;

    /// <summary>The delay before attempt n+1 after attempt n failed (default: 10 s doubling, capped at 1 h, ±10 %).</summary>
    public Func<int, TimeSpan> Backoff { get; set; } = JobBackoff.Exponential(TimeSpan.FromSeconds(10), TimeSpan.FromHours(1));

    /// <summary>An attempt running longer than this is cancelled and counts as failed (default 10 min).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(10);
}

public static class JobBackoff
{
    /// <summary><c>first × 2^(attempt-1)</c>, at most <paramref name="cap"/>, with ±10 % jitter so retries of many jobs spread out.</summary>
    public static Func<int, TimeSpan> Exponential(TimeSpan first, TimeSpan cap) => attempt =>
    {
        var exponent = Math.Clamp(attempt - 1, 0, 30);
        var seconds = Math.Min(cap.TotalSeconds, first.TotalSeconds * Math.Pow(2, exponent));
        return TimeSpan.FromSeconds(seconds * (0.9 + (Random.Shared.NextDouble() * 0.2)));
    };

    /// <summary>A fixed list of delays: after attempt n, the n-th (the last one repeats).</summary>
    public static Func<int, TimeSpan> Schedule(params TimeSpan[] delays)
    {
        ArgumentOutOfRangeException.ThrowIfZero(delays.Length);
        return attempt => delays[Math.Clamp(attempt - 1, 0, delays.Length - 1)];
    }
}

/// <summary>How payloads are written and read.</summary>
internal static class JobJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    public static string Serialize(object? payload) => payload switch
    {
        null => "null",
        JsonElement element => element.GetRawText(),
        _ => JsonSerializer.Serialize(payload, payload.GetType(), Options),
    };
}
