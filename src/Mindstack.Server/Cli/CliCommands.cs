using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using Mindstack.Platform;
using Mindstack.Platform.Accounts;
using Mindstack.Platform.Observability;
using Mindstack.Platform.Storage;

namespace Mindstack.Server.Cli;

/// <summary>
/// Operator commands of the server binary, parsed by System.CommandLine (<c>--help</c> on every
/// command, required options and values checked before anything runs). They work on the same data
/// folder or database as the server (<c>--data DIR</c>, <c>Mindstack__Database</c>), even while it
/// runs. Exit codes: 0 done, 1 the thing asked for is not there (or a provider failed), 2 the
/// operator's mistake (a bad or missing option, a rule the input breaks).
/// </summary>
internal static class CliCommands
{
    private static readonly string[] CommandNames = ["migrate", "accounts", "keys", "ai", "jobs", "webhooks", "backup", "restore"];
    private static readonly string[] RootFlags = ["--help", "-h", "-?", "--version"];

    /// <summary>
    /// True when the arguments name a command (or ask for help or the version), wherever it stands
    /// after the host's options (<c>--data DIR jobs stats</c> is the same command as <c>jobs stats
    /// --data DIR</c>): a command is never mistaken for a request to start the server.
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
            if (RootFlags.Contains(arg, StringComparer.Ordinal))
            {
                return i;
            }
            if (arg.StartsWith('-'))
            {
                if (!arg.Contains('=', StringComparison.Ordinal) && i + 1 < args.Length && !args[i + 1].StartsWith('-'))
                {
                    i++;
                }
                continue;
            }
            return CommandNames.Contains(arg, StringComparer.Ordinal) ? i : -1;
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
        var root = Build(settings);
        var parsed = root.Parse(args);
        var invocation = new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false };
        if (parsed.Errors.Count > 0 && parsed.Action is not (HelpAction or PrintVersionAction))
        {
            foreach (var parseError in parsed.Errors)
            {
                await error.WriteLineAsync(parseError.Message);
            }
            await error.WriteLineAsync($"see: mindstack {string.Join(' ', CommandPath(parsed))} --help");
            return 2;
        }
        return await parsed.InvokeAsync(invocation);
    }

    private static IEnumerable<string> CommandPath(ParseResult parsed)
    {
        var names = new Stack<string>();
        for (var result = parsed.CommandResult; result.Parent is System.CommandLine.Parsing.CommandResult parent; result = parent)
        {
            names.Push(result.Command.Name);
        }
        return names;
    }

    /// <summary>The command tree; each leaf runs its handler with the services the server composes.</summary>
    private static RootCommand Build(IReadOnlyDictionary<string, string?>? settings)
    {
        var data = new Option<string>("--data")
        {
            Description = "The data folder (SQLite file, keys, outbox, media); default ./data",
            Recursive = true,
        };
        var root = new RootCommand("Mindstack: run without a command to start the server; the commands below work on its data folder or database, even while it runs.");
        root.Options.Add(data);
        foreach (var version in root.Options.OfType<VersionOption>())
        {
            version.Action = new PrintVersionAction();
        }

        Command Leaf(string name, string description, Func<CliContext, Task<int>> handler, params Option[] options) =>
            Make(name, description, handler, migrate: true, options);

        Command Make(string name, string description, Func<CliContext, Task<int>> handler, bool migrate, params Option[] options)
        {
            var command = new Command(name, description);
            foreach (var option in options)
            {
                command.Options.Add(option);
            }
            command.SetAction((parse, _) => RunHandlerAsync(parse, data, settings, handler, migrate));
            return command;
        }

        Command Group(string name, string description, params Command[] children)
        {
            var command = new Command(name, description);
            foreach (var child in children)
            {
                command.Subcommands.Add(child);
            }
            return command;
        }

        root.Subcommands.Add(Leaf("migrate", "Apply pending schema migrations and list them (the server also does this at start)", MigrateAsync));

        var email = Required("--email", "The account's email");
        root.Subcommands.Add(Group("accounts", "Operator-made accounts",
            Leaf("create", "Create an account (email verified); prints its id last", AccessCommands.AccountsAsync,
                email, Required("--password", "Its password"), Optional("--username", "A username"), Flag("--admin", "Make it an admin")),
            Leaf("set-role", "Set an account's role", AccessCommands.AccountsAsync,
                email, Required("--role", "The role").AcceptOnlyFromAmong([.. AccountRoles.All])),
            Leaf("set-tier", "Set an account's tier (e.g. business or enterprise on Mindra)", AccessCommands.AccountsAsync,
                email, Required("--tier", "The tier"))));

        var api = Required("--api", "The API (its name, e.g. mindra)");
        root.Subcommands.Add(Group("keys", "API keys",
            Leaf("create", "Create an API key for an account; the key is printed last, and only then", AccessCommands.KeysAsync,
                api, email, Required("--name", "The key's name"), Flag("--sandbox", "A sandbox (test) key"),
                Optional("--permissions", "Comma-separated permissions")),
            Leaf("revoke", "Revoke an API key", AccessCommands.KeysAsync, Required("--id", "The key's id (key_…)")),
            Leaf("rotate-signing", "Make a new access-token signing key current; tokens signed with the older keys stay valid until they expire; prints the new key's id last",
                AccessCommands.KeysAsync)));

        var webhookApi = Required("--api", "mindra or mindpeeker");
        root.Subcommands.Add(Group("webhooks", "An account's webhooks on one API",
            Leaf("create", "Create an account-wide webhook; prints its secret, its id last", WebhooksCommand.RunAsync,
                webhookApi, email, Required("--url", "Where deliveries go"), Optional("--events", "Comma-separated event types (default: all)"),
                Optional("--secret", "The signing secret (default: generated)"), Optional("--description", "A description")),
            Leaf("list", "List an account's webhooks on the API", WebhooksCommand.RunAsync, webhookApi, email),
            Leaf("delete", "Delete a webhook", WebhooksCommand.RunAsync, webhookApi, email, Required("--id", "The webhook's id"))));

        var text = Required("--text", "The input text");
        var ai = Group("ai", "See and try the AI engine as the server is configured (default: routes)",
            Leaf("routes", "Which provider and model serve each operation", AiCommand.RunAsync),
            Leaf("check", "Does a configured remote provider answer", AiCommand.RunAsync),
            Leaf("classify", "Classify the text among labels", AiCommand.RunAsync, text, Required("--labels", "Comma-separated labels")),
            Leaf("translate", "Translate the text", AiCommand.RunAsync, text, Required("--to", "The target language (e.g. fr)")));
        foreach (var operation in new[] { "summarize", "key-points", "sentiment", "moderate", "entities", "detect", "plan" })
        {
            ai.Subcommands.Add(Leaf(operation, $"Run '{operation}' on the text; prints the result and usage as JSON", AiCommand.RunAsync, text));
        }
        ai.SetAction((parse, _) => RunHandlerAsync(parse, data, settings, AiCommand.RunAsync, migrate: true));
        root.Subcommands.Add(ai);

        var limit = new Option<int>("--limit") { Description = "How many, newest first (default 50)", DefaultValueFactory = _ => 50 };
        limit.Validators.Add(result =>
        {
            // A value that is not a number is the parser's own error; this one is about the range.
            if (result.Tokens.Count == 1 && int.TryParse(result.Tokens[0].Value, System.Globalization.CultureInfo.InvariantCulture, out var value) && value < 1)
            {
                result.AddError("--limit must be at least 1");
            }
        });
        // Neither touches the schema: a backup copies what is there, a restore needs an empty folder.
        root.Subcommands.Add(Make("backup", "Write a consistent snapshot of the database (SQLite: online; PostgreSQL: pg_dump) and the data folder's files to one zip",
            BackupCommands.BackupAsync, migrate: false, Required("--to", "The backup file to create")));
        root.Subcommands.Add(Make("restore", "Restore a backup into an empty data folder (and, on PostgreSQL, an empty database, with pg_restore)",
            BackupCommands.RestoreAsync, migrate: false, Required("--from", "The backup file")));

        var jobs = Group("jobs", "The job queue (default: stats)",
            Leaf("stats", "Job counts by type and state", JobsCommand.RunAsync),
            Leaf("dead", "Dead jobs with their last error", JobsCommand.RunAsync, limit),
            Leaf("retry", "Run a dead job again", JobsCommand.RunAsync, Required("--id", "The job's id")),
            Leaf("schedules", "Recurring schedules and their next run", JobsCommand.RunAsync));
        jobs.SetAction((parse, _) => RunHandlerAsync(parse, data, settings, JobsCommand.RunAsync, migrate: true));
        root.Subcommands.Add(jobs);
        return root;
    }

    private static Option<string> Required(string name, string description) => new(name) { Description = description, Required = true };

    private static Option<string> Optional(string name, string description) => new(name) { Description = description };

    private static Option<bool> Flag(string name, string description) => new(name) { Description = description };

    private static async Task<int> RunHandlerAsync(ParseResult parse, Option<string> data,
        IReadOnlyDictionary<string, string?>? settings, Func<CliContext, Task<int>> handler, bool migrate)
    {
        var output = parse.InvocationConfiguration.Output;
        var error = parse.InvocationConfiguration.Error;
        try
        {
            await using var context = await CliContext.CreateAsync(parse, parse.GetValue(data), output, error, settings, migrate);
            return await handler(context);
        }
        catch (CliUsageException usage)
        {
            await error.WriteLineAsync(usage.Message);
            return 2;
        }
        catch (CliFailureException failure)
        {
            await error.WriteLineAsync(failure.Message);
            return 1;
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

    /// <summary><c>--version</c> prints the version <c>/health</c> reports.</summary>
    private sealed class PrintVersionAction : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            parseResult.InvocationConfiguration.Output.WriteLine(HealthService.Version);
            return 0;
        }
    }
}

