namespace Mindstack.Platform.Realtime;

/// <summary>
/// An API's own reason an open realtime connection's caller may no longer hold it, beyond the
/// platform's (a session or key revoked, the account suspended or deleted): an API-level ban, for
/// instance. Whenever an account's callers change (<c>ICallerChanges.AccountChangedAsync</c>), every
/// node asks the checks of each API for that account's open connections of the API, and closes those
/// a check refuses. Register with <c>TryAddEnumerable(ServiceDescriptor.Singleton&lt;IRealtimeCallerCheck, T&gt;())</c>.
/// </summary>
public interface IRealtimeCallerCheck
{
    /// <summary>The API whose connections this check judges.</summary>
    string Api { get; }

    /// <summary>
    /// Whether the caller may keep its connection. <paramref name="services"/> are a scope's, for
    /// reading the database; the platform's own checks have already passed.
    /// </summary>
    Task<bool> MayStayAsync(RealtimeCaller caller, IServiceProvider services, CancellationToken cancellationToken);
}
