using System.Collections.Concurrent;
using System.Data.Common;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace Mindstack.Testing;

/// <summary>
/// Counts the database round trips (commands) run while answering requests whose path ends with a
/// suffix; background work (jobs, flushes) runs outside a request and is not counted. The command
/// texts are kept, so a failing count says which queries ran.
/// </summary>
public sealed class RequestCommandCounter(IHttpContextAccessor http) : DbCommandInterceptor
{
    private readonly ConcurrentQueue<string> _commands = new();
    private volatile string? _pathSuffix;

    /// <summary>Installs a counter in a factory's server; read it with <see cref="Of"/>.</summary>
    public static void Install(MindstackFactory factory) => factory.WithServices(services =>
    {
        services.AddHttpContextAccessor();
        services.AddSingleton<RequestCommandCounter>();
        services.AddSingleton<IInterceptor>(sp => sp.GetRequiredService<RequestCommandCounter>());
    });

    public static RequestCommandCounter Of(MindstackFactory factory) => factory.Services.GetRequiredService<RequestCommandCounter>();

    /// <summary>The commands counted since <see cref="Start"/>.</summary>
    public IReadOnlyList<string> Commands => [.. _commands];

    /// <summary>Forgets what was counted and counts the requests to paths ending with <paramref name="pathSuffix"/> from now on.</summary>
    public void Start(string pathSuffix)
    {
        _commands.Clear();
        _pathSuffix = pathSuffix;
    }

    /// <summary>What ran, one command a line, for an assertion's message.</summary>
    public string Describe() => $"{_commands.Count} commands:\n" + string.Join("\n---\n", _commands);

    public override InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result)
    {
        Counted(command);
        return result;
    }

    public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData,
        InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        Counted(command);
        return ValueTask.FromResult(result);
    }

    public override InterceptionResult<int> NonQueryExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<int> result)
    {
        Counted(command);
        return result;
    }

    public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData,
        InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Counted(command);
        return ValueTask.FromResult(result);
    }

    public override InterceptionResult<object> ScalarExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<object> result)
    {
        Counted(command);
        return result;
    }

    public override ValueTask<InterceptionResult<object>> ScalarExecutingAsync(DbCommand command, CommandEventData eventData,
        InterceptionResult<object> result, CancellationToken cancellationToken = default)
    {
        Counted(command);
        return ValueTask.FromResult(result);
    }

    private void Counted(DbCommand command)
    {
        var suffix = _pathSuffix;
        if (suffix is not null && http.HttpContext?.Request.Path.Value?.EndsWith(suffix, StringComparison.Ordinal) == true)
        {
            _commands.Enqueue(command.CommandText);
        }
    }
}