internal sealed class CliUsageException(string message) : Exception(message);

/// <summary>Something outside the operator's input failed (a tool, a provider): its message, exit code 1.</summary>
internal sealed class CliFailureException(string message) : Exception(message);

/// <summary>The services a command needs, configured exactly as the server configures them.</summary>
internal sealed class CliContext : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly AsyncServiceScope _scope;
    private readonly ParseResult _parse;

    private CliContext(WebApplication app, ParseResult parse, TextWriter output, TextWriter error)
    {
        _app = app;
        _scope = app.Services.CreateAsyncScope();
        _parse = parse;
        Output = output;
        Error = error;
    }

    /// <summary>The subcommand of a group (<c>create</c> in <c>keys create</c>), or null when the group itself ran.</summary>
    public string? Verb => _parse.CommandResult.Parent is System.CommandLine.Parsing.CommandResult { Parent: not null }
        ? _parse.CommandResult.Command.Name
        : null;

    /// <summary>Where results go (standard output outside tests).</summary>
    public TextWriter Output { get; }

    /// <summary>Where the operator's mistakes go (standard error outside tests).</summary>
    public TextWriter Error { get; }

    public IServiceProvider Services => _scope.ServiceProvider;

    public static async Task<CliContext> CreateAsync(ParseResult parse, string? dataDirectory, TextWriter output, TextWriter error,
        IReadOnlyDictionary<string, string?>? settings, bool migrate)
    {
        // Only --data reaches configuration; the command's own options are read by the command.
        string[] hostArgs = dataDirectory is { Length: > 0 } ? ["--data", dataDirectory] : [];
        var builder = WebApplication.CreateBuilder(PlatformHosting.WithSettingsReadOnce(hostArgs));
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }
        builder.Logging.ClearProviders();
        builder.Services.AddMindstack(builder.Configuration);
        var app = builder.Build();
        if (migrate)
        {
            await app.Services.MigrateDatabaseAsync();
        }
        return new CliContext(app, parse, output, error);
    }

    /// <summary>The value of the command's option <c>--name VALUE</c>, or null.</summary>
    public string? Option(string name) => Value<string>(name);

    /// <summary>The parsed value of one of the command's options (its default when not given).</summary>
    public T? Value<T>(string name) => _parse.CommandResult.Command.Options.Any(o => o.Name == name) ? _parse.GetValue<T>(name) : default;

    public bool Flag(string name) => Value<bool>(name);

    /// <summary>A required option's value (the parser already refused a command without it).</summary>
    public string Required(string name) =>
        Option(name) ?? throw new CliUsageException($"missing {name}");

    public async ValueTask DisposeAsync()
    {
        await _scope.DisposeAsync();
        await _app.DisposeAsync();
    }
}
