using Mindstack.Server.Cli;

namespace Mindstack.Testing;

/// <summary>What an operator command printed and how it ended.</summary>
public sealed record CliResult(int ExitCode, string Output, string Error)
{
    /// <summary>The last non-empty line of the output (commands print the id or key they made last).</summary>
    public string LastLine => Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)[^1];
}

/// <summary>
/// The server's operator commands run in-process, on a test database, exactly as the binary runs
/// them (same composition, same arguments); only the console is a pair of writers.
/// </summary>
public static class Cli
{
    public static Task<CliResult> RunAsync(TestDatabase database, params string[] args) => RunAsync(database, clusterMasterKey: false, args);

    /// <summary>
    /// A command beside nodes that share <paramref name="database"/> (each a factory made on it): with
    /// their shared Data Protection master key, as an operator's environment would give it.
    /// </summary>
    public static Task<CliResult> RunOnClusterAsync(TestDatabase database, params string[] args) => RunAsync(database, clusterMasterKey: true, args);

    private static async Task<CliResult> RunAsync(TestDatabase database, bool clusterMasterKey, string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var settings = new Dictionary<string, string?> { ["Mindstack:Database"] = database.PostgresConnectionString ?? "" };
        if (clusterMasterKey)
        {
            settings["Mindstack:DataProtection:MasterKey"] = database.SharedMasterKey;
        }
        var code = await CliCommands.RunAsync([.. args, "--data", database.DataDirectory], output, error, settings);
        return new CliResult(code, output.ToString(), error.ToString());
    }

    /// <summary>A command that needs no database: <c>--help</c>, <c>--version</c>, or one the parser refuses.</summary>
    public static async Task<CliResult> RunBareAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await CliCommands.RunAsync(args, output, error);
        return new CliResult(code, output.ToString(), error.ToString());
    }

    /// <summary>Whether the binary would run these arguments as a command rather than start the server.</summary>
    public static bool IsCommand(params string[] args) => CliCommands.IsCommand(args);
}
