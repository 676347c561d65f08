using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;
using Mindstack.Platform.Http;

namespace Mindstack.Platform.Tests.Limits;

/// <summary>
/// The server with the limits probe routes, a hand-moved clock, and a stand-in for distinct
/// clients: the in-process test host has no remote address, so <c>X-Test-Client-Address</c>
/// supplies one (as a real connection would).
/// </summary>
public class LimitsFactory : MindstackFactory
{
    /// <summary>30 seconds into a minute, so minute windows have 30 s left.</summary>
    public static readonly DateTimeOffset Start = new(2026, 11, 23, 10, 0, 30, TimeSpan.Zero);

    public LimitsFactory()
        : this(null, new FakeTimeProvider(Start))
    {
    }

    /// <summary>One of several nodes on one database and one clock (a class fixture has one public constructor).</summary>
    internal LimitsFactory(TestDatabase? sharedDatabase, FakeTimeProvider clock)
        : base(sharedDatabase)
    {
        Clock = clock;
        // The janitor's timer runs on this clock; tests purge when they mean to, so it never fires here.
        WithSetting("Mindstack:Limits:PurgeInterval", "40.00:00:00");
        WithServices(s =>
        {
            s.AddSingleton<IEndpointContributor, LimitsProbeRoutes>();
            s.AddSingleton<LimitsProbeState>();
            s.Replace(ServiceDescriptor.Singleton<TimeProvider>(clock));
            s.AddTransient<IStartupFilter, TestClientAddressStartupFilter>();
        });
    }

    public FakeTimeProvider Clock { get; }

    public LimitsProbeState State => Services.GetRequiredService<LimitsProbeState>();

    private sealed class TestClientAddressStartupFilter : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, nextMiddleware) =>
            {
                if (IPAddress.TryParse(context.Request.Headers["X-Test-Client-Address"].ToString(), out var address))
                {
                    context.Connection.RemoteIpAddress = address;
                }
                return nextMiddleware(context);
            });
            next(app);
        };
    }
}

/// <summary>What the probe endpoints did: runs per name, and gates a test opens.</summary>
public sealed class LimitsProbeState
{
    private readonly ConcurrentDictionary<string, int> _runs = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _started = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _gates = new(StringComparer.Ordinal);

    public int Run(string name) => _runs.AddOrUpdate(name, 1, (_, n) => n + 1);

    public int RunsOf(string name) => _runs.TryGetValue(name, out var n) ? n : 0;

    /// <summary>Completes when a run of <paramref name="name"/> waits at its gate.</summary>
    public TaskCompletionSource Started(string name) =>
        _started.GetOrAdd(name, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    /// <summary>Completed by the test to let a waiting run of <paramref name="name"/> finish.</summary>
    public TaskCompletionSource Gate(string name) =>
        _gates.GetOrAdd(name, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
}
