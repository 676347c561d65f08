using Mindstack.Platform.Observability;

namespace Mindstack.Platform.Tests.Access;

/// <summary>What the command-line parser answers before any command runs: help, the version, refusals.</summary>
public sealed class CliParsingTests
{
    [Theory]
    [InlineData("--help")]
    [InlineData("migrate", "--help")]
    [InlineData("accounts", "create", "--help")]
    [InlineData("accounts", "set-role", "--help")]
    [InlineData("keys", "create", "-h")]
    [InlineData("webhooks", "delete", "--help")]
    [InlineData("ai", "classify", "--help")]
    [InlineData("jobs", "dead", "--help")]
    public async Task Help_AnyCommand_DescribesItsOptions(params string[] args)
    {
        var result = await Cli.RunBareAsync(args);
        Assert.True(result.ExitCode == 0, result.Output + result.Error);
        Assert.Contains("Usage:", result.Output, StringComparison.Ordinal);
        Assert.Contains("--data", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void IsCommand_HelpVersionOrCommandWord_NotServerStart()
    {
        Assert.True(Cli.IsCommand("--version"));
        Assert.True(Cli.IsCommand("--data", "/tmp/x", "--help"));
        Assert.True(Cli.IsCommand("--data", "/tmp/x", "jobs", "stats"));
        Assert.False(Cli.IsCommand("--urls", "http://127.0.0.1:8080", "--data", "/tmp/x"));
    }

    [Fact]
    public async Task Version_Flag_PrintsTheHealthVersion()
    {
        var result = await Cli.RunBareAsync("--version");
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(HealthService.Version, result.Output.Trim());
    }

    [Theory]
    [InlineData("keys", "create", "--api", "mindra", "--email", "a@example.com")]
    [InlineData("accounts", "set-role", "--email", "a@example.com", "--role", "emperor")]
    [InlineData("jobs", "dead", "--limit", "lots")]
    [InlineData("jobs", "dead", "--limit", "0")]
    [InlineData("keys", "rotate")]
    [InlineData("accounts")]
    public async Task Parse_MissingOrBadOption_ExitCode2NamingIt(params string[] args)
    {
        var result = await Cli.RunBareAsync(args);
        Assert.Equal(2, result.ExitCode);
        Assert.NotEmpty(result.Error.Trim());
        Assert.Contains("--help", result.Error, StringComparison.Ordinal);
    }
}
