using System.Collections.Concurrent;

namespace Mindstack.Platform.Limits;

/// <summary>
/// Counters in this process's memory: for one node (SQLite). A policy and key share one gate, so
/// all of a policy's windows are checked and counted together.
/// </summary>
internal sealed class MemoryRateCounterStore : IRateCounterStore
{
    private readonly ConcurrentDictionary<string, Gate> _gates = new(StringComparer.Ordinal);

    /// <summary>How many policy-and-key gates are held (for tests of the purge).</summary>
    internal int GateCount => _gates.Count;

    public ValueTask<RateLimitDecision> EvaluateAsync(RateLimitPolicy policy, string key, DateTimeOffset now, bool consume,
        CancellationToken cancellationToken)
    {
        var slots = RateLimitMath.Slots(policy, now);
        var counted = new long[slots.Length];
        while (true)
        {
            var gate = _gates.GetOrAdd(policy.Name + "\n" + key, static _ => new Gate());
            lock (gate.Sync)
            {
                if (gate.Retired)
                {
                    // The purge removed this gate between our lookup and our lock: take the new one.
                    continue;
                }
                var allowed = true;
                for (var i = 0; i < slots.Length; i++)
                {
                    counted[i] = gate.Counters.TryGetValue(slots[i].Window.Length.Ticks, out var c) && c.Start == slots[i].Start ? c.Hits : 0;
                    allowed &= counted[i] < slots[i].Window.Permits;
                }
                if (allowed && consume)
                {
                    for (var i = 0; i < slots.Length; i++)
                    {
                        counted[i]++;
                        gate.Counters[slots[i].Window.Length.Ticks] = new Counter(slots[i].Start, counted[i]);
                        if (slots[i].End > gate.LatestEnd)
                        {
                            gate.LatestEnd = slots[i].End;
                        }
                    }
                }
                return ValueTask.FromResult(RateLimitMath.Decide(policy, slots, counted, allowed, now));
            }
        }
    }

    public Task<int> PurgeAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var removed = 0;
        foreach (var (name, gate) in _gates)
        {
            lock (gate.Sync)
            {
                if (gate.LatestEnd > now.UtcDateTime)
                {
                    continue;
                }
                gate.Retired = true;
            }
            if (_gates.TryRemove(new KeyValuePair<string, Gate>(name, gate)))
            {
                removed++;
            }
        }
        return Task.FromResult(removed);
    }

    private readonly record struct Counter(DateTime Start, long Hits);

    private sealed class Gate
    {
        public Lock Sync { get; } = new();

        /// <summary>By window length (ticks): the window the count belongs to, and the count.</summary>
        public Dictionary<long, Counter> Counters { get; } = [];

        public DateTime LatestEnd { get; set; } = DateTime.MinValue;

        public bool Retired { get; set; }
    }
}
