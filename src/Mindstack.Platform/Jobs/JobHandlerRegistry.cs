namespace Mindstack.Platform.Jobs;

/// <summary>A handler registered under a job type name.</summary>
internal sealed record JobHandlerRegistration(string Name, Type HandlerType, JobHandlerOptions Options);

/// <summary>A recurring job registered in code; written to <c>jobs_schedules</c> when workers start.</summary>
internal sealed record RecurringJobRegistration(string Name, string Cron, string Type, string Payload, int Priority);

/// <summary>The job types this node can run.</summary>
internal sealed class JobHandlerRegistry
{
    private readonly Dictionary<string, JobHandlerRegistration> _byName = new(StringComparer.Ordinal);
    private readonly Dictionary<Type, JobHandlerRegistration> _byType = [];

    public JobHandlerRegistry(IEnumerable<JobHandlerRegistration> registrations)
    {
        foreach (var registration in registrations)
        {
            if (_byName.TryGetValue(registration.Name, out var existing) && existing.HandlerType != registration.HandlerType)
            {
                throw new InvalidOperationException(
                    $"Job type '{registration.Name}' is registered for both {existing.HandlerType} and {registration.HandlerType}.");
            }
            _byName[registration.Name] = registration;
            _byType.TryAdd(registration.HandlerType, registration);
        }
        Names = [.. _byName.Keys.Order(StringComparer.Ordinal)];
    }

    public IReadOnlyList<string> Names { get; }

    public JobHandlerRegistration? Find(string name) => _byName.GetValueOrDefault(name);

    public JobHandlerRegistration ForHandler(Type handlerType) =>
        _byType.GetValueOrDefault(handlerType)
        ?? throw new InvalidOperationException($"{handlerType} is not a registered job handler (services.AddJobHandler<{handlerType.Name}>()).");
}
