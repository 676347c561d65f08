using Mindstack.Platform.Http;
using Mindstack.PluginMind.Logs;
using Mindstack.PluginMind.Usage;

namespace Mindstack.PluginMind.Processing;

/// <summary>
/// An analysis as a signed-in user's query: one query of the month is reserved first (429
/// <c>QUERY_LIMIT_EXCEEDED</c> when none is left), given back when the analysis fails, and every
/// call — refused, failed or done — is written to the query log with its time and error.
/// </summary>
internal sealed class ChargedAnalysis(AnalysisService analysis, UsageMeter usage, QueryLogs logs, TimeProvider clock)
{
    public async Task<AnalysisOutcome> RunAsync(string accountId, string tier, string input, string type, CancellationToken ct)
    {
        var started = clock.GetTimestamp();
        var period = await ReserveAsync(accountId, tier, input, type, ct);
        AnalysisOutcome outcome;
        try
        {
            outcome = await analysis.RunAsync(input, type, ct);
        }
        catch (Exception exception)
        {
            // Not charged: the query goes back. CancellationToken.None, since a client that went
            // away (cancelling ct) must not keep the query it was never answered for.
            await usage.ReleaseAsync(accountId, period, CancellationToken.None);
            await logs.WriteAsync(accountId, type, input, false, clock.GetElapsedTime(started), ErrorOf(exception), CancellationToken.None);
            throw;
        }
        await logs.WriteAsync(accountId, type, input, true, clock.GetElapsedTime(started), null, ct);
        return outcome;
    }

    /// <summary>Takes one query of the month (logging a refusal); returns the period to release it from.</summary>
    public async Task<string> ReserveAsync(string accountId, string tier, string input, string type, CancellationToken ct)
    {
        var started = clock.GetTimestamp();
        try
        {
            return await usage.ReserveAsync(accountId, tier, ct);
        }
        catch (Problem problem) when (problem.Kind == ProblemKind.RateLimited)
        {
            await logs.WriteAsync(accountId, type, input, false, clock.GetElapsedTime(started), problem.Message, ct);
            throw;
        }
    }

    public static string ErrorOf(Exception exception) => exception switch
    {
        Problem problem => problem.Message,
        OperationCanceledException => "Cancelled before the analysis finished",
        TimeoutException { Message: var message } when message.StartsWith("The analysis did not finish", StringComparison.Ordinal) => message,
        _ => "Internal error: " + exception.GetType().Name,
    };
}
