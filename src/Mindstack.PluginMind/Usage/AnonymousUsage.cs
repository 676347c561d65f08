using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Mindstack.Platform.Http;
using Mindstack.Platform.Storage;

namespace Mindstack.PluginMind.Usage;

/// <summary>Anonymous queries of one client network on one UTC day (<c>yyyy-MM-dd</c>).</summary>
internal sealed class AnonymousDailyUsage
{
    public required string Network { get; set; }
    public required string Day { get; set; }
    public int QueriesUsed { get; set; }
}

/// <summary>
/// The quota of anonymous <c>/analyze-async</c> use: <see cref="PluginMindOptions.AnonymousQueriesPerDay"/>
/// jobs per client network and UTC day, taken atomically in the database (so it holds across
/// nodes), as a signed-in user's monthly queries are.
/// </summary>
internal sealed class AnonymousUsage(MindstackDbContext db, IOptions<PluginMindOptions> options, TimeProvider clock)
{
    /// <summary>
    /// Takes one anonymous query for <paramref name="network"/> today and returns the day it was
    /// taken from; 401 when anonymous use is off, 429 <c>QUERY_LIMIT_EXCEEDED</c> (with
    /// <c>Retry-After</c> until the UTC day turns) when the day's quota is spent.
    /// </summary>
    public async Task<string> ReserveAsync(string network, CancellationToken ct)
    {
        var limit = options.Value.AnonymousQueriesPerDay;
        if (limit <= 0)
        {
            throw Problem.Unauthorized("Not authenticated", "HTTP_EXCEPTION");
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var day = now.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        await EnsureRowAsync(network, day, now, ct);
        var taken = await db.Set<AnonymousDailyUsage>()
            .Where(u => u.Network == network && u.Day == day && u.QueriesUsed < limit)
            .ExecuteUpdateAsync(s => s.SetProperty(u => u.QueriesUsed, u => u.QueriesUsed + 1), ct);
        if (taken == 0)
        {
            throw Problem.RateLimited($"Daily limit of {limit} queries without signing in reached. Sign in, or try again tomorrow.",
                now.Date.AddDays(1) - now, "QUERY_LIMIT_EXCEEDED");
        }
        return day;
    }

    /// <summary>Gives back a query whose job was never queued.</summary>
    public Task ReleaseAsync(string network, string day, CancellationToken ct) =>
        db.Set<AnonymousDailyUsage>()
            .Where(u => u.Network == network && u.Day == day && u.QueriesUsed > 0)
            .ExecuteUpdateAsync(s => s.SetProperty(u => u.QueriesUsed, u => u.QueriesUsed - 1), ct);

    private async Task EnsureRowAsync(string network, string day, DateTime now, CancellationToken ct)
    {
        if (await db.Set<AnonymousDailyUsage>().AnyAsync(u => u.Network == network && u.Day == day, ct))
        {
            return;
        }
        // A new row of the day: the time to forget the days that no longer count.
        var yesterday = now.AddDays(-1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        await db.Set<AnonymousDailyUsage>().Where(u => string.Compare(u.Day, yesterday) < 0).ExecuteDeleteAsync(ct);
        await db.InsertIfAbsentAsync(new AnonymousDailyUsage { Network = network, Day = day }, u => u.Network == network && u.Day == day, ct);
    }
}
