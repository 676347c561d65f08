using Mindstack.Platform;
using Mindstack.Platform.Storage;

namespace Mindstack.Server.Cli;

/// <summary>
/// Operator commands of the server binary. They work on the same data folder or database as the
/// server (<c>--data DIR</c>, <c>Mindstack__Database</c>), even while it runs.
/// </summary>
internal static class CliCommands
{
    private static readonly Dictionary<string, Func<CliContext, Task<int>>> Commands = new(StringComparer.Ordinal)
    {
        ["migrate"] = MigrateAsync,
        ["accounts"] = AccessCommands.AccountsAsync,
        ["keys"] = AccessCommands.KeysAsync,
        ["ai"] = AiCommand.RunAsync,
        ["jobs"] = JobsCommand.RunAsync,
        ["webhooks"] = WebhooksCommand.RunAsync,
    };

    /// <summary>
    /// True when the arguments name a command, wherever it stands after the host's options
    /// (<c>--data DIR jobs stats</c> is the same command as <c>jobs stats --data DIR</c>): a
    /// command is never mistaken for a request to start the server.
    /// </summary>
    public static bool IsCommand(string[] args) => CommandIndex(args) >= 0;

    /// <summary>
    /// Where the command word stands: the first argument that is neither an option
    /// (<c>--name=value</c>, or <c>--name</c> followed by its value) nor such a value.
    /// </summary>
    internal static int CommandIndex(string[] args)
    {
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (arg.StartsWith('-'))
            {
                if (!arg.Contains('=', StringComparison.Ordinal) && i + 1 < args.Length && !args[i + 1].StartsWith('-'))
                {
                    i++;
                }
                continue;
            }
            return Commands.ContainsKey(arg) ? i : -1;
        }
        return -1;
    }

    public static Task<int> RunAsync(string[] args) => RunAsync(args, Console.Out, Console.Error);

    /// <summary>
    /// Runs a command writing to <paramref name="output"/> and <paramref name="error"/>, with
    /// <paramref name="settings"/> over the configuration (tests run the CLI in-process this way).
    /// </summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error,
        IReadOnlyDictionary<string, string?>? settings = null)
    {
        // The command and its words first, the host options that came before it after them.
        var at = CommandIndex(args);
        args = [.. args[at..], .. args[..at]];
        await using var context = await CliContext.CreateAsync(args, output, error, settings);
        try
        {
            return await Commands[args[0]](context);
        }
        catch (CliUsageException usage)
        {
            await error.WriteLineAsync(usage.Message);
            return 2;
        }
    }

    /// <summary><c>migrate</c>: apply pending schema migrations and list them.</summary>
    private static async Task<int> MigrateAsync(CliContext context)
    {
        var runner = context.Services.GetRequiredService<MigrationRunner>();
        var applied = await runner.MigrateAsync();
        context.Output.WriteLine(applied.Count == 0 ? "schema is current" : $"applied {applied.Count} migration(s): {string.Join(", ", applied)}");
        return 0;
    }
}

internal sealed class CliUsageException(string message) : Exception(message);

/// <summary>The services a command needs, configured exactly as the server configures them.</summary>
internal sealed class CliContext : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly AsyncServiceScope _scope;

    private CliContext(WebApplication app, string[] args, TextWriter output, TextWriter error)
    {
        _app = app;
        _scope = app.Services.CreateAsyncScope();
        Args = args;
        Output = output;
        Error = error;
    }

    public string[] Args { get; }

    /// <summary>Where results go (standard output outside tests).</summary>
    public TextWriter Output { get; }

    /// <summary>Where the operator's mistakes go (standard error outside tests).</summary>
    public TextWriter Error { get; }

    public IServiceProvider Services => _scope.ServiceProvider;

    public static async Task<CliContext> CreateAsync(string[] args, TextWriter output, TextWriter error,
        IReadOnlyDictionary<string, string?>? settings)
    {
        // Only --data reaches configuration; the command's own options are read by the command.
        var dataIndex = Array.IndexOf(args, "--data");
        string[] hostArgs = dataIndex >= 0 && dataIndex + 1 < args.Length ? ["--data", args[dataIndex + 1]] : [];
        var builder = WebApplication.CreateBuilder(hostArgs);
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }
        builder.Logging.ClearProviders();
        builder.Services.AddMindstack(builder.Configuration);
        var app = builder.Build();
        await app.Services.MigrateDatabaseAsync();
        return new CliContext(app, args, output, error);
    }

    /// <summary>The value of <c>--name VALUE</c>, or null.</summary>
    public string? Option(string name)
    {
        var index = Array.IndexOf(Args, name);
        return index >= 0 && index + 1 < Args.Length ? Args[index + 1] : null;
    }

    public bool Flag(string name) => Args.Contains(name, StringComparer.Ordinal);

    public string Required(string name) =>
        Option(name) ?? throw new CliUsageException($"missing {name}");

    public async ValueTask DisposeAsync()
    {
        await _scope.DisposeAsync();
        await _app.DisposeAsync();
    }
}
